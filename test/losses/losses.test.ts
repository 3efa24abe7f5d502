import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { getActivation, getLoss, LayerwiseError, losses, Rng, type Loss, type LossKey } from 'layerwise';
import { softmax } from '../../src/activations/functions';
import { gradCheckScalar } from '../helpers/gradcheck';

/** Nested rows to a flat Float32Array and the shape [rows, width]. */
function flat(rows: readonly (readonly number[])[]): { data: Float32Array; shape: number[] } {
  return { data: Float32Array.from(rows.flat()), shape: [rows.length, rows[0].length] };
}

/** The loss and its gradient for predictions given as rows and labels given flat or as rows. */
function evaluate(loss: Loss, pred: readonly (readonly number[])[], labels: readonly number[] | readonly (readonly number[])[]): { value: number; grad: number[] } {
  const p = flat(pred);
  const y = Float32Array.from((labels as readonly (number | readonly number[])[]).flat());
  const grad = new Float32Array(p.data.length);
  const value = loss.compute(p.data, y, p.shape, grad);
  return { value, grad: Array.from(grad) };
}

/**
 * The gradient check of a loss at fixed labels. Step h = 1e-3 (not the helper's 1e-2): the logs
 * of probabilities near 0.1 curve too much for a larger step. Tolerance: |numeric − analytic| ≤
 * 1e-3 · max(1, |analytic|); the float32 rounding of p ± h contributes about 1e-5 of it.
 */
function gradError(loss: Loss, pred: Float32Array, labels: Float32Array, shape: number[], h = 1e-3): number {
  const analytic = new Float32Array(pred.length);
  loss.compute(pred, labels, shape, analytic);
  return gradCheckScalar(pred, () => loss.compute(pred, labels, shape), analytic, { h });
}

