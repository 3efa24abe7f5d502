/**
 * The losses of issue 12, each against Keras 3's formula (keras/src/losses/losses.py): values by
 * hand, central-difference gradient checks, TF.js where it computes the same (tf.losses.*, and
 * tfjs-layers' own loss functions), else a float64 transcription of Keras's formula in this file.
 */
import * as tf from '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers/dist/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, Dense, getLoss, LayerwiseError, losses, Rng, Sequential, setSeed, tensor, type Loss, type LossKey } from 'layerwise';
import { gradCheckScalar } from '../helpers/gradcheck';

const EPS = 1e-7;

function evaluate(loss: Loss, pred: readonly (readonly number[])[], labels: readonly (readonly number[])[]): { value: number; grad: number[] } {
  const p = Float32Array.from(pred.flat());
  const grad = new Float32Array(p.length);
  const value = loss.compute(p, Float32Array.from(labels.flat()), [pred.length, pred[0].length], grad);
  return { value, grad: Array.from(grad) };
}

/** |numeric − analytic| / max(1, |analytic|), step 1e-3 (see losses.test.ts). */
function gradError(loss: Loss, pred: Float32Array, labels: Float32Array, shape: number[], h = 1e-3): number {
  const analytic = new Float32Array(pred.length);
  loss.compute(pred, labels, shape, analytic);
  return gradCheckScalar(pred, () => loss.compute(pred, labels, shape), analytic, { h });
}

function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

/** Rows of a flat array. */
const rowsOf = (data: Float32Array, width: number): number[][] => Array.from({ length: data.length / width }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);

/** Keras 3's formulas in float64, per row, from keras/src/losses/losses.py. */
const keras = {
  squaredHinge: (y: number[], p: number[]) => {
    const binary = y.every((v) => v === 0 || v === 1);
    return mean(p.map((v, i) => Math.max(1 - (binary ? 2 * y[i] - 1 : y[i]) * v, 0) ** 2));
  },
  cosineSimilarity: (y: number[], p: number[]) => {
    const n = (x: number[]) => Math.min(1 / Math.sqrt(sum(x.map((v) => v * v))), 1 / EPS);
    return -sum(y.map((v, i) => v * n(y) * p[i] * n(p)));
  },
  kld: (y: number[], p: number[]) => {
    const c = (v: number) => Math.min(Math.max(v, EPS), 1);
    return sum(y.map((v, i) => c(v) * Math.log(c(v) / c(p[i]))));
  },
  focal: (y: number[], p: number[], { gamma = 2, alpha = 0.25, balanced = false, ls = 0, logits = false } = {}) =>
    mean(
      p.map((v, i) => {
        const t = y[i] * (1 - ls) + 0.5 * ls;
        const q = logits ? 1 / (1 + Math.exp(-v)) : v;
        const c = Math.min(Math.max(q, EPS), 1 - EPS);
        const bce = -(t * Math.log(c) + (1 - t) * Math.log(1 - c));
        const pt = t * q + (1 - t) * (1 - q);
        return (1 - pt) ** gamma * bce * (balanced ? t * alpha + (1 - t) * (1 - alpha) : 1);
      }),
    ),
};

