/**
 * Parity of Conv2DTranspose, DepthwiseConv2D and SeparableConv2D with TF.js (@tensorflow/tfjs
 * 4.22, cpu backend) over randomized configurations from a seeded generator, on both layerwise
 * kernel backends ('wasm' and 'js'). Every reference value is computed by TF.js inside the test, on
 * the same inputs and weights as layerwise: the forward pass by the TF.js layer, the gradients (of L =
 * Σ w ⊙ y for one fixed random w: one `backward(w)` in layerwise) by `tf.grads` of the same function
 * written with TF.js ops (tf.conv2dTranspose, tf.depthwiseConv2d, tf.separableConv2d).
 *
 * Where TF.js 4.22 computes a layer otherwise (each verified below), layerwise follows Keras 3 and
 * is checked against the float64 definitions of test/helpers/conv-family-reference.ts, central
 * differences, and TF.js ops that compute Keras's function (a kernel spread out with zeros between
 * its taps for a dilation; tf.conv2dTranspose given Keras's output size for an outputPadding):
 * - Conv2DTranspose ignores dilationRate (and drops it from its config) and outputPadding;
 * - DepthwiseConv2D keeps dilationRate in its config but convolves undilated;
 * - SeparableConv2D computes a dilated forward pass, but has no gradient for it.
 *
 * Tolerance everywhere: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { randomUniform, type Layer, type Tensor } from 'layerwise';
import { Conv2DTranspose } from '../../src/layers/conv2d-transpose';
import { DepthwiseConv2D } from '../../src/layers/depthwise-conv2d';
import { SeparableConv2D } from '../../src/layers/separable-conv2d';
import type { Padding } from '../../src/tensor/conv-geometry';
import { referenceDepthwise, referenceSeparable, referenceTranspose, type TransposeCase } from '../helpers/conv-family-reference';
import { gradCheckLayer } from '../helpers/gradcheck';
import { window2d } from '../helpers/reference';
import { CLOSE, expectParity, generator, itOnBackends, ours, tfLayerForward, theirs, useTfjsCpu } from './parity-helpers';

/** The slope of the 'leaky_relu' key: Keras 3's activations.leaky_relu (0.2). */
const LEAKY_ALPHA = 0.2;
type Activation = 'linear' | 'relu' | 'leaky_relu';
const ACTIVATIONS: Activation[] = ['linear', 'relu', 'leaky_relu'];

useTfjsCpu('each');

/** The activation as TF.js ops ('leaky_relu' is not a TF.js activation identifier: tf.leakyRelu with Keras's alpha). */
function tfActivation(activation: Activation, z: tf.Tensor): tf.Tensor {
  if (activation === 'relu') return tf.relu(z);
  if (activation === 'leaky_relu') return tf.leakyRelu(z, LEAKY_ALPHA);
  return z;
}

/** The TF.js layer's activation: 'relu' or linear (then tf.leakyRelu on its output for 'leaky_relu', by `withLeaky`). */
const tfLayerActivation = (a: Activation) => (a === 'relu' ? 'relu' : 'linear');

/** A TF.js layer's output, through tf.leakyRelu for 'leaky_relu'. */
function withLeaky(activation: Activation, y: Float32Array): Float32Array {
  return activation === 'leaky_relu' ? tf.tidy(() => Float32Array.from(tf.leakyRelu(tf.tensor(y), LEAKY_ALPHA).dataSync())) : y;
}

/** The activation of a float64 reference's pre-activations. */
function activate(activation: Activation, z: Float64Array): Float64Array {
  return activation === 'linear' ? z : z.map((v) => (v > 0 ? v : (activation === 'relu' ? 0 : LEAKY_ALPHA) * v));
}

/**
 * A kernel [kh, kw, a, b] with d − 1 zeros between its taps, [(kh − 1)·dh + 1, (kw − 1)·dw + 1, a, b],
 * made by a matMul with a 0/1 scatter matrix so that TF.js differentiates it: a convolution with it
 * is the dilated one, and TF.js computes its gradients.
 */
function dilateKernel(k: tf.Tensor, [dh, dw]: readonly number[]): tf.Tensor4D {
  const [kh, kw, a, b] = k.shape;
  const [DH, DW] = [(kh - 1) * dh + 1, (kw - 1) * dw + 1];
  const scatter = new Float32Array(DH * DW * kh * kw);
  for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) scatter[(ky * dh * DW + kx * dw) * kh * kw + ky * kw + kx] = 1;
  return tf.reshape(tf.matMul(tf.tensor2d(scatter, [DH * DW, kh * kw]), tf.reshape(k, [kh * kw, a * b])), [DH, DW, a, b]);
}

