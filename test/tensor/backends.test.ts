/**
 * The two kernel backends, 'wasm' (WebAssembly SIMD, wasm/kernels.wat) and 'js' (TypeScript), each
 * against the plain float64 references on random shapes, sizes that are not multiples of the
 * wasm blocks (4x8 register tiles, 256-deep and 128-high packed blocks) included, and against each
 * other. Also: the embedded module is the one kernels.wat assembles to, and each backend gives the
 * same bits for the same inputs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBackend, randomUniform, Rng, setBackend, wasmUnavailableReason, type BackendName } from 'layerwise';
import { type Padding, type Window2D } from '../../src/tensor/conv-geometry';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, conv2dBackward } from '../../src/tensor/conv';
import { gemm, type GemmOptions } from '../../src/tensor/kernels';
import { maxPool } from '../../src/tensor/pooling';
import { assemble } from '../../src/tensor/wasm/assemble';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from '../../src/tensor/wasm/kernels-wasm';
import { naiveConv2d, naiveIm2col, naivePool, window2d } from '../helpers/reference';

const BACKENDS: BackendName[] = ['wasm', 'js'];
const random = (length: number, rng: Rng): Float32Array => randomUniform([length], -1, 1, rng).data;

afterEach(() => setBackend('wasm'));

describe('the wasm module', () => {
  it('loads here (Node 20 has WebAssembly SIMD) and is the default backend', () => {
    expect(wasmUnavailableReason()).toBe('');
    expect(getBackend()).toBe('wasm');
  });

  it('is what kernels.wat assembles to (run `npm run build:wasm` after editing kernels.wat)', async () => {
    const { single, shared } = await assemble();
    expect(Buffer.from(single).toString('base64')).toBe(KERNELS_WASM_BASE64);
    expect(Buffer.from(shared).toString('base64')).toBe(KERNELS_SHARED_WASM_BASE64);
  });

  it('setBackend rejects unknown names, naming the known ones', () => {
    expect(() => setBackend('gpu' as BackendName)).toThrow(/setBackend: expected 'wasm' or 'js', but received "gpu"/);
    setBackend('js');
    expect(getBackend()).toBe('js');
  });
});

/** C = alpha · op(A) · op(B) + beta · C0 in float64, from the definition. */
function referenceGemm(a: Float32Array, b: Float32Array, c0: Float32Array, m: number, n: number, k: number, o: Required<GemmOptions>): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += (o.transA ? a[p * m + i] : a[i * k + p]) * (o.transB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = o.alpha * sum + (o.beta === 0 ? 0 : o.beta * c0[i * n + j]);
    }
  return out;
}

/** Sizes around the wasm block edges: tiles of 4 rows and 8 columns, packed blocks of 128 rows and 256 deep. */
const EDGES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 127, 128, 129, 255, 256, 257];