describe('values by hand', () => {
  it('huber: ½e² inside δ, δ|e| − ½δ² outside; Keras docstring example 0.155', () => {
    // Keras's example: y [[0, 1], [0, 0]], p [[0.6, 0.4], [0.4, 0.6]]: errors 0.6, −0.6, 0.4, 0.6 → ½e² each.
    const { value } = evaluate(losses.huber(), [[0.6, 0.4], [0.4, 0.6]], [[0, 1], [0, 0]]);
    expect(value).toBeCloseTo((0.18 + 0.18 + 0.08 + 0.18) / 4, 6);
    expect(value).toBeCloseTo(0.155, 6);
    // δ = 1, e = 3: 3 − ½; e = −0.5: 0.125. Gradient: δ·sign(e) outside, e inside, over N = 2.
    const outside = evaluate(losses.huber(), [[3, -0.5]], [[0, 0]]);
    expect(outside.value).toBeCloseTo((2.5 + 0.125) / 2, 6);
    expect(outside.grad).toBeAllClose([0.5, -0.25]);
    expect(evaluate(losses.huber({ delta: 2 }), [[3]], [[0]]).value).toBeCloseTo(2 * 3 - 2, 6);
  });

  it('logCosh: log cosh(p − y); Keras docstring example 0.108', () => {
    const { value, grad } = evaluate(losses.logCosh(), [[1, 1], [0, 0]], [[0, 1], [0, 0]]);
    expect(value).toBeCloseTo(Math.log(Math.cosh(1)) / 4, 6);
    expect(value).toBeCloseTo(0.108, 3);
    expect(grad).toBeAllClose([Math.tanh(1) / 4, 0, 0, 0]);
    // Stable at large errors: |x| − log 2.
    expect(evaluate(losses.logCosh(), [[1000]], [[0]]).value).toBeCloseTo(1000 - Math.LN2, 6);
  });

  it('hinge and squaredHinge: max(1 − y·p, 0), 0/1 labels of a batch mapped to −1/1', () => {
    // Labels −1/1: 1 − (−1)(0.5) = 1.5; 1 − 1·2 < 0 → 0.
    expect(evaluate(losses.hinge(), [[0.5, 2]], [[-1, 1]]).value).toBeCloseTo(1.5 / 2, 6);
    // The same labels as 0/1 give the same loss.
    expect(evaluate(losses.hinge(), [[0.5, 2]], [[0, 1]]).value).toBeCloseTo(1.5 / 2, 6);
    // A batch that is not all 0/1 keeps its labels: 0 is 0 (loss 1), 0.5 stays 0.5.
    expect(evaluate(losses.hinge(), [[0.5, 2]], [[0, 0.5]]).value).toBeCloseTo((1 + 0) / 2, 6);
    const sq = evaluate(losses.squaredHinge(), [[0.5, 0.2]], [[-1, 1]]);
    expect(sq.value).toBeCloseTo((1.5 ** 2 + 0.8 ** 2) / 2, 6);
    expect(sq.grad).toBeAllClose([(2 * 1.5) / 2, (-2 * 0.8) / 2]);
  });

  it('categoricalHinge: max(max((1 − y)·p) − Σ y·p + 1, 0) per row', () => {
    // Row 0: pos 0.6, neg 0.3 → 0.7; row 1: pos 0.9, neg 0.05 → 0.15.
    const { value, grad } = evaluate(losses.categoricalHinge(), [[0.3, 0.6, 0.1], [0.05, 0.05, 0.9]], [[0, 1, 0], [0, 0, 1]]);
    expect(value).toBeCloseTo((0.7 + 0.15) / 2, 6);
    // d/dp: −y, plus 1 at the largest wrong class; over 2 rows. Row 1 ties at 0.05: the first wins.
    expect(grad).toBeAllClose([0.5, -0.5, 0, 0.5, 0, -0.5]);
  });

  it('kullbackLeiblerDivergence: Σ y log(y/p) per row (a sum, not a mean)', () => {
    const { value, grad } = evaluate(losses.kullbackLeiblerDivergence(), [[0.5, 0.5], [0.25, 0.75]], [[1, 0], [0.5, 0.5]]);
    const zero = EPS * Math.log(EPS / 0.5); // Keras clips the zero label to 1e-7.
    expect(value).toBeCloseTo((Math.log(2) + zero + 0.5 * Math.log(2) + 0.5 * Math.log(0.5 / 0.75)) / 2, 7);
    expect(grad).toBeAllClose([-1 / 0.5 / 2, -EPS / 0.5 / 2, -0.5 / 0.25 / 2, -0.5 / 0.75 / 2], { rtol: 1e-5 });
  });

  it('poisson: p − y log(p + 1e-7)', () => {
    const { value, grad } = evaluate(losses.poisson(), [[2, 0.5]], [[1, 3]]);
    expect(value).toBeCloseTo((2 - Math.log(2) + 0.5 - 3 * Math.log(0.5)) / 2, 6);
    expect(grad).toBeAllClose([(1 - 1 / 2) / 2, (1 - 3 / 0.5) / 2], { rtol: 1e-5 });
  });

  it('cosineSimilarity: −cos per row; Keras docstring example [−0, −1, 1]', () => {
    const loss = losses.cosineSimilarity();
    const { value } = evaluate(loss, [[1, 0], [1, 1], [-1, -1]], [[0, 1], [1, 1], [1, 1]]);
    expect(value).toBeCloseTo((0 - 1 + 1) / 3, 6);
    // A zero vector: similarity 0, whatever the other.
    expect(evaluate(loss, [[0, 0]], [[1, 2]]).value).toBeCloseTo(0, 12);
    // Along axis 1 of [1, 2, 2]: vectors (1, 0) against (1, 0), and (0, 1) against (1, 0).
    const byAxis = losses.cosineSimilarity({ axis: 1 }).compute(Float32Array.from([1, 0, 0, 1]), Float32Array.from([1, 1, 0, 0]), [1, 2, 2]);
    expect(byAxis).toBeCloseTo((-1 + -0) / 2, 6);
  });

  it('meanSquaredLogarithmicError and meanAbsolutePercentageError', () => {
    const msle = evaluate(losses.meanSquaredLogarithmicError(), [[1, 3]], [[0, 1]]);
    expect(msle.value).toBeCloseTo(((Math.log(2) - Math.log1p(EPS)) ** 2 + (Math.log(4) - Math.log(2)) ** 2) / 2, 6);
    const mape = evaluate(losses.meanAbsolutePercentageError(), [[1.5, 1]], [[2, -4]]);
    expect(mape.value).toBeCloseTo((25 + 125) / 2, 4);
    expect(mape.grad).toBeAllClose([-100 / 2 / 2, 100 / 4 / 2], { rtol: 1e-6 });
  });

  it('binaryFocalCrossentropy: Keras docstring example [0.330, 0.206] at γ = 2', () => {
    const { value } = evaluate(losses.binaryFocalCrossentropy({ gamma: 2 }), [[0.6, 0.4], [0.4, 0.6]], [[0, 1], [0, 0]]);
    expect(value).toBeCloseTo((0.33 + 0.206) / 2, 3);
    // γ = 0 is binary cross-entropy.
    const bce = evaluate(losses.binaryCrossentropy(), [[0.6, 0.4]], [[0, 1]]).value;
    expect(evaluate(losses.binaryFocalCrossentropy({ gamma: 0 }), [[0.6, 0.4]], [[0, 1]]).value).toBeCloseTo(bce, 7);
  });

  it('labelSmoothing: y·(1 − s) + s/2 (binary), + s/classes (categorical)', () => {
    const p = [[0.7, 0.2, 0.1]];
    // Categorical, s = 0.3 over 3 classes: labels [0.8, 0.1, 0.1].
    const cce = evaluate(losses.categoricalCrossentropy({ labelSmoothing: 0.3 }), p, [[1, 0, 0]]).value;
    expect(cce).toBeCloseTo(-(0.8 * Math.log(0.7) + 0.1 * Math.log(0.2) + 0.1 * Math.log(0.1)), 6);
    expect(cce).toBeCloseTo(evaluate(losses.categoricalCrossentropy(), p, [[0.8, 0.1, 0.1]]).value, 6);
    // Binary, s = 0.2: labels 1 → 0.9, 0 → 0.1.
    const bce = evaluate(losses.binaryCrossentropy({ labelSmoothing: 0.2 }), [[0.7, 0.2]], [[1, 0]]);
    expect(bce.value).toBeCloseTo(evaluate(losses.binaryCrossentropy(), [[0.7, 0.2]], [[0.9, 0.1]]).value, 6);
    const fromLogits = evaluate(losses.binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }), [[2, -1]], [[1, 0]]);
    expect(fromLogits.value).toBeCloseTo(evaluate(losses.binaryCrossentropy({ fromLogits: true }), [[2, -1]], [[0.9, 0.1]]).value, 6);
    // Fused with the activation, the smoothing stays.
    expect(losses.categoricalCrossentropy({ labelSmoothing: 0.3 }).withLogitsOf(getSoftmax())?.getConfig()).toEqual({
      name: 'categoricalCrossentropy',
      fromLogits: true,
      labelSmoothing: 0.3,
    });
  });
});