/** Uniform values in [lo, hi), seeded. */
function uniform(n: number, seed: number, lo: number, hi: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

/** One-hot rows for class indices. */
function oneHot(indices: readonly number[], classes: number): Float32Array {
  const out = new Float32Array(indices.length * classes);
  indices.forEach((k, r) => (out[r * classes + k] = 1));
  return out;
}

describe('meanSquaredError', () => {
  it('is the mean of squared differences, with gradient 2 (p − y) / N', () => {
    // Differences [1, 0, -2, 3]: squares sum to 14 over 4 values.
    const { value, grad } = evaluate(losses.meanSquaredError(), [[1, 2], [3, 4]], [[0, 2], [5, 1]]);
    expect(value).toBeCloseTo(14 / 4, 12);
    expect(grad).toBeAllClose([0.5, 0, -1, 1.5]);
  });

  it('passes the numeric gradient check', () => {
    const pred = uniform(12, 1, -2, 2);
    expect(gradError(losses.meanSquaredError(), pred, uniform(12, 2, -2, 2), [4, 3])).toBeLessThan(1e-3);
  });
});

describe('meanAbsoluteError', () => {
  it('is the mean of absolute differences, with gradient sign(p − y) / N', () => {
    // |[1, 0, -2, 3]| sums to 6 over 4 values.
    const { value, grad } = evaluate(losses.meanAbsoluteError(), [[1, 2], [3, 4]], [[0, 2], [5, 1]]);
    expect(value).toBeCloseTo(6 / 4, 12);
    expect(grad).toBeAllClose([0.25, 0, -0.25, 0.25]);
  });

  it('passes the numeric gradient check away from p = y', () => {
    const labels = uniform(12, 3, -2, 2);
    // Predictions at least 0.1 from their labels: no kink within h.
    const pred = labels.map((y, i) => y + (i % 2 ? 0.1 : -0.1) * (1 + (i % 5)));
    expect(gradError(losses.meanAbsoluteError(), pred, labels, [3, 4])).toBeLessThan(1e-3);
  });
});

describe('binaryCrossentropy', () => {
  it('of probabilities is −(y log p + (1 − y) log(1 − p)), averaged', () => {
    const { value, grad } = evaluate(losses.binaryCrossentropy(), [[0.9, 0.2], [0.5, 0.7]], [[1, 0], [1, 0]]);
    const p = [0.9, 0.2, 0.5, 0.7].map(Math.fround);
    const expected = -(Math.log(p[0]) + Math.log(1 - p[1]) + Math.log(p[2]) + Math.log(1 - p[3])) / 4;
    expect(value).toBeCloseTo(expected, 7);
    expect(value).toBeCloseTo(0.5564058, 6);
    // dL/dp = (p − y) / (p (1 − p)) / N: -1/0.9/4, 1/0.8/4, -1/0.5/4, 1/0.3/4.
    expect(grad).toBeAllClose([-1 / 0.9 / 4, 1 / 0.8 / 4, -1 / 0.5 / 4, 1 / 0.3 / 4], { rtol: 1e-6 });
  });

  it('of probabilities clips at 1e-7: certain mistakes cost −log(1e-7) and pass no gradient', () => {
    const { value, grad } = evaluate(losses.binaryCrossentropy(), [[0, 1, 1, 0]], [[1, 0, 1, 0]]);
    // Two certain mistakes cost −log(1e-7) each; the two certain hits cost −log(1 − 1e-7) ≈ 1e-7.
    expect(value).toBeCloseTo((2 * -Math.log(1e-7) + 2 * -Math.log(1 - 1e-7)) / 4, 6);
    expect(Number.isFinite(value)).toBe(true);
    expect(grad).toEqual([0, 0, 0, 0]);
  });

  it('from logits is max(z, 0) − z y + log(1 + e^−|z|), and equals the probability form at sigmoid(z)', () => {
    const z = [2, -1, 0, 3];
    const y = [1, 0, 1, 0];
    const { value, grad } = evaluate(losses.binaryCrossentropy({ fromLogits: true }), [z], [y]);
    // −log σ(2) = log(1 + e^−2); −log(1 − σ(−1)) = log(1 + e^−1); ln 2; log(1 + e^3).
    const expected = (Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + Math.LN2 + Math.log1p(Math.exp(3))) / 4;
    expect(value).toBeCloseTo(expected, 7);
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    // dL/dz = (σ(z) − y) / N.
    expect(grad).toBeAllClose(z.map((v, i) => (sigmoid(v) - y[i]) / 4));
    const viaProbabilities = evaluate(losses.binaryCrossentropy(), [z.map(sigmoid)], [y]).value;
    expect(value).toBeCloseTo(viaProbabilities, 6);
  });

  it('from logits is stable at ±1e4', () => {
    const { value, grad } = evaluate(losses.binaryCrossentropy({ fromLogits: true }), [[1e4, -1e4, 1e4, -1e4]], [[1, 0, 0, 1]]);
    // Two right answers cost 0, two certain mistakes cost 1e4 each.
    expect(value).toBe((2 * 1e4) / 4);
    expect(grad).toEqual([0, 0, 0.25, -0.25]);
  });

  it('passes the numeric gradient check, with probabilities and from logits, soft labels included', () => {
    const labels = Float32Array.from([1, 0, 0.3, 1, 0, 0.8, 0, 1]);
    expect(gradError(losses.binaryCrossentropy(), uniform(8, 4, 0.1, 0.9), labels, [4, 2])).toBeLessThan(1e-3);
    expect(gradError(losses.binaryCrossentropy({ fromLogits: true }), uniform(8, 5, -4, 4), labels, [4, 2])).toBeLessThan(1e-3);
  });
});

describe('categoricalCrossentropy', () => {
  it('of probabilities is −Σ y log p per row, averaged over rows', () => {
    const { value, grad } = evaluate(
      losses.categoricalCrossentropy(),
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.1, 0.8],
      ],
      [
        [1, 0, 0],
        [0, 0, 1],
      ],
    );
    expect(value).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8)) / 2, 6);
    // For normalized rows dL/dp_j = (Σ y − y_j / p_j) / N: row 0: [1 − 1/0.7, 1, 1] / 2.
    expect(grad).toBeAllClose([(1 - 1 / 0.7) / 2, 0.5, 0.5, 0.5, 0.5, (1 - 1 / 0.8) / 2], { rtol: 1e-5 });
  });

  it('of probabilities renormalizes rows that do not sum to 1, as Keras', () => {
    const loss = losses.categoricalCrossentropy();
    // [1.4, 0.4, 0.2] sums to 2: the same as [0.7, 0.2, 0.1].
    expect(evaluate(loss, [[1.4, 0.4, 0.2]], [[1, 0, 0]]).value).toBeCloseTo(-Math.log(0.7), 6);
    // [2, 1, 1] / 4: the label's probability is 1/4.
    expect(evaluate(loss, [[2, 1, 1]], [[0, 1, 0]]).value).toBeCloseTo(Math.log(4), 6);
    // The gradient of −log(p_1 / S) is 1/S − 1/p_1 for p_1 and 1/S for the others.
    expect(evaluate(loss, [[2, 1, 1]], [[0, 1, 0]]).grad).toBeAllClose([0.25, 0.25 - 1, 0.25]);
  });

  it('of probabilities clips a zero probability at 1e-7', () => {
    const { value, grad } = evaluate(losses.categoricalCrossentropy(), [[1, 0, 0]], [[0, 1, 0]]);
    expect(value).toBeCloseTo(-Math.log(1e-7), 5);
    expect(grad.every(Number.isFinite)).toBe(true);
  });

  it('from logits is −Σ y log softmax(z), and equals the probability form at softmax(z)', () => {
    const z = [1, 2, 3];
    const { value, grad } = evaluate(losses.categoricalCrossentropy({ fromLogits: true }), [z], [[0, 0, 1]]);
    const sum = Math.exp(1) + Math.exp(2) + Math.exp(3);
    expect(value).toBeCloseTo(Math.log(sum) - 3, 6);
    // dL/dz = softmax(z) − y.
    expect(grad).toBeAllClose([Math.exp(1) / sum, Math.exp(2) / sum, Math.exp(3) / sum - 1]);
    const probabilities = [Math.exp(1) / sum, Math.exp(2) / sum, Math.exp(3) / sum];
    expect(evaluate(losses.categoricalCrossentropy(), [probabilities], [[0, 0, 1]]).value).toBeCloseTo(value, 6);
  });

  it('from logits is finite and correct at logits of 1e4', () => {
    const loss = losses.categoricalCrossentropy({ fromLogits: true });
    const right = evaluate(loss, [[1e4, 0, -1e4]], [[1, 0, 0]]);
    expect(right.value).toBe(0);
    expect(right.grad).toEqual([0, 0, 0]);
    const wrong = evaluate(loss, [[1e4, 0, -1e4]], [[0, 1, 0]]);
    // log Σ e^z = 1e4, so the loss is 1e4 − 0; the gradient is softmax − y = [1, −1, 0].
    expect(wrong.value).toBe(1e4);
    expect(wrong.grad).toEqual([1, -1, 0]);
    const tie = evaluate(loss, [[1e4, 1e4, 0]], [[1, 0, 0]]);
    expect(tie.value).toBeCloseTo(Math.LN2, 12);
    expect(tie.grad).toEqual([-0.5, 0.5, 0]);
  });

  it('passes the numeric gradient check: probabilities (unnormalized too), logits, soft labels', () => {
    const labels = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0.2, 0.5, 0.3, 0, 0, 0, 1, 0]);
    expect(gradError(losses.categoricalCrossentropy(), uniform(16, 6, 0.1, 1), labels, [4, 4])).toBeLessThan(1e-3);
    expect(gradError(losses.categoricalCrossentropy(), uniform(16, 7, 0.5, 3), labels, [4, 4])).toBeLessThan(1e-3);
    expect(gradError(losses.categoricalCrossentropy({ fromLogits: true }), uniform(16, 8, -3, 3), labels, [4, 4])).toBeLessThan(1e-3);
  });

  it('averages over positions of rank-3 outputs', () => {
    // Shape [1, 2, 2]: two rows of two classes; −(log 0.5 + log 0.25) / 2.
    const loss = losses.categoricalCrossentropy();
    const value = loss.compute(Float32Array.from([0.5, 0.5, 0.75, 0.25]), Float32Array.from([1, 0, 0, 1]), [1, 2, 2]);
    expect(value).toBeCloseTo((Math.log(2) + Math.log(4)) / 2, 6);
  });
});

