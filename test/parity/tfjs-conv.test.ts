/**
 * Parity of the image layers with TF.js (@tensorflow/tfjs 4.22, cpu backend) over randomized shapes
 * from a seeded generator. Every reference value is computed by TF.js inside the test, on the same
 * inputs and weights as layerwise. Gradients are those of L = Σ w ⊙ y for one fixed random w: one
 * `backward(w)` in layerwise, `tf.grads` / `tf.variableGrads` of `tf.sum(tf.mul(y, w))` in TF.js.
 *
 * Tolerance everywhere: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs| (float32 sums of up to a few hundred terms).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  AveragePooling2D,
  BatchNormalization,
  Conv2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  MaxPooling2D,
  randomUniform,
  type Rng,
  tensor,
  type Tensor,
} from 'layerwise';
import { axisWindow, type Padding } from '../../src/tensor/conv-geometry';
import { CLOSE, expectParity, generator, layerCase, ours, tfLayerForward, theirs, toTf, useTfjsCpu } from './parity-helpers';

useTfjsCpu('never');

/** An image side of 3–9, at least `span` for 'valid'. */
const side = (int: (lo: number, hi: number) => number, span: number, padding: Padding) => Math.max(int(3, 9), padding === 'valid' ? span + int(0, 2) : 1);

interface WindowCase {
  shape: [number, number, number, number];
  window: [number, number];
  strides: [number, number];
  padding: Padding;
}

const describeCase = (c: WindowCase & { dilation?: number[] }) =>
  `x ${c.shape.join('x')}, window ${c.window.join('x')}, strides ${c.strides.join('x')}${c.dilation ? `, dilation ${c.dilation.join('x')}` : ''}, ${c.padding}`;

// ------------------------------------------------------------------------------------------------
// Conv2D
// ------------------------------------------------------------------------------------------------

interface ConvCase extends WindowCase {
  filters: number;
  dilation: [number, number];
  useBias: boolean;
}

/**
 * 16 cases: 'valid' and 'same' alternate; four use dilation 2 (with stride 1, since TF rejects
 * dilation > 1 with stride > 1); the rest draw strides 1–3 per axis. Kernels 1–4 per axis, images
 * 3–9 per axis, channels 1–4, filters 1–5, batch 1–2; every fifth case has no bias.
 */
function convCases(): ConvCase[] {
  const { int, pair } = generator(2718);
  return Array.from({ length: 16 }, (_, i) => {
    const padding: Padding = i % 2 === 0 ? 'valid' : 'same';
    const dilated = i % 8 === 3 || i % 8 === 6;
    const window = pair(1, 4);
    const dilation: [number, number] = dilated ? [2, int(1, 2)] : [1, 1];
    const strides = dilated ? ([1, 1] as [number, number]) : pair(1, 3);
    const h = side(int, (window[0] - 1) * dilation[0] + 1, padding);
    const w = side(int, (window[1] - 1) * dilation[1] + 1, padding);
    return { shape: [int(1, 2), h, w, int(1, 4)], window, strides, dilation, padding, filters: int(1, 5), useBias: i % 5 !== 4 };
  });
}

/**
 * The kernel with zeros between its taps, [(kh − 1)·dh + 1, (kw − 1)·dw + 1, in, out], made by a
 * matMul with a 0/1 scatter matrix so that TF.js differentiates it: TF.js 4.22 computes dilated
 * convolutions forward but throws on their gradients ("dilation rates greater than 1 are not yet
 * supported in gradients"), and a convolution with the dilated kernel is the same function.
 */
function dilateKernel(k: tf.Tensor, [dh, dw]: number[]): tf.Tensor4D {
  const [kh, kw, cin, f] = k.shape;
  const [DH, DW] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const scatter = new Float32Array(DH * DW * kh * kw);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) scatter[(ky * dh * DW + kx * dw) * kh * kw + ky * kw + kx] = 1;
  return tf.reshape(tf.matMul(tf.tensor2d(scatter, [DH * DW, kh * kw]), tf.reshape(k, [kh * kw, cin * f])), [DH, DW, cin, f]);
}

