import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Activation,
  activationKeys,
  activations,
  ELU,
  fromArray,
  getActivation,
  LeakyReLU,
  type Layer,
  ReLU,
  Rng,
  Softmax,
  tensor,
  type Tensor,
} from 'layerwise';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';

/** f(x) through the registry's function for `key`, on a batch of one row. */
function apply(key: string, x: readonly number[]): number[] {
  const fn = getActivation(key);
  const y = new Float32Array(x.length);
  fn.forward(Float32Array.from(x), y, [1, x.length]);
  return Array.from(y);
}

/** dy · f'(x) through the registry's function for `key`, on a batch of one row. */
function applyBackward(key: string, x: readonly number[], dy: readonly number[] = x.map(() => 1)): number[] {
  const fn = getActivation(key);
  const xs = Float32Array.from(x);
  const y = new Float32Array(x.length);
  fn.forward(xs, y, [1, x.length]);
  const dx = new Float32Array(x.length);
  fn.backward(xs, y, Float32Array.from(dy), dx, [1, x.length]);
  return Array.from(dx);
}

/** A copy of a layer's output: layers reuse their output buffer on the next forward. */
function run(layer: Layer, x: Tensor): number[] {
  return Array.from(layer.forward(x, false).data);
}

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const sigmoidOf = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * f at a few points, each checkable by hand or with a calculator. Every built-in key must have a
 * row here: the test below compares these keys with `activationKeys()`.
 */
const FORWARD: Record<string, { x: number[]; y: number[] }> = {
  linear: { x: [-2, 0, 3.5], y: [-2, 0, 3.5] },
  relu: { x: [-2, 0, 3.5], y: [0, 0, 3.5] },
  // Alpha 0.2, as Keras 3's activations.leaky_relu (the LeakyReLU layer's default is 0.3): -2 · 0.2 = -0.4.
  leaky_relu: { x: [-2, -0.5, 0, 3], y: [-0.4, -0.1, 0, 3] },
  // 1 / (1 + e^−2) = 0.8807970779778823; far logits saturate without NaN.
  sigmoid: { x: [0, 2, -2, 100, -100, 1000, -1000], y: [0.5, 0.8807970779778823, 0.11920292202211755, 1, 0, 1, 0] },
  tanh: { x: [0, 1, -1, 50], y: [0, 0.7615941559557649, -0.7615941559557649, 1] },
  // e^[1, 2, 3] / (e + e² + e³).
  softmax: { x: [1, 2, 3], y: [0.09003057317038046, 0.24472847105479764, 0.6652409557748219] },
  // e^−1 − 1 = -0.6321205588285577.
  elu: { x: [-1, 0, 2], y: [-0.6321205588285577, 0, 2] },
  // scale · x for x > 0; scale · alpha · (e^x − 1) otherwise, with Klambauer et al.'s constants.
  selu: { x: [1, 0, -1], y: [SELU_SCALE, 0, SELU_SCALE * SELU_ALPHA * (Math.exp(-1) - 1)] },
  // x · Φ(x) with the exact normal CDF: Φ(1) = 0.8413447460685429, Φ(2) = 0.9772498680518208.
  gelu: { x: [1, -1, 0, 2], y: [0.8413447460685429, -0.15865525393145707, 0, 1.9544997361036416] },
  // x · sigmoid(x): sigmoid(1) = 0.7310585786300049.
  swish: { x: [1, -1, 0], y: [0.7310585786300049, -0.2689414213699951, 0] },
  silu: { x: [1, -1, 0], y: [0.7310585786300049, -0.2689414213699951, 0] },
  // log(1 + e^x): ln 2 at 0; x itself for large x, without overflow.
  softplus: { x: [0, 1, -1, 100, 1000], y: [Math.LN2, 1.3132616875182228, 0.31326168751822286, 100, 1000] },
  softsign: { x: [1, -3, 0], y: [0.5, -0.75, 0] },
  // TF.js's clip(0.2 · x + 0.5, 0, 1).
  hard_sigmoid: { x: [-3, -2.5, -1, 0, 0.5, 2, 3], y: [0, 0, 0.3, 0.5, 0.6, 0.9, 1] },
  relu6: { x: [-1, 0, 3, 6, 7], y: [0, 0, 3, 6, 6] },
};