describe('sparseCategoricalCrossentropy', () => {
  const pred = [
    [0.7, 0.2, 0.1],
    [0.1, 0.1, 0.8],
    [0.3, 0.4, 0.3],
  ];

  it('takes class indices of shape [N] and [N, 1], equal to the one-hot categorical loss', () => {
    const expected = -(Math.log(0.7) + Math.log(0.8) + Math.log(0.4)) / 3;
    const sparse = losses.sparseCategoricalCrossentropy();
    const asVector = evaluate(sparse, pred, [0, 2, 1]);
    const asColumn = evaluate(sparse, pred, [[0], [2], [1]]);
    expect(asVector.value).toBeCloseTo(expected, 6);
    expect(asColumn.value).toBe(asVector.value);
    expect(asColumn.grad).toEqual(asVector.grad);
    const dense = evaluate(losses.categoricalCrossentropy(), pred, [[1, 0, 0], [0, 0, 1], [0, 1, 0]]);
    expect(asVector.value).toBe(dense.value);
    expect(asVector.grad).toEqual(dense.grad);
  });

  it('from logits equals the categorical loss from logits', () => {
    const logits = [
      [1, 2, 3],
      [-1, 0.5, 0],
    ];
    const sparse = evaluate(losses.sparseCategoricalCrossentropy({ fromLogits: true }), logits, [2, 0]);
    const dense = evaluate(losses.categoricalCrossentropy({ fromLogits: true }), logits, [[0, 0, 1], [1, 0, 0]]);
    expect(sparse.value).toBe(dense.value);
    expect(sparse.grad).toEqual(dense.grad);
    const lse = (row: number[]) => Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    expect(sparse.value).toBeCloseTo((lse(logits[0]) - 3 + lse(logits[1]) + 1) / 2, 6);
  });

  it('gives the same result when called again with other labels (its one-hot buffer is reset)', () => {
    const loss = losses.sparseCategoricalCrossentropy();
    evaluate(loss, pred, [1, 1, 1]);
    expect(evaluate(loss, pred, [0, 2, 1]).value).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8) + Math.log(0.4)) / 3, 6);
  });

  it('passes the numeric gradient check', () => {
    const labels = Float32Array.from([2, 0, 3, 1]);
    expect(gradError(losses.sparseCategoricalCrossentropy(), uniform(16, 9, 0.1, 1), labels, [4, 4])).toBeLessThan(1e-3);
    expect(gradError(losses.sparseCategoricalCrossentropy({ fromLogits: true }), uniform(16, 10, -3, 3), labels, [4, 4])).toBeLessThan(1e-3);
  });

  it('rejects labels out of range or not integers, naming the row', () => {
    const loss = losses.sparseCategoricalCrossentropy();
    const p = Float32Array.from(pred.flat());
    expect(() => loss.compute(p, Float32Array.from([0, 3, 1]), [3, 3])).toThrow(LayerwiseError);
    expect(() => loss.compute(p, Float32Array.from([0, 3, 1]), [3, 3])).toThrow(
      /sparseCategoricalCrossentropy: label 1 of the batch is 3, but class labels must be integers in \[0, 2\] for a model with 3 outputs\./,
    );
    expect(() => loss.compute(p, Float32Array.from([0, 1, -1]), [3, 3])).toThrow(/label 2 of the batch is -1/);
    expect(() => loss.compute(p, Float32Array.from([1.5, 1, 0]), [3, 3])).toThrow(/label 0 of the batch is 1\.5/);
  });
});

