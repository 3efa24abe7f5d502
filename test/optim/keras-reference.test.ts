/**
 * Every optimizer against a float64 reference of Keras 3's rule (keras/src/optimizers/<name>.py)
 * over 3 steps, with every base option (clipnorm, clipvalue, globalClipnorm, weightDecay, as
 * keras/src/optimizers/base_optimizer.py applies them: clipping, then weight decay, then the
 * update) and amsgrad; hand cases of the base options; settings, configs and bad options.
 */
import { describe, expect, it } from 'vitest';
import {
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  Dense,
  fromArray,
  LayerwiseError,
  Nadam,
  OPTIMIZER_CLASSES,
  RMSprop,
  Sequential,
  SGD,
  type Optimizer,
  type OptimizerConfig,
  type Param,
} from 'layerwise';
import { optimizerProblem } from './problem';

type Config = Record<string, number | boolean>;
/** One parameter's step of an update rule in float64: w, g and the state arrays, in place; t counts from 1. */
type Rule = (w: number[], g: number[], state: number[][], t: number, c: Config & { product: number }) => void;

const num = (c: Config, k: string) => c[k] as number;

/** Keras 3's update rules, written from keras/src/optimizers/*.py, one parameter at a time. */
const RULES: Record<string, { slots: number; init?: (c: Config) => number; rule: Rule }> = {
  SGD: {
    slots: 1,
    rule: (w, g, [v], _t, c) => {
      const [lr, m] = [num(c, 'learningRate'), num(c, 'momentum')];
      for (let i = 0; i < w.length; i++) {
        if (m === 0) {
          w[i] -= lr * g[i];
          continue;
        }
        v[i] = m * v[i] - lr * g[i];
        w[i] += c.nesterov ? m * v[i] - lr * g[i] : v[i];
      }
    },
  },
  Adam: {
    slots: 3,
    rule: (w, g, [m, v, vHat], t, c) => {
      const [lr, b1, b2, eps] = [num(c, 'learningRate'), num(c, 'beta1'), num(c, 'beta2'), num(c, 'epsilon')];
      const alpha = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < w.length; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        let second = v[i];
        if (c.amsgrad) second = vHat[i] = Math.max(vHat[i], v[i]);
        w[i] -= (m[i] * alpha) / (Math.sqrt(second) + eps);
      }
    },
  },
  RMSprop: {
    slots: 3,
    rule: (w, g, [v, mu, avg], _t, c) => {
      const [lr, rho, momentum, eps] = [num(c, 'learningRate'), num(c, 'rho'), num(c, 'momentum'), num(c, 'epsilon')];
      for (let i = 0; i < w.length; i++) {
        v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
        let d = v[i];
        if (c.centered) {
          avg[i] = rho * avg[i] + (1 - rho) * g[i];
          d -= avg[i] * avg[i];
        }
        const delta = (lr * g[i]) / Math.sqrt(d + eps);
        if (momentum > 0) {
          mu[i] = momentum * mu[i] + delta;
          w[i] -= mu[i];
        } else w[i] -= delta;
      }
    },
  },
  Adagrad: {
    slots: 1,
    init: (c) => num(c, 'initialAccumulatorValue'),
    rule: (w, g, [a], _t, c) => {
      for (let i = 0; i < w.length; i++) {
        a[i] += g[i] * g[i];
        w[i] -= (num(c, 'learningRate') * g[i]) / Math.sqrt(a[i] + num(c, 'epsilon'));
      }
    },
  },
  Adadelta: {
    slots: 2,
    rule: (w, g, [a, d], _t, c) => {
      const [lr, rho, eps] = [num(c, 'learningRate'), num(c, 'rho'), num(c, 'epsilon')];
      const rms = (x: number) => Math.sqrt(x + eps);
      for (let i = 0; i < w.length; i++) {
        a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
        const delta = -(rms(d[i]) * g[i]) / rms(a[i]);
        d[i] = rho * d[i] + (1 - rho) * delta * delta;
        w[i] += lr * delta;
      }
    },
  },
  Adamax: {
    slots: 2,
    rule: (w, g, [m, u], t, c) => {
      const [lr, b1, b2, eps] = [num(c, 'learningRate'), num(c, 'beta1'), num(c, 'beta2'), num(c, 'epsilon')];
      for (let i = 0; i < w.length; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
        w[i] -= (lr * m[i]) / ((1 - b1 ** t) * (u[i] + eps));
      }
    },
  },
  Nadam: {
    slots: 2,
    rule: (w, g, [m, v], t, c) => {
      const [lr, b1, b2, eps] = [num(c, 'learningRate'), num(c, 'beta1'), num(c, 'beta2'), num(c, 'epsilon')];
      const uT = b1 * (1 - 0.5 * 0.96 ** t);
      const uT1 = b1 * (1 - 0.5 * 0.96 ** (t + 1));
      const uProductT = c.product; // already multiplied by u_t, as _backend_update_step does first
      const uProductT1 = uProductT * uT1;
      for (let i = 0; i < w.length; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        const mHat = (uT1 * m[i]) / (1 - uProductT1) + ((1 - uT) * g[i]) / (1 - uProductT);
        const vHat = v[i] / (1 - b2 ** t);
        w[i] -= (mHat * lr) / (Math.sqrt(vHat) + eps);
      }
    },
  },
};
RULES.AdamW = RULES.Adam;

