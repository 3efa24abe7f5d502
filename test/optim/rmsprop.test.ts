/**
 * RMSprop: the update rule by hand and against a float64 reference of Keras 3's rule, parity with
 * TF.js 4.22's `tf.train.rmsprop` (cpu backend) on a small MLP, the one deliberate difference from
 * TF.js (centered: ε under the root is added, not subtracted), settings, and resuming after a save.
 * Every TF.js value here is computed by TF.js inside the test.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Dense,
  fromArray,
  LayerwiseError,
  loadModel,
  randomUniform,
  Rng,
  RMSprop,
  Sequential,
  type Optimizer,
  type Param,
  type RMSpropOptions,
  type Tensor,
} from 'layerwise';
import { tempDir } from '../io/helpers';
import { RESUME_FIT, RESUME_X, RESUME_Y, resumeModel } from '../io/resume-model';
import { optimizerProblem } from './problem';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function param(value: number[], grad: number[] = value.map(() => 0), name = 'dense_1/kernel'): Param {
  return { name, value: fromArray(value), grad: fromArray(grad), trainable: true };
}

/** Sets the gradient, then takes one step. */
function stepWith(optimizer: Optimizer, p: Param, grad: number[]): number[] {
  p.grad.data.set(grad);
  optimizer.step([p]);
  return Array.from(p.value.data);
}

/** The state arrays of a parameter as plain numbers, in `slotNames()` order. */
function slots(optimizer: Optimizer, p: Param): number[][] {
  return optimizer.getSlots(p)!.map((s) => Array.from(s));
}

describe('RMSprop by hand: one weight, two steps', () => {
  // ε = 0 (allowed) keeps the numbers exact; ρ is picked so that the square roots are.

  it('plain: v ← ρv + (1 − ρ)g²; w ← w − lr · g / √(v + ε)', () => {
    const p = param([1]);
    const rmsprop = new RMSprop({ learningRate: 0.1, rho: 0.75, epsilon: 0 });
    // Step 1, g = 2: v = 0.25 · 4 = 1; Δ = 0.1 · 2 / 1 = 0.2; w = 0.8.
    expect(stepWith(rmsprop, p, [2])).toBeAllClose([0.8], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[1]], { rtol: 1e-6 });
    // Step 2, g = −1: v = 0.75 · 1 + 0.25 · 1 = 1; Δ = −0.1; w = 0.9.
    expect(stepWith(rmsprop, p, [-1])).toBeAllClose([0.9], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[1]], { rtol: 1e-6 });
    expect(rmsprop.iterations).toBe(2);
  });

  it('epsilon goes under the square root', () => {
    const p = param([1]);
    const rmsprop = new RMSprop({ learningRate: 0.1, rho: 0.75, epsilon: 5 });
    // g = 4: v = 0.25 · 16 = 4; Δ = 0.1 · 4 / √(4 + 5) = 0.4 / 3; w = 1 − 0.13333 = 0.86667.
    // (ε added after the root, as Keras 2 did, would give 0.4 / (2 + 5) and w = 0.94286.)
    expect(stepWith(rmsprop, p, [4])).toBeAllClose([1 - 0.4 / 3], { rtol: 1e-6 });
  });

  it('momentum 0.5: μ ← momentum · μ + Δ; w ← w − μ', () => {
    const p = param([1]);
    const rmsprop = new RMSprop({ learningRate: 0.1, rho: 0.75, momentum: 0.5, epsilon: 0 });
    // Step 1, g = 2: v = 1, Δ = 0.2; μ = 0.2; w = 0.8.
    expect(stepWith(rmsprop, p, [2])).toBeAllClose([0.8], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[1], [0.2]], { rtol: 1e-6 });
    // Step 2, g = 1: v = 0.75 + 0.25 = 1, Δ = 0.1; μ = 0.5 · 0.2 + 0.1 = 0.2; w = 0.6
    // (without momentum it would be 0.7).
    expect(stepWith(rmsprop, p, [1])).toBeAllClose([0.6], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[1], [0.2]], { rtol: 1e-6 });
  });

  it('centered: ḡ ← ρḡ + (1 − ρ)g; w ← w − lr · g / √(v − ḡ² + ε)', () => {
    const p = param([1]);
    const rmsprop = new RMSprop({ learningRate: 0.1, rho: 0.5, epsilon: 0, centered: true });
    // Step 1, g = 2: v = 0.5 · 4 = 2, ḡ = 0.5 · 2 = 1; d = 2 − 1 = 1; Δ = 0.2; w = 0.8.
    expect(stepWith(rmsprop, p, [2])).toBeAllClose([0.8], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[2], [1]], { rtol: 1e-6 });
    // Step 2, g = −0.75: v = 0.5 · 2 + 0.5 · 0.5625 = 1.28125, ḡ = 0.5 · 1 − 0.375 = 0.125;
    // d = 1.28125 − 0.015625 = 1.265625 = 1.125²; Δ = −0.075 / 1.125 = −1/15; w = 0.8 + 1/15 = 13/15.
    expect(stepWith(rmsprop, p, [-0.75])).toBeAllClose([13 / 15], { rtol: 1e-6 });
    expect(slots(rmsprop, p)).toBeAllClose([[1.28125], [0.125]], { rtol: 1e-6 });
  });

  it('centered with momentum 0.5: the same increments through μ', () => {
    const p = param([1]);
    const rmsprop = new RMSprop({ learningRate: 0.1, rho: 0.5, momentum: 0.5, epsilon: 0, centered: true });
    // Step 1: Δ = 0.2 as above; μ = 0.2; w = 0.8.
    expect(stepWith(rmsprop, p, [2])).toBeAllClose([0.8], { rtol: 1e-6 });
    // Step 2: Δ = −1/15; μ = 0.1 − 1/15 = 1/30; w = 0.8 − 1/30 = 23/30.
    expect(stepWith(rmsprop, p, [-0.75])).toBeAllClose([23 / 30], { rtol: 1e-6 });
    // Slots in slotNames() order: velocity, momentum, average_gradient.
    expect(slots(rmsprop, p)).toBeAllClose([[1.28125], [1 / 30], [0.125]], { rtol: 1e-6 });
  });
});