interface FamilyCase {
  shape: [number, number, number, number];
  kernelSize: [number, number];
  strides: [number, number];
  dilation: [number, number];
  padding: Padding;
  useBias: boolean;
  activation: Activation;
  /** Conv2DTranspose, SeparableConv2D. */
  filters: number;
  /** DepthwiseConv2D, SeparableConv2D. */
  depthMultiplier: number;
  /** Conv2DTranspose. */
  outputPadding?: [number, number];
}

const describeCase = (c: FamilyCase) =>
  `x ${c.shape.join('x')}, kernel ${c.kernelSize.join('x')}, strides ${c.strides.join('x')}${c.dilation.some((d) => d > 1) ? `, dilation ${c.dilation.join('x')}` : ''}, ` +
  `${c.padding}${c.outputPadding ? `, outputPadding ${c.outputPadding.join('x')}` : ''}, ${c.activation}${c.useBias ? '' : ', no bias'}`;

/**
 * `count` cases: 'valid' and 'same' alternate, the activations cycle, every fifth has no bias;
 * kernels 1–4 per axis (even and odd), strides 1–3 per axis, filters 1–4, depth multipliers 1–3,
 * batch 1–2, channels 1–3; image sides `side` (at least the kernel's span for 'valid').
 */
function cases(seed: number, count: number, side: [number, number], dilated = false): FamilyCase[] {
  const { int, pair } = generator(seed);
  return Array.from({ length: count }, (_, i) => {
    const padding: Padding = i % 2 === 0 ? 'valid' : 'same';
    const kernelSize = pair(1, 4);
    const dilation: [number, number] = dilated ? [int(2, 3), int(1, 2)] : [1, 1];
    // TF.js's dilated convolutions take stride 1 only.
    const strides: [number, number] = dilated ? [1, 1] : pair(1, 3);
    const span = (a: number) => (kernelSize[a] - 1) * dilation[a] + 1;
    const length = (a: number) => Math.max(int(...side), padding === 'valid' ? span(a) + int(0, 1) : 1);
    return {
      shape: [int(1, 2), length(0), length(1), int(1, 3)],
      kernelSize,
      strides,
      dilation,
      padding,
      useBias: i % 5 !== 4,
      activation: ACTIVATIONS[i % 3],
      filters: int(1, 4),
      depthMultiplier: int(1, 3),
    };
  });
}

/** The cases cover what the acceptance asks: both paddings, strides 1–3, even and odd kernels, depth multipliers, bias or not. */
function expectCoverage(list: FamilyCase[], strides = [1, 2, 3]): void {
  const values = (f: (c: FamilyCase) => number[]) => new Set(list.flatMap(f));
  expect(list.length).toBeGreaterThanOrEqual(10);
  expect(new Set(list.map((c) => c.padding))).toEqual(new Set(['valid', 'same']));
  expect(values((c) => c.strides)).toEqual(new Set(strides));
  expect(values((c) => c.kernelSize.map((k) => k % 2))).toEqual(new Set([0, 1]));
  expect(values((c) => [c.depthMultiplier]).size).toBeGreaterThanOrEqual(2);
  expect(new Set(list.map((c) => c.useBias))).toEqual(new Set([true, false]));
  expect(new Set(list.map((c) => c.activation)).size).toBe(3);
}

/** Random weights of the given shapes, and the input and w of a layer built with them. */
function setup(layer: Layer, c: FamilyCase, seed: number): { x: Tensor; weights: Tensor[]; w: Tensor } {
  const { rng } = generator(seed);
  const x = randomUniform(c.shape, -1, 1, rng);
  layer.build(c.shape.slice(1));
  const weights = layer.params().map((p) => randomUniform(p.value.shape, p.name.endsWith('bias') ? -0.5 : -1, p.name.endsWith('bias') ? 0.5 : 1, rng));
  layer.setWeights(weights);
  const w = randomUniform([c.shape[0], ...layer.computeOutputShape(c.shape.slice(1))], -1, 1, rng);
  return { x, weights, w };
}

/**
 * Central differences (h = 1e-2) of the convolution itself, on a linear twin of the layer with the
 * same weights: the activations' kinks at 0 would make some differences one-sided, and TF.js ops
 * have checked the activations already.
 */
function expectNumericGradients(make: (c: FamilyCase) => Layer, c: FamilyCase, weights: Tensor[], x: Tensor): void {
  const twin = make({ ...c, activation: 'linear' });
  twin.build(c.shape.slice(1));
  twin.setWeights(weights);
  const check = gradCheckLayer(twin, x, { h: 1e-2 });
  expect(check.maxError).toBeLessThanOrEqual(1e-3);
  expect(check.kinks).toBe(0);
}

