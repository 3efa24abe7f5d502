import { describe, expect, it } from 'vitest';
import { Adam, fromArray, getOptimizer, LayerwiseError, OPTIMIZER_CLASSES, RMSprop, SGD, type Optimizer, type Param } from 'layerwise';

function param(value: number[], grad: number[], trainable = true, name = 'dense_1/kernel'): Param {
  return { name, value: fromArray(value), grad: fromArray(grad), trainable };
}

/** Sets the gradient, then takes one step. */
function stepWith(optimizer: Optimizer, p: Param, grad: number[]): number[] {
  p.grad.data.set(grad);
  optimizer.step([p]);
  return Array.from(p.value.data);
}

describe('SGD', () => {
  it('plain: w ← w − lr · g', () => {
    const p = param([1, -2], [0.5, -1]);
    const sgd = new SGD({ learningRate: 0.1 });
    // w = [1 − 0.05, −2 + 0.1].
    expect(stepWith(sgd, p, [0.5, -1])).toBeAllClose([0.95, -1.9], { rtol: 1e-6 });
    // w = [0.95 + 0.1, −1.9 − 0.05].
    expect(stepWith(sgd, p, [-1, 0.5])).toBeAllClose([1.05, -1.95], { rtol: 1e-6 });
    expect(sgd.iterations).toBe(2);
  });

  it('momentum 0.9, Keras rule: v ← m · v − lr · g; w ← w + v', () => {
    const p = param([1, -2], [0, 0]);
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9 });
    // Step 1, g = [0.5, −1]: v = −0.1 · g = [−0.05, 0.1]; w = [0.95, −1.9].
    expect(stepWith(sgd, p, [0.5, -1])).toBeAllClose([0.95, -1.9], { rtol: 1e-6 });
    // Step 2, g = [−1, 0.5]: v = 0.9 · [−0.05, 0.1] − 0.1 · [−1, 0.5] = [0.055, 0.04];
    // w = [0.95 + 0.055, −1.9 + 0.04] = [1.005, −1.86].
    expect(stepWith(sgd, p, [-1, 0.5])).toBeAllClose([1.005, -1.86], { rtol: 1e-6 });
  });

  it('momentum 0.9 with the same gradient twice', () => {
    const p = param([1, -2], [0, 0]);
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9 });
    stepWith(sgd, p, [0.5, -1]);
    // v = 0.9 · [−0.05, 0.1] − [0.05, −0.1] = [−0.095, 0.19]; w = [0.95 − 0.095, −1.9 + 0.19].
    expect(stepWith(sgd, p, [0.5, -1])).toBeAllClose([0.855, -1.71], { rtol: 1e-6 });
  });

  it('nesterov: v ← m · v − lr · g; w ← w + m · v − lr · g', () => {
    const p = param([1, -2], [0, 0]);
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true });
    // Step 1, g = [0.5, −1]: v = [−0.05, 0.1]; w += 0.9 · v − 0.1 · g = [−0.095, 0.19] → [0.905, −1.81].
    expect(stepWith(sgd, p, [0.5, -1])).toBeAllClose([0.905, -1.81], { rtol: 1e-6 });
    // Step 2, g = [−1, 0.5]: v = [0.055, 0.04]; w += 0.9 · v − 0.1 · g = [0.1495, −0.014] → [1.0545, −1.824].
    expect(stepWith(sgd, p, [-1, 0.5])).toBeAllClose([1.0545, -1.824], { rtol: 1e-6 });
  });

  it('keeps one velocity per parameter', () => {
    const a = param([1], [1], true, 'a');
    const b = param([1], [-1], true, 'b');
    const sgd = new SGD({ learningRate: 0.1, momentum: 0.5 });
    sgd.step([a, b]);
    sgd.step([a, b]);
    // a: v = −0.1, then 0.5 · −0.1 − 0.1 = −0.15: w = 1 − 0.1 − 0.15 = 0.75. b mirrors it.
    expect(a.value.data[0]).toBeCloseTo(0.75, 6);
    expect(b.value.data[0]).toBeCloseTo(1.25, 6);
    expect(sgd.iterations).toBe(2);
  });

  it('reads the learning rate on every step', () => {
    const p = param([1], [1]);
    const sgd = new SGD({ learningRate: 0.1 });
    sgd.step([p]);
    sgd.learningRate = 0.5;
    sgd.step([p]);
    // 1 − 0.1 − 0.5.
    expect(p.value.data[0]).toBeCloseTo(0.4, 6);
  });

  it('leaves non-trainable parameters untouched', () => {
    const frozen = param([1, 2], [5, 5], false, 'frozen');
    const live = param([1, 2], [5, 5], true, 'live');
    for (const optimizer of [new SGD({ learningRate: 0.1, momentum: 0.9 }), new Adam()]) {
      optimizer.step([frozen, live]);
      optimizer.step([frozen, live]);
      expect(Array.from(frozen.value.data)).toEqual([1, 2]);
    }
    expect(live.value.data[0]).toBeLessThan(1);
  });

  it('does not change the gradient', () => {
    const p = param([1, 2], [0.5, -0.5]);
    new SGD({ momentum: 0.9 }).step([p]);
    expect(Array.from(p.grad.data)).toEqual([0.5, -0.5]);
  });

  it('rejects an invalid learning rate or momentum', () => {
    for (const learningRate of [0, -0.1, NaN, Infinity]) {
      expect(() => new SGD({ learningRate })).toThrow(LayerwiseError);
      expect(() => new SGD({ learningRate })).toThrow(new RegExp(`^SGD: learningRate must be a positive number\\. Received: learningRate=${learningRate}\\.$`));
    }
    expect(() => new SGD({ learningRate: '0.1' as unknown as number })).toThrow(/SGD: learningRate must be a positive number/);
    for (const momentum of [1, 1.5, -0.1, NaN]) {
      expect(() => new SGD({ momentum })).toThrow(new RegExp(`^SGD: momentum must be a number in \\[0, 1\\)\\. Received: momentum=${momentum}\\.$`));
    }
  });

  it('reports its config', () => {
    expect(new SGD({ learningRate: 0.2, momentum: 0.9, nesterov: true }).getConfig()).toEqual({ learningRate: 0.2, momentum: 0.9, nesterov: true });
  });
});