describe('gemm on both backends', () => {
  const rng = new Rng('gemm-shapes');
  const pick = () => EDGES[Math.floor(rng.uniform() * EDGES.length)];
  // 40 random shapes from the edge sizes, each with random transposes and scalings; m · n · k
  // kept below 2.5M so the float64 reference stays quick.
  const cases: { m: number; n: number; k: number; options: Required<GemmOptions> }[] = [];
  while (cases.length < 40) {
    const [m, n, k] = [pick(), pick(), pick()];
    if (m * n * k > 2_500_000) continue;
    const options = {
      transA: rng.uniform() < 0.5,
      transB: rng.uniform() < 0.5,
      alpha: [1, -0.5, 2][Math.floor(rng.uniform() * 3)],
      beta: [0, 1, 0.5][Math.floor(rng.uniform() * 3)],
    };
    cases.push({ m, n, k, options });
  }

  for (const backend of BACKENDS) {
    it(`${backend}: matches the float64 definition on 40 random shapes with sizes at the block edges (1–257)`, () => {
      setBackend(backend);
      const data = new Rng(`gemm-data-${backend}`);
      for (const { m, n, k, options } of cases) {
        const a = random(m * k, data);
        const b = random(k * n, data);
        const c0 = random(m * n, data);
        const c = new Float32Array(m * n + 1);
        c.set(c0);
        c[m * n] = 42; // a sentinel: nothing is written past m · n
        gemm(a, b, c, m, n, k, options);
        // Float32 sums of up to 257 products of values in [-1, 1]: errors below 1e-4 relative to √k.
        expect(c.subarray(0, m * n)).toBeAllClose(referenceGemm(a, b, c0, m, n, k, options), { rtol: 1e-4, atol: 1e-5 * Math.sqrt(k) });
        expect(c[m * n]).toBe(42);
      }
    });
  }

  it('wasm: the same inputs give the same bits, call after call, at 300 x 200 x 700', () => {
    const data = new Rng('gemm-determinism');
    const [m, n, k] = [300, 200, 700];
    const a = random(m * k, data);
    const b = random(k * n, data);
    const first = new Float32Array(m * n);
    const second = new Float32Array(m * n);
    gemm(a, b, first, m, n, k, { transB: true });
    gemm(new Float32Array(5), new Float32Array(5), new Float32Array(1), 1, 1, 5); // something else in between
    gemm(a, b, second, m, n, k, { transB: true });
    expect(Buffer.from(second.buffer).equals(Buffer.from(first.buffer))).toBe(true);
  });

  it('wasm: A by rows and A by columns (transA) are packed alike: the same bits, at sizes off the 4-row and 4-deep edges', () => {
    const data = new Rng('gemm-pack-a');
    for (const [m, n, k] of [[37, 19, 259], [4, 8, 4], [131, 9, 3], [6, 17, 261]]) {
      const a = random(m * k, data);
      const b = random(k * n, data);
      const aT = new Float32Array(m * k);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT[p * m + i] = a[i * k + p];
      const byRows = new Float32Array(m * n);
      const byColumns = new Float32Array(m * n);
      gemm(a, b, byRows, m, n, k, { alpha: -0.5 });
      gemm(aT, b, byColumns, m, n, k, { alpha: -0.5, transA: true });
      expect(Buffer.from(byRows.buffer).equals(Buffer.from(byColumns.buffer))).toBe(true);
    }
  });

  it('wasm and js agree on a 512 x 512 x 512 product (rtol 1e-4)', () => {
    const data = new Rng('gemm-512');
    const n = 512;
    const a = random(n * n, data);
    const b = random(n * n, data);
    const viaWasm = new Float32Array(n * n);
    const viaJs = new Float32Array(n * n);
    gemm(a, b, viaWasm, n, n, n);
    setBackend('js');
    gemm(a, b, viaJs, n, n, n);
    expect(viaWasm).toBeAllClose(viaJs, { rtol: 1e-4, atol: 1e-4 });
  });
});

/** Geometries with channel and filter counts that are not multiples of 4 or 8, odd sizes, strides, dilations and both paddings. */
const CONVS: { image: number[]; kernel: number[]; strides: number[]; dilation: number[]; padding: Padding; filters: number }[] = [
  { image: [2, 9, 9, 1], kernel: [5, 5], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: 8 },
  { image: [3, 7, 6, 8], kernel: [5, 5], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: 16 },
  { image: [1, 8, 7, 3], kernel: [3, 3], strides: [2, 2], dilation: [1, 1], padding: 'same', filters: 5 },
  { image: [2, 6, 9, 5], kernel: [2, 3], strides: [1, 2], dilation: [1, 1], padding: 'valid', filters: 11 },
  { image: [1, 9, 9, 2], kernel: [3, 3], strides: [1, 1], dilation: [2, 2], padding: 'same', filters: 9 },
  { image: [5, 4, 5, 7], kernel: [1, 1], strides: [1, 1], dilation: [1, 1], padding: 'valid', filters: 19 },
  { image: [1, 3, 4, 4], kernel: [5, 5], strides: [1, 2], dilation: [1, 1], padding: 'same', filters: 3 },
  { image: [2, 11, 10, 6], kernel: [4, 3], strides: [3, 2], dilation: [1, 1], padding: 'valid', filters: 24 },
  // Stride 1 (dx as a convolution over dz) where dz's geometry is x's (as many filters as channels, 'same'): kept apart.
  { image: [2, 6, 6, 4], kernel: [3, 3], strides: [1, 1], dilation: [1, 1], padding: 'same', filters: 4 },
  // Stride 1, 'valid' and dilated: dx's windows are padded by the whole dilated span less one.
  { image: [2, 9, 8, 3], kernel: [3, 2], strides: [1, 1], dilation: [2, 3], padding: 'valid', filters: 5 },
];