interface Settings {
  learningRate: number;
  rho: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
}

/** Keras 3's RMSprop in float64, for one flat weight array; returns the weights after each step. */
function referenceRMSprop(w0: ArrayLike<number>, grads: ArrayLike<number>[], { learningRate: lr, rho, momentum, epsilon, centered }: Settings): number[][] {
  const w = Array.from(w0);
  const v = w.map(() => 0);
  const avg = w.map(() => 0);
  const mu = w.map(() => 0);
  return grads.map((g) => {
    for (let i = 0; i < w.length; i++) {
      v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
      let d = v[i] + epsilon;
      if (centered) {
        avg[i] = rho * avg[i] + (1 - rho) * g[i];
        d = v[i] - avg[i] * avg[i] + epsilon;
      }
      const delta = (lr * g[i]) / Math.sqrt(d);
      if (momentum > 0) {
        mu[i] = momentum * mu[i] + delta;
        w[i] -= mu[i];
      } else w[i] -= delta;
    }
    return [...w];
  });
}

describe('RMSprop matches a float64 reference of Keras 3 over 3 steps', () => {
  const cases: [string, Partial<Settings>][] = [
    ['plain', {}],
    ['momentum 0.9', { momentum: 0.9 }],
    ['centered', { centered: true }],
    ['centered with momentum 0.9', { centered: true, momentum: 0.9 }],
  ];
  for (const [name, options] of cases) {
    it(name, () => {
      const settings: Settings = { learningRate: 0.05, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false, ...options };
      // Gradients of three scales, so that ε (1e-7) matters for the smallest: for |g| ≈ 1e-4,
      // (1 − ρ)g² ≈ 1e-9 is far below ε.
      const { params, grads } = optimizerProblem(`rmsprop-${name}`, [1, 1e-2, 1e-4]);
      const expected = params.map((p, k) => referenceRMSprop(p.value.data, grads.map((step) => step[k]), settings));
      const rmsprop = new RMSprop(settings);
      for (let step = 0; step < 3; step++) {
        params.forEach((p, k) => p.grad.data.set(grads[step][k]));
        rmsprop.step(params);
        params.forEach((p, k) => expect(p.value.data).toBeAllClose(expected[k][step], { rtol: 1e-6, atol: 1e-7 }));
      }
      expect(rmsprop.iterations).toBe(3);
      expect(rmsprop.getSlots(params[0])).toHaveLength(rmsprop.slotNames().length);
    });
  }
});