function getSoftmax() {
  // The registry's softmax, as the last layer's activation would hold it.
  const model = new Sequential([new Dense({ units: 2, inputShape: [1], activation: 'softmax' })]);
  return model.layers[0].outputActivation()!.head()!.fn!;
}

describe('gradients: central differences', () => {
  const shape = [4, 3];
  const y = uniform(12, 21, -2, 2);
  const away = (seed: number, from: Float32Array, gap: number) => {
    // Predictions at least `gap` from any kink of the loss.
    const p = uniform(12, seed, -2, 2);
    return p.map((v, i) => (Math.abs(v - from[i]) < gap ? from[i] + (v < from[i] ? -gap : gap) : v));
  };
  const probs = uniform(12, 22, 0.05, 0.95);
  const binary = Float32Array.from(uniform(12, 23, 0, 1), (v) => (v < 0.5 ? 0 : 1));
  const signs = binary.map((v) => 2 * v - 1);
  const soft = uniform(12, 24, 0, 1);
  const cases: [string, Loss, Float32Array, Float32Array][] = [
    ['huber', losses.huber(), away(25, y.map((v) => v), 0.05).map((v, i) => (Math.abs(Math.abs(v - y[i]) - 1) < 0.05 ? v + 0.2 : v)), y],
    ['huber δ = 0.5', losses.huber({ delta: 0.5 }), uniform(12, 26, -3, 3), uniform(12, 27, -3, 3)],
    ['logCosh', losses.logCosh(), uniform(12, 28, -3, 3), y],
    ['hinge', losses.hinge(), uniform(12, 29, -2, 2).map((v, i) => (Math.abs(1 - signs[i] * v) < 0.05 ? v + 0.2 : v)), signs],
    ['squaredHinge (0/1 labels)', losses.squaredHinge(), uniform(12, 30, -2, 2), binary],
    ['categoricalHinge', losses.categoricalHinge(), uniform(12, 31, -1, 1), Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])],
    ['kullbackLeiblerDivergence', losses.kullbackLeiblerDivergence(), probs, soft],
    ['poisson', losses.poisson(), uniform(12, 32, 0.2, 3), uniform(12, 33, 0, 4)],
    ['cosineSimilarity', losses.cosineSimilarity(), uniform(12, 34, -2, 2), y],
    ['meanSquaredLogarithmicError', losses.meanSquaredLogarithmicError(), uniform(12, 35, 0.1, 3), uniform(12, 36, 0, 3)],
    ['meanAbsolutePercentageError', losses.meanAbsolutePercentageError(), away(37, y, 0.05), y],
    ['binaryFocalCrossentropy', losses.binaryFocalCrossentropy(), probs, binary],
    ['binaryFocalCrossentropy balanced, γ = 1.5, smoothed', losses.binaryFocalCrossentropy({ gamma: 1.5, applyClassBalancing: true, alpha: 0.4, labelSmoothing: 0.1 }), probs, soft],
    ['binaryFocalCrossentropy from logits', losses.binaryFocalCrossentropy({ fromLogits: true }), uniform(12, 38, -3, 3), binary],
    ['binaryCrossentropy smoothed', losses.binaryCrossentropy({ labelSmoothing: 0.2 }), probs, binary],
    ['categoricalCrossentropy smoothed, from logits', losses.categoricalCrossentropy({ labelSmoothing: 0.2, fromLogits: true }), uniform(12, 39, -3, 3), Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])],
    ['categoricalCrossentropy smoothed', losses.categoricalCrossentropy({ labelSmoothing: 0.2 }), probs, Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])],
  ];
  for (const [name, loss, pred, labels] of cases) {
    it(name, () => expect(gradError(loss, Float32Array.from(pred), labels, shape)).toBeLessThan(1e-3));
  }

  it('cosineSimilarity along axis 1 of a rank-3 output', () => {
    expect(gradError(losses.cosineSimilarity({ axis: 1 }), uniform(24, 40, -2, 2), uniform(24, 41, -2, 2), [2, 3, 4])).toBeLessThan(1e-3);
  });
});