/** f'(x) at a few points (dy = 1), by hand. */
const DERIVATIVE: Record<string, { x: number[]; dx: number[] }> = {
  linear: { x: [-2, 3], dx: [1, 1] },
  // TensorFlow's convention: relu'(0) = 0.
  relu: { x: [-1, 0, 2], dx: [0, 0, 1] },
  leaky_relu: { x: [-1, 2], dx: [0.2, 1] },
  // sigmoid' = s(1 − s): 0.25 at 0.
  sigmoid: { x: [0, 2], dx: [0.25, 0.10499358540350662] },
  // tanh' = 1 − tanh²: 1 − 0.7615941559557649² = 0.41997434161402614.
  tanh: { x: [0, 1], dx: [1, 0.41997434161402614] },
  // Softmax's Jacobian is not diagonal: a constant dy gives dx = 0 since the outputs sum to 1.
  // The softmax tests below check a non-constant dy by hand.
  softmax: { x: [0, 0], dx: [0, 0] },
  // elu' = e^x for x ≤ 0.
  elu: { x: [-1, 2], dx: [Math.exp(-1), 1] },
  selu: { x: [-1, 1], dx: [SELU_SCALE * SELU_ALPHA * Math.exp(-1), SELU_SCALE] },
  // gelu' = Φ(x) + x · φ(x): 0.5 at 0; 0.8413447 + 0.2419707 at 1.
  gelu: { x: [0, 1], dx: [0.5, 1.0833154705876864] },
  // swish' = s + x · s(1 − s).
  swish: { x: [0, 1], dx: [0.5, 0.9276705118714867] },
  silu: { x: [0, 1], dx: [0.5, 0.9276705118714867] },
  // softplus' = sigmoid.
  softplus: { x: [0, 2], dx: [0.5, sigmoidOf(2)] },
  // softsign' = 1 / (1 + |x|)².
  softsign: { x: [1, -3, 0], dx: [0.25, 0.0625, 1] },
  hard_sigmoid: { x: [-3, 0, 1, 3], dx: [0, 0.2, 0.2, 0] },
  relu6: { x: [-1, 3, 7], dx: [0, 1, 0] },
};

describe('every built-in activation', () => {
  it('has forward and derivative values in this file', () => {
    expect(Object.keys(FORWARD)).toEqual(activationKeys());
    expect(Object.keys(DERIVATIVE)).toEqual(activationKeys());
    expect(activationKeys()).toEqual([
      'linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu',
      'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6',
    ]);
  });

  for (const [key, { x, y }] of Object.entries(FORWARD)) {
    it(`${key}: forward values by hand`, () => {
      const out = apply(key, x);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(out).toBeAllClose(y, { rtol: 1e-6, atol: 1e-7 });
    });
  }

  for (const [key, { x, dx }] of Object.entries(DERIVATIVE)) {
    it(`${key}: derivative values by hand`, () => {
      expect(applyBackward(key, x)).toBeAllClose(dx, { rtol: 1e-6, atol: 1e-7 });
    });
  }

  for (const key of Object.keys(FORWARD)) {
    it(`${key}: backward passes the numeric gradient check`, () => {
      const layer = new Activation({ activation: key });
      layer.build([6]);
      // awayFromZero keeps |x| in [0.1, 2]: no point within h = 1e-2 of the kinks at 0, ±2.5 or 6.
      // Tolerance: |numeric − analytic| ≤ 1e-3 · max(1, |analytic|), the helper's float32 bound.
      const result = gradCheckLayer(layer, awayFromZero([4, 6], 3));
      expect(result.kinks).toBe(0);
      expect(result.maxError).toBeLessThan(1e-3);
    });

    it(`${key}: backward passes the numeric gradient check on [-8, 8]`, () => {
      const layer = new Activation({ activation: key });
      layer.build([6]);
      // Saturated regions and the caps of relu6 and hard_sigmoid. A point may land within h of a
      // kink there; the helper then checks it one-sided. Same 1e-3 tolerance.
      const result = gradCheckLayer(layer, awayFromZero([4, 6], 4, -8, 8));
      expect(result.maxError).toBeLessThan(1e-3);
    });
  }
});