describe('RMSprop training an MLP matches tf.train.rmsprop step by step', () => {
  const N = 8;
  const rng = new Rng('rmsprop-mlp');
  const x = randomUniform([N, 4], -2, 2, rng);
  const y = randomUniform([N, 3], -1, 1, rng);
  const initial: Tensor[] = [
    randomUniform([4, 6], -0.8, 0.8, rng),
    randomUniform([6], -0.3, 0.3, rng),
    randomUniform([6, 3], -0.8, 0.8, rng),
    randomUniform([3], -0.3, 0.3, rng),
  ];
  const STEPS = 3;
  const LR = 0.01;

  interface Run {
    /** The weights after each step, in Keras order. */
    weights: Float32Array[][];
    /** The loss of each step (the loss before its update). */
    loss: number[];
  }

  async function layerwiseRun(options: RMSpropOptions): Promise<Run> {
    const model = new Sequential({ layers: [new Dense({ units: 6, activation: 'tanh', inputShape: [4] }), new Dense({ units: 3 })] });
    model.setWeights(initial);
    model.compile({ optimizer: new RMSprop(options), loss: 'mse' });
    const run: Run = { weights: [], loss: [] };
    for (let step = 0; step < STEPS; step++) {
      const history = await model.fit(x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
      run.loss.push(history.history.loss[0]);
      run.weights.push(model.getWeights().map((t) => Float32Array.from(t.data)));
    }
    return run;
  }

  async function tfRun({ learningRate, rho, momentum, epsilon, centered }: Settings): Promise<Run> {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: 'tanh', inputShape: [4] }), tf.layers.dense({ units: 3 })] });
    model.setWeights(initial.map((t) => tf.tensor(t.data, t.shape as number[])));
    const optimizer = tf.train.rmsprop(learningRate, rho, momentum, epsilon, centered);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const xs = tf.tensor2d(x.data, [N, 4]);
    const ys = tf.tensor2d(y.data, [N, 3]);
    const run: Run = { weights: [], loss: [] };
    for (let step = 0; step < STEPS; step++) {
      const history = await model.fit(xs, ys, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
      run.loss.push(history.history.loss[0] as number);
      run.weights.push(model.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array)));
    }
    xs.dispose();
    ys.dispose();
    optimizer.dispose();
    model.dispose();
    return run;
  }

  const cases: [string, Settings][] = [
    ['plain', { learningRate: LR, rho: 0.9, momentum: 0, epsilon: 1e-10, centered: false }],
    ['momentum 0.9', { learningRate: LR, rho: 0.9, momentum: 0.9, epsilon: 1e-10, centered: false }],
    // Centered, TF.js takes √(v − ḡ² − ε) where Keras 3 (and layerwise) take √(v − ḡ² + ε): the two
    // differ by 2ε under the root, which beside these variances (about 1e-5 and up) is invisible at
    // ε = 1e-10 but not at the default 1e-7. So the centered rule can be compared only at a tiny ε.
    ['centered at epsilon 1e-10', { learningRate: LR, rho: 0.9, momentum: 0, epsilon: 1e-10, centered: true }],
    // Not centered, both put ε under the root (√(v + ε)), so the default ε agrees as well.
    ['plain at the default epsilon 1e-7', { learningRate: LR, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false }],
  ];
  for (const [name, settings] of cases) {
    it(name, async () => {
      const ours = await layerwiseRun(settings);
      const theirs = await tfRun(settings);
      for (let step = 0; step < STEPS; step++) {
        expect(ours.loss[step]).toBeCloseTo(theirs.loss[step], 5);
        ours.weights[step].forEach((w, i) => expect(w).toBeAllClose(theirs.weights[step][i], { rtol: 0, atol: 1e-5 }));
      }
      // The weights did move: every step changes some weight by about lr (RMSprop's first steps
      // are ±lr / √(1 − ρ) ≈ 3.2 lr), far more than the tolerance.
      for (let step = 0; step < STEPS; step++) {
        const before = step === 0 ? initial.map((t) => t.data) : ours.weights[step - 1];
        const moved = Math.max(...ours.weights[step].flatMap((w, i) => Array.from(w, (v, j) => Math.abs(v - before[i][j]))));
        expect(moved).toBeGreaterThan(LR);
      }
    });
  }
});