/**
 * Keras 3's base optimizer in float64 over several parameters: per step, clip the gradients
 * (_clip_gradients), decay the weights (_apply_weight_decay), then each parameter's rule.
 */
function reference(className: string, config: Config, w0: ArrayLike<number>[], grads: ArrayLike<number>[][]): number[][][] {
  const { slots, init, rule } = RULES[className];
  const w = w0.map((p) => Array.from(p));
  const state = w.map((p) => Array.from({ length: slots }, () => p.map(() => init?.(config) ?? 0)));
  let product = 1;
  return grads.map((stepGrads, s) => {
    const t = s + 1;
    let g = stepGrads.map((x) => Array.from(x));
    const { clipnorm, clipvalue, globalClipnorm, weightDecay } = config as Record<string, number | undefined>;
    if (clipnorm) {
      g = g.map((x) => {
        const norm = Math.sqrt(x.reduce((a, b) => a + b * b, 0));
        return x.map((v) => (v * clipnorm) / Math.max(norm, clipnorm));
      });
    } else if (globalClipnorm) {
      const norm = Math.sqrt(g.flat().reduce((a, b) => a + b * b, 0));
      const scale = globalClipnorm * Math.min(1 / norm, 1 / globalClipnorm);
      g = g.map((x) => x.map((v) => v * scale));
    } else if (clipvalue) {
      g = g.map((x) => x.map((v) => Math.min(Math.max(v, -clipvalue), clipvalue)));
    }
    if (weightDecay) for (const p of w) for (let i = 0; i < p.length; i++) p[i] = p[i] - p[i] * weightDecay * num(config, 'learningRate');
    if (className === 'Nadam') product *= num(config, 'beta1') * (1 - 0.5 * 0.96 ** t);
    w.forEach((p, k) => rule(p, g[k], state[k], t, { ...config, product }));
    return w.map((p) => [...p]);
  });
}

const CLASSES: Record<string, new (options?: never) => Optimizer> = { SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam, AdamW };

/** Per class: a learning rate that moves the weights visibly in 3 steps (Adadelta's 1.0 is the paper's). */
const BASE: Record<string, OptimizerConfig> = {
  SGD: { learningRate: 0.05, momentum: 0.9 },
  Adam: { learningRate: 0.05 },
  RMSprop: { learningRate: 0.05 },
  Adagrad: { learningRate: 0.1 },
  Adadelta: { learningRate: 1 },
  Adamax: { learningRate: 0.05 },
  Nadam: { learningRate: 0.05 },
  AdamW: { learningRate: 0.05 },
};

const OPTIONS: [string, OptimizerConfig][] = [
  ['defaults', {}],
  ['clipnorm 0.5', { clipnorm: 0.5 }],
  ['clipvalue 0.3', { clipvalue: 0.3 }],
  ['globalClipnorm 1', { globalClipnorm: 1 }],
  ['weightDecay 0.1', { weightDecay: 0.1 }],
];

/** Gradients of three scales, so that ε matters for the smallest (|g| ≈ 1e-4). */
const problem = (seed: string) => optimizerProblem(seed, [2, 1e-2, 1e-4]);

