/**
 * Adagrad, Adamax and Adam training an MLP, step by step against TF.js 4.22's `tf.train.adagrad`,
 * `tf.train.adamax` and `tf.train.adam` (cpu backend), where they compute the same; and the one
 * step where TF.js's Adadelta differs. Every TF.js value is computed by TF.js inside the test.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adadelta, Adagrad, Adam, Adamax, Dense, fromArray, randomUniform, Rng, Sequential, type Optimizer, type Tensor } from 'layerwise';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const N = 8;
const rng = new Rng('optimizer-parity-mlp');
const x = randomUniform([N, 4], -2, 2, rng);
const y = randomUniform([N, 3], -1, 1, rng);
const initial: Tensor[] = [randomUniform([4, 6], -0.8, 0.8, rng), randomUniform([6], -0.3, 0.3, rng), randomUniform([6, 3], -0.8, 0.8, rng), randomUniform([3], -0.3, 0.3, rng)];
const STEPS = 3;

interface Run {
  weights: Float32Array[][];
  loss: number[];
}

async function layerwiseRun(optimizer: Optimizer): Promise<Run> {
  const model = new Sequential({ layers: [new Dense({ units: 6, activation: 'tanh', inputShape: [4] }), new Dense({ units: 3 })] });
  model.setWeights(initial);
  model.compile({ optimizer, loss: 'mse' });
  const run: Run = { weights: [], loss: [] };
  for (let step = 0; step < STEPS; step++) {
    const history = await model.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    run.loss.push(history.history.loss[0]);
    run.weights.push(model.getWeights().map((t) => Float32Array.from(t.data)));
  }
  return run;
}

async function tfRun(optimizer: tf.Optimizer): Promise<Run> {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), tf.layers.dense({ units: 3 })] });
  model.setWeights(initial.map((t) => tf.tensor(t.data, t.shape as number[])));
  model.compile({ optimizer, loss: 'meanSquaredError' });
  const [xs, ys] = [tf.tensor2d(x.data, [N, 4]), tf.tensor2d(y.data, [N, 3])];
  const run: Run = { weights: [], loss: [] };
  for (let step = 0; step < STEPS; step++) {
    const history = await model.fit(xs, ys, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
    run.loss.push(history.history.loss[0] as number);
    run.weights.push(model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array)));
  }
  tf.dispose([xs, ys]);
  optimizer.dispose();
  model.dispose();
  return run;
}

const LR = 0.01;
const cases: [string, () => Optimizer, () => tf.Optimizer][] = [
  // TF.js's Adagrad has no epsilon: it adds its backend's epsilon (1e-7 on cpu) under the root, Keras's default.
  ['Adagrad (epsilon 1e-7 on both sides)', () => new Adagrad({ learningRate: LR }), () => tf.train.adagrad(LR)],
  ['Adagrad, initialAccumulatorValue 0.5', () => new Adagrad({ learningRate: LR, initialAccumulatorValue: 0.5 }), () => tf.train.adagrad(LR, 0.5)],
  // Adamax puts ε in the same place on both sides (u + ε), so Keras's default ε agrees.
  ['Adamax at the default epsilon 1e-7', () => new Adamax({ learningRate: LR }), () => tf.train.adamax(LR, 0.9, 0.999, 1e-7, 0)],
  ['Adamax, beta1 0.8, beta2 0.99', () => new Adamax({ learningRate: LR, beta1: 0.8, beta2: 0.99 }), () => tf.train.adamax(LR, 0.8, 0.99, 1e-7, 0)],
  // Adam: Keras adds ε to √v, TF.js to √v̂ = √v / √(1 − β2^t): a tiny ε (1e-10) on both sides makes them agree.
  ['Adam at epsilon 1e-10', () => new Adam({ learningRate: LR, epsilon: 1e-10 }), () => tf.train.adam(LR, 0.9, 0.999, 1e-10)],
];

describe('the MLP trains as in TF.js, step by step, to 1e-5', () => {
  for (const [name, ours, theirs] of cases) {
    it(name, async () => {
      const a = await layerwiseRun(ours());
      const b = await tfRun(theirs());
      let largest = 0;
      for (let step = 0; step < STEPS; step++) {
        expect(a.loss[step]).toBeCloseTo(b.loss[step], 5);
        a.weights[step].forEach((w, i) => {
          expect(w).toBeAllClose(b.weights[step][i], { rtol: 0, atol: 1e-5 });
          largest = Math.max(largest, ...Array.from(w, (v, j) => Math.abs(v - b.weights[step][i][j])));
        });
      }
      // The weights moved by far more than the tolerance.
      const moved = Math.max(...a.weights[0].flatMap((w, i) => Array.from(w, (v, j) => Math.abs(v - initial[i].data[j]))));
      expect(moved).toBeGreaterThan(LR / 10);
      expect(largest).toBeLessThan(1e-5);
    });
  }
});

describe("TF.js's Adadelta divides by the previous step's accumulator", () => {
  it('first step: TF.js moves by lr · g, Keras 3 (and layerwise) by lr · √ε / √((1 − ρ)g² + ε) · g', () => {
    const [lr, rho, eps, g] = [1, 0.95, 1e-7, 0.01];
    const variable = tf.variable(tf.tensor1d([1]), true, 'adadelta_w');
    const optimizer = tf.train.adadelta(lr, rho, eps);
    const grad = tf.tensor1d([g]);
    optimizer.applyGradients([{ name: variable.name, tensor: grad }]);
    const theirs = variable.dataSync()[0];
    tf.dispose([variable, grad]);
    optimizer.dispose();
    expect(theirs).toBeAllClose([1 - lr * g], { rtol: 1e-6 });
    const p = { name: 'w', value: fromArray([1]), grad: fromArray([g]), trainable: true };
    new Adadelta({ learningRate: lr, rho, epsilon: eps }).step([p]);
    const keras = 1 - ((lr * Math.sqrt(eps)) / Math.sqrt((1 - rho) * g * g + eps)) * g;
    expect(Array.from(p.value.data)).toBeAllClose([keras], { rtol: 1e-6 });
    // Not a rounding: the two steps differ by a factor of about 7.
    expect((1 - theirs) / (1 - p.value.data[0])).toBeGreaterThan(5);
  });
});