describe('element-wise backward', () => {
  it('multiplies by dy and may write dx over dy', () => {
    const fn = getActivation('leaky_relu');
    const x = Float32Array.from([-1, 2, -3]);
    const y = new Float32Array(3);
    fn.forward(x, y, [1, 3]);
    const dy = Float32Array.from([2, 5, -1]);
    fn.backward(x, y, dy, dy, [1, 3]);
    expect(dy).toBeAllClose([0.4, 5, -0.2]);
  });
});

describe('agreement with TF.js', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true); // silences TF.js's advice to install tfjs-node
    await tf.setBackend('cpu');
  });

  /** The TF.js reference of each key, computed in the test. */
  const layerActivation = (name: Parameters<typeof tf.layers.activation>[0]['activation']) => {
    const layer = tf.layers.activation({ activation: name });
    return (x: tf.Tensor) => layer.apply(x) as tf.Tensor;
  };
  const REFERENCE: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    linear: layerActivation('linear'),
    relu: layerActivation('relu'),
    leaky_relu: (x) => tf.leakyRelu(x, 0.2),
    sigmoid: layerActivation('sigmoid'),
    tanh: layerActivation('tanh'),
    softmax: layerActivation('softmax'),
    elu: layerActivation('elu'),
    selu: layerActivation('selu'),
    gelu: layerActivation('gelu'),
    swish: layerActivation('swish'),
    silu: layerActivation('swish'),
    softplus: layerActivation('softplus'),
    softsign: layerActivation('softsign'),
    hard_sigmoid: layerActivation('hardSigmoid'),
    relu6: layerActivation('relu6'),
  };

  it('covers every built-in key', () => {
    expect(Object.keys(REFERENCE)).toEqual(activationKeys());
  });

  const rng = new Rng('tfjs');
  const shape = [8, 8];
  const xs = Float32Array.from({ length: 64 }, () => 12 * rng.uniform() - 6);
  const w = Float32Array.from({ length: 64 }, () => 2 * rng.uniform() - 1);

  for (const key of Object.keys(REFERENCE)) {
    it(`${key}: same values and gradients as TF.js on [-6, 6]`, () => {
      const fn = getActivation(key);
      const y = new Float32Array(64);
      fn.forward(xs, y, shape);
      const dx = new Float32Array(64);
      fn.backward(xs, y, w, dx, shape);

      const reference = REFERENCE[key];
      const x = tf.tensor(xs, shape);
      const weights = tf.tensor(w, shape);
      const expectedY = reference(x).dataSync();
      // d/dx Σ w ⊙ f(x): the same vector-Jacobian product as backward(dy = w).
      const expectedDx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(t), weights)))(x).dataSync();
      tf.dispose([x, weights]);

      // Float32 on both sides; TF.js's erf (for gelu) is accurate to ~1e-7.
      expect(y).toBeAllClose(expectedY, { rtol: 1e-5, atol: 1e-6 });
      expect(dx).toBeAllClose(expectedDx, { rtol: 1e-4, atol: 1e-5 });
    });
  }
});