describe('checkLabels', () => {
  it('categoricalCrossentropy sees class indices and suggests sparseCategoricalCrossentropy', () => {
    const loss = losses.categoricalCrossentropy();
    expect(() => loss.checkLabels([32, 10], [32], 'fit')).toThrow(
      /fit: categoricalCrossentropy needs one-hot labels of shape \(32, 10\), but the labels have shape \(32,\), which looks like class indices\. Use loss: 'sparseCategoricalCrossentropy' for integer labels, or one-hot encode them\./,
    );
    expect(() => loss.checkLabels([32, 10], [32, 1], 'fit')).toThrow(/labels have shape \(32, 1\), which looks like class indices\. Use loss: 'sparseCategoricalCrossentropy'/);
    expect(() => loss.checkLabels([32, 10], [32, 10], 'fit')).not.toThrow();
  });

  it('categoricalCrossentropy rejects one-hot labels of another width', () => {
    expect(() => losses.categoricalCrossentropy().checkLabels([8, 3], [8, 4], 'fit')).toThrow(
      /fit: the loss categoricalCrossentropy needs labels of the model's output shape \(8, 3\), but the labels have shape \(8, 4\)\. Reshape the labels, or change the last layer to output 4 values\./,
    );
  });

  it('sparseCategoricalCrossentropy sees one-hot labels and suggests categoricalCrossentropy', () => {
    const loss = losses.sparseCategoricalCrossentropy();
    expect(() => loss.checkLabels([32, 10], [32, 10], 'fit')).toThrow(
      /fit: sparseCategoricalCrossentropy needs integer class labels of shape \(32,\), but the labels have shape \(32, 10\)\. They look one-hot: use loss: 'categoricalCrossentropy'\./,
    );
    expect(() => loss.checkLabels([32, 10], [16], 'evaluate')).toThrow(/evaluate: .*labels have shape \(16,\)\. Pass one class index per sample\./);
    expect(() => loss.checkLabels([32, 10], [32], 'fit')).not.toThrow();
    expect(() => loss.checkLabels([32, 10], [32, 1], 'fit')).not.toThrow();
  });

  it('element-wise losses need the output shape', () => {
    expect(() => losses.meanSquaredError().checkLabels([4, 3], [4, 2], 'fit')).toThrow(
      /fit: the loss meanSquaredError needs labels of the model's output shape \(4, 3\), but the labels have shape \(4, 2\)/,
    );
    expect(() => losses.binaryCrossentropy().checkLabels([4, 1], [4], 'fit')).toThrow(/binaryCrossentropy .*\(4, 1\).*\(4,\)/);
    expect(() => losses.meanAbsoluteError().checkLabels([4, 3], [4, 3], 'fit')).not.toThrow();
  });
});

