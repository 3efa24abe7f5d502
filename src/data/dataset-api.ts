import { gatherRows } from '../tensor/kernels';
import { rngFor, type Rng } from '../tensor/random';
import { reshape, tensor, toTensor, type Tensor, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkInteger } from './dataset';

/** One batch of a dataset for `fitDataset` and `evaluateDataset`: inputs and labels, one sample a row. */
export interface Batch {
  xs: TensorLike;
  ys: TensorLike;
}

/** Batches one after another: an array, a generator, an async generator, any (async) iterable. */
export type BatchSource = Iterable<Batch> | AsyncIterable<Batch>;

/**
 * What `fitDataset` takes: an iterable or async iterable of batches, or a function returning a
 * fresh one (called once an epoch). A one-shot iterable (a generator object) cannot restart, so
 * fitDataset then needs `batchesPerEpoch` (as TF.js).
 */
export type DatasetSource = BatchSource | (() => BatchSource);

/**
 * Samples in memory as a restartable dataset of batches: each iteration is one epoch, in order or,
 * after `.shuffle(seed)`, in a fresh seeded order each epoch. Immutable: `.shuffle` and `.batch`
 * return new datasets.
 */
export class ArrayDataset implements Iterable<Batch> {
  private rng?: Rng;

  /** @internal use {@link fromArrays}. */
  constructor(
    private readonly x: Tensor,
    private readonly y: Tensor,
    private readonly batchSize = 32,
    private readonly seed?: number,
  ) {}

  /** The samples. */
  get size(): number {
    return this.x.shape[0];
  }

  /** This dataset with its samples shuffled anew each epoch, reproducibly from `seed`. */
  shuffle(seed: number): ArrayDataset {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new LayerwiseError(`datasets.fromArrays(...).shuffle: seed must be a number. Received: seed=${String(seed)}.`);
    return new ArrayDataset(this.x, this.y, this.batchSize, seed);
  }

  /** This dataset in batches of `n` samples (the last may be smaller). Default 32. */
  batch(n: number): ArrayDataset {
    checkInteger('datasets.fromArrays(...).batch', 'n', n, 1);
    return new ArrayDataset(this.x, this.y, n, this.seed);
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const samples = this.x.shape[0];
    const order = Int32Array.from({ length: samples }, (_, i) => i);
    if (this.seed !== undefined) {
      this.rng ??= rngFor(this.seed);
      this.rng.shuffle(order);
    }
    const xRow = this.x.size / samples;
    const yRow = this.y.size / samples;
    for (let start = 0; start < samples; start += this.batchSize) {
      const end = Math.min(samples, start + this.batchSize);
      const xs = new Float32Array((end - start) * xRow);
      const ys = new Float32Array((end - start) * yRow);
      gatherRows(this.x.data, xRow, order, start, end, xs);
      gatherRows(this.y.data, yRow, order, start, end, ys);
      yield { xs: tensor(xs, [end - start, ...this.x.shape.slice(1)]), ys: tensor(ys, [end - start, ...this.y.shape.slice(1)]) };
    }
  }
}

/**
 * A dataset of the samples `x` and labels `y` (one a row), for `fitDataset`: chain `.shuffle(seed)`
 * and `.batch(n)`, as `datasets.fromArrays(x, y).shuffle(42).batch(32)`.
 */
export function fromArrays(x: TensorLike, y: TensorLike): ArrayDataset {
  let xt = toTensor(x, 'datasets.fromArrays x');
  let yt = toTensor(y, 'datasets.fromArrays y');
  if (xt.shape.length === 1) xt = reshape(xt, [xt.shape[0], 1]);
  if (yt.shape.length === 0) yt = reshape(yt, [1]);
  if (xt.shape[0] !== yt.shape[0]) {
    throw new LayerwiseError(`datasets.fromArrays: x has ${xt.shape[0]} samples but y has ${yt.shape[0]}. Give one label a sample.`);
  }
  return new ArrayDataset(xt, yt);
}
