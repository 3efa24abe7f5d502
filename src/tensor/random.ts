import seedrandom from 'seedrandom';
import { sizeOf, tensor, type Shape, type Tensor } from './tensor';

/** A seeded stream of random numbers; the same seed gives the same numbers, bit for bit. */
export class Rng {
  private readonly next: () => number;
  private spare: number | null = null;

  constructor(readonly seed: number | string) {
    this.next = seedrandom(String(seed));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Standard normal, by the Box-Muller transform. */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh seed drawn from this stream, to start an independent generator. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 32));
  }

  /** Shuffles in place (Fisher-Yates). */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

/** The seed layerwise starts from, so that scripts are reproducible unless told otherwise. */
export const DEFAULT_SEED = 1337;

let globalRng = new Rng(DEFAULT_SEED);

/**
 * Restarts the global random stream that initializers, dropout and shuffling draw from when they
 * are not given a seed of their own. The same seed and the same script give bit-identical runs.
 */
export function setSeed(seed: number | string): void {
  globalRng = new Rng(seed);
}

/** A generator for one user of randomness: seeded by `seed` if given, else drawn from the global stream. */
export function rngFor(seed?: number | string): Rng {
  return seed === undefined ? globalRng.fork() : new Rng(seed);
}

export function randomUniform(shape: Shape, min = 0, max = 1, rng: Rng = rngFor()): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = min + (max - min) * rng.uniform();
  return tensor(data, shape);
}

export function randomNormal(shape: Shape, mean = 0, stddev = 1, rng: Rng = rngFor()): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = mean + stddev * rng.normal();
  return tensor(data, shape);
}

/** Normal values redrawn until they fall within two standard deviations, as Keras's TruncatedNormal. */
export function truncatedNormal(shape: Shape, mean = 0, stddev = 1, rng: Rng = rngFor()): Tensor {
  const data = new Float32Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) {
    let z: number;
    do z = rng.normal();
    while (Math.abs(z) > 2);
    data[i] = mean + stddev * z;
  }
  return tensor(data, shape);
}
