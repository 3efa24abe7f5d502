import { BASE_OPTIONS, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';
import type { Param } from '../layers/layer';

export interface NadamOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: LearningRateSpec;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the root of the second moment. Default 1e-7, as Keras. */
  epsilon?: number;
}

/**
 * Nadam (Dozat, 2015): Adam with Nesterov momentum, in Keras 3's form with its momentum-cache
 * product (keras/src/optimizers/nadam.py). At step t:
 *   μ_t = β1 · (1 − 0.5 · 0.96^t);   Π_t = μ_1 · μ_2 · … · μ_t
 *   m ← β1 · m + (1 − β1) · g;   v ← β2 · v + (1 − β2) · g²
 *   m̂ = μ_{t+1} · m / (1 − Π_t · μ_{t+1}) + (1 − μ_t) · g / (1 − Π_t);   v̂ = v / (1 − β2^t)
 *   w ← w − lr · m̂ / (√v̂ + ε)
 * Π_t is a function of t alone, so it is not saved: it is kept as a running product and
 * recomputed from the step count when that changed otherwise (a loaded model, an undone step).
 *
 * TF.js 4.22 has no Nadam, so a model compiled with it keeps its settings in layerwise's metadata only.
 */
export class Nadam extends Optimizer {
  static override readonly className = 'Nadam';
  static override readonly options: readonly string[] = ['learningRate', 'beta1', 'beta2', 'epsilon', ...BASE_OPTIONS];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Π_t for t = `productStep`. */
  private product = 1;
  private productStep = 0;

  /** `new Nadam({ learningRate: 2e-3 })`, or `new Nadam(2e-3)` for the learning rate alone. */
  constructor(options: NadamOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<NadamOptions>(new.target, options);
    const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = checked;
    super(learningRate, checked);
    this.beta1 = checkNumber(this.className, 'beta1', beta1, 'fraction');
    this.beta2 = checkNumber(this.className, 'beta2', beta2, 'fraction');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'positive');
  }

  slotNames(): readonly string[] {
    return ['momentum', 'velocity'];
  }

  /** μ_t. */
  private mu(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** t);
  }

  override step(params: readonly Param[]): void {
    const t = this.iterations + 1;
    if (this.productStep !== t - 1) {
      // The same products in the same order as step by step, so a resumed run is bit-identical.
      this.product = 1;
      for (let s = 1; s < t; s++) this.product *= this.mu(s);
    }
    this.product *= this.mu(t);
    this.productStep = t;
    super.step(params);
  }

  protected update(w: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations;
    const muT = this.mu(t);
    const muNext = this.mu(t + 1);
    const momentumScale = muNext / (1 - this.product * muNext);
    const gradientScale = (1 - muT) / (1 - this.product);
    const correction = 1 - b2 ** t;
    const lr = this.learningRate;
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mHat = momentumScale * m[i] + gradientScale * g[i];
      w[i] -= (lr * mHat) / (Math.sqrt(v[i] / correction) + eps);
    }
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
