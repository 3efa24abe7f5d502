/**
 * Parity of the sequence layers (Conv1D and the 1-D poolings) with TF.js (@tensorflow/tfjs 4.22,
 * cpu backend) over randomized shapes from a seeded generator, on both layerwise kernel backends
 * ('wasm', where ReLU and leaky ReLU are fused into the convolution, and 'js'). Every reference
 * value is computed by TF.js inside the test, on the same inputs and weights as layerwise.
 * Gradients are those of L = Σ w ⊙ y for one fixed random w: one `backward(w)` in layerwise,
 * `tf.grads` of `tf.sum(tf.mul(y, w))` in TF.js.
 *
 * Where TF.js 4.22 cannot compute the function itself, it computes an equal one:
 * - 'causal' padding ("not implemented yet" in tf.layers.conv1d, unknown to tf.conv1d): the 'valid'
 *   convolution of the input left-padded with (kernelSize − 1) · dilation zeros by `tf.pad`;
 * - gradients of dilated convolutions ("not yet supported in gradients"): the convolution with the
 *   kernel spread out with zeros between its taps, which TF.js differentiates; and, independently,
 *   a float64 conv1d and its backward written below from the definition, and central differences.
 *
 * Tolerance everywhere: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs| (float32 sums of up to a hundred terms).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  AveragePooling1D,
  Conv1D,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  MaxPooling1D,
  randomUniform,
  Rng,
  tensor,
  type Tensor,
} from 'layerwise';
import { gradCheckLayer } from '../helpers/gradcheck';
import { CLOSE, expectParity, generator, itOnBackends, layerCase, ours, tfLayerForward, theirs, toTf, useTfjsCpu } from './parity-helpers';

/** Keras's and TF.js's default slope of 'leaky_relu'. */
/** The slope of the 'leaky_relu' key: Keras 3's activations.leaky_relu (0.2). */
const LEAKY_ALPHA = 0.2;

useTfjsCpu('each');

type Activation = 'linear' | 'relu' | 'leaky_relu';
type ConvPadding = 'valid' | 'same' | 'causal';
type PoolPadding = 'valid' | 'same';

/** The activation as TF.js ops ('leaky_relu' is not a TF.js activation identifier: tf.leakyRelu with Keras's alpha). */
function tfActivation(activation: Activation, z: tf.Tensor): tf.Tensor {
  if (activation === 'relu') return tf.relu(z);
  if (activation === 'leaky_relu') return tf.leakyRelu(z, LEAKY_ALPHA);
  return z;
}

/**
 * The kernel [k, in, out] with d − 1 zeros between its taps, [(k − 1)·d + 1, in, out], made by a
 * matMul with a 0/1 scatter matrix so that TF.js differentiates it: a convolution with it is the
 * dilated convolution, and TF.js computes its gradients (and takes it with any stride).
 */
function dilateKernel(k: tf.Tensor, d: number): tf.Tensor3D {
  const [size, cin, f] = k.shape;
  const span = (size - 1) * d + 1;
  const scatter = new Float32Array(span * size);
  for (let t = 0; t < size; t++) scatter[t * d * size + t] = 1;
  return tf.reshape(tf.matMul(tf.tensor2d(scatter, [span, size]), tf.reshape(k, [size, cin * f])), [span, cin, f]);
}

/** The TF.js function a Conv1D computes, on its inputs [x, kernel, bias?]: 'causal' as 'valid' after left padding, dilation by a spread kernel. */
function tfConv1d(c: { strides: number; dilation: number; padding: ConvPadding; kernelSize: number; activation: Activation }) {
  return (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
    const before = c.padding === 'causal' ? (c.kernelSize - 1) * c.dilation : 0;
    const input = (before > 0 ? tf.pad(x, [[0, 0], [before, 0], [0, 0]]) : x) as tf.Tensor3D;
    const kernel = c.dilation > 1 ? dilateKernel(k, c.dilation) : (k as tf.Tensor3D);
    const z = tf.conv1d(input, kernel, c.strides, c.padding === 'causal' ? 'valid' : c.padding);
    return tfActivation(c.activation, b ? tf.add(z, b) : z);
  };
}

// ------------------------------------------------------------------------------------------------
// A float64 conv1d and its backward, from the definition
// ------------------------------------------------------------------------------------------------

