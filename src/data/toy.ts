import { rngFor } from '../tensor/random';
import { tensor, type Tensor } from '../tensor/tensor';

/** A labelled dataset: inputs [N, features] and labels [N, 1] (or [N] class indices). */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

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
  seed?: number;
}

/**
 * Interleaved spiral arms in [-1, 1]², one per class. Labels are [N, 1] for two classes (0 or 1)
 * and class indices [N] for more.
 */
export function spirals({ samples = 100, classes = 2, turns = 1.5, noise = 0.05, seed }: SpiralsOptions = {}): Dataset {
  const rng = rngFor(seed);
  const n = samples * classes;
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < samples; i++) {
      const k = c * samples + i;
      const r = (i + 1) / samples;
      const angle = 2 * Math.PI * (turns * r + c / classes);
      x[2 * k] = r * Math.cos(angle) + noise * rng.normal();
      x[2 * k + 1] = r * Math.sin(angle) + noise * rng.normal();
      y[k] = c;
    }
  }
  return { x: tensor(x, [n, 2]), y: tensor(y, classes === 2 ? [n, 1] : [n]) };
}