describe('fusing with the last activation', () => {
  it('cross-entropies of probabilities read the logits of their own activation only', () => {
    const softmaxByKey = getActivation('softmax');
    const sigmoidByKey = getActivation('sigmoid');
    expect(losses.categoricalCrossentropy().withLogitsOf(softmaxByKey)?.fromLogits).toBe(true);
    expect(losses.sparseCategoricalCrossentropy().withLogitsOf(softmaxByKey)?.getConfig()).toEqual({ name: 'sparseCategoricalCrossentropy', fromLogits: true });
    expect(losses.binaryCrossentropy().withLogitsOf(sigmoidByKey)?.fromLogits).toBe(true);
    expect(losses.binaryCrossentropy().withLogitsOf(softmaxByKey)).toBeUndefined();
    expect(losses.categoricalCrossentropy().withLogitsOf(sigmoidByKey)).toBeUndefined();
    // A softmax over another axis is not the one the loss reads rows of.
    expect(losses.categoricalCrossentropy().withLogitsOf(softmax(1))).toBeUndefined();
    // Already from logits: nothing to fuse.
    expect(losses.categoricalCrossentropy({ fromLogits: true }).withLogitsOf(softmaxByKey)).toBeUndefined();
    expect(losses.meanSquaredError().withLogitsOf(sigmoidByKey)).toBeUndefined();
  });
});