describe('centered, TF.js subtracts epsilon under the root and layerwise adds it', () => {
  /** One step of tf.train.rmsprop on one weight, by applyGradients. */
  function tfStep(w: number, g: number, settings: Settings): number {
    const variable = tf.variable(tf.tensor1d([w]), true, `w_${Math.random().toString(36).slice(2)}`);
    const optimizer = tf.train.rmsprop(settings.learningRate, settings.rho, settings.momentum, settings.epsilon, settings.centered);
    const grad = tf.tensor1d([g]);
    optimizer.applyGradients({ [variable.name]: grad });
    const out = variable.dataSync()[0];
    [variable, grad].forEach((t) => t.dispose());
    optimizer.dispose();
    return out;
  }

  function layerwiseStep(w: number, g: number, settings: Settings): number {
    const p = param([w]);
    return stepWith(new RMSprop(settings), p, [g])[0];
  }

  const settings: Settings = { learningRate: 0.01, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: true };

  it('a large gradient: both agree', () => {
    // g = 1: v = 0.1, ḡ = 0.1, v − ḡ² = 0.09 ≫ ε; Δ = 0.01 / 0.3 = 1/30.
    expect(layerwiseStep(1, 1, settings)).toBeAllClose([1 - 1 / 30], { rtol: 1e-6 });
    expect(tfStep(1, 1, settings)).toBeAllClose([1 - 1 / 30], { rtol: 1e-6 });
  });

  it('a gradient so small that v − ḡ² < ε: TF.js gives NaN, layerwise a finite step', () => {
    const g = Math.fround(1e-4);
    // v = 0.1 g² = 1e-9, ḡ = 0.1 g = 1e-5, v − ḡ² = 9e-10 < ε = 1e-7.
    // TF.js: √(9e-10 − 1e-7) = √(negative) = NaN, and the weight becomes NaN.
    expect(Number.isNaN(tfStep(1, g, settings))).toBe(true);
    // layerwise (Keras 3): Δ = 0.01 · 1e-4 / √(9e-10 + 1e-7) = 3.1480e-3.
    const d = 0.1 * g * g - (0.1 * g) ** 2 + 1e-7;
    const ours = layerwiseStep(1, g, settings);
    expect(Number.isFinite(ours)).toBe(true);
    expect(ours).toBeAllClose([1 - (0.01 * g) / Math.sqrt(d)], { rtol: 1e-6 });
    expect(1 - ours).toBeCloseTo(3.148e-3, 6);
    // Not centered, both are finite and agree: ε is added under the root on both sides.
    const plain = { ...settings, centered: false };
    expect(layerwiseStep(1, g, plain)).toBeAllClose([tfStep(1, g, plain)], { rtol: 1e-6 });
  });
});