describe('convolution kernels on both backends', () => {
  for (const backend of BACKENDS) {
    for (const [i, c] of CONVS.entries()) {
      const label = `${backend}: ${c.image.join('x')} * ${c.kernel.join('x')}x${c.filters} stride ${c.strides.join('x')} dilation ${c.dilation.join('x')} ${c.padding}`;
      it(`${label}: conv2d (plain, ReLU and leaky ReLU fused), backprop filter and input match the definitions`, () => {
        setBackend(backend);
        const g: Window2D = window2d(c.image, c.kernel, c.strides, c.dilation, c.padding);
        const positions = g.batch * g.h.output * g.w.output;
        const depth = g.h.size * g.w.size * g.channels;
        const rng = new Rng(`conv-${i}`);
        const x = random(g.batch * g.h.input * g.w.input * g.channels, rng);
        const kernel = random(depth * c.filters, rng);
        const bias = random(c.filters, rng);
        const expected = naiveConv2d(x, kernel, bias, g, c.filters);
        const z = new Float32Array(positions * c.filters).fill(NaN);
        conv2d(x, g, kernel, bias, z);
        expect(z).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-5 });
        // Without a bias, and with the activation fused: y = z > 0 ? z : slope · z.
        const noBias = naiveConv2d(x, kernel, undefined, g, c.filters);
        for (const slope of [0, 0.2]) {
          const y = new Float32Array(z.length).fill(NaN);
          conv2d(x, g, kernel, undefined, z, { slope, y });
          expect(z).toBeAllClose(noBias, { rtol: 1e-5, atol: 1e-5 });
          expect(y).toBeAllClose(Array.from(noBias, (v) => (v > 0 ? v : slope * v)), { rtol: 1e-5, atol: 1e-5 });
        }

        // dKernel += colᵀ · dz: accumulated onto what is there.
        const dz = random(positions * c.filters, rng);
        const col = naiveIm2col(x, g);
        const dKernel = new Float32Array(depth * c.filters).fill(0.5);
        conv2dBackpropFilter(x, g, dz, dKernel);
        const dkExpected = new Float64Array(depth * c.filters).fill(0.5);
        for (let p = 0; p < positions; p++)
          for (let d = 0; d < depth; d++) for (let f = 0; f < c.filters; f++) dkExpected[d * c.filters + f] += col[p * depth + d] * dz[p * c.filters + f];
        expect(dKernel).toBeAllClose(dkExpected, { rtol: 1e-4, atol: 1e-4 });

        // dx = col2im(dz · kernelᵀ), overwriting dx: each tap inside the image receives its share.
        const dx = new Float32Array(x.length).fill(7);
        conv2dBackpropInput(dz, g, kernel, dx);
        const source = naiveIm2col(Float64Array.from({ length: x.length }, (_, j) => j + 1), g); // each col entry names its source (+1)
        const dxExpected = new Float64Array(x.length);
        for (let p = 0; p < positions; p++)
          for (let d = 0; d < depth; d++) {
            const from = source[p * depth + d];
            if (from === 0) continue;
            let sum = 0;
            for (let f = 0; f < c.filters; f++) sum += dz[p * c.filters + f] * kernel[d * c.filters + f];
            dxExpected[from - 1] += sum;
          }
        expect(dx).toBeAllClose(dxExpected, { rtol: 1e-4, atol: 1e-4 });

        // The fused backward step: with leaky ReLU at slope 0.2 on the pre-activation z, dz = dy · (z > 0 ? 1 : 0.2);
        // then dBias += Σ dz, dKernel += colᵀ · dz, dx = col2im(dz · kernelᵀ). Checked against the steps above.
        const zIn = random(positions * c.filters, rng);
        const dy = random(positions * c.filters, rng);
        const dzFused = dy.map((v, j) => (zIn[j] > 0 ? v : 0.2 * v));
        const grads = { dKernel: new Float32Array(depth * c.filters).fill(0.5), dBias: new Float32Array(c.filters).fill(-1), dx: new Float32Array(x.length).fill(3) };
        conv2dBackward(x, g, kernel, dy, grads, { slope: 0.2, z: zIn });
        const dk2 = new Float32Array(depth * c.filters).fill(0.5);
        conv2dBackpropFilter(x, g, dzFused, dk2);
        const dx2 = new Float32Array(x.length);
        conv2dBackpropInput(dzFused, g, kernel, dx2);
        const dBias = Array.from({ length: c.filters }, (_, f) => -1 + Array.from({ length: positions }, (_, p) => dzFused[p * c.filters + f]).reduce((a, b) => a + b, 0));
        expect(grads.dKernel).toBeAllClose(dk2, { rtol: 1e-4, atol: 1e-4 });
        expect(grads.dx).toBeAllClose(dx2, { rtol: 1e-4, atol: 1e-4 });
        expect(grads.dBias).toBeAllClose(dBias, { rtol: 1e-4, atol: 1e-4 });
      });
    }
  }

  it('wasm and js agree on the MNIST CNN shapes, and wasm gives the same bits twice', () => {
    const rng = new Rng('conv-agree');
    const g = window2d([32, 14, 14, 8], [5, 5], [1, 1], [1, 1], 'same');
    const x = random(32 * 14 * 14 * 8, rng);
    const kernel = random(5 * 5 * 8 * 16, rng);
    const bias = random(16, rng);
    const run = (): Float32Array => {
      const z = new Float32Array(32 * 14 * 14 * 16);
      conv2d(x, g, kernel, bias, z);
      return z;
    };
    const first = run();
    expect(Buffer.from(run().buffer).equals(Buffer.from(first.buffer))).toBe(true);
    setBackend('js');
    expect(run()).toBeAllClose(first, { rtol: 1e-5, atol: 1e-5 });
  });
});