describe('agreement with TF.js, or with Keras 3 in float64', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
  });
  const shape = [6, 4];
  const T = (data: Float32Array) => tf.tensor(data, shape);
  const meanOf = (t: tf.Tensor) => tf.mean(t).dataSync()[0];
  const value = (loss: Loss, pred: Float32Array, labels: Float32Array) => loss.compute(pred, labels, shape);
  const pred = uniform(24, 51, -3, 3);
  const targets = uniform(24, 52, -3, 3);
  const positive = uniform(24, 53, 0.05, 4);
  const counts = Float32Array.from(uniform(24, 54, 0, 5), Math.floor);
  const binary = Float32Array.from(uniform(24, 55, 0, 1), (v) => (v < 0.5 ? 0 : 1));
  const probs = uniform(24, 56, 0.02, 0.98);
  const hot = Float32Array.from({ length: 24 }, (_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));
  const dist = (() => {
    const r = uniform(24, 57, 0.01, 1);
    for (let row = 0; row < 6; row++) {
      const s = sum(Array.from(r.subarray(row * 4, row * 4 + 4)));
      for (let k = 0; k < 4; k++) r[row * 4 + k] /= s;
    }
    return r;
  })();
  /** The largest |layerwise − reference| seen, per loss (printed at the end for the report). */
  const worst: Record<string, number> = {};
  const close = (name: string, ours: number, reference: number, digits = 5) => {
    worst[name] = Math.max(worst[name] ?? 0, Math.abs(ours - reference));
    expect(ours, name).toBeCloseTo(reference, digits);
  };

  it('huber: tf.losses.huberLoss (δ = 1 and 2)', () => {
    close('huber', value(losses.huber(), pred, targets), tf.losses.huberLoss(T(targets), T(pred)).dataSync()[0]);
    close('huber', value(losses.huber({ delta: 2 }), pred, targets), tf.losses.huberLoss(T(targets), T(pred), undefined, 2).dataSync()[0]);
    const grad = new Float32Array(24);
    losses.huber().compute(pred, targets, shape, grad);
    expect(grad).toBeAllClose(tf.grad((p: tf.Tensor) => tf.losses.huberLoss(T(targets), p))(T(pred)).dataSync(), { rtol: 1e-5, atol: 1e-7 });
  });

  it('hinge: tf.losses.hingeLoss on 0/1 labels (it always maps y to 2y − 1); tfjs-layers hinge on −1/1 labels', () => {
    close('hinge', value(losses.hinge(), pred, binary), tf.losses.hingeLoss(T(binary), T(pred)).dataSync()[0]);
    const signs = binary.map((v) => 2 * v - 1);
    close('hinge', value(losses.hinge(), pred, signs), meanOf(tfl.hinge(T(signs), T(pred))));
    close('squaredHinge', value(losses.squaredHinge(), pred, signs), meanOf(tfl.squaredHinge(T(signs), T(pred))));
    // 0/1 labels: TF.js's squaredHinge does not map them, Keras does: the float64 formula.
    close('squaredHinge', value(losses.squaredHinge(), pred, binary), mean([keras.squaredHinge(Array.from(binary), Array.from(pred))]), 5);
  });

  it('categoricalHinge, poisson, meanSquaredLogarithmicError, meanAbsolutePercentageError, logCosh: tfjs-layers', () => {
    close('categoricalHinge', value(losses.categoricalHinge(), pred, hot), meanOf(tfl.categoricalHinge(T(hot), T(pred))));
    close('poisson', value(losses.poisson(), positive, counts), meanOf(tfl.poisson(T(counts), T(positive))));
    close('meanSquaredLogarithmicError', value(losses.meanSquaredLogarithmicError(), pred, positive), meanOf(tfl.meanSquaredLogarithmicError(T(positive), T(pred))));
    close('meanAbsolutePercentageError', value(losses.meanAbsolutePercentageError(), pred, targets), meanOf(tf.metrics.meanAbsolutePercentageError(T(targets), T(pred))), 3);
    close('logCosh', value(losses.logCosh(), pred, targets), meanOf(tfl.logcosh(T(targets), T(pred))));
  });

  it('kullbackLeiblerDivergence: Keras 3 in float64; TF.js (unclipped y as weight) within 1e-5', () => {
    const ours = value(losses.kullbackLeiblerDivergence(), probs, hot);
    close('kullbackLeiblerDivergence', ours, mean(rowsOf(hot, 4).map((y, r) => keras.kld(y, rowsOf(probs, 4)[r]))), 6);
    const tfjs = meanOf(tfl.kullbackLeiblerDivergence(T(hot), T(probs)));
    expect(Math.abs(ours - tfjs)).toBeLessThan(1e-5);
    expect(Math.abs(ours - tfjs)).toBeGreaterThan(0);
    close('kullbackLeiblerDivergence', value(losses.kullbackLeiblerDivergence(), probs, dist), meanOf(tfl.kullbackLeiblerDivergence(T(dist), T(probs))));
  });

  it('cosineSimilarity: tf.losses.cosineDistance of unit vectors minus 1, and tfjs-layers cosineProximity', () => {
    const ours = value(losses.cosineSimilarity(), pred, targets);
    const unit = (x: tf.Tensor) => tf.div(x, tf.norm(x, 2, -1, true));
    // cosineDistance = 1 − Σ y·p, averaged over rows: Keras's loss is the negative similarity, so it is cosineDistance − 1.
    close('cosineSimilarity', ours, tf.losses.cosineDistance(unit(T(targets)), unit(T(pred)), 1).dataSync()[0] - 1);
    close('cosineSimilarity', ours, meanOf(tfl.cosineProximity(T(targets), T(pred))));
    close('cosineSimilarity', ours, mean(rowsOf(targets, 4).map((y, r) => keras.cosineSimilarity(y, rowsOf(pred, 4)[r]))), 6);
  });

  it('binaryFocalCrossentropy: Keras 3 in float64 (TF.js has none)', () => {
    const f = (options: Parameters<typeof losses.binaryFocalCrossentropy>[0], k: Parameters<typeof keras.focal>[2], p = probs) =>
      close('binaryFocalCrossentropy', value(losses.binaryFocalCrossentropy(options), p, binary), mean(rowsOf(binary, 4).map((y, r) => keras.focal(y, rowsOf(p, 4)[r], k))), 6);
    f({}, {});
    f({ gamma: 0.5, applyClassBalancing: true, alpha: 0.7 }, { gamma: 0.5, balanced: true, alpha: 0.7 });
    f({ labelSmoothing: 0.1 }, { ls: 0.1 });
    f({ fromLogits: true }, { logits: true }, pred);
  });

  it('labelSmoothing: tf.losses.sigmoidCrossEntropy and softmaxCrossEntropy smooth as Keras 3', () => {
    close('binaryCrossentropy', value(losses.binaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }), pred, binary), tf.losses.sigmoidCrossEntropy(T(binary), T(pred), undefined, 0.2).dataSync()[0]);
    close('categoricalCrossentropy', value(losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }), pred, hot), tf.losses.softmaxCrossEntropy(T(hot), T(pred), undefined, 0.2).dataSync()[0]);
    const grad = new Float32Array(24);
    losses.categoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }).compute(pred, hot, shape, grad);
    expect(grad).toBeAllClose(tf.grad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(T(hot), z, undefined, 0.2))(T(pred)).dataSync(), { rtol: 1e-4, atol: 1e-6 });
  });

  it('largest differences (reported)', () => {
    console.log('largest |layerwise − reference|:', JSON.stringify(worst));
    expect(Object.keys(worst).length).toBeGreaterThan(8);
  });
});