describe('every optimizer matches a float64 reference of Keras 3 over 3 steps', () => {
  for (const className of Object.keys(CLASSES)) {
    const extra: [string, OptimizerConfig][] =
      className === 'Adam' || className === 'AdamW' ? [['amsgrad', { amsgrad: true }], ['amsgrad with clipnorm 0.5', { amsgrad: true, clipnorm: 0.5 }]] : [];
    for (const [name, options] of [...OPTIONS, ...extra]) {
      it(`${className}, ${name}`, () => {
        const optimizer = new CLASSES[className]({ ...BASE[className], ...options } as never);
        const { params, grads } = problem(`${className}-${name}`);
        const initial = params.map((p) => Float32Array.from(p.value.data));
        const expected = reference(className, optimizer.getConfig() as Config, initial, grads);
        for (let step = 0; step < 3; step++) {
          params.forEach((p, k) => p.grad.data.set(grads[step][k]));
          optimizer.step(params);
          params.forEach((p, k) => expect(p.value.data, `step ${step + 1}, ${p.name}`).toBeAllClose(expected[step][k], { rtol: 1e-6, atol: 1e-7 }));
          // The gradients are left as they were (clipping works on a copy).
          params.forEach((p, k) => expect(p.grad.data).toEqual(grads[step][k]));
        }
        // The weights moved by far more than the tolerance.
        const moved = Math.max(...params.map((p, k) => Math.max(...Array.from(p.value.data, (v, i) => Math.abs(v - initial[k][i])))));
        expect(moved).toBeGreaterThan(1e-3);
      });
    }
  }
});

/** One weight: sets the gradient, steps, returns the weight. */
function stepOne(optimizer: Optimizer, p: Param, g: number[]): number[] {
  p.grad.data.set(g);
  optimizer.step([p]);
  return Array.from(p.value.data);
}
const param = (value: number[], name = 'w'): Param => ({ name, value: fromArray(value), grad: fromArray(value.map(() => 0)), trainable: true });

describe('the base options by hand, on plain SGD (w ← w − lr · g)', () => {
  it('clipnorm scales each weight to norm c: g = [3, 4] (norm 5), c = 1 → [0.6, 0.8]', () => {
    const p = param([0, 0]);
    expect(stepOne(new SGD({ learningRate: 1, clipnorm: 1 }), p, [3, 4])).toBeAllClose([-0.6, -0.8], { rtol: 1e-6 });
    // Below the norm, nothing changes.
    expect(stepOne(new SGD({ learningRate: 1, clipnorm: 10 }), param([0, 0]), [3, 4])).toBeAllClose([-3, -4], { rtol: 1e-6 });
  });

  it('clipnorm is per weight, globalClipnorm over all the weights of the step', () => {
    const [a, b] = [param([0, 0], 'a'), param([0], 'b')];
    a.grad.data.set([3, 4]);
    b.grad.data.set([12]);
    new SGD({ learningRate: 1, clipnorm: 1 }).step([a, b]);
    expect(Array.from(a.value.data)).toBeAllClose([-0.6, -0.8], { rtol: 1e-6 });
    expect(Array.from(b.value.data)).toBeAllClose([-1], { rtol: 1e-6 });
    const [c, d] = [param([0, 0], 'c'), param([0], 'd')];
    c.grad.data.set([3, 4]);
    d.grad.data.set([12]);
    // The global norm is √(9 + 16 + 144) = 13: every gradient is scaled by 1 / 13.
    new SGD({ learningRate: 1, globalClipnorm: 1 }).step([c, d]);
    expect(Array.from(c.value.data)).toBeAllClose([-3 / 13, -4 / 13], { rtol: 1e-6 });
    expect(Array.from(d.value.data)).toBeAllClose([-12 / 13], { rtol: 1e-6 });
  });

  it('globalClipnorm gives NaN when the norm is not finite, as Keras', () => {
    const p = param([0, 0]);
    expect(stepOne(new SGD({ learningRate: 1, globalClipnorm: 1 }), p, [Infinity, 1]).every(Number.isNaN)).toBe(true);
  });

  it('clipvalue clips each value to [−c, c]', () => {
    expect(stepOne(new SGD({ learningRate: 1, clipvalue: 0.5 }), param([0, 0, 0]), [2, -3, 0.25])).toBeAllClose([-0.5, 0.5, -0.25], { rtol: 1e-6 });
  });

  it('weightDecay: w ← w − w · wd · lr, before the update (which sees the gradient unchanged)', () => {
    // w = 2: decayed to 2 − 2 · 0.5 · 0.1 = 1.9, then 1.9 − 0.1 · 1 = 1.8.
    expect(stepOne(new SGD({ learningRate: 0.1, weightDecay: 0.5 }), param([2]), [1])).toBeAllClose([1.8], { rtol: 1e-6 });
    // With momentum the decay is not in the velocity: v = −0.1, then −0.09 − 0.1 = −0.19.
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.5 });
    const p = param([2]);
    stepOne(sgd, p, [1]);
    expect(Array.from(sgd.getSlots(p)![0])).toBeAllClose([-0.1], { rtol: 1e-6 });
    // 1.8 decayed: 1.8 · 0.95 = 1.71, then + v = −0.19 → 1.52.
    expect(stepOne(sgd, p, [1])).toBeAllClose([1.52], { rtol: 1e-6 });
  });

  it('AdamW is Adam with weightDecay 0.004 by default', () => {
    expect(new AdamW().getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 });
    expect(new AdamW(0.01).weightDecay).toBe(0.004);
    const [a, b] = [param([1, -2, 0.5]), param([1, -2, 0.5])];
    const adamw = new AdamW({ learningRate: 0.1, weightDecay: 0.2 });
    const adam = new Adam({ learningRate: 0.1, weightDecay: 0.2 });
    for (const g of [[0.5, -1, 2], [1, 1, -1]]) expect(stepOne(adamw, a, g)).toEqual(stepOne(adam, b, g));
    expect(adamw).toBeInstanceOf(Adam);
    expect(adamw.className).toBe('AdamW');
    expect(new AdamW({ weightDecay: 0 }).getConfig().weightDecay).toBe(0);
  });

  it('non-trainable parameters are left alone by clipping and decay, and count in no global norm', () => {
    const frozen: Param = { ...param([5]), trainable: false };
    frozen.grad.data.set([100]);
    const p = param([0, 0]);
    p.grad.data.set([3, 4]);
    new SGD({ learningRate: 1, globalClipnorm: 5, weightDecay: 0.5 }).step([frozen, p]);
    expect(Array.from(frozen.value.data)).toEqual([5]);
    expect(Array.from(p.value.data)).toBeAllClose([-3, -4], { rtol: 1e-6 });
  });
});