interface Conv1DGeometry {
  batch: number;
  steps: number;
  channels: number;
  kernelSize: number;
  filters: number;
  strides: number;
  dilation: number;
  padding: ConvPadding;
}

/**
 * The output length and the zeros before the sequence, by TensorFlow's and Keras's rules: 'valid'
 * none; 'causal' (kernelSize − 1) · dilation before and none after; 'same' ceil(steps / stride)
 * outputs, the padding split with the odd one after.
 */
function outputSteps(g: Conv1DGeometry): { out: number; before: number } {
  const span = (g.kernelSize - 1) * g.dilation + 1;
  if (g.padding === 'valid') return { out: Math.floor((g.steps - span) / g.strides) + 1, before: 0 };
  if (g.padding === 'causal') return { out: Math.floor((g.steps + span - 1 - span) / g.strides) + 1, before: span - 1 };
  const out = Math.ceil(g.steps / g.strides);
  return { out, before: Math.floor(Math.max((out - 1) * g.strides + span - g.steps, 0) / 2) };
}

const slope = (activation: Activation, z: number) => (z > 0 || activation === 'linear' ? 1 : activation === 'relu' ? 0 : LEAKY_ALPHA);

/**
 * z[n, o, f] = bias[f] + Σ_{t, c} x[n, o·stride − before + t·dilation, c] · kernel[t, c, f] (zero
 * outside the sequence), y = activation(z), in float64.
 */
function referenceConv1d(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number> | undefined, g: Conv1DGeometry, activation: Activation) {
  const { out, before } = outputSteps(g);
  const z = new Float64Array(g.batch * out * g.filters);
  for (let n = 0; n < g.batch; n++)
    for (let o = 0; o < out; o++)
      for (let f = 0; f < g.filters; f++) {
        let sum = bias ? bias[f] : 0;
        for (let t = 0; t < g.kernelSize; t++) {
          const i = o * g.strides - before + t * g.dilation;
          if (i < 0 || i >= g.steps) continue;
          for (let c = 0; c < g.channels; c++) sum += x[(n * g.steps + i) * g.channels + c] * kernel[(t * g.channels + c) * g.filters + f];
        }
        z[(n * out + o) * g.filters + f] = sum;
      }
  return { z, y: z.map((v) => slope(activation, v) * v), out };
}

/** The gradients of Σ dy ⊙ y with respect to x, the kernel and the bias, by the chain rule through the same sum, in float64. */
function referenceConv1dBackward(x: ArrayLike<number>, kernel: ArrayLike<number>, z: Float64Array, dy: ArrayLike<number>, g: Conv1DGeometry, activation: Activation) {
  const { out, before } = outputSteps(g);
  const dx = new Float64Array(g.batch * g.steps * g.channels);
  const dKernel = new Float64Array(g.kernelSize * g.channels * g.filters);
  const dBias = new Float64Array(g.filters);
  for (let n = 0; n < g.batch; n++)
    for (let o = 0; o < out; o++)
      for (let f = 0; f < g.filters; f++) {
        const at = (n * out + o) * g.filters + f;
        const dz = dy[at] * slope(activation, z[at]);
        dBias[f] += dz;
        for (let t = 0; t < g.kernelSize; t++) {
          const i = o * g.strides - before + t * g.dilation;
          if (i < 0 || i >= g.steps) continue;
          for (let c = 0; c < g.channels; c++) {
            dx[(n * g.steps + i) * g.channels + c] += dz * kernel[(t * g.channels + c) * g.filters + f];
            dKernel[(t * g.channels + c) * g.filters + f] += dz * x[(n * g.steps + i) * g.channels + c];
          }
        }
      }
  return { dx, dKernel, dBias };
}