describe('getLoss', () => {
  it('resolves every spelling of a key to a fresh loss', () => {
    // The class-name spelling works at run time, though the LossKey type does not list it.
    for (const key of ['binary_crossentropy', 'binaryCrossentropy', 'BinaryCrossentropy' as LossKey] as const) {
      const loss = getLoss(key);
      expect(loss.getConfig()).toEqual({ name: 'binaryCrossentropy', fromLogits: false });
    }
    expect(getLoss('binary_crossentropy')).not.toBe(getLoss('binary_crossentropy'));
    expect(getLoss('mse').name).toBe('meanSquaredError');
    expect(getLoss('meanSquaredError').name).toBe('meanSquaredError');
    expect(getLoss('mae').name).toBe('meanAbsoluteError');
    expect(getLoss('categoricalCrossentropy').name).toBe('categoricalCrossentropy');
    expect(getLoss('sparse_categorical_crossentropy').name).toBe('sparseCategoricalCrossentropy');
  });

  it('returns a loss object unchanged', () => {
    const loss = losses.binaryCrossentropy({ fromLogits: true });
    expect(getLoss(loss)).toBe(loss);
  });

  it('rejects an unknown key, suggesting the nearest', () => {
    expect(() => getLoss('binary_crossentropyy' as 'mse')).toThrow(LayerwiseError);
    expect(() => getLoss('binary_crossentropyy' as 'mse')).toThrow(
      /Unknown loss "binary_crossentropyy" in compile\. Did you mean "binary_crossentropy"\? Known: .*"mse"/,
    );
    expect(() => getLoss('categoricalCrossEntropie' as 'mse', 'fit')).toThrow(/Unknown loss "categoricalCrossEntropie" in fit\. Did you mean "categorical_crossentropy"\?/);
  });
});

