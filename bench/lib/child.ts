/**
 * What every measuring child process shares: its arguments, the MNIST arrays the parent wrote,
 * time-boxed repeats, memory peaks, and the one JSON line it reports on stdout.
 *
 * A child measures one library on one task. It runs a warm-up, then `repeats` timed segments of
 * at least `segmentSeconds` each (whole batches), stopping early once `capSeconds` have passed
 * (at least one segment always runs). Each segment gives one samples/s (or GFLOPS) figure.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a child measures: training the MLP or the CNN at batch 32; inference with the CNN at batch 32
 * ('infer'), the MLP or the CNN at batch 256; GEMM; the MLP's batch-size sweep; LSTM training; and,
 * for layerwise only, one training step's time by phase.
 */
export type Task = 'mlp' | 'cnn' | 'infer' | 'infer-mlp' | 'infer-cnn' | 'gemm' | 'sweep' | 'lstm' | 'phases';

export interface ChildArgs {
  task: Task;
  /** Library-specific variant: 'wasm' or 'js' for layerwise, 'cpu', 'wasm', 'wasm-patched' for TF.js. */
  variant: string;
  dataDir: string;
  warmupSeconds: number;
  segmentSeconds: number;
  repeats: number;
  capSeconds: number;
  /** Digits predicted per inference segment. */
  inferSamples: number;
  /** GEMM sizes (square). */
  gemmSizes: number[];
  /** Batch sizes of the MLP sweep. */
  sweepSizes: number[];
}

export function parseArgs(argv = process.argv.slice(2)): ChildArgs {
  const get = (name: string): string => {
    const at = argv.indexOf(`--${name}`);
    if (at < 0 || at + 1 >= argv.length) throw new Error(`bench child: missing --${name}`);
    return argv[at + 1];
  };
  return {
    task: get('task') as Task,
    variant: get('variant'),
    dataDir: get('data'),
    warmupSeconds: Number(get('warmup')),
    segmentSeconds: Number(get('segment')),
    repeats: Number(get('repeats')),
    capSeconds: Number(get('cap')),
    inferSamples: Number(get('infer-samples')),
    gemmSizes: get('gemm-sizes').split(',').map(Number),
    sweepSizes: get('sweep-sizes').split(',').map(Number),
  };
}

/** The MNIST arrays written by the parent: images [N, 784] in [0, 1], one-hot labels [N, 10]. */
export interface Digits {
  x: Float32Array;
  y: Float32Array;
  count: number;
}

export function readDigits(dataDir: string, part: 'train' | 'test' | 'seq'): Digits {
  const read = (name: string): Float32Array => {
    const bytes = fs.readFileSync(path.join(dataDir, `${part}-${name}.f32`));
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  };
  const x = read('x');
  const y = read('y');
  return { x, y, count: y.length / 10 };
}

/** The sequences of the LSTM row ('seq-x.f32', 'seq-y.f32' in the data directory): [N, steps, features], one-hot [N, 10]. */
export const SEQUENCES = { count: 4096, steps: 20, features: 8 };

/**
 * Sequences a class can be told from: class k's sequences follow a sine of frequency k + 1 over
 * the steps in every feature (with a phase per feature), plus uniform noise from `operand`'s stream.
 */
export function makeSequences(): { x: Float32Array; y: Float32Array } {
  const { count, steps, features } = SEQUENCES;
  const noise = operand(count * steps * features, 7);
  const x = new Float32Array(count * steps * features);
  const y = new Float32Array(count * 10);
  for (let i = 0; i < count; i++) {
    const k = i % 10;
    y[i * 10 + k] = 1;
    for (let t = 0; t < steps; t++) {
      for (let f = 0; f < features; f++) {
        const at = (i * steps + t) * features + f;
        x[at] = Math.sin(((k + 1) * t) / steps * Math.PI + f) + 0.5 * noise[at];
      }
    }
  }
  return { x, y };
}

/** The class index of each one-hot row. */
export function labelsOf(y: Float32Array): Int32Array {
  const out = new Int32Array(y.length / 10);
  for (let i = 0; i < out.length; i++) for (let k = 0; k < 10; k++) if (y[i * 10 + k] === 1) out[i] = k;
  return out;
}

/** Peak JS heap seen by `sampleHeap`, in bytes. */
let peakHeap = 0;

export function sampleHeap(): void {
  const used = process.memoryUsage().heapUsed;
  if (used > peakHeap) peakHeap = used;
}

/** What a child reports. */
export interface ChildResult {
  /** One figure per timed segment: samples/s, or GFLOPS for GEMM. */
  values: number[];
  /** GEMM: size → GFLOPS per segment. */
  gemm?: Record<string, number[]>;
  /** The sweep: `train-<batch>` or `infer-<batch>` → samples/s per segment. */
  sweep?: Record<string, number[]>;
  /** The breakdown: model ('mlp', 'cnn') → phase → microseconds per step, one value per segment. */
  phases?: Record<string, Record<string, number[]>>;
  /** Process peak resident set size (kernel's maxRSS), bytes. */
  peakRss: number;
  /** Peak JS heap used, sampled every batch, bytes. */
  peakHeap: number;
  /** Why the library could not run the task, when it could not. */
  error?: string;
  note?: string;
}