describe('Conv2D matches tf.layers.conv2d on 16 random shapes: forward, and gradients of input, kernel, bias', () => {
  const cases = convCases();

  it('the cases cover odd and even sizes and kernels, strides 1–3, dilation 2, both paddings, with and without bias', () => {
    const values = (f: (c: ConvCase) => number[]) => new Set(cases.flatMap(f));
    expect(values((c) => c.shape.slice(1, 3).map((s) => s % 2))).toEqual(new Set([0, 1]));
    expect(values((c) => c.window.map((s) => s % 2))).toEqual(new Set([0, 1]));
    expect(values((c) => c.strides)).toEqual(new Set([1, 2, 3]));
    expect(values((c) => c.dilation)).toEqual(new Set([1, 2]));
    expect(values((c) => [c.shape[3]])).toEqual(new Set([1, 2, 3, 4]));
    expect(new Set(cases.map((c) => `${c.padding} ${c.dilation[0]} ${c.useBias}`)).size).toBeGreaterThanOrEqual(6);
  });

  for (const [i, c] of cases.entries()) {
    it(`${describeCase(c)}, ${c.filters} filters${c.useBias ? '' : ', no bias'}`, () => {
      const { rng } = generator(100 + i);
      const x = randomUniform(c.shape, -1, 1, rng);
      const kernel = randomUniform([...c.window, c.shape[3], c.filters], -1, 1, rng);
      const bias = randomUniform([c.filters], -0.5, 0.5, rng);
      const weights = c.useBias ? [kernel, bias] : [kernel];
      const options = { filters: c.filters, kernelSize: c.window, strides: c.strides, padding: c.padding, dilationRate: c.dilation, useBias: c.useBias };

      const layer = new Conv2D(options);
      layer.build(c.shape.slice(1));
      layer.setWeights(weights);
      const outShape = [c.shape[0], ...layer.computeOutputShape(c.shape.slice(1))];
      const w = randomUniform(outShape, -1, 1, rng);
      const result = ours(layer, x, w);

      // The TF.js layer, forward (dilated convolutions included).
      const tfForward = tfLayerForward(tf.layers.conv2d(options), x, weights);
      expect(tfForward.shape).toEqual(outShape);
      expect(result.y).toBeAllClose(tfForward.y, CLOSE);

      // The same convolution by TF.js ops, differentiated by tf.grads.
      const conv = (xt: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
        const y = tf.conv2d(xt as tf.Tensor4D, dilateKernel(k, c.dilation), c.strides, c.padding);
        return b ? tf.add(y, b) : y;
      };
      expectParity(result, theirs(conv, weights.length === 2 ? [x, kernel, bias] : [x, kernel], w));
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Pooling
// ------------------------------------------------------------------------------------------------

/** 16 cases: 'valid' and 'same' alternate; pools 1–4 per axis, strides 1–3 per axis (or the default, poolSize), images 3–9, channels 1–4. */
function poolCases(seed: number): (WindowCase & { defaultStrides: boolean })[] {
  const { int, pair } = generator(seed);
  return Array.from({ length: 16 }, (_, i) => {
    const padding: Padding = i % 2 === 0 ? 'valid' : 'same';
    const window = pair(1, 4);
    const defaultStrides = i % 4 === 2;
    const strides = defaultStrides ? window : pair(1, 3);
    const shape: WindowCase['shape'] = [int(1, 2), side(int, window[0], padding), side(int, window[1], padding), int(1, 4)];
    return { shape, window, strides, padding, defaultStrides };
  });
}

/** Whether a 'same' window hangs over the padding anywhere. */
function padded(c: WindowCase): boolean {
  const h = axisWindow(c.shape[1], c.window[0], c.strides[0], 1, c.padding)!;
  const w = axisWindow(c.shape[2], c.window[1], c.strides[1], 1, c.padding)!;
  return h.padBefore + h.padAfter + w.padBefore + w.padAfter > 0;
}

const poolLayers = {
  max: { ours: MaxPooling2D, theirs: tf.layers.maxPooling2d },
  average: { ours: AveragePooling2D, theirs: tf.layers.averagePooling2d },
};

for (const [kind, { ours: Ours, theirs: tfPool }] of Object.entries(poolLayers)) {
  describe(`${Ours.className} matches tf.layers.${kind === 'max' ? 'maxPooling2d' : 'averagePooling2d'} on 16 random shapes: forward and input gradient`, () => {
    const cases = poolCases(kind === 'max' ? 31 : 41);

    it('the cases cover odd and even sizes and pools, strides 1–3, padded windows', () => {
      expect(new Set(cases.flatMap((c) => [...c.shape.slice(1, 3), ...c.window].map((s) => s % 2)))).toEqual(new Set([0, 1]));
      expect(new Set(cases.filter((c) => !c.defaultStrides).flatMap((c) => c.strides))).toEqual(new Set([1, 2, 3]));
      expect(cases.filter(padded).length).toBeGreaterThanOrEqual(3);
    });

    for (const [i, c] of cases.entries()) {
      it(describeCase(c) + (c.defaultStrides ? ' (strides default to poolSize)' : ''), () => {
        const { rng } = generator(200 + i);
        const x = randomUniform(c.shape, -1, 1, rng);
        const options = { poolSize: c.window, strides: c.defaultStrides ? undefined : c.strides, padding: c.padding };
        const layer = new Ours(options);
        const { w, result, reference } = layerCase(layer, tfPool(options), x, rng);
        if (kind === 'max' || !padded(c)) {
          expectParity(result, reference);
          return;
        }
        // TF.js 4.22's AvgPoolGrad divides every window's gradient by the full window size, even
        // where the window hangs over the padding, while its forward (and TensorFlow's C++ kernels,
        // forward and backward) divide by the number of real inputs covered. The gradient of the
        // forward TF.js computes is taken here through TF.js ops that differentiate it exactly:
        // sums by a depthwise convolution with ones, divided by the covered count.
        expect(result.y).toBeAllClose(reference.y, CLOSE);
        const ones = tf.ones([...c.window, c.shape[3], 1]) as tf.Tensor4D;
        const count = tf.depthwiseConv2d(tf.onesLike(toTf(x)) as tf.Tensor4D, ones, c.strides, c.padding);
        const average = (xt: tf.Tensor) => tf.div(tf.depthwiseConv2d(xt as tf.Tensor4D, ones, c.strides, c.padding), count);
        expectParity(result, theirs(average, [x], w));
        // And the difference from TF.js's own gradient is exactly that factor: backward(w · count / window size).
        const covered = count.dataSync();
        const scaled = tensor(Float32Array.from(w.data, (v, j) => (v * covered[j]) / (c.window[0] * c.window[1])), w.shape);
        layer.forward(x, true);
        expect(layer.backward(scaled)).toBeAllClose(reference.grads[0], CLOSE);
        tf.dispose([ones, count]);
      });
    }
  });
}

describe('GlobalAveragePooling2D and GlobalMaxPooling2D match TF.js on 12 random shapes each: forward and input gradient', () => {
  const { int } = generator(57);
  const shapes = Array.from({ length: 12 }, () => [int(1, 3), int(1, 9), int(1, 9), int(1, 4)]);
  const layers = [
    [GlobalAveragePooling2D, tf.layers.globalAveragePooling2d],
    [GlobalMaxPooling2D, tf.layers.globalMaxPooling2d],
  ] as const;
  for (const [Ours, tfGlobal] of layers) {
    for (const [i, shape] of shapes.entries()) {
      it(`${Ours.className} x ${shape.join('x')}`, () => {
        const { rng } = generator(300 + i);
        const x = randomUniform(shape, -1, 1, rng);
        const w = randomUniform([shape[0], shape[3]], -1, 1, rng);
        const layer = new Ours();
        layer.build(shape.slice(1));
        const tfLayer = tfGlobal({});
        expectParity(ours(layer, x, w), theirs((xt) => tfLayer.apply(xt) as tf.Tensor, [x], w));
      });
    }
  }
});

// ------------------------------------------------------------------------------------------------
// BatchNormalization
// ------------------------------------------------------------------------------------------------

interface NormCase {
  shape: number[];
  momentum: number;
  epsilon: number;
}

/** 12 cases: features [batch 2–6, 1–4] and images [batch 1–3, 1–5, 1–5, 1–4]; momentum 0.5, 0.9 or 0.99; epsilon 1e-3 or 1e-2. */
function normCases(): NormCase[] {
  const { int } = generator(99);
  return Array.from({ length: 12 }, (_, i) => ({
    shape: i % 3 === 0 ? [int(2, 6), int(1, 4)] : [int(1, 3), int(1, 5), int(1, 5), int(1, 4)],
    momentum: [0.5, 0.9, 0.99][int(0, 2)],
    epsilon: [1e-3, 1e-2][int(0, 1)],
  })).map((c) => (c.shape.reduce((a, b) => a * b) / c.shape[c.shape.length - 1] >= 2 ? c : { ...c, shape: [2, ...c.shape.slice(1)] }));
}

/** The four weights: gamma in [0.5, 2], beta in [−1, 1], moving mean in [−1, 1], moving variance in [0.5, 2]. */
function normWeights(channels: number, rng: Rng): Tensor[] {
  return [
    randomUniform([channels], 0.5, 2, rng),
    randomUniform([channels], -1, 1, rng),
    randomUniform([channels], -1, 1, rng),
    randomUniform([channels], 0.5, 2, rng),
  ];
}

let variables = 0;

/** TF.js: y and the gradients of Σ w ⊙ y with respect to x, gamma and beta through tf.layers.batchNormalization, by tf.variableGrads. */
function tfNorm(c: NormCase, weights: Tensor[], x: Tensor, w: Tensor, training: boolean): { y: Float32Array; grads: Float32Array[] } {
  const layer = tf.layers.batchNormalization({ momentum: c.momentum, epsilon: c.epsilon });
  const result = tf.tidy(() => {
    const xv = tf.variable(toTf(x), true, `bn_x_${++variables}`);
    layer.apply(xv); // builds (inference: nothing moves)
    layer.setWeights(weights.map(toTf));
    const [gamma, beta] = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const wT = toTf(w);
    const apply = () => layer.apply(xv, { training }) as tf.Tensor;
    const y = Float32Array.from(apply().dataSync());
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(), wT)) as tf.Scalar, [xv, gamma, beta]);
    const out = { y, grads: [xv, gamma, beta].map((v) => Float32Array.from(grads[v.name].dataSync())) };
    xv.dispose();
    return out;
  });
  layer.dispose();
  return result;
}

describe('BatchNormalization matches tf.layers.batchNormalization on 12 random shapes', () => {
  const cases = normCases();

  for (const [i, c] of cases.entries()) {
    const label = `x ${c.shape.join('x')}, momentum ${c.momentum}, epsilon ${c.epsilon}`;
    const setup = () => {
      const { rng } = generator(400 + i);
      const channels = c.shape[c.shape.length - 1];
      const weights = normWeights(channels, rng);
      // Inputs off-centre and spread, so that the batch statistics differ from the moving ones.
      const x = randomUniform(c.shape, -2, 3, rng);
      const w = randomUniform(c.shape, -1, 1, rng);
      const layer = new BatchNormalization({ momentum: c.momentum, epsilon: c.epsilon });
      layer.build(c.shape.slice(1));
      layer.setWeights(weights);
      return { weights, x, w, layer };
    };

    it(`training (apply with { training: true }): forward, gradients of x, gamma, beta, and the moving statistics after one call; ${label}`, () => {
      const { weights, x, w, layer } = setup();
      expectParity(ours(layer, x, w), tfNorm(c, weights, x, w, true));
      // One training call moved the statistics: compare with a fresh TF.js layer after one call.
      const tfLayer = tf.layers.batchNormalization({ momentum: c.momentum, epsilon: c.epsilon });
      const moved = tf.tidy(() => {
        tfLayer.apply(toTf(x));
        tfLayer.setWeights(weights.map(toTf));
        tfLayer.apply(toTf(x), { training: true });
        return tfLayer.getWeights().map((t) => Float32Array.from(t.dataSync()));
      });
      tfLayer.dispose();
      expect(moved[0]).toEqual(weights[0].data); // gamma and beta untouched
      const after = layer.getWeights();
      expect(after[2]).toBeAllClose(moved[2], CLOSE);
      expect(after[3]).toBeAllClose(moved[3], CLOSE);
    });

    it(`inference (moving statistics): forward and gradients of x, gamma, beta; ${label}`, () => {
      const { weights, x, w, layer } = setup();
      expectParity(ours(layer, x, w, { training: false }), tfNorm(c, weights, x, w, false));
      // Inference did not move the statistics, in either library.
      expect(layer.getWeights().slice(2)).toEqual(weights.slice(2));
    });
  }
});