describe('keys', () => {
  const spellings: [string, string][] = [
    ['huber', 'huber'],
    ['Huber', 'huber'],
    ['huber_loss', 'huber'],
    ['log_cosh', 'logCosh'],
    ['logcosh', 'logCosh'],
    ['LogCosh', 'logCosh'],
    ['hinge', 'hinge'],
    ['squared_hinge', 'squaredHinge'],
    ['SquaredHinge', 'squaredHinge'],
    ['categorical_hinge', 'categoricalHinge'],
    ['categoricalHinge', 'categoricalHinge'],
    ['kld', 'kullbackLeiblerDivergence'],
    ['KLD', 'kullbackLeiblerDivergence'],
    ['kl_divergence', 'kullbackLeiblerDivergence'],
    ['KLDivergence', 'kullbackLeiblerDivergence'],
    ['kullback_leibler_divergence', 'kullbackLeiblerDivergence'],
    ['poisson', 'poisson'],
    ['Poisson', 'poisson'],
    ['cosine_similarity', 'cosineSimilarity'],
    ['CosineSimilarity', 'cosineSimilarity'],
    ['msle', 'meanSquaredLogarithmicError'],
    ['mean_squared_logarithmic_error', 'meanSquaredLogarithmicError'],
    ['MeanSquaredLogarithmicError', 'meanSquaredLogarithmicError'],
    ['mape', 'meanAbsolutePercentageError'],
    ['meanAbsolutePercentageError', 'meanAbsolutePercentageError'],
    ['binary_focal_crossentropy', 'binaryFocalCrossentropy'],
    ['BinaryFocalCrossentropy', 'binaryFocalCrossentropy'],
  ];
  it('every spelling resolves to the loss of that name', () => {
    for (const [key, name] of spellings) expect(getLoss(key as LossKey).name, key).toBe(name);
  });

  it('defaults give the bare config; options that differ from them are in it', () => {
    expect(getLoss('huber').getConfig()).toEqual({ name: 'huber' });
    expect(losses.huber({ delta: 2 }).getConfig()).toEqual({ name: 'huber', delta: 2 });
    expect(losses.cosineSimilarity({ axis: 1 }).getConfig()).toEqual({ name: 'cosineSimilarity', axis: 1 });
    expect(losses.binaryFocalCrossentropy({ gamma: 3, applyClassBalancing: true }).getConfig()).toEqual({ name: 'binaryFocalCrossentropy', fromLogits: false, gamma: 3, applyClassBalancing: true });
    expect(losses.binaryCrossentropy({ labelSmoothing: 0.1 }).getConfig()).toEqual({ name: 'binaryCrossentropy', fromLogits: false, labelSmoothing: 0.1 });
  });
});

