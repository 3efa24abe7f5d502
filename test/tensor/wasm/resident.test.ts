/**
 * Tensors that live in the wasm kernels' memory (WasmKernels.allocate, backend.ts residentArray):
 * the kernels use them in place, with the same bits as when every operand is copied in and out,
 * on one thread and on two; C overlapping A or B is copied as before; where residency cannot be
 * (a memory that is not shared, a tensor too large), plain arrays.
 */
import { describe, expect, it } from 'vitest';
import { Dense, randomUniform, Rng, Sequential, setBackend, SGD, tensor } from 'layerwise';
import { residentArray } from '../../../src/tensor/backend';
import { biasActivation, fillZeros } from '../../../src/tensor/kernels';
import { jsKernels } from '../../../src/tensor/js';
import type { ConvGradients } from '../../../src/tensor/kernel-interface';
import { window2d } from '../../helpers/reference';
import { createWasmKernels, wasmKernels, type WasmKernels } from '../../../src/tensor/wasm/wasm-backend';

const random = (length: number, rng: Rng): Float32Array => randomUniform([length], -1, 1, rng).data;

/** `values` in wasm memory of `kernels`, or a plain copy. */
function placed(kernels: WasmKernels, values: Float32Array, resident: boolean): Float32Array {
  const out = resident ? kernels.allocate(values.length)! : new Float32Array(values.length);
  out.set(values);
  return out;
}

