/**
 * The threaded wasm kernels give the bits of one thread whatever the timing. Random delays are
 * injected into the threads (ThreadTestHooks in src/tensor/wasm/threads.ts, test only): the main
 * thread naps between publishing a part and waking its worker, a worker before taking a part,
 * before running it and before reporting it done. Every call must still equal, bit for bit, the
 * same call on one thread: no part runs twice, none is read before it is written, none writes
 * into the next call's memory. No timing is asserted, only bits.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { randomUniform, Rng } from 'layerwise';
import type { Padding } from '../../src/tensor/conv-geometry';
import { createWasmKernels, type WasmKernels } from '../../src/tensor/wasm/wasm-backend';
import { window2d } from '../helpers/reference';

const random = (length: number, rng: Rng): Float32Array => randomUniform([length], -1, 1, rng).data;
const bits = (values: Float32Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

/** Products that split (n ≥ 16, 4M multiply-adds and more) over 2 and 3 threads, with edge tiles, k past one 256-deep block, transposes, alpha and beta. */
const GEMMS = [
  { m: 300, n: 200, k: 260, transA: false, transB: true, alpha: 1, beta: 0 },
  { m: 64, n: 1000, k: 100, transA: true, transB: false, alpha: 0.5, beta: 1 },
  { m: 257, n: 33, k: 513, transA: false, transB: false, alpha: 1, beta: 0.5 },
  { m: 128, n: 24, k: 2048, transA: true, transB: true, alpha: -1, beta: 1 },
  { m: 9, n: 7, k: 5, transA: false, transB: false, alpha: 1, beta: 0 },
];

/** Convolutions that split: the MNIST CNN's two layers, and one with filters not a multiple of 8 and images not of whole 4-position tiles (col2im on one thread). */
const CONVS = [
  { image: [32, 28, 28, 1], size: [5, 5], strides: [1, 1], padding: 'same' as Padding, filters: 8, slope: 0.2 },
  { image: [8, 14, 14, 8], size: [5, 5], strides: [1, 1], padding: 'same' as Padding, filters: 16, slope: 0 },
  { image: [8, 17, 17, 12], size: [3, 3], strides: [1, 1], padding: 'same' as Padding, filters: 20, slope: 0.1 },
];

/**
 * Rounds of every case per thread count: per round 4 split products, 6 convolutions and 6
 * backward steps (each of 2 or 3 split parts), so 80 products, 120 of each convolution call.
 */
const ROUNDS = 20;

/** Naps of up to 2 ms; a short spin, so that the threads go to sleep (and are woken) at every call. */
const HOOKS = { maxDelayMs: 2, spin: 1000 };

interface Case {
  run(kernels: WasmKernels): string[];
}

function gemmCase({ m, n, k, transA, transB, alpha, beta }: (typeof GEMMS)[number], rng: Rng): Case {
  const a = random(m * k, rng);
  const b = random(k * n, rng);
  const c0 = random(m * n, rng);
  return {
    run(kernels) {
      const c = c0.slice();
      kernels.gemm(a, b, c, m, n, k, transA, transB, alpha, beta);
      return [bits(c)];
    },
  };
}

function convCase({ image, size, strides, padding, filters, slope }: (typeof CONVS)[number], rng: Rng): Case {
  const g = window2d(image, size, strides, [1, 1], padding);
  const x = random(image.reduce((p, q) => p * q), rng);
  const kernel = random(size[0] * size[1] * image[3] * filters, rng);
  const bias = random(filters, rng);
  const count = g.batch * g.h.output * g.w.output * filters;
  const dy = random(count, rng);
  // Nonzero to begin with: dKernel and dBias accumulate, so a part run twice would show.
  const dKernel0 = random(kernel.length, rng);
  const dBias0 = random(filters, rng);
  return {
    run(kernels) {
      const plain = new Float32Array(count);
      kernels.conv2d(x, g, kernel, bias, plain);
      const z = new Float32Array(count);
      const y = new Float32Array(count);
      kernels.conv2d(x, g, kernel, bias, z, { slope, y });
      const grads = { dKernel: dKernel0.slice(), dBias: dBias0.slice(), dx: new Float32Array(x.length) };
      kernels.conv2dBackward(x, g, kernel, dy, grads, { slope, z });
      const first = { dKernel: dKernel0.slice() };
      kernels.conv2dBackward(x, g, kernel, dy, first);
      return [plain, z, y, grads.dKernel, grads.dBias, grads.dx, first.dKernel].map(bits);
    },
  };
}