describe('Adam', () => {
  /** Adam in float64, as the doc comment writes it (Keras's form of the bias correction). */
  function referenceAdam(w: number[], grads: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-7): number[] {
    const m = w.map(() => 0);
    const v = w.map(() => 0);
    const out = [...w];
    grads.forEach((g, step) => {
      const t = step + 1;
      const lrT = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
      for (let i = 0; i < out.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        out[i] -= (lrT * m[i]) / (Math.sqrt(v[i]) + eps);
      }
    });
    return out;
  }

  it('moves each weight by about lr · sign(g) on the first step, whatever the gradient scale', () => {
    // Step 1: m = 0.1 g, v = 0.001 g², lr_t = lr · sqrt(0.001) / 0.1, so the step is
    // lr · |g| sqrt(0.001) / (|g| sqrt(0.001) + ε) ≈ lr: within lr · ε / (|g| sqrt(0.001)) ≤ 7e-7
    // for |g| ≥ 0.5. A zero gradient gives m = 0 and no step.
    const p = param([1, -2, 0.5, 3], [0.5, -1, 0, 100]);
    new Adam({ learningRate: 0.1 }).step([p]);
    expect(Array.from(p.value.data)).toBeAllClose([0.9, -1.9, 0.5, 2.9], { rtol: 0, atol: 1e-6 });
  });

  it('matches the formula for two steps', () => {
    const w = [1, -2, 0.5];
    const g1 = [0.5, -1, 2];
    const g2 = [-0.25, -0.5, 3];
    const p = param(w, g1);
    const adam = new Adam({ learningRate: 0.01 });
    expect(stepWith(adam, p, g1)).toBeAllClose(referenceAdam(w, [g1], 0.01), { rtol: 1e-6 });
    expect(stepWith(adam, p, g2)).toBeAllClose(referenceAdam(w, [g1, g2], 0.01), { rtol: 1e-6 });
    expect(adam.iterations).toBe(2);
  });

  it('matches the formula for other betas and epsilon', () => {
    const w = [0.3, -0.7];
    const grads = [[1, 2], [0.5, -1], [0.1, 0.1]];
    const p = param(w, [0, 0]);
    const adam = new Adam({ learningRate: 0.05, beta1: 0.5, beta2: 0.9, epsilon: 1e-3 });
    for (const g of grads) stepWith(adam, p, g);
    expect(Array.from(p.value.data)).toBeAllClose(referenceAdam(w, grads, 0.05, 0.5, 0.9, 1e-3), { rtol: 1e-6 });
  });

  it('counts one iteration per step however many parameters there are', () => {
    const a = param([1], [1], true, 'a');
    const b = param([2], [-1], true, 'b');
    const adam = new Adam({ learningRate: 0.1 });
    adam.step([a, b]);
    adam.step([a, b]);
    expect(adam.iterations).toBe(2);
    // Both follow the single-parameter formula with t = 1, 2.
    expect(a.value.data[0]).toBeCloseTo(referenceAdam([1], [[1], [1]], 0.1)[0], 6);
    expect(b.value.data[0]).toBeCloseTo(referenceAdam([2], [[-1], [-1]], 0.1)[0], 6);
  });

  it('rejects an invalid learning rate', () => {
    expect(() => new Adam({ learningRate: -0.1 })).toThrow(/^Adam: learningRate must be a positive number\. Received: learningRate=-0\.1\.$/);
    expect(() => new Adam({ learningRate: 0 })).toThrow(/Adam: learningRate must be a positive number/);
  });

  it('reports its config', () => {
    expect(new Adam().getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  });
});

describe('getOptimizer', () => {
  it("'sgd' is SGD with Keras's defaults", () => {
    for (const key of ['sgd', 'SGD'] as const) {
      const optimizer = getOptimizer(key);
      expect(optimizer).toBeInstanceOf(SGD);
      expect(optimizer.className).toBe('SGD');
      expect(optimizer.getConfig()).toEqual({ learningRate: 0.01, momentum: 0, nesterov: false });
    }
  });

  it("'adam' is Adam with Keras's defaults", () => {
    for (const key of ['adam', 'Adam'] as const) {
      const optimizer = getOptimizer(key);
      expect(optimizer).toBeInstanceOf(Adam);
      expect(optimizer.className).toBe('Adam');
      expect(optimizer.getConfig()).toEqual({ learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
    }
  });

  it('makes a fresh optimizer for each key lookup and returns instances unchanged', () => {
    expect(getOptimizer('sgd')).not.toBe(getOptimizer('sgd'));
    const sgd = new SGD({ learningRate: 0.3 });
    expect(getOptimizer(sgd)).toBe(sgd);
  });

  it('rejects an unknown key, suggesting the nearest', () => {
    expect(() => getOptimizer('adamm' as 'adam')).toThrow(/^Unknown optimizer "adamm" in compile\. Did you mean "adam"\? Known: "sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "adamw"\.$/);
    expect(() => getOptimizer('lion' as 'adam', 'my_model')).toThrow(/Unknown optimizer "lion" in my_model\./);
  });
});

describe('optimizer options are checked against what each constructor takes', () => {
  it("unknown keys fail, suggesting the option: Keras 2's lr, Keras 3's snake_case", () => {
    expect(() => new SGD({ lr: 0.5 } as never)).toThrow(LayerwiseError);
    expect(() => new SGD({ lr: 0.5 } as never)).toThrow(/^SGD: "lr" is not an option of SGD\. Did you mean "learningRate"\? Its options: learningRate, momentum, nesterov, clipnorm, clipvalue, globalClipnorm, weightDecay\.$/);
    expect(() => new Adam({ learning_rate: 0.5 } as never)).toThrow(/^Adam: "learning_rate" is not an option of Adam\. Did you mean "learningRate"\? Its options: learningRate, beta1, beta2, epsilon, amsgrad, clipnorm, clipvalue, globalClipnorm, weightDecay\.$/);
    expect(() => new Adam({ beta_1: 0.8 } as never)).toThrow(/^Adam: "beta_1" is not an option of Adam\. Did you mean "beta1"\?/);
    expect(() => new RMSprop({ decay: 0.9 } as never)).toThrow(/^RMSprop: "decay" is not an option of RMSprop\. Its options: learningRate, rho, momentum, epsilon, centered, clipnorm, clipvalue, globalClipnorm, weightDecay\.$/);
    expect(() => new Adam({ ams_grad: true } as never)).toThrow(/^Adam: "ams_grad" is not an option of Adam\. Did you mean "amsgrad"\?/);
    expect(() => new SGD({ weight_decay: 1e-4 } as never)).toThrow(/^SGD: "weight_decay" is not an option of SGD\. Did you mean "weightDecay"\?/);
  });

  it('a bare number is the learning rate, as in Keras and TF.js', () => {
    expect(new SGD(0.1).learningRate).toBe(0.1);
    expect(new Adam(0.002).getConfig()).toEqual(new Adam({ learningRate: 0.002 }).getConfig());
    expect(new RMSprop(0.01).learningRate).toBe(0.01);
    expect(() => new SGD('0.1' as never)).toThrow(/^SGD: learningRate must be a positive number\. Received: learningRate="0\.1"\.$/);
    expect(() => new SGD(null as never)).toThrow(/^SGD: learningRate must be a positive number\. Received: learningRate=null\.$/);
  });

  it('every value is checked for its type and range', () => {
    expect(() => new SGD({ nesterov: 'yes' } as never)).toThrow(/^SGD: nesterov must be true or false\. Received: nesterov="yes"\.$/);
    expect(() => new SGD({ momentum: '0.9' } as never)).toThrow(/^SGD: momentum must be a number in \[0, 1\)\. Received: momentum="0\.9"\.$/);
    expect(() => new Adam({ epsilon: Infinity })).toThrow(/^Adam: epsilon must be a positive number\. Received: epsilon=Infinity\.$/);
    expect(() => new Adam({ beta1: NaN })).toThrow(/^Adam: beta1 must be a number in \[0, 1\)\. Received: beta1=NaN\.$/);
  });

  it("each class lists its options: its config's keys with every option set (one clipping at a time)", () => {
    for (const cls of OPTIMIZER_CLASSES.values()) {
      const config = new cls({ clipnorm: 1, weightDecay: 0.01, ...(cls.options.includes('amsgrad') ? { amsgrad: true } : {}) }).getConfig();
      expect([...cls.options].sort(), cls.className).toEqual([...Object.keys(config), 'clipvalue', 'globalClipnorm'].sort());
    }
  });
});