describe('parameterized activations', () => {
  const x = fromArray([[-2, -0.5, 0, 3]]);

  it('LeakyReLU({ alpha: 0.2 }) computes the same as activations.leakyRelu(0.2)', () => {
    const layer = new LeakyReLU({ alpha: 0.2 });
    layer.build([4]);
    const fn = activations.leakyRelu(0.2);
    const y = new Float32Array(4);
    fn.forward(x.data, y, x.shape);
    expect(run(layer, x)).toBeAllClose([-0.4, -0.1, 0, 3]);
    expect(Array.from(y)).toEqual(run(layer, x));
    expect(fn.config).toEqual({ alpha: 0.2 });
    expect(layer.getConfig()).toMatchObject({ alpha: 0.2 });
  });

  it('LeakyReLU() defaults to 0.3 (Keras and TF.js layers), the "leaky_relu" key to 0.2 (Keras 3\'s function)', () => {
    const layer = new LeakyReLU();
    const byKey = new Activation({ activation: 'leaky_relu' });
    expect(run(layer, x)).toBeAllClose([-0.6, -0.15, 0, 3]);
    expect(run(byKey, x)).toBeAllClose([-0.4, -0.1, 0, 3]);
    expect(run(new LeakyReLU({ alpha: 0.2 }), x)).toEqual(run(byKey, x));
  });

  it('ELU({ alpha: 0.5 }) computes the same as activations.elu(0.5)', () => {
    const layer = new ELU({ alpha: 0.5 });
    const fn = activations.elu(0.5);
    const y = new Float32Array(4);
    fn.forward(x.data, y, x.shape);
    // 0.5 · (e^−2 − 1) = -0.43233235838169365; 0.5 · (e^−0.5 − 1) = -0.1967346701436833.
    expect(run(layer, x)).toBeAllClose([-0.43233235838169365, -0.1967346701436833, 0, 3]);
    expect(Array.from(y)).toEqual(run(layer, x));
  });

  it('ReLU({ maxValue: 6 }) computes the same as the "relu6" key', () => {
    const input = fromArray([[-1, 2, 6.5, 100]]);
    expect(run(new ReLU({ maxValue: 6 }), input)).toEqual(run(new Activation({ activation: 'relu6' }), input));
    expect(run(new ReLU(), input)).toEqual([0, 2, 6.5, 100]);
  });

  it('LeakyReLU({ alpha: 0.2 }) and ELU({ alpha: 0.5 }) pass the numeric gradient check', () => {
    // Tolerance: 1e-3 · max(1, |analytic|), the helper's float32 bound; inputs stay 0.1 from the kink.
    for (const layer of [new LeakyReLU({ alpha: 0.2 }), new ELU({ alpha: 0.5 })]) {
      layer.build([5]);
      const result = gradCheckLayer(layer, awayFromZero([3, 5], 8));
      expect(result.kinks).toBe(0);
      expect(result.maxError).toBeLessThan(1e-3);
    }
  });

  it('reject invalid settings, naming the layer', () => {
    expect(() => new LeakyReLU({ alpha: NaN, name: 'lr' })).toThrow(/lr: alpha must be a finite number\. Received: alpha=NaN\./);
    expect(() => new ELU({ alpha: Infinity, name: 'e' })).toThrow(/e: alpha must be a finite number/);
    expect(() => new ReLU({ maxValue: -1, name: 'r' })).toThrow(/r: maxValue must be a positive number/);
  });
});