describe('settings of the new optimizers', () => {
  const DEFAULTS: Record<string, OptimizerConfig> = {
    adagrad: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
    adadelta: { learningRate: 0.001, rho: 0.95, epsilon: 1e-7 },
    adamax: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    nadam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
    adamw: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 },
  };
  const NAMES: Record<string, string> = { adagrad: 'Adagrad', adadelta: 'Adadelta', adamax: 'Adamax', nadam: 'Nadam', adamw: 'AdamW' };

  it("compile({ optimizer: key }) gives Keras 3's defaults, by key or class name", () => {
    for (const [key, defaults] of Object.entries(DEFAULTS)) {
      for (const spec of [key, NAMES[key]]) {
        const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3] })] });
        model.compile({ optimizer: spec as 'adagrad', loss: 'mse' });
        expect(model.optimizer!.className).toBe(NAMES[key]);
        expect(model.optimizer!.getConfig()).toEqual(defaults);
      }
    }
  });

  it('configs rebuild equal optimizers, base options included', () => {
    const options: OptimizerConfig[] = [{}, { learningRate: 0.02, clipnorm: 2 }, { clipvalue: 0.5, weightDecay: 0.01 }, { globalClipnorm: 3, weightDecay: 0 }];
    for (const cls of OPTIMIZER_CLASSES.values()) {
      for (const o of [...options, ...(cls.options.includes('amsgrad') ? [{ amsgrad: true }] : [])]) {
        const optimizer = new cls(o);
        const config = optimizer.getConfig();
        for (const [k, v] of Object.entries(o)) expect(config[k], `${cls.className} ${k}`).toBe(v);
        const rebuilt = new cls(config);
        expect(rebuilt.getConfig()).toEqual(config);
        expect(rebuilt.slotNames()).toEqual(optimizer.slotNames());
      }
    }
  });

  it("names its state as Keras does", () => {
    expect(new Adagrad().slotNames()).toEqual(['accumulator']);
    expect(new Adadelta().slotNames()).toEqual(['accumulated_grad', 'accumulated_delta_var']);
    expect(new Adamax().slotNames()).toEqual(['momentum', 'norm']);
    expect(new Nadam().slotNames()).toEqual(['momentum', 'velocity']);
    expect(new Adam({ amsgrad: true }).slotNames()).toEqual(['m', 'v', 'velocity_hat']);
    expect(new Adam().slotNames()).toEqual(['m', 'v']);
  });

  it('Adagrad starts its accumulator at initialAccumulatorValue, also after resetState', () => {
    const adagrad = new Adagrad({ learningRate: 0.1, initialAccumulatorValue: 3, epsilon: 0 });
    const p = param([1]);
    // a = 3 + 1 = 4; w = 1 − 0.1 · 1 / 2 = 0.95.
    expect(stepOne(adagrad, p, [1])).toBeAllClose([0.95], { rtol: 1e-6 });
    adagrad.resetState();
    expect(stepOne(adagrad, p, [1])).toBeAllClose([0.9], { rtol: 1e-6 });
    expect(Array.from(adagrad.getSlots(p)![0])).toEqual([4]);
  });

  it('rejects bad settings', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new Adagrad({ initialAccumulatorValue: -1 }), /^Adagrad: initialAccumulatorValue must be a non-negative number\. Received: initialAccumulatorValue=-1\.$/],
      [() => new Adagrad({ epsilon: -1 }), /^Adagrad: epsilon must be a non-negative number\./],
      [() => new Adadelta({ rho: 1 }), /^Adadelta: rho must be a number in \[0, 1\)\. Received: rho=1\.$/],
      [() => new Adadelta({ epsilon: 0 }), /^Adadelta: epsilon must be a positive number\. Received: epsilon=0\.$/],
      [() => new Adamax({ beta1: 1 }), /^Adamax: beta1 must be a number in \[0, 1\)\./],
      [() => new Adamax({ beta2: -0.5 }), /^Adamax: beta2 must be a number in \[0, 1\)\./],
      [() => new Nadam({ epsilon: NaN }), /^Nadam: epsilon must be a positive number\. Received: epsilon=NaN\.$/],
      [() => new Nadam({ learningRate: 0 }), /^Nadam: learningRate must be a positive number\./],
      [() => new AdamW({ weightDecay: -0.1 }), /^AdamW: weightDecay must be a non-negative number\. Received: weightDecay=-0\.1\.$/],
      [() => new AdamW({ beta1: 2 }), /^AdamW: beta1 must be a number in \[0, 1\)\./],
      [() => new Adam({ amsgrad: 1 as unknown as boolean }), /^Adam: amsgrad must be true or false\. Received: amsgrad=1\.$/],
      [() => new SGD({ clipnorm: 0 }), /^SGD: clipnorm must be a positive number\. Received: clipnorm=0\.$/],
      [() => new RMSprop({ clipvalue: -1 }), /^RMSprop: clipvalue must be a positive number\./],
      [() => new Adagrad({ globalClipnorm: Infinity }), /^Adagrad: globalClipnorm must be a positive number\./],
      [() => new Adam({ clipnorm: 1, clipvalue: 1 }), /^Adam: only one of clipnorm, clipvalue and globalClipnorm can be set\. Received: clipnorm=1, clipvalue=1\.$/],
      [() => new Nadam({ clipnorm: 1, globalClipnorm: 2 }), /^Nadam: only one of clipnorm, clipvalue and globalClipnorm can be set\./],
      [() => new Adamax({ weight_decay: 0.1 } as never), /^Adamax: "weight_decay" is not an option of Adamax\. Did you mean "weightDecay"\?/],
      [() => new Adagrad({ initial_accumulator_value: 0.1 } as never), /Did you mean "initialAccumulatorValue"\?/],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(LayerwiseError);
      expect(make).toThrow(message);
    }
  });
});

describe('Nadam resumes its momentum-cache product from the step count', () => {
  it('an optimizer whose iterations were set (as a loaded model) steps as the one that ran', () => {
    const run = new Nadam({ learningRate: 0.05 });
    const p = param([1, -1]);
    for (const g of [[0.5, 1], [-1, 0.25], [2, -2]]) stepOne(run, p, g);
    const resumed = new Nadam({ learningRate: 0.05 });
    const q = param(Array.from(p.value.data));
    resumed.iterations = run.iterations;
    resumed.setSlots(q, run.getSlots(p)!);
    expect(stepOne(resumed, q, [0.75, 0.5])).toEqual(stepOne(run, p, [0.75, 0.5]));
  });
});