describe('maxPool on both backends (wasm takes channels in fours)', () => {
  const POOLS = [
    { image: [2, 28, 28, 8], pool: [2, 2], strides: [2, 2], padding: 'valid' as Padding },
    { image: [3, 14, 14, 16], pool: [3, 3], strides: [3, 3], padding: 'valid' as Padding },
    { image: [2, 7, 9, 4], pool: [3, 2], strides: [2, 1], padding: 'same' as Padding },
    { image: [1, 5, 5, 12], pool: [2, 2], strides: [2, 2], padding: 'same' as Padding },
    { image: [2, 6, 5, 3], pool: [2, 2], strides: [1, 1], padding: 'valid' as Padding },
  ];
  for (const backend of BACKENDS) {
    for (const [i, p] of POOLS.entries()) {
      it(`${backend}: ${p.image.join('x')} pool ${p.pool.join('x')} stride ${p.strides.join('x')} ${p.padding}: maxima and argmax exactly as the definition`, () => {
        setBackend(backend);
        const g = window2d(p.image, p.pool, p.strides, [1, 1], p.padding);
        const x = random(p.image.reduce((a, b) => a * b), new Rng(`pool-${i}`));
        // Ties: a run of equal values, where the first in scan order must win.
        x.fill(0.25, 0, 40);
        const count = g.batch * g.h.output * g.w.output * g.channels;
        const y = new Float32Array(count);
        const argmax = new Int32Array(count);
        maxPool(x, g, y, argmax);
        const reference = naivePool(x, g, 'max');
        expect(Array.from(y)).toEqual(Array.from(reference.y));
        expect(Array.from(argmax)).toEqual(reference.argmax);
      });
    }
  }
});

