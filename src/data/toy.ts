import { rngFor } from '../tensor/random';
import { tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkInteger, checkNumber, classLabels, type Dataset } from './dataset';

// Every generator here writes its points class by class (all of class 0 first): `fit` shuffles.
// Labels follow `classLabels`: [N, 1] for two classes, [N] class indices otherwise.

/** The four XOR points with labels [N, 1]. */
export function xor(): Dataset {
  return {
    x: tensor(Float32Array.of(0, 0, 0, 1, 1, 0, 1, 1), [4, 2]),
    y: tensor(Float32Array.of(0, 1, 1, 0), [4, 1]),
  };
}

export interface SpiralsOptions {
  /** Points per class. Default 100. */
  samples?: number;
  /** Number of arms (classes). Default 2. */
  classes?: number;
  /** Turns each arm makes. Default 1.5 (two-class spirals interleave 1.5 times). */
  turns?: number;
  /** Standard deviation of the noise added to each point. Default 0.05. */
  noise?: number;
  /** Seed of the noise; without it, drawn from the global stream (see `setSeed`). */
  seed?: number;
}

/**
 * Interleaved spiral arms in [-1, 1]², one per class. Labels are [N, 1] for two classes (0 or 1)
 * and class indices [N] for more.
 */
export function spirals({ samples = 100, classes = 2, turns = 1.5, noise = 0.05, seed }: SpiralsOptions = {}): Dataset {
  checkInteger('spirals', 'samples', samples, 1);
  checkInteger('spirals', 'classes', classes, 1);
  checkNoise('spirals', noise);
  return pointsByClass(classes, samples, noise, seed, (c, i) => {
    const r = (i + 1) / samples;
    const angle = 2 * Math.PI * (turns * r + c / classes);
    return [r * Math.cos(angle), r * Math.sin(angle)];
  });
}

export interface MoonsOptions {
  /** Points per moon (class). Default 100. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.05. */
  noise?: number;
  /** Seed of the noise; without it, drawn from the global stream (see `setSeed`). */
  seed?: number;
}

/**
 * Two interleaving half circles, as scikit-learn's `make_moons`: class 0 is the upper arc
 * (cos t, sin t), class 1 the lower arc (1 − cos t, 0.5 − sin t), t evenly spaced over [0, π].
 * x is [2·samples, 2], labels [2·samples, 1].
 */
export function moons({ samples = 100, noise = 0.05, seed }: MoonsOptions = {}): Dataset {
  checkInteger('moons', 'samples', samples, 1);
  checkNoise('moons', noise);
  const step = samples > 1 ? Math.PI / (samples - 1) : 0;
  return pointsByClass(2, samples, noise, seed, (c, i) => {
    const t = i * step;
    return c === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
  });
}

export interface CirclesOptions {
  /** Points per circle (class). Default 100. */
  samples?: number;
  /** Standard deviation of the Gaussian noise added to each coordinate. Default 0.05. */
  noise?: number;
  /** Radius of the inner circle (class 1) relative to the outer one (class 0, radius 1), in [0, 1). Default 0.5. */
  factor?: number;
  /** Seed of the noise; without it, drawn from the global stream (see `setSeed`). */
  seed?: number;
}

/**
 * A circle of radius `factor` inside a circle of radius 1, as scikit-learn's `make_circles`:
 * class 0 is the outer circle, class 1 the inner one, angles evenly spaced over [0, 2π).
 * x is [2·samples, 2], labels [2·samples, 1].
 */
export function circles({ samples = 100, noise = 0.05, factor = 0.5, seed }: CirclesOptions = {}): Dataset {
  checkInteger('circles', 'samples', samples, 1);
  checkNoise('circles', noise);
  checkNumber('circles', 'factor', factor, factor >= 0 && factor < 1, 'in [0, 1)');
  return pointsByClass(2, samples, noise, seed, (c, i) => {
    const t = (2 * Math.PI * i) / samples;
    const r = c === 0 ? 1 : factor;
    return [r * Math.cos(t), r * Math.sin(t)];
  });
}

/**
 * `samples` points for each of `classes` classes, class by class: point i of class c is
 * `point(c, i)` plus Gaussian noise of standard deviation `noise` on each coordinate (drawn in
 * that order from the seeded stream). Labels follow `classLabels`.
 */
function pointsByClass(
  classes: number,
  samples: number,
  noise: number,
  seed: number | undefined,
  point: (c: number, i: number) => readonly number[],
): Dataset {
  const rng = rngFor(seed);
  const n = samples * classes;
  const features = point(0, 0).length;
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < samples; i++) {
      const k = c * samples + i;
      const p = point(c, i);
      for (let f = 0; f < features; f++) x[k * features + f] = p[f] + noise * rng.normal();
      y[k] = c;
    }
  }
  return { x: tensor(x, [n, features]), y: classLabels(y, classes) };
}

export interface BlobsOptions {
  /** Points per blob (class). Default 100. */
  samples?: number;
  /**
   * The blobs' centres: a count k ≥ 1, placed evenly on the unit circle at angles 2πc/k (2-D
   * points), or the centres themselves, one array of coordinates each (any equal length). Default 3.
   */
  centers?: number | readonly (readonly number[])[];
  /** Standard deviation of each blob, the same along every coordinate. Default 0.25. */
  std?: number;
  /** Seed of the noise; without it, drawn from the global stream (see `setSeed`). */
  seed?: number;
}

/**
 * Isotropic Gaussian blobs, one per class, as scikit-learn's `make_blobs` (but with centres given
 * or evenly placed, never drawn). x is [N, features]; labels are [N, 1] for two blobs and class
 * indices [N] otherwise.
 */
export function blobs({ samples = 100, centers = 3, std = 0.25, seed }: BlobsOptions = {}): Dataset {
  checkInteger('blobs', 'samples', samples, 1);
  checkNumber('blobs', 'std', std, std >= 0, 'a non-negative number');
  const points = blobCenters(centers);
  return pointsByClass(points.length, samples, std, seed, (c) => points[c]);
}

function blobCenters(centers: number | readonly (readonly number[])[]): readonly (readonly number[])[] {
  if (typeof centers === 'number') {
    checkInteger('blobs', 'centers', centers, 1);
    return Array.from({ length: centers }, (_, c) => [Math.cos((2 * Math.PI * c) / centers), Math.sin((2 * Math.PI * c) / centers)]);
  }
  const features = Array.isArray(centers) && Array.isArray(centers[0]) ? centers[0].length : 0;
  const ok =
    features > 0 && centers.every((p) => Array.isArray(p) && p.length === features && p.every((v) => typeof v === 'number' && Number.isFinite(v)));
  if (!ok) {
    throw new LayerwiseError(
      `blobs: centers must be a positive integer or a non-empty array of points of one length, ` +
        `such as [[0, 0], [2, 2]]. Received: centers=${JSON.stringify(centers)}.`,
    );
  }
  return centers;
}

function checkNoise(where: string, noise: number): void {
  checkNumber(where, 'noise', noise, noise >= 0, 'a non-negative number');
}