describe('RMSprop settings', () => {
  const DEFAULTS = { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false };

  it('has Keras 3 defaults, and getConfig rebuilds an equal optimizer', () => {
    expect(new RMSprop().getConfig()).toEqual(DEFAULTS);
    for (const options of [{}, { learningRate: 0.02, rho: 0.5, momentum: 0.9, epsilon: 1e-3, centered: true }, { epsilon: 0, rho: 0 }]) {
      const optimizer = new RMSprop(options);
      const config = optimizer.getConfig();
      expect(config).toEqual({ ...DEFAULTS, ...options });
      const rebuilt = new RMSprop(config);
      expect(rebuilt).toBeInstanceOf(RMSprop);
      expect(rebuilt.getConfig()).toEqual(config);
      expect(rebuilt.slotNames()).toEqual(optimizer.slotNames());
    }
    expect(new RMSprop().className).toBe('RMSprop');
    expect(RMSprop.className).toBe('RMSprop');
  });

  it("names its state as Keras does: velocity, then momentum, then average_gradient", () => {
    expect(new RMSprop().slotNames()).toEqual(['velocity']);
    expect(new RMSprop({ momentum: 0.9 }).slotNames()).toEqual(['velocity', 'momentum']);
    expect(new RMSprop({ centered: true }).slotNames()).toEqual(['velocity', 'average_gradient']);
    expect(new RMSprop({ momentum: 0.9, centered: true }).slotNames()).toEqual(['velocity', 'momentum', 'average_gradient']);
    expect(new RMSprop({ momentum: 0.9, centered: true }).slotCount).toBe(3);
  });

  it('rejects bad settings', () => {
    const bad: [RMSpropOptions, RegExp][] = [
      [{ rho: 1 }, /^RMSprop: rho must be a number in \[0, 1\)\. Received: rho=1\.$/],
      [{ rho: -0.1 }, /RMSprop: rho must be/],
      [{ rho: NaN }, /RMSprop: rho must be/],
      [{ momentum: -1 }, /^RMSprop: momentum must be a number in \[0, 1\)\. Received: momentum=-1\.$/],
      [{ momentum: 1 }, /RMSprop: momentum must be/],
      [{ epsilon: -1 }, /^RMSprop: epsilon must be a non-negative number\. Received: epsilon=-1\.$/],
      [{ epsilon: Infinity }, /RMSprop: epsilon must be/],
      [{ centered: 'yes' as unknown as boolean }, /^RMSprop: centered must be true or false\. Received: centered="yes"\.$/],
      [{ learningRate: 0 }, /^RMSprop: learningRate must be a positive number\. Received: learningRate=0\.$/],
      [{ learningRate: -1 }, /RMSprop: learningRate must be/],
    ];
    for (const [options, message] of bad) {
      expect(() => new RMSprop(options)).toThrow(LayerwiseError);
      expect(() => new RMSprop(options)).toThrow(message);
    }
  });

  it("compile({ optimizer: 'rmsprop' }) gives an RMSprop with the defaults", () => {
    for (const key of ['rmsprop', 'RMSprop'] as const) {
      const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
      model.compile({ optimizer: key, loss: 'mse' });
      expect(model.optimizer).toBeInstanceOf(RMSprop);
      expect(model.optimizer!.className).toBe('RMSprop');
      expect(model.optimizer!.getConfig()).toEqual(DEFAULTS);
    }
  });
});

describe('RMSprop training resumes bit for bit: 2 epochs, save, load, 2 more equals 4 straight', () => {
  const dir = tempDir('layerwise-rmsprop-');
  const [x, y, FIT, makeModel] = [RESUME_X, RESUME_Y, RESUME_FIT, resumeModel];

  /** The bytes of a float32 array. */
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
  /** Every optimizer state array of a model's parameters, as bytes (none for a parameter without state). */
  const stateBytes = (model: Sequential) => model.params().map((p) => (model.optimizer!.getSlots(p) ?? []).map(bytes));

  const cases: [string, RMSpropOptions][] = [
    ['plain', { learningRate: 0.01 }],
    ['momentum 0.9', { learningRate: 0.01, momentum: 0.9 }],
    ['centered with momentum 0.8', { learningRate: 0.01, momentum: 0.8, centered: true }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      const straight = makeModel(new RMSprop(options));
      const all = await straight.fit(x, y, { ...FIT, epochs: 4 });

      const first = makeModel(new RMSprop(options));
      await first.fit(x, y, { ...FIT, epochs: 2 });
      const path = join(dir, name.replace(/ /g, '-'));
      await first.save(path);
      const resumed = await loadModel(path);
      expect(resumed.optimizer).toBeInstanceOf(RMSprop);
      expect(resumed.optimizer!.getConfig()).toEqual(new RMSprop(options).getConfig());
      expect(resumed.optimizer!.iterations).toBe(6);
      // The state came back exactly.
      expect(stateBytes(resumed)).toEqual(stateBytes(first));
      const rest = await resumed.fit(x, y, { ...FIT, epochs: 2 });

      expect(rest.history.loss).toEqual(all.history.loss.slice(2));
      expect(rest.history.mae).toEqual(all.history.mae.slice(2));
      expect(resumed.getWeights().map((t) => bytes(t.data))).toEqual(straight.getWeights().map((t) => bytes(t.data)));
      expect(stateBytes(resumed)).toEqual(stateBytes(straight));
      expect(resumed.optimizer!.iterations).toBe(12);
    });
  }
});
