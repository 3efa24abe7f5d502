import { BASE_OPTIONS, checkBoolean, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: LearningRateSpec;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Default 1e-7, as Keras. */
  epsilon?: number;
  /** AMSGrad (Reddi et al., 2018): divide by the largest second moment so far. Default false. */
  amsgrad?: boolean;
}

/**
 * Adam (Kingma and Ba, 2015), with Keras 3's form of the bias correction (keras/src/optimizers/adam.py):
 *   m ← β1 · m + (1 − β1) · g;   v ← β2 · v + (1 − β2) · g²
 *   amsgrad: v̂ ← max(v̂, v), and v̂ takes v's place below
 *   w ← w − lr · √(1 − β2^t) / (1 − β1^t) · m / (√v + ε)
 *
 * TF.js 4.22's `tf.train.adam` corrects the moments instead, w ← w − lr · m̂ / (√v̂ + ε) with
 * m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t): the same update with ε scaled by √(1 − β2^t), so the two
 * differ by a part in ε / √v (nothing for a tiny ε). TF.js has no amsgrad.
 */
export class Adam extends Optimizer {
  // Widened for AdamW, which extends Adam under its own name.
  static override readonly className: 'Adam' | 'AdamW' = 'Adam';
  static override readonly options: readonly string[] = ['learningRate', 'beta1', 'beta2', 'epsilon', 'amsgrad', ...BASE_OPTIONS];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  /** `new Adam({ learningRate: 1e-3, beta1: 0.9 })`, or `new Adam(1e-3)` for the learning rate alone. */
  constructor(options: AdamOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<AdamOptions>(new.target, options);
    const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7, amsgrad = false } = checked;
    super(learningRate, checked);
    this.beta1 = checkNumber(this.className, 'beta1', beta1, 'fraction');
    this.beta2 = checkNumber(this.className, 'beta2', beta2, 'fraction');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'positive');
    this.amsgrad = checkBoolean(this.className, 'amsgrad', amsgrad);
  }

  slotNames(): readonly string[] {
    return this.amsgrad ? ['m', 'v', 'velocity_hat'] : ['m', 'v'];
  }

  protected update(w: Float32Array, g: Float32Array, [m, v, vHat]: Float32Array[]): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations;
    const lr = (this.learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      let second = v[i];
      if (vHat) second = vHat[i] = Math.max(vHat[i], second);
      w[i] -= (lr * m[i]) / (Math.sqrt(second) + eps);
    }
  }

  protected ruleConfig() {
    // amsgrad only when on: files of Adams without it stay as they were.
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, ...(this.amsgrad ? { amsgrad: true } : {}) };
  }
}
