import { BASE_OPTIONS, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface AdamaxOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: LearningRateSpec;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the infinity norm, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to the norm. Default 1e-7, as Keras. */
  epsilon?: number;
}

/**
 * Adamax (Kingma and Ba, 2015, section 7.1) with Keras 3's update rule (keras/src/optimizers/adamax.py):
 *   m ← β1 · m + (1 − β1) · g;   u ← max(β2 · u, |g|)
 *   w ← w − lr / (1 − β1^t) · m / (u + ε)
 *
 * TF.js 4.22's `tf.train.adamax(learningRate, beta1, beta2, epsilon, decay)` computes the same when
 * its `decay` is 0 (its default; otherwise its learning rate falls as lr / (1 + decay · (t − 1)),
 * which Keras 3 and layerwise do not do: a TF.js file's `decay` is ignored).
 */
export class Adamax extends Optimizer {
  static override readonly className = 'Adamax';
  static override readonly options: readonly string[] = ['learningRate', 'beta1', 'beta2', 'epsilon', ...BASE_OPTIONS];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /** `new Adamax({ learningRate: 2e-3 })`, or `new Adamax(2e-3)` for the learning rate alone. */
  constructor(options: AdamaxOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<AdamaxOptions>(new.target, options);
    const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = checked;
    super(learningRate, checked);
    this.beta1 = checkNumber(this.className, 'beta1', beta1, 'fraction');
    this.beta2 = checkNumber(this.className, 'beta2', beta2, 'fraction');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'positive');
  }

  slotNames(): readonly string[] {
    return ['momentum', 'norm'];
  }

  protected update(w: Float32Array, g: Float32Array, [m, u]: Float32Array[]): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const lr = this.learningRate / (1 - b1 ** this.iterations);
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      u[i] = Math.max(b2 * u[i], Math.abs(g[i]));
      w[i] -= (lr * m[i]) / (u[i] + eps);
    }
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