describe('bad options are refused', () => {
  it('ranges, types and unknown keys, naming the loss', () => {
    expect(() => losses.huber({ delta: 0 })).toThrow(/^huber: delta must be a finite number, > 0\. Received: delta=0\.$/);
    expect(() => losses.huber({ delta: 'big' } as never)).toThrow(/^huber: delta must be a finite number, > 0\. Received: delta="big"\.$/);
    expect(() => losses.huber({ delt: 1 } as never)).toThrow(/^huber: "delt" is not an option of huber\. Did you mean "delta"\?/);
    expect(() => losses.binaryCrossentropy({ labelSmoothing: 1.5 })).toThrow(/^binaryCrossentropy: labelSmoothing must be a finite number, ≥ 0, ≤ 1\. Received: labelSmoothing=1\.5\.$/);
    expect(() => losses.categoricalCrossentropy({ label_smoothing: 0.1 } as never)).toThrow(/Did you mean "labelSmoothing"\?/);
    expect(() => losses.sparseCategoricalCrossentropy({ labelSmoothing: 0.1 } as never)).toThrow(/^sparseCategoricalCrossentropy: "labelSmoothing" is not an option of sparseCategoricalCrossentropy\. .*Its options: fromLogits\.$/);
    expect(() => losses.binaryFocalCrossentropy({ gamma: -1 })).toThrow(/^binaryFocalCrossentropy: gamma must be a finite number, ≥ 0\./);
    expect(() => losses.binaryFocalCrossentropy({ alpha: 2 })).toThrow(/^binaryFocalCrossentropy: alpha must be a finite number, ≥ 0, ≤ 1\./);
    expect(() => losses.binaryFocalCrossentropy({ apply_class_balancing: true } as never)).toThrow(/Did you mean "applyClassBalancing"\?/);
    expect(() => losses.binaryFocalCrossentropy({ applyClassBalancing: 1 } as never)).toThrow(/^binaryFocalCrossentropy: applyClassBalancing must be true or false\./);
    expect(() => losses.cosineSimilarity({ axis: 1.5 })).toThrow(/^cosineSimilarity: axis must be an integer\./);
    expect(() => losses.cosineSimilarity({ axis: 0 })).toThrow(/^cosineSimilarity: axis 0 is the batch axis/);
    expect(() => losses.cosineSimilarity({ axis: 2 }).checkLabels([4, 3], [4, 3], 'fit')).toThrow(/^fit: cosineSimilarity compares vectors along axis 2, but the model's output \(4, 3\) has axes 1 to 1/);
    expect(() => losses.hinge({ margin: 1 } as never)).toThrow(/^hinge: "margin" is not an option of hinge\. It takes no options\.$/);
    expect(() => losses.poisson(3 as never)).toThrow(/^poisson: expected an options object/);
  });
});

describe('custom losses', () => {
  /** Σ (p − y)⁴ per row. */
  const quartic = {
    name: 'quartic',
    fn: (p: Float32Array, y: Float32Array) => p.reduce((s, v, i) => s + (v - y[i]) ** 4, 0),
    grad: (p: Float32Array, y: Float32Array, out: Float32Array) => p.forEach((v, i) => (out[i] = 4 * (v - y[i]) ** 3)),
  };

  it('is the mean over rows of fn, with grad / rows as its gradient, by losses.custom and by getLoss', () => {
    for (const loss of [losses.custom(quartic), getLoss(quartic as never)]) {
      const { value, grad } = evaluate(loss, [[1, 2], [0, 0]], [[0, 0], [0, 1]]);
      expect(value).toBeCloseTo((1 + 16 + 0 + 1) / 2, 6);
      expect(grad).toBeAllClose([2, 16, 0, -2]);
      expect(loss.getConfig()).toEqual({ name: 'quartic' });
      expect(gradError(loss, uniform(12, 61, -1, 1), uniform(12, 62, -1, 1), [4, 3])).toBeLessThan(1e-3);
    }
  });

  it('grad may return the gradient instead of writing it; rank-3 outputs go row by row', () => {
    const loss = losses.custom({ name: 'l1', fn: (p, y) => p.reduce((s, v, i) => s + Math.abs(v - y[i]), 0), grad: (p, y) => Array.from(p, (v, i) => Math.sign(v - y[i])) });
    const grad = new Float32Array(8);
    const value = loss.compute(Float32Array.from([1, 2, 3, 4, 0, 0, 0, 0]), new Float32Array(8), [1, 4, 2], grad);
    expect(value).toBeCloseTo(10 / 4, 6);
    expect(Array.from(grad)).toEqual([0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0]);
  });

  it('refuses a bad spec, a built-in name, a non-number value and a gradient of the wrong length', () => {
    expect(() => losses.custom({ name: 'mse', fn: quartic.fn, grad: quartic.grad })).toThrow(/^custom: name "mse" is the built-in loss "mse"/);
    expect(() => losses.custom({ name: 'Huber', fn: quartic.fn, grad: quartic.grad })).toThrow(/is the built-in loss "huber"/);
    expect(() => losses.custom({ name: '', fn: quartic.fn, grad: quartic.grad })).toThrow(/^custom: name must be a string/);
    expect(() => losses.custom({ name: 'q', fn: quartic.fn } as never)).toThrow(/^custom: grad must be a function \(pred, label, out\) => void\. Received: grad=missing\.$/);
    expect(() => losses.custom({ name: 'q', fn: quartic.fn, grad: quartic.grad, reduction: 'sum' } as never)).toThrow(/^custom: "reduction" is not an option of custom\./);
    expect(() => getLoss({ name: 'q', fn: 1, grad: quartic.grad } as never)).toThrow(/^custom: fn must be a function/);
    const array = losses.custom({ name: 'q', fn: (p) => Array.from(p) as never, grad: quartic.grad });
    expect(() => array.compute(new Float32Array(2), new Float32Array(2), [1, 2])).toThrow(/^q: fn must return one number per row \(the row's loss\), but returned \[0,0\]\.$/);
    const short = losses.custom({ name: 'q', fn: quartic.fn, grad: () => [1] });
    expect(() => short.compute(new Float32Array(2), new Float32Array(2), [1, 2], new Float32Array(2))).toThrow(/^q: grad must write 2 values into out .* or return an array of 2, but returned \[1\]\.$/);
    expect(() => short.compute(new Float32Array(2), new Float32Array(2), [1, 2])).not.toThrow();
  });
});

/** A toy problem: 64 samples of 2 features in [−1, 1]. */
function toy(seed: number): { x: number[][]; rng: Rng } {
  const rng = new Rng(seed);
  return { x: Array.from({ length: 64 }, () => [2 * rng.uniform() - 1, 2 * rng.uniform() - 1]), rng };
}

describe('training with the new losses converges on toy problems', () => {
  it('huber: a line with outliers', async () => {
    setSeed(3);
    const { x, rng } = toy(1);
    const y = x.map(([a, b], i) => [2 * a - b + (i % 16 === 0 ? 5 : 0.05 * (rng.uniform() - 0.5))]);
    const model = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'huber' });
    const history = await model.fit(x, y, { epochs: 80, batchSize: 16, verbose: 0 });
    const [w] = model.getWeights();
    // Huber barely moves for the outliers: the slope is the line's.
    expect(Array.from(w.data)).toBeAllClose([2, -1], { atol: 0.15 });
    expect(history.history.loss.at(-1)!).toBeLessThan(history.history.loss[0] / 2);
  });

  it('hinge with a tanh output: two classes labelled −1/1', async () => {
    setSeed(4);
    const { x } = toy(2);
    const y = x.map(([a, b]) => [a + b > 0 ? 1 : -1]);
    const model = new Sequential([new Dense({ units: 8, inputShape: [2], activation: 'tanh' }), new Dense({ units: 1, activation: 'tanh' })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'hinge' });
    await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
    const p = model.predict(x).data;
    const hits = y.filter(([t], i) => Math.sign(p[i]) === t).length;
    expect(hits / 64).toBeGreaterThanOrEqual(0.95);
  });

  it('kld with a softmax output: learns target distributions', async () => {
    setSeed(5);
    const { x } = toy(3);
    const y = x.map(([a]) => (a > 0 ? [0.8, 0.1, 0.1] : [0.1, 0.1, 0.8]));
    const model = new Sequential([new Dense({ units: 8, inputShape: [2], activation: 'tanh' }), new Dense({ units: 3, activation: 'softmax' })]);
    model.compile({ optimizer: new Adam({ learningRate: 0.05 }), loss: 'kld' });
    const history = await model.fit(x, y, { epochs: 60, batchSize: 16, verbose: 0 });
    expect(history.history.loss.at(-1)!).toBeLessThan(0.05);
  });
});

describe('fit refuses labels out of the domain of the loss, before any step', () => {
  const cases: [LossKey, number[][], RegExp][] = [
    ['poisson', [[1], [-1]], /^fit: the loss poisson needs counts ≥ 0, but y holds -1 at sample 1\. .*The model was not changed\.$/],
    ['msle', [[0], [-0.5]], /^fit: the loss meanSquaredLogarithmicError needs labels ≥ 0, but y holds -0\.5 at sample 1\./],
    ['kld', [[1.5], [0]], /^fit: the loss kullbackLeiblerDivergence needs probabilities in \[0, 1\], but y holds 1\.5 at sample 0\./],
    ['hinge', [[2], [1]], /^fit: the loss hinge needs labels in \[−1, 1\] \(−1\/1, or 0\/1\), but y holds 2 at sample 0\./],
    ['squared_hinge', [[1], [-3]], /^fit: the loss squaredHinge needs labels in \[−1, 1\]/],
    ['binary_focal_crossentropy', [[1], [2]], /^fit: the loss binaryFocalCrossentropy needs labels in \[0, 1\], but y holds 2 at sample 1\. Binary labels are 0 and 1/],
  ];
  for (const [key, y, message] of cases) {
    it(String(key), async () => {
      setSeed(1);
      const model = new Sequential([new Dense({ units: 1, inputShape: [1], activation: key === 'binary_focal_crossentropy' ? 'sigmoid' : 'softplus' })]);
      model.compile({ optimizer: 'sgd', loss: key });
      const before = model.getWeights().map((w) => Array.from(w.data));
      await expect(model.fit(tensor(Float32Array.from([0.5, -0.5]), [2, 1]), y, { epochs: 1, verbose: 0 })).rejects.toThrow(message);
      await expect(model.fit(tensor(Float32Array.from([0.5, -0.5]), [2, 1]), y, { epochs: 1, verbose: 0 })).rejects.toThrow(LayerwiseError);
      expect(model.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    });
  }

  it('labels inside the domains train', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], activation: 'tanh' })]);
    model.compile({ optimizer: 'sgd', loss: 'hinge' });
    await expect(model.fit([[0.5], [-0.5]], [[0.5], [-1]], { epochs: 1, verbose: 0 })).resolves.toBeDefined();
  });
});