describe('threaded wasm kernels under random delays', () => {
  const rng = new Rng('threads-determinism');
  const cases = [...GEMMS.map((s) => gemmCase(s, rng)), ...CONVS.map((s) => convCase(s, rng))];
  const one = createWasmKernels(1);
  const expected = cases.map((c) => c.run(one));

  for (const threads of [2, 3]) {
    it(`${threads} threads: ${ROUNDS} rounds of 5 gemm shapes, conv2d with and without the fused activation, conv2dBackward (dKernel, dBias, dx) on 3 geometries, each call bit-identical to one thread`, () => {
      const kernels = createWasmKernels(threads, { testHooks: { ...HOOKS, seed: threads } });
      let calls = 0;
      for (let round = 0; round < ROUNDS; round++) {
        cases.forEach((c, i) => {
          const got = c.run(kernels);
          calls++;
          // One expect per round and case (not per output), so that a failure names where.
          if (got.some((v, j) => v !== expected[i][j])) expect({ round, case: i, outputs: got.map((v, j) => v === expected[i][j]) }).toEqual({ round, case: i, outputs: got.map(() => true) });
        });
      }
      expect(calls).toBe(ROUNDS * cases.length);
      expect(kernels.threads).toBe(threads);
      // Not vacuous: the workers ran parts (every case but the small product splits; a part a
      // napping worker had not taken when the main thread finished its own, the main thread ran).
      expect(kernels.workerParts).toBeGreaterThan(0);
    });
  }

  it('workers that are late to take their parts: the main thread takes them back once its own part is done and runs them, the workers never write them, and serve the calls after (3 threads, workers start 300 ms late)', async () => {
    const kernels = createWasmKernels(3, { testHooks: { startDelayMs: 300 } });
    for (let round = 0; round < 3; round++) {
      cases.forEach((c, i) => expect(c.run(kernels)).toEqual(expected[i]));
      // Let the workers start (they then find the parts posted so far taken back), then check again.
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(kernels.partsTakenBack).toBeGreaterThan(0);
  });
});

describe('training under random delays', () => {
  const saved = { threads: process.env.LAYERWISE_THREADS, hooks: process.env.LAYERWISE_TEST_THREAD_HOOKS };
  afterEach(() => {
    for (const [name, value] of [['LAYERWISE_THREADS', saved.threads], ['LAYERWISE_TEST_THREAD_HOOKS', saved.hooks]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  /** The MNIST CNN (plus a 640-unit dense layer, so that products split too) for 12 batches, on a fresh copy of the library with these threads. */
  async function train(threads: number, hooks?: object): Promise<{ weights: string[]; threads: number; workerParts: number }> {
    process.env.LAYERWISE_THREADS = String(threads);
    if (hooks) process.env.LAYERWISE_TEST_THREAD_HOOKS = JSON.stringify(hooks);
    else delete process.env.LAYERWISE_TEST_THREAD_HOOKS;
    // A fresh module graph, so that the library's kernels are made anew from the environment.
    vi.resetModules();
    const { Conv2D, Dense, Flatten, LeakyReLU, MaxPooling2D, Rng: FreshRng, Sequential, SGD, randomUniform: uniform, setSeed, tensor } = await import('layerwise');
    const { wasmKernels } = await import('../../src/tensor/wasm/wasm-backend');
    const rng = new FreshRng('threads-train');
    const x = tensor(uniform([128 * 28 * 28], 0, 1, rng).data, [128, 28, 28, 1]);
    const labels = new Float32Array(128 * 10);
    for (let i = 0; i < 128; i++) labels[i * 10 + ((i * 7) % 10)] = 1;
    setSeed(5);
    const model = new Sequential();
    model.add(new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: new LeakyReLU({ alpha: 0.2 }) }));
    model.add(new MaxPooling2D({ poolSize: 2 }));
    model.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'leaky_relu' }));
    model.add(new MaxPooling2D({ poolSize: 3 }));
    model.add(new Flatten());
    model.add(new Dense({ units: 640, activation: 'relu' }));
    model.add(new Dense({ units: 10, activation: 'softmax' }));
    model.compile({ optimizer: new SGD({ learningRate: 0.02, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    await model.fit(x, tensor(labels, [128, 10]), { epochs: 3, batchSize: 32, seed: 1, verbose: 0 });
    const kernels = wasmKernels()!;
    return { weights: model.getWeights().map((w) => bits(w.data)), threads: kernels.threads, workerParts: kernels.workerParts };
  }

  it('the MNIST CNN trained 12 batches on 3 threads with random delays ends with the weights, bit for bit, of 1 thread', async () => {
    const single = await train(1);
    expect(single.threads).toBe(1);
    const threaded = await train(3, HOOKS);
    expect(threaded.threads).toBe(3);
    expect(threaded.workerParts).toBeGreaterThan(0);
    expect(threaded.weights).toEqual(single.weights);
  });
});