describe.each([1, 2])('resident operands, %i thread(s)', (threads) => {
  const kernels = createWasmKernels(threads);

  it('allocate gives zeroed arrays over the kernels\' shared memory, and counts them', () => {
    const before = kernels.residentSize;
    const a = kernels.allocate(10)!;
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(a)).toEqual(new Array(10).fill(0));
    expect(kernels.residentSize).toBe(before + 12);
  });

  // Shapes large enough to split over two threads (above 4M multiply-adds) and small ones, every transpose and beta.
  const shapes: [number, number, number][] = [[3, 5, 7], [32, 128, 784], [100, 96, 520]];
  it.each(shapes)('gemm %i x %i x %i: the same bits for each of A, B, C resident or copied, every transpose, beta 0, 1 and 0.5', (m, n, k) => {
    const rng = new Rng(`resident-gemm-${m}`);
    const a0 = random(m * k, rng);
    const b0 = random(k * n, rng);
    const c0 = random(m * n, rng);
    let differing = 0;
    for (const [transA, transB] of [[false, false], [true, false], [false, true]]) {
      for (const beta of [0, 1, 0.5]) {
        const expected = Float32Array.from(c0);
        kernels.gemm(a0, b0, expected, m, n, k, transA, transB, 1.5, beta);
        for (let which = 1; which < 8; which++) {
          const [a, b, c] = [a0, b0, c0].map((v, i) => placed(kernels, v, (which >> i) % 2 === 1));
          kernels.gemm(a, b, c, m, n, k, transA, transB, 1.5, beta);
          if (!Buffer.from(c.buffer, c.byteOffset, c.byteLength).equals(Buffer.from(expected.buffer))) differing++;
          expect(Array.from(a.subarray(0, 4))).toEqual(Array.from(a0.subarray(0, 4)));
        }
      }
    }
    expect(differing).toBe(0);
  });

  it('beta 0 never reads C (a C of NaN gives the product: full and edge tiles, several blocks over k), and k = 0 gives zeros', () => {
    const rng = new Rng('overwrite');
    for (const [m, n, k] of [[5, 11, 300], [8, 16, 3], [1, 1, 1]] as const) {
      const a = random(m * k, rng);
      const b = random(k * n, rng);
      const expected = new Float32Array(m * n);
      kernels.gemm(a, b, expected, m, n, k, false, false, 1, 0.5);
      for (const resident of [false, true]) {
        const c = placed(kernels, new Float32Array(m * n).fill(NaN), resident);
        kernels.gemm(a, b, c, m, n, k, false, false, 1, 0);
        expect(Array.from(c)).toEqual(Array.from(expected));
      }
    }
    const c = new Float32Array(6).fill(NaN);
    kernels.gemm(new Float32Array(0), new Float32Array(0), c, 2, 3, 0, false, false, 1, 0);
    expect(Array.from(c)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('gemm with C over the same memory as A (C = A · B + C, square): the product of the old A, as when copied', () => {
    const rng = new Rng('resident-alias');
    const n = 24;
    const a0 = random(n * n, rng);
    const b = random(n * n, rng);
    const expected = Float32Array.from(a0);
    kernels.gemm(Float32Array.from(a0), b, expected, n, n, n, false, false, 1, 1);
    const a = placed(kernels, a0, true);
    kernels.gemm(a, b, a, n, n, n, false, false, 1, 1);
    expect(Array.from(a)).toEqual(Array.from(expected));
    // Part of one resident array as A, an overlapping part as C.
    const both = placed(kernels, random(2 * n * n, rng), true);
    const aPart = Float32Array.from(both.subarray(0, n * n));
    const cPart = Float32Array.from(both.subarray(n, n + n * n));
    kernels.gemm(aPart, b, cPart, n, n, n, false, false, 1, 1);
    kernels.gemm(both.subarray(0, n * n), b, both.subarray(n, n + n * n), n, n, n, false, false, 1, 1);
    expect(Array.from(both.subarray(n, n + n * n))).toEqual(Array.from(cPart));
  });

  // Output counts that are multiples of 4 (z, y, dy and z used in place) and one that is not (copied).
  it.each([
    [[4, 9, 9, 3], 8],
    [[3, 7, 5, 2], 5],
  ])('conv2d and conv2dBackward, input %j, %i filters: the same bits with the kernel, bias, z, y, dy and the gradients resident or copied, with and without the fused activation and the bias', (shape, filters) => {
    const rng = new Rng(`resident-conv-${filters}`);
    const g = window2d(shape, [3, 3], [1, 1], [1, 1], 'same');
    const count = g.batch * g.h.output * g.w.output * filters;
    const x = random(shape.reduce((p, d) => p * d), rng);
    const [kernel0, bias0, dy0, dk0, db0] = [9 * shape[3] * filters, filters, count, 9 * shape[3] * filters, filters].map((n) => random(n, rng));
    const run = (resident: boolean, slope: number | undefined, withBias: boolean): Float32Array[] => {
      const [kernel, bias, dy, dKernel, dBias] = [kernel0, bias0, dy0, dk0, db0].map((v) => placed(kernels, v, resident));
      const [z, y] = [count, count].map((n) => placed(kernels, new Float32Array(n), resident));
      const dx = placed(kernels, new Float32Array(x.length), resident);
      kernels.conv2d(x, g, kernel, withBias ? bias : undefined, z, slope === undefined ? undefined : { slope, y });
      const grads: ConvGradients = withBias ? { dKernel, dBias, dx } : { dKernel, dx };
      kernels.conv2dBackward(x, g, kernel, dy, grads, slope === undefined ? undefined : { slope, z });
      return [z, y, dKernel, dBias, dx, dy];
    };
    for (const slope of [undefined, 0, 0.2]) {
      for (const withBias of [true, false]) {
        const copied = run(false, slope, withBias);
        const inPlace = run(true, slope, withBias);
        copied.forEach((c, i) => expect(Array.from(inPlace[i])).toEqual(Array.from(c)));
      }
    }
  });

  it('sgd on resident w, g and v gives the bits of copied ones (split among the threads on 2), plain, momentum and nesterov', () => {
    const rng = new Rng('resident-sgd');
    // Above PARALLEL_SGD (65,536): on 2 threads the step is split.
    const size = 100_003;
    const [w0, g0, v0] = [random(size, rng), random(size, rng), random(size, rng)];
    const partsBefore = kernels.workerParts + kernels.partsTakenBack;
    for (const [momentum, nesterov] of [[0, false], [0.9, false], [0.9, true]] as const) {
      const [w, g, v] = [w0, g0, v0].map((x) => Float32Array.from(x));
      kernels.sgd(w, g, momentum ? v : undefined, 0.01, momentum, nesterov);
      const [rw, rg, rv] = [w0, g0, v0].map((x) => placed(kernels, x, true));
      kernels.sgd(rw, rg, momentum ? rv : undefined, 0.01, momentum, nesterov);
      expect(Array.from(rw)).toEqual(Array.from(w));
      expect(Array.from(rv)).toEqual(Array.from(momentum ? v : v0));
    }
    if (threads > 1) expect(kernels.workerParts + kernels.partsTakenBack).toBeGreaterThan(partsBefore);
  });
});

describe('where tensors cannot live in wasm memory', () => {
  it('the module with its own memory (a page without cross-origin isolation) gives none', () => {
    expect(createWasmKernels(1, { shared: false }).allocate(16)).toBeUndefined();
  });

  it('where the engine refuses to grow the memory: a plain array, the heap as it was, and the kernels still run', () => {
    const kernels = createWasmKernels(1);
    const first = kernels.allocate(8)!;
    const memory = (kernels as unknown as { memory: WebAssembly.Memory }).memory;
    memory.grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): refused (test)');
    };
    const held = kernels.residentSize;
    expect(kernels.allocate(1 << 20)).toBeUndefined();
    expect(kernels.residentSize).toBe(held);
    const c = new Float32Array(4);
    kernels.gemm(Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8), c, 2, 2, 2, false, false, 1, 0);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
    expect(kernels.allocate(8)).toBeInstanceOf(Float32Array);
    expect(first.length).toBe(8);
  });

  it('a tensor over 16M floats stays a plain array', () => {
    expect(createWasmKernels(1).allocate((16 << 20) + 1)).toBeUndefined();
  });

  it('the js backend gives plain arrays', () => {
    setBackend('js');
    try {
      expect(residentArray(8).buffer).toBeInstanceOf(ArrayBuffer);
    } finally {
      setBackend('wasm');
    }
    expect(residentArray(8).buffer).toBeInstanceOf(SharedArrayBuffer);
  });
});