describe('agreement with TF.js', () => {
  beforeAll(async () => {
    tf.env().set('PROD', true); // silences TF.js's advice to install tfjs-node
    await tf.setBackend('cpu');
  });

  /** The mean over rows of a TF.js per-row loss, computed in the test. */
  const meanOf = (t: tf.Tensor) => tf.mean(t).dataSync()[0];
  const shape = [6, 4];
  const probabilities = uniform(24, 11, 0.05, 1);
  const logits = uniform(24, 12, -4, 4);
  const targets = uniform(24, 13, -1, 1);
  const binary = Float32Array.from(uniform(24, 14, 0, 1), (v) => (v < 0.5 ? 0 : 1));
  const classes = [3, 0, 1, 1, 2, 0];
  const hot = oneHot(classes, 4);

  const value = (loss: Loss, pred: Float32Array, labels: Float32Array) => loss.compute(pred, labels, shape);
  const T = (data: Float32Array) => tf.tensor(data, shape);

  it('meanSquaredError and meanAbsoluteError', () => {
    expect(value(losses.meanSquaredError(), logits, targets)).toBeCloseTo(meanOf(tf.metrics.meanSquaredError(T(targets), T(logits))), 5);
    expect(value(losses.meanAbsoluteError(), logits, targets)).toBeCloseTo(meanOf(tf.metrics.meanAbsoluteError(T(targets), T(logits))), 5);
  });

  it('binaryCrossentropy, of probabilities and from logits', () => {
    const p = probabilities.map((v) => Math.min(v, 0.95));
    expect(value(losses.binaryCrossentropy(), p, binary)).toBeCloseTo(meanOf(tf.metrics.binaryCrossentropy(T(binary), T(p))), 5);
    expect(value(losses.binaryCrossentropy({ fromLogits: true }), logits, binary)).toBeCloseTo(
      meanOf(tf.losses.sigmoidCrossEntropy(T(binary), T(logits))),
      5,
    );
  });

  it('categoricalCrossentropy (unnormalized probabilities and logits) and its sparse form', () => {
    expect(value(losses.categoricalCrossentropy(), probabilities, hot)).toBeCloseTo(
      meanOf(tf.metrics.categoricalCrossentropy(T(hot), T(probabilities))),
      5,
    );
    expect(value(losses.categoricalCrossentropy({ fromLogits: true }), logits, hot)).toBeCloseTo(
      meanOf(tf.losses.softmaxCrossEntropy(T(hot), T(logits))),
      5,
    );
    // The sparse form against TF.js's categorical loss on the one-hot labels.
    expect(value(losses.sparseCategoricalCrossentropy(), probabilities, Float32Array.from(classes))).toBeCloseTo(
      meanOf(tf.metrics.categoricalCrossentropy(T(hot), T(probabilities))),
      5,
    );
  });

  it('gradients of the cross-entropies from logits', () => {
    const grad = new Float32Array(24);
    losses.categoricalCrossentropy({ fromLogits: true }).compute(logits, hot, shape, grad);
    const expected = tf.grad((z: tf.Tensor) => tf.losses.softmaxCrossEntropy(T(hot), z))(T(logits)).dataSync();
    expect(grad).toBeAllClose(expected, { rtol: 1e-4, atol: 1e-6 });
    losses.binaryCrossentropy({ fromLogits: true }).compute(logits, binary, shape, grad);
    const expectedBinary = tf.grad((z: tf.Tensor) => tf.losses.sigmoidCrossEntropy(T(binary), z))(T(logits)).dataSync();
    expect(grad).toBeAllClose(expectedBinary, { rtol: 1e-4, atol: 1e-6 });
  });
});

describe('loss options are checked', () => {
  it("unknown keys fail, naming the loss and the nearest option: Keras's from_logits", () => {
    expect(() => losses.binaryCrossentropy({ from_logits: true } as never)).toThrow(LayerwiseError);
    expect(() => losses.binaryCrossentropy({ from_logits: true } as never)).toThrow(
      /^binaryCrossentropy: "from_logits" is not an option of binaryCrossentropy\. Did you mean "fromLogits"\? Its options: fromLogits, labelSmoothing\.$/,
    );
    expect(() => losses.categoricalCrossentropy({ label_smoothing: 0.1 } as never)).toThrow(/^categoricalCrossentropy: "label_smoothing" is not an option of categoricalCrossentropy\. Did you mean "labelSmoothing"\?/);
    expect(() => losses.sparseCategoricalCrossentropy({ fromLogit: true } as never)).toThrow(/Did you mean "fromLogits"\?/);
    expect(() => losses.meanSquaredError({ reduction: 'sum' } as never)).toThrow(/^meanSquaredError: "reduction" is not an option of meanSquaredError\. It takes no options\.$/);
    expect(() => losses.meanAbsoluteError({ name: 'mae' } as never)).toThrow(/^meanAbsoluteError: "name" is not an option of meanAbsoluteError\./);
  });

  it('fromLogits must be a boolean, given in an options object', () => {
    expect(() => losses.binaryCrossentropy({ fromLogits: 'yes' } as never)).toThrow(/^binaryCrossentropy: fromLogits must be true or false\. Received: fromLogits="yes"\.$/);
    expect(() => losses.binaryCrossentropy(true as never)).toThrow(/^binaryCrossentropy: expected an options object such as \{ fromLogits: true \}, but received true\.$/);
    expect(losses.categoricalCrossentropy({ fromLogits: true }).fromLogits).toBe(true);
    expect(losses.meanSquaredError({}).name).toBe('meanSquaredError');
  });
});