describe('training on both backends', () => {
  async function trainSmallCnn(): Promise<Float32Array[]> {
    const { Conv2D, Dense, Flatten, LeakyReLU, MaxPooling2D, Sequential, SGD, setSeed, tensor } = await import('layerwise');
    const rng = new Rng('train-data');
    const x = tensor(random(48 * 12 * 12, rng).map((v) => Math.abs(v)), [48, 12, 12, 1]);
    const labels = new Float32Array(48 * 3);
    for (let i = 0; i < 48; i++) labels[i * 3 + (i % 3)] = 1;
    setSeed(3);
    const model = new Sequential();
    model.add(new Conv2D({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [12, 12, 1], activation: new LeakyReLU({ alpha: 0.2 }) }));
    model.add(new MaxPooling2D({ poolSize: 2 }));
    model.add(new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }));
    model.add(new MaxPooling2D({ poolSize: 3 }));
    model.add(new Flatten());
    model.add(new Dense({ units: 3, activation: 'softmax' }));
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    await model.fit(x, tensor(labels, [48, 3]), { epochs: 3, batchSize: 16, seed: 1, verbose: 0 });
    return model.getWeights().map((w) => w.data);
  }

  it('the same seed gives the same bits on each backend, and the two backends agree (rtol 1e-3)', async () => {
    const wasmRuns = [await trainSmallCnn(), await trainSmallCnn()];
    wasmRuns[1].forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(wasmRuns[0][i].buffer))).toBe(true));
    setBackend('js');
    const jsRuns = [await trainSmallCnn(), await trainSmallCnn()];
    jsRuns[1].forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(jsRuns[0][i].buffer))).toBe(true));
    jsRuns[0].forEach((w, i) => expect(w).toBeAllClose(wasmRuns[0][i], { rtol: 1e-3, atol: 1e-4 }));
  });
});

describe('worker threads', () => {
  it('split only outputs: 1, 2 and 3 threads, and the module with its own memory (browsers without shared memory), give the same bits for gemm, conv2d and its backward step', async () => {
    const { createWasmKernels } = await import('../../src/tensor/wasm/wasm-backend');
    const rng = new Rng('threads');
    const [m, n, k] = [300, 200, 260];
    const a = random(m * k, rng);
    const b = random(k * n, rng);
    const g = window2d([6, 14, 14, 8], [5, 5], [1, 1], [1, 1], 'same');
    const x = random(6 * 14 * 14 * 8, rng);
    const kernel = random(5 * 5 * 8 * 16, rng);
    const bias = random(16, rng);
    const dy = random(6 * 14 * 14 * 16, rng);
    const outputs = [1, 2, 3, 0].map((threads) => {
      const kernels = threads === 0 ? createWasmKernels(1, { shared: false }) : createWasmKernels(threads);
      const c = new Float32Array(m * n);
      kernels.gemm(a, b, c, m, n, k, false, true, 1, 0);
      const z = new Float32Array(6 * 14 * 14 * 16);
      const y = new Float32Array(z.length);
      kernels.conv2d(x, g, kernel, bias, z, { slope: 0, y });
      const grads = { dKernel: new Float32Array(kernel.length), dBias: new Float32Array(16), dx: new Float32Array(x.length) };
      kernels.conv2dBackward(x, g, kernel, dy, grads, { slope: 0.1, z });
      return [c, z, y, grads.dKernel, grads.dBias, grads.dx].map((v) => Buffer.from(v.buffer).toString('base64'));
    });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    expect(outputs[3]).toEqual(outputs[0]);
  });

  it('splitRange cuts [0, total) into aligned, non-empty ranges that cover it', async () => {
    const { splitRange } = await import('../../src/tensor/wasm/threads');
    expect(splitRange(100, 2, 4)).toEqual([[0, 52], [52, 100]]);
    expect(splitRange(25, 2, 4)).toEqual([[0, 12], [12, 25]]);
    expect(splitRange(3, 2, 4)).toEqual([[0, 3]]);
    expect(splitRange(10, 1, 8)).toEqual([[0, 10]]);
    expect(splitRange(200, 3, 8)).toEqual([[0, 64], [64, 136], [136, 200]]);
  });
});