describe('a model on the wasm backend', () => {
  it('keeps its weights, their gradients and the optimizer\'s state in wasm memory, and trains to the bits of plain arrays', async () => {
    const build = (): Sequential => {
      const model = new Sequential();
      model.add(new Dense({ units: 16, activation: 'relu', inputShape: [12], seed: 1 }));
      model.add(new Dense({ units: 3, activation: 'softmax', seed: 2 }));
      model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
      return model;
    };
    const rng = new Rng('resident-model');
    const x = tensor(random(64 * 12, rng), [64, 12]);
    const labels = new Float32Array(64 * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const before = wasmKernels()!.residentSize;
    const resident = build();
    resident.build([12]);
    // 12·16 + 16 + 16·3 + 3 weights, as many gradients (each array rounded up to 4 floats).
    expect(wasmKernels()!.residentSize - before).toBeGreaterThanOrEqual(2 * (192 + 16 + 48 + 4));
    for (const p of resident.params()) expect(p.value.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    await resident.fit(x, tensor(labels, [64, 3]), { epochs: 3, batchSize: 16, seed: 3, verbose: 0 });
    for (const p of resident.params()) expect(resident.optimizer!.getSlots(p)![0].buffer).toBeInstanceOf(SharedArrayBuffer);
    // The same model with every weight, gradient and state array moved to plain memory (copied per call, as before).
    const plain = build();
    plain.build([12]);
    for (const p of plain.params()) {
      (p as { value: unknown }).value = tensor(Float32Array.from(p.value.data), p.value.shape);
      (p as { grad: unknown }).grad = tensor(new Float32Array(p.value.size), p.value.shape);
    }
    await plain.fit(x, tensor(labels, [64, 3]), { epochs: 3, batchSize: 16, seed: 3, verbose: 0 });
    for (const [i, w] of resident.getWeights().entries()) expect(Array.from(w.data)).toEqual(Array.from(plain.getWeights()[i].data));
    for (const p of plain.params()) expect(p.value.data.buffer).toBeInstanceOf(ArrayBuffer);
  });
});

describe('a product\'s bias and activation (biasActivation and its backward step), in place in wasm memory', () => {
  const rng = new Rng('bias-activation');
  const random = (length: number): Float32Array => randomUniform([length], -1, 1, rng).data;
  const SENTINEL = 42;
  /** A resident array of `values` followed by one sentinel value (a write past the end would change it). */
  const resident = (values: Float32Array): Float32Array => {
    const out = residentArray(values.length + 1);
    out.set(values);
    out[values.length] = SENTINEL;
    return out.subarray(0, values.length);
  };
  const sentinelOf = (a: Float32Array): number => new Float32Array(a.buffer, a.byteOffset, a.length + 1)[a.length];
  const bits = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const wasm = (): WasmKernels => wasmKernels()!;

  // Counts that are and are not multiples of 4 (the SIMD body and its TS tail), columns below and above 4.
  for (const [rows, cols] of [[32, 128], [5, 7], [3, 3], [1, 10], [9, 4]]) {
    for (const slope of [0, 0.2]) {
      it(`${rows}x${cols}, slope ${slope}: the wasm kernels in place agree with the TS kernel, and write nothing past the arrays`, () => {
        setBackend('wasm');
        const z0 = random(rows * cols);
        const dy0 = random(rows * cols);
        const bias0 = random(cols);
        for (const withBias of [true, false]) {
          // The reference: the TS kernels, the slope in float32 as the wasm kernels take it.
          const s32 = Math.fround(slope);
          const zJs = z0.slice();
          const yJs = new Float32Array(zJs.length);
          jsKernels.biasActivation(zJs, rows, withBias ? bias0 : undefined, { slope: s32, y: yJs });
          const dzJs = new Float32Array(zJs.length);
          const dbJs = new Float32Array(cols).fill(0.5);
          jsKernels.biasActivationBackward(dy0, rows, withBias ? dbJs : undefined, { slope: s32, z: zJs, dz: dzJs });

          const z = resident(z0);
          const y = resident(new Float32Array(z.length));
          const bias = resident(bias0);
          expect(wasm().biasActivation(z, rows, withBias ? bias : undefined, { slope, y })).toBe(true);
          // An added bias, max(z, 0) and z · slope are single roundings: the same bits.
          expect(bits(z)).toBe(bits(zJs));
          expect(bits(y)).toBe(bits(yJs));
          const dz = resident(new Float32Array(z.length));
          const db = resident(new Float32Array(cols).fill(0.5));
          expect(wasm().biasActivationBackward(resident(dy0), rows, withBias ? db : undefined, { slope, z, dz })).toBe(true);
          expect(bits(dz)).toBe(bits(dzJs));
          // The column sums in another order.
          if (withBias) expect(db).toBeAllClose(dbJs, { rtol: 1e-6, atol: 1e-6 });
          else expect(Array.from(db)).toEqual(new Array(cols).fill(0.5));
          for (const a of [z, y, bias, dz, db]) expect(sentinelOf(a)).toBe(SENTINEL);
        }
      });
    }
  }

  it('a sample\'s output does not depend on where it sits in the batch (the SIMD body or the tail)', () => {
    setBackend('wasm');
    const z = resident(new Float32Array(5).fill(-0.7071234));
    const y = resident(new Float32Array(5));
    expect(wasm().biasActivation(z, 5, undefined, { slope: 0.3, y })).toBe(true);
    expect(new Set(Array.from(y)).size).toBe(1);
  });

  it('ReLU\'s backward step passes 0 where z ≤ 0, also for an infinite or NaN dy, as the TS kernel', () => {
    setBackend('wasm');
    const z = resident(new Float32Array([-1, -2, 3, -4, 5, 0, -1, 2]));
    const dy = resident(new Float32Array([Infinity, NaN, 1, -2, 1, -Infinity, 3, NaN]));
    const dz = resident(new Float32Array(8));
    expect(wasm().biasActivationBackward(dy, 8, undefined, { slope: 0, z, dz })).toBe(true);
    expect(Array.from(dz)).toEqual([0, 0, 1, 0, 1, 0, 0, NaN]);
    expect(Object.is(dz[3], 0)).toBe(true);
  });

  it('arrays that are not resident are left to the TS kernel (the wasm kernel declines, having written nothing)', () => {
    setBackend('wasm');
    const z = new Float32Array([1, -2, 3, -4]);
    expect(wasm().biasActivation(z, 1, resident(new Float32Array([1, 1, 1, 1])), { slope: 0, y: resident(new Float32Array(4)) })).toBe(false);
    expect(Array.from(z)).toEqual([1, -2, 3, -4]);
    biasActivation(z, 1, new Float32Array([1, 1, 1, 1]), { slope: 0, y: z });
    expect(Array.from(z)).toEqual([2, 0, 4, 0]);
  });

  it('without an activation: z += bias and dBias += the column sums of dy', () => {
    setBackend('wasm');
    const z = resident(new Float32Array([1, 2, 3, 4, 5, 6]));
    expect(wasm().biasActivation(z, 2, resident(new Float32Array([10, 20, 30])))).toBe(true);
    expect(Array.from(z)).toEqual([11, 22, 33, 14, 25, 36]);
    const db = resident(new Float32Array([1, 1, 1]));
    expect(wasm().biasActivationBackward(resident(new Float32Array([1, 2, 3, 4, 5, 6])), 2, db)).toBe(true);
    expect(Array.from(db)).toEqual([6, 8, 10]);
  });
});

describe('fillZeros (a memset within wasm memory)', () => {
  it('zeroes resident arrays through the kernels, nothing past them, and plain ones as fill does', () => {
    setBackend('wasm');
    for (const resident of [true, false]) {
      const a = resident ? residentArray(38) : new Float32Array(38);
      a.forEach((_, i) => (a[i] = i - 18.5));
      expect(wasmKernels()!.zero(a.subarray(3, 9))).toBe(resident);
      fillZeros(a.subarray(3, 9));
      expect(Array.from(a.subarray(0, 10))).toEqual([-18.5, -17.5, -16.5, 0, 0, 0, 0, 0, 0, -9.5]);
      fillZeros(a.subarray(0, 37));
      expect(a.subarray(0, 37).every((v) => v === 0)).toBe(true);
      expect(a[37]).toBe(18.5);
    }
  });
});