describe('the float64 reference conv1d itself', () => {
  it('by hand: causal, kernel 2, dilation 2 reads x[t − 2] and x[t]; its backward sends dy back along the same taps', () => {
    // kernel[0] = 10 (the tap two steps back), kernel[1] = 1 (the current step); bias 0.5.
    const g: Conv1DGeometry = { batch: 1, steps: 4, channels: 1, kernelSize: 2, filters: 1, strides: 1, dilation: 2, padding: 'causal' };
    const { y, z } = referenceConv1d([1, 2, 3, 4], [10, 1], [0.5], g, 'linear');
    expect(Array.from(y)).toEqual([1.5, 2.5, 13.5, 24.5]);
    const { dx, dKernel, dBias } = referenceConv1dBackward([1, 2, 3, 4], [10, 1], z, [1, 1, 1, 1], g, 'linear');
    expect([Array.from(dx), Array.from(dKernel), Array.from(dBias)]).toEqual([[11, 11, 1, 1], [3, 10], [4]]);
  });

  it("agrees with TF.js's conv1d on one 'same' stride-2 case (as the other references here are checked)", () => {
    const g: Conv1DGeometry = { batch: 2, steps: 9, channels: 3, kernelSize: 4, filters: 2, strides: 2, dilation: 1, padding: 'same' };
    const rng = new Rng(5);
    const x = randomUniform([2, 9, 3], -1, 1, rng);
    const kernel = randomUniform([4, 3, 2], -1, 1, rng);
    const { y, out } = referenceConv1d(x.data, kernel.data, undefined, g, 'linear');
    expect(out).toBe(5);
    expect(y).toBeAllClose(tf.tidy(() => tf.conv1d(toTf(x) as tf.Tensor3D, toTf(kernel) as tf.Tensor3D, 2, 'same').dataSync()), { rtol: 1e-5, atol: 1e-5 });
  });
});

// ------------------------------------------------------------------------------------------------
// Conv1D, 'valid' and 'same'
// ------------------------------------------------------------------------------------------------

interface ConvCase {
  /** [batch, steps, channels]. */
  shape: [number, number, number];
  kernelSize: number;
  strides: number;
  dilation: number;
  padding: ConvPadding;
  filters: number;
  useBias: boolean;
  activation: Activation;
}

const ACTIVATIONS: Activation[] = ['linear', 'relu', 'leaky_relu'];

const describeConv = (c: ConvCase) =>
  `x ${c.shape.join('x')}, kernel ${c.kernelSize}, strides ${c.strides}${c.dilation > 1 ? `, dilation ${c.dilation}` : ''}, ${c.padding}, ` +
  `${c.filters} filters${c.useBias ? '' : ', no bias'}, ${c.activation}`;

/**
 * 18 cases: 'valid' and 'same' alternate, the activations cycle through linear, relu and
 * leaky_relu (so every pair of padding and activation comes three times); every fifth has no
 * bias. Kernels 1–5, strides 1–3, steps 1–20 (at least the kernel for 'valid'), channels 1–5,
 * filters 1–6, batch 1–3.
 */
function convCases(): ConvCase[] {
  const { int } = generator(1901);
  return Array.from({ length: 18 }, (_, i) => {
    const padding: ConvPadding = i % 2 === 0 ? 'valid' : 'same';
    const kernelSize = int(1, 5);
    const steps = padding === 'valid' ? int(kernelSize, 20) : int(1, 20);
    return {
      shape: [int(1, 3), steps, int(1, 5)],
      kernelSize,
      strides: int(1, 3),
      dilation: 1,
      padding,
      filters: int(1, 6),
      useBias: i % 5 !== 4,
      activation: ACTIVATIONS[i % 3],
    };
  });
}

/** The inputs, weights and output weights of a case, and layerwise's Conv1D with those weights. */
function convSetup(c: ConvCase, seed: number) {
  const { rng } = generator(seed);
  const x = randomUniform(c.shape, -1, 1, rng);
  const kernel = randomUniform([c.kernelSize, c.shape[2], c.filters], -1, 1, rng);
  const bias = randomUniform([c.filters], -0.5, 0.5, rng);
  const weights = c.useBias ? [kernel, bias] : [kernel];
  const layer = new Conv1D({
    filters: c.filters,
    kernelSize: c.kernelSize,
    strides: c.strides,
    padding: c.padding,
    dilationRate: c.dilation,
    useBias: c.useBias,
    activation: c.activation,
  });
  layer.build(c.shape.slice(1));
  layer.setWeights(weights);
  const outShape = [c.shape[0], ...layer.computeOutputShape(c.shape.slice(1))];
  const w = randomUniform(outShape, -1, 1, rng);
  return { x, kernel, bias, weights, layer, outShape, w };
}