export function report(result: Omit<ChildResult, 'peakRss' | 'peakHeap'>): void {
  sampleHeap();
  const full: ChildResult = { ...result, peakRss: process.resourceUsage().maxRSS * 1024, peakHeap };
  process.stdout.write(`\nRESULT ${JSON.stringify(full)}\n`);
}

/**
 * Segments of a training run: call `batchDone(samples)` after every batch; it returns true when
 * the run should stop. The first `warmupSeconds` (at least one batch) are not counted.
 */
export class Segments {
  readonly values: number[] = [];
  private readonly started = performance.now();
  private segmentStart = -1;
  private segmentSamples = 0;

  constructor(private readonly args: ChildArgs) {}

  batchDone(samples: number): boolean {
    sampleHeap();
    const now = performance.now();
    if (this.segmentStart < 0) {
      // Warming up. A first batch slower than 4 segments (TF.js cpu's CNN in --quick) is measured
      // as the only segment: the time box allows no more.
      const elapsed = (now - this.started) / 1000;
      if (elapsed >= 4 * this.args.segmentSeconds) {
        this.values.push(samples / elapsed);
        return true;
      }
      if (elapsed >= this.args.warmupSeconds) this.segmentStart = now;
      return false;
    }
    this.segmentSamples += samples;
    const elapsed = (now - this.segmentStart) / 1000;
    if (elapsed < this.args.segmentSeconds) return false;
    this.values.push(this.segmentSamples / elapsed);
    this.segmentSamples = 0;
    this.segmentStart = now;
    return this.values.length >= this.args.repeats || (now - this.started) / 1000 >= this.args.capSeconds;
  }
}

/** Runs `once` (one inference pass over `samples` digits) in time-boxed segments; samples/s each. */
export async function timeRepeats(args: ChildArgs, samples: number, once: () => void | Promise<void>): Promise<number[]> {
  const started = performance.now();
  do await once();
  while (performance.now() - started < args.warmupSeconds * 1000);
  const values: number[] = [];
  while (values.length < args.repeats) {
    const t0 = performance.now();
    let done = 0;
    do {
      await once();
      sampleHeap();
      done += samples;
    } while (performance.now() - t0 < args.segmentSeconds * 1000);
    values.push(done / ((performance.now() - t0) / 1000));
    if ((performance.now() - started) / 1000 >= args.capSeconds) break;
  }
  return values;
}

/** GFLOPS of `multiply` (one n x n x n product) per segment, for each size. */
export function timeGemm(args: ChildArgs, multiply: (n: number) => () => void): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const perSize = { ...args, segmentSeconds: args.segmentSeconds / 2, warmupSeconds: args.warmupSeconds / 2, capSeconds: args.capSeconds / args.gemmSizes.length };
  for (const n of args.gemmSizes) {
    const run = multiply(n);
    const flops = 2 * n ** 3;
    const values: number[] = [];
    const started = performance.now();
    do run();
    while (performance.now() - started < perSize.warmupSeconds * 1000);
    while (values.length < perSize.repeats) {
      const t0 = performance.now();
      let reps = 0;
      do {
        run();
        reps++;
      } while (performance.now() - t0 < perSize.segmentSeconds * 1000);
      values.push((reps * flops) / ((performance.now() - t0) / 1000) / 1e9);
      if ((performance.now() - started) / 1000 >= perSize.capSeconds) break;
    }
    out[n] = values;
  }
  return out;
}

/** Uniform values in [-1, 1) from a fixed linear congruential stream: the same operands for every library. */
export function operand(length: number, seed: number): Float32Array {
  const a = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** The models, as each library is told them: the same layers, sizes, activations and optimizer. */
export const MODELS = {
  learningRate: 0.01,
  momentum: 0.9,
  batchSize: 32,
  /** Inference batch size: predict's default in layerwise and TF.js. */
  inferBatchSize: 32,
  /** The batch of the 'infer-mlp' and 'infer-cnn' rows. */
  largeBatchSize: 256,
  /** LSTM units of the 'lstm' row (then Dense(10), softmax). */
  lstmUnits: 64,
};

/** The batch size of an inference task. */
export function inferBatchOf(task: Task): number {
  return task === 'infer' ? MODELS.inferBatchSize : MODELS.largeBatchSize;
}

/**
 * The time box of one part of the sweep (training or inference at one batch size): half-length
 * segments and warm-up, and a share of two tasks' cap, so that the whole sweep costs about two tasks.
 */
export function sweepArgs(args: ChildArgs): ChildArgs {
  const parts = 2 * args.sweepSizes.length;
  return { ...args, segmentSeconds: args.segmentSeconds / 2, warmupSeconds: args.warmupSeconds / 2, capSeconds: (2 * args.capSeconds) / parts };
}
