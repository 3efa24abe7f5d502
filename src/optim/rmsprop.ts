import { BASE_OPTIONS, checkBoolean, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface RMSpropOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: LearningRateSpec;
  /** Decay of the moving average of squared gradients, in [0, 1). Default 0.9. */
  rho?: number;
  /** Momentum of the increments, in [0, 1); 0 (default) applies each increment directly. */
  momentum?: number;
  /** Added to the mean square under the square root. Default 1e-7, as Keras. */
  epsilon?: number;
  /** Divide by the estimated variance (mean square minus squared mean gradient) instead of the mean square. */
  centered?: boolean;
}

/**
 * RMSprop (Hinton, 2012) with Keras 3's update rule:
 *   v ← ρ · v + (1 − ρ) · g²
 *   centered: ḡ ← ρ · ḡ + (1 − ρ) · g, and d = v − ḡ² + ε;  otherwise d = v + ε
 *   Δ = lr · g / √d
 *   w ← w − Δ                    (momentum 0)
 *   μ ← momentum · μ + Δ; w ← w − μ   (momentum > 0)
 *
 * TF.js 4.22's `tf.train.rmsprop` computes the same without centering. Centered, it takes
 * √(v − (ḡ² + ε)), subtracting ε, which gives NaN once the variance estimate falls below ε: the
 * two agree only for a tiny ε. Keras 2 (tf.keras's optimizer_v2) added ε after the square root.
 */
export class RMSprop extends Optimizer {
  static override readonly className = 'RMSprop';
  static override readonly options: readonly string[] = ['learningRate', 'rho', 'momentum', 'epsilon', 'centered', ...BASE_OPTIONS];
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  /** `new RMSprop({ learningRate: 1e-3, rho: 0.9 })`, or `new RMSprop(1e-3)` for the learning rate alone. */
  constructor(options: RMSpropOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<RMSpropOptions>(new.target, options);
    const { learningRate = 0.001, rho = 0.9, momentum = 0, epsilon = 1e-7, centered = false } = checked;
    super(learningRate, checked);
    this.rho = checkNumber(this.className, 'rho', rho, 'fraction');
    this.momentum = checkNumber(this.className, 'momentum', momentum, 'fraction');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'nonNegative');
    this.centered = checkBoolean(this.className, 'centered', centered);
  }

  slotNames(): readonly string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['average_gradient'] : [])];
  }

  protected update(w: Float32Array, g: Float32Array, slots: Float32Array[]): void {
    const { rho, momentum, epsilon: eps, centered } = this;
    const lr = this.learningRate;
    const [v] = slots;
    const mu = momentum > 0 ? slots[1] : undefined;
    const avg = centered ? slots[slots.length - 1] : undefined;
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      v[i] = rho * v[i] + (1 - rho) * gi * gi;
      let d = v[i] + eps;
      if (avg) {
        avg[i] = rho * avg[i] + (1 - rho) * gi;
        d -= avg[i] * avg[i];
      }
      const step = (lr * gi) / Math.sqrt(d);
      if (mu) {
        mu[i] = momentum * mu[i] + step;
        w[i] -= mu[i];
      } else w[i] -= step;
    }
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