// ------------------------------------------------------------------------------------------------
// Conv2DTranspose
// ------------------------------------------------------------------------------------------------

const transposeLayer = (c: FamilyCase) =>
  new Conv2DTranspose({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, dilationRate: c.dilation, padding: c.padding, outputPadding: c.outputPadding, useBias: c.useBias, activation: c.activation });

/** The function Conv2DTranspose computes, as TF.js ops on [x, kernel, bias?]: tf.conv2dTranspose to Keras's output size, the kernel spread for a dilation. */
function tfTranspose(c: FamilyCase, outShape: number[]) {
  return (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
    const kernel = c.dilation.some((d) => d > 1) ? dilateKernel(k, c.dilation) : (k as tf.Tensor4D);
    const z = tf.conv2dTranspose(x as tf.Tensor4D, kernel, outShape as [number, number, number, number], c.strides, c.padding);
    return tfActivation(c.activation, b ? tf.add(z, b) : z);
  };
}

describe('Conv2DTranspose matches tf.layers.conv2dTranspose on 12 random configurations: forward, and gradients of input, kernel, bias', () => {
  const list = cases(31, 12, [1, 5]);

  it('the cases cover both paddings, strides 1–3, even and odd kernels, every activation, bias or not', () => expectCoverage(list));

  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, ${c.filters} filters`, () => {
      const layer = transposeLayer(c);
      const { x, weights, w } = setup(layer, c, 100 + i);
      const result = ours(layer, x, w);
      const forward = tfLayerForward(tf.layers.conv2dTranspose({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, useBias: c.useBias, activation: tfLayerActivation(c.activation) }), x, weights);
      expect(forward.shape).toEqual(w.shape);
      const y = withLeaky(c.activation, forward.y);
      expect(result.y).toBeAllClose(y, CLOSE);
      expectParity(result, theirs(tfTranspose(c, w.shape), [x, ...weights], w));
    });
  }
});

/** 10 cases TF.js's layer computes otherwise: dilation 2–3 (stride 1), or outputPadding below strides 2–3. */
function transposeGapCases(): FamilyCase[] {
  const dilated = cases(37, 5, [1, 4], true);
  const { int, pair } = generator(41);
  const padded = cases(43, 5, [1, 4]).map((c, i): FamilyCase => {
    const strides = pair(2, 3);
    const outputPadding: [number, number] = [int(0, strides[0] - 1), int(0, strides[1] - 1)];
    // 'same' with an even kernel and no output padding has no TF.js form (its output would be shorter than the input's windows): give it one.
    if (c.padding === 'same') c.kernelSize.forEach((k, a) => k % 2 === 0 && outputPadding[a] === 0 && (outputPadding[a] = 1));
    return { ...c, strides, outputPadding, activation: ACTIVATIONS[i % 3] };
  });
  return [...dilated, ...padded];
}

describe('Conv2DTranspose with dilationRate or outputPadding, which TF.js 4.22 ignores: Keras 3 in float64, TF.js ops to the Keras output size, central differences', () => {
  it('TF.js ignores them (verified): its output has the size of an undilated kernel without output padding, and its config drops dilationRate', () => {
    const x = tf.randomUniform([1, 3, 3, 2]);
    const args = { filters: 2, kernelSize: 3, strides: 2 };
    const plain = tf.layers.conv2dTranspose(args);
    const gapped = tf.layers.conv2dTranspose({ ...args, dilationRate: 2, outputPadding: 1 } as typeof args);
    const y = gapped.apply(x) as tf.Tensor;
    plain.apply(x);
    plain.setWeights(gapped.getWeights());
    // Keras 3: (3 − 1) · 2 + 5 + 1 = 10 per side; TF.js: 3 · 2 + max(3 − 2, 0) = 7, the same values as without them.
    expect(y.shape).toEqual([1, 7, 7, 2]);
    expect(new Conv2DTranspose({ ...args, dilationRate: 2, outputPadding: 1 }).computeOutputShape([3, 3, 2])).toEqual([10, 10, 2]);
    expect(Array.from(y.dataSync())).toEqual(Array.from((plain.apply(x) as tf.Tensor).dataSync()));
    expect(gapped.getConfig()).not.toHaveProperty('dilationRate');
    tf.dispose([x, y]);
  });

  const list = transposeGapCases();
  it('the cases cover dilation 2–3 and output paddings 0–2, both paddings, every activation', () => {
    expect(new Set(list.flatMap((c) => c.dilation))).toEqual(new Set([1, 2, 3]));
    expect(new Set(list.flatMap((c) => c.outputPadding ?? []))).toEqual(new Set([0, 1, 2]));
    expect(new Set(list.map((c) => c.padding))).toEqual(new Set(['valid', 'same']));
    expect(new Set(list.map((c) => c.activation)).size).toBe(3);
  });

  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, ${c.filters} filters`, () => {
      const layer = transposeLayer(c);
      const { x, weights, w } = setup(layer, c, 200 + i);
      const result = ours(layer, x, w);
      const tc: TransposeCase = { shape: c.shape, filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, dilation: c.dilation, padding: c.padding, outputPadding: c.outputPadding };
      const ref = referenceTranspose(x.data, weights[0].data, c.useBias ? weights[1].data : undefined, tc);
      expect(w.shape).toEqual(ref.shape);
      expect(result.y).toBeAllClose(activate(c.activation, ref.y), CLOSE);
      expectParity(result, theirs(tfTranspose(c, w.shape), [x, ...weights], w));
      expectNumericGradients(transposeLayer, c, weights, x);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// DepthwiseConv2D
// ------------------------------------------------------------------------------------------------

const depthwiseLayer = (c: FamilyCase) =>
  new DepthwiseConv2D({ kernelSize: c.kernelSize, strides: c.strides, dilationRate: c.dilation, padding: c.padding, depthMultiplier: c.depthMultiplier, useBias: c.useBias, activation: c.activation });

/** The function DepthwiseConv2D computes, as TF.js ops on [x, kernel, bias?], the kernel spread for a dilation. */
function tfDepthwise(c: FamilyCase) {
  return (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
    const kernel = c.dilation.some((d) => d > 1) ? dilateKernel(k, c.dilation) : (k as tf.Tensor4D);
    const z = tf.depthwiseConv2d(x as tf.Tensor4D, kernel, c.strides, c.padding);
    return tfActivation(c.activation, b ? tf.add(z, b) : z);
  };
}

describe('DepthwiseConv2D matches tf.layers.depthwiseConv2d on 12 random configurations: forward, and gradients of input, kernel, bias', () => {
  const list = cases(53, 12, [3, 8]);

  it('the cases cover both paddings, strides 1–3, even and odd kernels, depth multipliers 1–3, every activation, bias or not', () => expectCoverage(list));

  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, depthMultiplier ${c.depthMultiplier}`, () => {
      const layer = depthwiseLayer(c);
      const { x, weights, w } = setup(layer, c, 300 + i);
      const result = ours(layer, x, w);
      const forward = tfLayerForward(tf.layers.depthwiseConv2d({ kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, depthMultiplier: c.depthMultiplier, useBias: c.useBias, activation: tfLayerActivation(c.activation) }), x, weights);
      expect(forward.shape).toEqual(w.shape);
      const y = withLeaky(c.activation, forward.y);
      expect(result.y).toBeAllClose(y, CLOSE);
      expectParity(result, theirs(tfDepthwise(c), [x, ...weights], w));
    });
  }
});

describe('DepthwiseConv2D with dilationRate, which TF.js 4.22 saves but ignores: Keras 3 in float64, TF.js ops through a spread kernel, central differences', () => {
  it('TF.js ignores it (verified): tf.layers.depthwiseConv2d with dilationRate 2 computes the undilated convolution', () => {
    const x = tf.randomUniform([1, 7, 7, 2]);
    const args = { kernelSize: 3, depthMultiplier: 2 };
    const dilated = tf.layers.depthwiseConv2d({ ...args, dilationRate: 2 });
    const plain = tf.layers.depthwiseConv2d(args);
    const y = dilated.apply(x) as tf.Tensor;
    plain.apply(x);
    plain.setWeights(dilated.getWeights());
    expect(y.shape).toEqual([1, 5, 5, 4]); // dilated, a 5x5 span: 3x3
    expect(Array.from(y.dataSync())).toEqual(Array.from((plain.apply(x) as tf.Tensor).dataSync()));
    expect(dilated.getConfig().dilationRate).toEqual([2, 2]);
    tf.dispose([x, y]);
  });

  const list = cases(59, 10, [3, 8], true);
  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, depthMultiplier ${c.depthMultiplier}`, () => {
      const layer = depthwiseLayer(c);
      const { x, weights, w } = setup(layer, c, 400 + i);
      const result = ours(layer, x, w);
      const g = window2d(c.shape, c.kernelSize, c.strides, c.dilation, c.padding);
      const z = referenceDepthwise(x.data, weights[0].data, c.useBias ? weights[1].data : undefined, g, c.depthMultiplier);
      expect(result.y).toBeAllClose(activate(c.activation, z), CLOSE);
      expectParity(result, theirs(tfDepthwise(c), [x, ...weights], w));
      expectNumericGradients(depthwiseLayer, c, weights, x);
    });
  }
});

// ------------------------------------------------------------------------------------------------
// SeparableConv2D
// ------------------------------------------------------------------------------------------------

const separableLayer = (c: FamilyCase) =>
  new SeparableConv2D({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, dilationRate: c.dilation, padding: c.padding, depthMultiplier: c.depthMultiplier, useBias: c.useBias, activation: c.activation });

/** The function SeparableConv2D computes, as TF.js ops on [x, depthwise, pointwise, bias?], the depthwise kernel spread for a dilation. */
function tfSeparable(c: FamilyCase) {
  return (x: tf.Tensor, dk: tf.Tensor, pk: tf.Tensor, b?: tf.Tensor) => {
    const kernel = c.dilation.some((d) => d > 1) ? dilateKernel(dk, c.dilation) : (dk as tf.Tensor4D);
    const z = tf.separableConv2d(x as tf.Tensor4D, kernel, pk as tf.Tensor4D, c.strides, c.padding);
    return tfActivation(c.activation, b ? tf.add(z, b) : z);
  };
}

describe('SeparableConv2D matches tf.layers.separableConv2d on 12 random configurations: forward, and gradients of input, both kernels, bias', () => {
  const list = cases(61, 12, [3, 8]);

  it('the cases cover both paddings, strides 1–3, even and odd kernels, depth multipliers 1–3, every activation, bias or not', () => expectCoverage(list));

  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, depthMultiplier ${c.depthMultiplier}, ${c.filters} filters`, () => {
      const layer = separableLayer(c);
      const { x, weights, w } = setup(layer, c, 500 + i);
      const result = ours(layer, x, w);
      const forward = tfLayerForward(
        tf.layers.separableConv2d({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, depthMultiplier: c.depthMultiplier, useBias: c.useBias, activation: tfLayerActivation(c.activation) }),
        x,
        weights,
      );
      expect(forward.shape).toEqual(w.shape);
      const y = withLeaky(c.activation, forward.y);
      expect(result.y).toBeAllClose(y, CLOSE);
      expectParity(result, theirs(tfSeparable(c), [x, ...weights], w));
    });
  }
});

describe('SeparableConv2D with dilationRate, which TF.js 4.22 computes but cannot train: its forward, Keras 3 in float64, TF.js ops through a spread kernel, central differences', () => {
  it('TF.js cannot train it (verified): tf.separableConv2d with dilation 2 has no gradient', () => {
    const x = tf.randomUniform([1, 7, 7, 2]);
    const dk = tf.randomUniform([3, 3, 2, 1]) as tf.Tensor4D;
    const pk = tf.randomUniform([1, 1, 2, 2]) as tf.Tensor4D;
    expect(tf.separableConv2d(x as tf.Tensor4D, dk, pk, 1, 'valid', 2).shape).toEqual([1, 3, 3, 2]);
    expect(() => tf.grads((a: tf.Tensor) => tf.sum(tf.separableConv2d(a as tf.Tensor4D, dk, pk, 1, 'valid', 2)))([x])).toThrow(/dilation rates greater than 1 are not yet supported/);
    tf.dispose([x, dk, pk]);
  });

  const list = cases(67, 10, [3, 8], true);
  for (const [i, c] of list.entries()) {
    itOnBackends(`${describeCase(c)}, depthMultiplier ${c.depthMultiplier}, ${c.filters} filters`, () => {
      const layer = separableLayer(c);
      const { x, weights, w } = setup(layer, c, 600 + i);
      const result = ours(layer, x, w);
      // TF.js's own dilated forward pass.
      const forward = tfLayerForward(
        tf.layers.separableConv2d({ filters: c.filters, kernelSize: c.kernelSize, padding: c.padding, dilationRate: c.dilation, depthMultiplier: c.depthMultiplier, useBias: c.useBias, activation: tfLayerActivation(c.activation) }),
        x,
        weights,
      );
      const tfY = withLeaky(c.activation, forward.y);
      expect(result.y).toBeAllClose(tfY, CLOSE);
      const z = referenceSeparable(x.data, weights[0].data, weights[1].data, c.useBias ? weights[2].data : undefined, c.shape, layer);
      expect(result.y).toBeAllClose(activate(c.activation, z), CLOSE);
      expectParity(result, theirs(tfSeparable(c), [x, ...weights], w));
      expectNumericGradients(separableLayer, c, weights, x);
    });
  }
});