describe('Conv1D matches TF.js on 18 random configurations: forward (tf.layers.conv1d), and gradients of input, kernel, bias (tf.conv1d)', () => {
  const cases = convCases();

  it('the cases cover steps 1–20, kernels 1–5, strides 1–3, channels 1–5, filters 1–6, every padding × activation, bias or not', () => {
    const values = (f: (c: ConvCase) => number) => new Set(cases.map(f));
    expect(values((c) => c.kernelSize)).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(values((c) => c.strides)).toEqual(new Set([1, 2, 3]));
    expect(values((c) => c.shape[2]).size).toBeGreaterThanOrEqual(4);
    expect(values((c) => c.filters).size).toBeGreaterThanOrEqual(5);
    expect(Math.min(...cases.map((c) => c.shape[1]))).toBeLessThanOrEqual(4);
    expect(Math.max(...cases.map((c) => c.shape[1]))).toBeGreaterThanOrEqual(16);
    expect(new Set(cases.map((c) => `${c.padding} ${c.activation}`)).size).toBe(6);
    expect(new Set(cases.map((c) => `${c.padding} ${c.useBias}`)).size).toBe(4);
    // Even and odd lengths; 'valid' kernels that just fit; 'same' with padding that must go after.
    expect(values((c) => c.shape[1] % 2)).toEqual(new Set([0, 1]));
  });

  for (const [i, c] of cases.entries()) {
    itOnBackends(describeConv(c), () => {
      const { x, kernel, bias, weights, layer, outShape, w } = convSetup(c, 600 + i);
      const result = ours(layer, x, w);

      // The TF.js layer, forward ('leaky_relu' is not a TF.js activation: a linear layer, then tf.leakyRelu).
      const tfLayer = tf.layers.conv1d({
        filters: c.filters,
        kernelSize: c.kernelSize,
        strides: c.strides,
        padding: c.padding as PoolPadding,
        useBias: c.useBias,
        activation: c.activation === 'relu' ? 'relu' : 'linear',
      });
      const tfForward = tfLayerForward(tfLayer, x, weights, (y) => (c.activation === 'leaky_relu' ? tf.leakyRelu(y, LEAKY_ALPHA) : y));
      expect(tfForward.shape).toEqual(outShape);
      expect(result.y).toBeAllClose(tfForward.y, CLOSE);

      // The same convolution by TF.js ops, differentiated by tf.grads.
      expectParity(result, theirs(tfConv1d(c), c.useBias ? [x, kernel, bias] : [x, kernel], w));
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Conv1D, 'causal'
// ------------------------------------------------------------------------------------------------

/**
 * 10 causal cases, the activations cycling: strides 1, 2 and 3 with dilation 1 (every TF.js
 * gradient direct), and four with dilation 2 or 3 at stride 1 (TF.js's forward takes the
 * dilation; its gradients come through the spread kernel).
 */
function causalCases(): ConvCase[] {
  const { int } = generator(2024);
  return Array.from({ length: 10 }, (_, i) => {
    const dilation = i >= 6 ? int(2, 3) : 1;
    return {
      shape: [int(1, 3), int(1, 20), int(1, 5)],
      kernelSize: int(2, 5),
      strides: dilation > 1 ? 1 : [1, 2, 3, 2][i % 4],
      dilation,
      padding: 'causal',
      filters: int(1, 6),
      useBias: i % 4 !== 3,
      activation: ACTIVATIONS[i % 3],
    };
  });
}

describe("Conv1D 'causal' equals TF.js's 'valid' conv1d of the input left-padded with (kernelSize − 1) · dilation zeros", () => {
  const cases = causalCases();

  it('the cases cover strides 1–3, dilation 1–3, every activation, bias or not, sequences shorter than the kernel', () => {
    expect(new Set(cases.map((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(new Set(cases.map((c) => c.dilation)).size).toBe(3);
    expect(new Set(cases.map((c) => c.activation)).size).toBe(3);
    expect(new Set(cases.map((c) => c.useBias))).toEqual(new Set([true, false]));
    expect(cases.some((c) => c.shape[1] < (c.kernelSize - 1) * c.dilation + 1)).toBe(true);
  });

  for (const [i, c] of cases.entries()) {
    itOnBackends(describeConv(c), () => {
      const { x, kernel, bias, layer, outShape, w } = convSetup(c, 700 + i);
      expect(outShape[1]).toBe(Math.ceil(c.shape[1] / c.strides));
      const result = ours(layer, x, w);
      const before = (c.kernelSize - 1) * c.dilation;

      // Forward: TF.js's own dilated conv1d (stride 1) or plain conv1d of the padded input.
      const forward = tf.tidy(() => {
        const padded = tf.pad(toTf(x), [[0, 0], [before, 0], [0, 0]]) as tf.Tensor3D;
        const z = tf.conv1d(padded, toTf(kernel) as tf.Tensor3D, c.strides, 'valid', 'NWC', c.dilation);
        return Float32Array.from(tfActivation(c.activation, c.useBias ? tf.add(z, toTf(bias)) : z).dataSync());
      });
      expect(result.y).toBeAllClose(forward, CLOSE);

      // Gradients: of the padded input, its padding sliced off (tf.pad's gradient does exactly that).
      const reference = tf.tidy(() => {
        const args = (c.useBias ? [x, kernel, bias] : [x, kernel]).map(toTf);
        const padded = tf.pad(args[0], [[0, 0], [before, 0], [0, 0]]);
        const valid = tfConv1d({ ...c, padding: 'valid' });
        const wT = toTf(w);
        const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(valid(a[0], a[1], a[2]), wT)))([padded, ...args.slice(1)]);
        const dx = tf.slice(grads[0], [0, before, 0], c.shape);
        return [dx, ...grads.slice(1)].map((g) => Float32Array.from(g.dataSync()));
      });
      expectParity(result, { y: forward, grads: reference });
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Conv1D, dilation > 1
// ------------------------------------------------------------------------------------------------

/**
 * 12 dilated cases: dilation 2–4, the three paddings in turn, the activations cycling; stride 1
 * (TF.js's conv1d takes dilation only with stride 1) except the last three, with strides 2–3.
 */
function dilatedCases(): ConvCase[] {
  const { int } = generator(77);
  return Array.from({ length: 12 }, (_, i) => {
    const padding: ConvPadding = (['valid', 'same', 'causal'] as const)[i % 3];
    const kernelSize = int(2, 4);
    const dilation = int(2, 4);
    const span = (kernelSize - 1) * dilation + 1;
    return {
      shape: [int(1, 2), padding === 'valid' ? int(span, Math.max(span, 20)) : int(1, 20), int(1, 4)],
      kernelSize,
      strides: i >= 9 ? int(2, 3) : 1,
      dilation,
      padding,
      filters: int(1, 4),
      useBias: i % 4 !== 1,
      activation: ACTIVATIONS[(i + Math.floor(i / 3)) % 3],
    };
  });
}

describe('Conv1D with dilation > 1: forward against TF.js, gradients against a float64 reference, numeric differences and TF.js through a spread kernel', () => {
  const cases = dilatedCases();

  it('the cases cover dilation 2–4, each padding with each activation, strides 1–3', () => {
    expect(new Set(cases.map((c) => c.dilation))).toEqual(new Set([2, 3, 4]));
    expect(new Set(cases.map((c) => `${c.padding} ${c.activation}`)).size).toBe(9);
    expect(new Set(cases.map((c) => c.strides))).toEqual(new Set([1, 2, 3]));
    expect(cases.some((c) => !c.useBias)).toBe(true);
  });

  for (const [i, c] of cases.entries()) {
    itOnBackends(describeConv(c), () => {
      const { x, kernel, bias, layer, outShape, w } = convSetup(c, 800 + i);
      const result = ours(layer, x, w);
      const g: Conv1DGeometry = { batch: c.shape[0], steps: c.shape[1], channels: c.shape[2], kernelSize: c.kernelSize, filters: c.filters, strides: c.strides, dilation: c.dilation, padding: c.padding };

      // The float64 definition, forward and backward.
      const ref = referenceConv1d(x.data, kernel.data, c.useBias ? bias.data : undefined, g, c.activation);
      expect(outShape).toEqual([c.shape[0], ref.out, c.filters]);
      expect(result.y).toBeAllClose(ref.y, CLOSE);
      const back = referenceConv1dBackward(x.data, kernel.data, ref.z, w.data, g, c.activation);
      expect(result.dx).toBeAllClose(back.dx, CLOSE);
      expect(result.params[0]).toBeAllClose(back.dKernel, CLOSE);
      if (c.useBias) expect(result.params[1]).toBeAllClose(back.dBias, CLOSE);
      expect(result.params).toHaveLength(c.useBias ? 2 : 1);

      // TF.js's own dilated conv1d, forward (stride 1 only: TF.js refuses stride and dilation both above 1).
      if (c.strides === 1) {
        const before = c.padding === 'causal' ? (c.kernelSize - 1) * c.dilation : 0;
        const forward = tf.tidy(() => {
          const input = tf.pad(toTf(x), [[0, 0], [before, 0], [0, 0]]) as tf.Tensor3D;
          const z = tf.conv1d(input, toTf(kernel) as tf.Tensor3D, 1, c.padding === 'same' ? 'same' : 'valid', 'NWC', c.dilation);
          return Float32Array.from(tfActivation(c.activation, c.useBias ? tf.add(z, toTf(bias)) : z).dataSync());
        });
        expect(result.y).toBeAllClose(forward, CLOSE);
      }

      // TF.js through the spread kernel: forward and every gradient.
      expectParity(result, theirs(tfConv1d(c), c.useBias ? [x, kernel, bias] : [x, kernel], w));

      // Central differences (h = 1e-3 for the kinks of relu / leaky_relu, which are checked one-sided).
      const smooth = c.activation === 'linear';
      const check = gradCheckLayer(layer, x, { h: smooth ? 1e-2 : 1e-3 });
      expect(check.maxError).toBeLessThanOrEqual(1e-3);
      expect(check.kinks).toBeLessThanOrEqual(smooth ? 0 : 3);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// Pooling
// ------------------------------------------------------------------------------------------------

interface PoolCase {
  shape: [number, number, number];
  poolSize: number;
  strides: number;
  padding: PoolPadding;
  /** Strides left to their default, poolSize. */
  defaultStrides: boolean;
}

/** 14 cases: 'valid' and 'same' alternate; pools 1–4, strides 1–3 (every fourth left to default, poolSize), steps 1–20 (at least the pool for 'valid'), channels 1–5. */
function poolCases(seed: number): PoolCase[] {
  const { int } = generator(seed);
  return Array.from({ length: 14 }, (_, i) => {
    const padding: PoolPadding = i % 2 === 0 ? 'valid' : 'same';
    const poolSize = int(1, 4);
    const defaultStrides = i % 4 === 2;
    const strides = defaultStrides ? poolSize : int(1, 3);
    const steps = padding === 'valid' ? int(poolSize, 20) : int(1, 20);
    return { shape: [int(1, 3), steps, int(1, 5)], poolSize, strides, padding, defaultStrides };
  });
}

/** Distinct values in (−1, 1), in random order: a max never ties. */
function distinct(shape: number[], rng: Rng): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const order = rng.shuffle(Float32Array.from({ length: size }, (_, i) => i));
  return tensor(Float32Array.from(order, (v) => ((v + 0.5) / size) * 2 - 1), shape);
}

/** Whether a 'same' window hangs over the padding anywhere (TensorFlow's rule, as in conv-geometry). */
function padded(c: PoolCase): boolean {
  if (c.padding === 'valid') return false;
  const out = Math.ceil(c.shape[1] / c.strides);
  return (out - 1) * c.strides + c.poolSize > c.shape[1];
}

const describePool = (c: PoolCase) => `x ${c.shape.join('x')}, pool ${c.poolSize}, strides ${c.strides}${c.defaultStrides ? ' (default)' : ''}, ${c.padding}`;

const poolLayers = {
  max: { Ours: MaxPooling1D, tfPool: tf.layers.maxPooling1d, tfName: 'maxPooling1d', seed: 13 },
  average: { Ours: AveragePooling1D, tfPool: tf.layers.averagePooling1d, tfName: 'averagePooling1d', seed: 17 },
};

for (const [kind, { Ours, tfPool, tfName, seed }] of Object.entries(poolLayers)) {
  describe(`${Ours.className} matches tf.layers.${tfName} on 14 random shapes: forward and input gradient`, () => {
    const cases = poolCases(seed);

    it('the cases cover pools 1–4, strides 1–3 and the default, both paddings, windows over the padding', () => {
      expect(new Set(cases.map((c) => c.poolSize))).toEqual(new Set([1, 2, 3, 4]));
      expect(new Set(cases.filter((c) => !c.defaultStrides).map((c) => c.strides))).toEqual(new Set([1, 2, 3]));
      expect(cases.filter(padded).length).toBeGreaterThanOrEqual(3);
      expect(new Set(cases.map((c) => c.shape[2])).size).toBeGreaterThanOrEqual(4);
    });

    for (const [i, c] of cases.entries()) {
      itOnBackends(describePool(c), () => {
        const { rng } = generator(900 + i);
        const x = kind === 'max' ? distinct(c.shape, rng) : randomUniform(c.shape, -1, 1, rng);
        const options = { poolSize: c.poolSize, strides: c.defaultStrides ? undefined : c.strides, padding: c.padding };
        const layer = new Ours(options);
        const { w, result, reference } = layerCase(layer, tfPool(options), x, rng);
        if (kind === 'max' || !padded(c)) {
          expectParity(result, reference);
          return;
        }
        // TF.js 4.22's 1-D average pooling has the bug of its 2-D one (test/parity/tfjs-conv.test.ts):
        // its gradient divides every window by the full poolSize, even where the window hangs over
        // the padding, while its forward divides by the number of real inputs covered. The gradient
        // of the forward TF.js computes is taken here through TF.js ops that differentiate it
        // exactly: window sums by a depthwise convolution with ones over a height-1 image, divided
        // by the covered count.
        expect(result.y).toBeAllClose(reference.y, CLOSE);
        const image = (t: tf.Tensor) => tf.reshape(t, [c.shape[0], 1, c.shape[1], c.shape[2]]) as tf.Tensor4D;
        const ones = tf.ones([1, c.poolSize, c.shape[2], 1]) as tf.Tensor4D;
        const count = tf.depthwiseConv2d(image(tf.onesLike(toTf(x))), ones, [1, c.strides], c.padding);
        const average = (xt: tf.Tensor) => tf.reshape(tf.div(tf.depthwiseConv2d(image(xt), ones, [1, c.strides], c.padding), count), w.shape);
        expectParity(result, theirs(average, [x], w));
        // And the difference from TF.js's own gradient is exactly that factor: backward(w · count / poolSize).
        const covered = count.dataSync();
        const scaled = tensor(Float32Array.from(w.data, (v, j) => (v * covered[j]) / c.poolSize), w.shape);
        expect(result.dx).not.toBeAllClose(reference.grads[0], CLOSE);
        layer.forward(x, true);
        expect(layer.backward(scaled)).toBeAllClose(reference.grads[0], CLOSE);
        tf.dispose([ones, count]);
      });
    }
  });
}

describe('GlobalAveragePooling1D and GlobalMaxPooling1D match TF.js on 12 random shapes each: forward and input gradient', () => {
  const { int } = generator(58);
  const shapes = Array.from({ length: 12 }, () => [int(1, 3), int(1, 20), int(1, 5)]);
  const layers = [
    [GlobalAveragePooling1D, tf.layers.globalAveragePooling1d],
    [GlobalMaxPooling1D, tf.layers.globalMaxPooling1d],
  ] as const;
  for (const [Ours, tfGlobal] of layers) {
    for (const [i, shape] of shapes.entries()) {
      itOnBackends(`${Ours.className} x ${shape.join('x')}`, () => {
        const { rng } = generator(1000 + i);
        const x = Ours === GlobalMaxPooling1D ? distinct(shape, rng) : randomUniform(shape, -1, 1, rng);
        const w = randomUniform([shape[0], shape[2]], -1, 1, rng);
        const layer = new Ours();
        layer.build(shape.slice(1));
        expect(layer.computeOutputShape(shape.slice(1))).toEqual([shape[2]]);
        const tfLayer = tfGlobal({});
        expectParity(ours(layer, x, w), theirs((xt) => tfLayer.apply(xt) as tf.Tensor, [x], w));
      });
    }
  }
});