describe('softmax', () => {
  /** A softmax along the last axis of [rows, width] data, in float64. */
  function referenceSoftmax(data: ArrayLike<number>, width: number): number[] {
    const out: number[] = [];
    for (let o = 0; o < data.length; o += width) {
      const row = Array.from({ length: width }, (_, k) => data[o + k]);
      const max = Math.max(...row);
      const e = row.map((v) => Math.exp(v - max));
      const s = e.reduce((a, b) => a + b, 0);
      out.push(...e.map((v) => v / s));
    }
    return out;
  }

  it('rows sum to 1 and match the definition', () => {
    const x = tensor(Float32Array.from({ length: 35 }, (_, i) => Math.sin(i) * 4), [5, 7]);
    const y = run(new Activation({ activation: 'softmax' }), x);
    for (let r = 0; r < 5; r++) {
      const sum = y.slice(r * 7, r * 7 + 7).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 6);
    }
    expect(y).toBeAllClose(referenceSoftmax(x.data, 7), { rtol: 1e-5, atol: 1e-7 });
  });

  it('is stable at logits of ±1e4: no NaN, exact one-hot', () => {
    const layer = new Activation({ activation: 'softmax' });
    const x = fromArray([
      [1e4, 0, -1e4],
      [1e4, 1e4, 0],
      [-1e4, -1e4, -1e4],
    ]);
    const y = run(layer, x);
    expect(y.slice(0, 3)).toEqual([1, 0, 0]);
    expect(y.slice(3, 6)).toEqual([0.5, 0.5, 0]);
    expect(y.slice(6)).toBeAllClose([1 / 3, 1 / 3, 1 / 3]);
    const dx = Array.from(layer.backward(fromArray([[1, 2, 3], [1, 2, 3], [1, 2, 3]])).data);
    expect(dx.every(Number.isFinite)).toBe(true);
    // A one-hot output has a zero Jacobian; row 2: 0.5 · ([1, 2] − 1.5) = [-0.25, 0.25].
    expect(dx.slice(0, 6)).toBeAllClose([0, 0, 0, -0.25, 0.25, 0]);
  });

  it('is invariant to adding a constant to every logit', () => {
    const layer = new Activation({ activation: 'softmax' });
    const x = awayFromZero([4, 6], 5);
    const y = run(layer, x);
    const shifted = tensor(x.data.map((v) => v + 10), x.shape);
    // x + 10 rounds to float32 with error ≤ 5e-7, so the probabilities move by about that.
    expect(run(layer, shifted)).toBeAllClose(y, { rtol: 1e-5, atol: 1e-6 });
  });

  it('backward is y ⊙ (dy − Σ y ⊙ dy), by hand', () => {
    // At x = [0, 0]: y = [0.5, 0.5]; dy = [1, 0]: Σ y ⊙ dy = 0.5, dx = [0.25, -0.25].
    expect(applyBackward('softmax', [0, 0], [1, 0])).toBeAllClose([0.25, -0.25]);
    // A constant dy gives zero: the outputs always sum to 1.
    expect(applyBackward('softmax', [1, -2, 0.5], [3, 3, 3])).toBeAllClose([0, 0, 0], { atol: 1e-6 });
  });

  it('Softmax({ axis: 1 }) normalizes over axis 1 of a rank-3 input', () => {
    // Shape [batch 2, 3, 4]: each of the 2 · 4 columns along axis 1 sums to 1.
    const layer = new Softmax({ axis: 1 });
    layer.build([3, 4]);
    const x = tensor(Float32Array.from({ length: 24 }, (_, i) => Math.cos(i * 1.3) * 3), [2, 3, 4]);
    const y = run(layer, x);
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < 4; j++) {
        const column = [0, 1, 2].map((i) => x.get(b, i, j));
        const expected = referenceSoftmax(column, 3);
        const got = [0, 1, 2].map((i) => y[b * 12 + i * 4 + j]);
        expect(got).toBeAllClose(expected, { rtol: 1e-5, atol: 1e-7 });
        expect(got.reduce((p, q) => p + q, 0)).toBeCloseTo(1, 6);
      }
    }
  });

  it('Softmax({ axis: 1 }) passes the numeric gradient check', () => {
    const layer = new Softmax({ axis: 1 });
    layer.build([3, 4]);
    // Tolerance: 1e-3 · max(1, |analytic|), the helper's float32 bound.
    const result = gradCheckLayer(layer, awayFromZero([2, 3, 4], 6));
    expect(result.maxError).toBeLessThan(1e-3);
  });

  it('Softmax({ axis: 2 }) on a rank-3 input equals the default last axis and the "softmax" key', () => {
    const x = awayFromZero([2, 3, 4], 7);
    const last = new Softmax();
    last.build([3, 4]);
    const two = new Softmax({ axis: 2 });
    two.build([3, 4]);
    expect(run(two, x)).toEqual(run(last, x));
    expect(run(new Activation({ activation: 'softmax' }), x)).toEqual(run(last, x));
  });

  it('Softmax rejects axis 0 and axes out of range', () => {
    expect(() => new Softmax({ axis: 0, name: 'sm' })).toThrow(/sm: axis must be a non-zero integer \(axis 0 is the batch\)\. Received: axis=0\./);
    const layer = new Softmax({ axis: 3, name: 'sm3' });
    expect(() => layer.build([3, 4])).toThrow(/sm3: axis 3 is out of range for inputs of rank 3 \(batch included\)/);
    expect(() => new Softmax({ axis: -4, name: 'sm4' }).build([3, 4])).toThrow(/axis -4 is out of range/);
  });
});
