import { BASE_OPTIONS, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface AdadeltaOptions extends OptimizerOptions {
  /** Default 0.001, as Keras (1.0 is the paper's form). */
  learningRate?: LearningRateSpec;
  /** Decay of both moving averages, in [0, 1). Default 0.95. */
  rho?: number;
  /** Added under both square roots. Default 1e-7, as Keras. */
  epsilon?: number;
}

/**
 * Adadelta (Zeiler, 2012) with Keras 3's update rule (keras/src/optimizers/adadelta.py):
 *   a ← ρ · a + (1 − ρ) · g²
 *   Δ = −√(d + ε) / √(a + ε) · g          (the updated a, the previous d)
 *   d ← ρ · d + (1 − ρ) · Δ²
 *   w ← w + lr · Δ
 *
 * TF.js 4.22's `tf.train.adadelta` divides by √(a + ε) of the previous step's accumulator, before
 * this step's g² enters it: another rule (its first step is lr · √ε / √ε · g = lr · g where Keras's
 * is lr · √ε / √((1 − ρ)g² + ε) · g). So an Adadelta is never written as TF.js's; a TF.js file's
 * Adadelta settings load, and layerwise goes on with Keras's rule.
 */
export class Adadelta extends Optimizer {
  static override readonly className = 'Adadelta';
  static override readonly options: readonly string[] = ['learningRate', 'rho', 'epsilon', ...BASE_OPTIONS];
  readonly rho: number;
  readonly epsilon: number;

  /** `new Adadelta({ learningRate: 1, rho: 0.95 })`, or `new Adadelta(1)` for the learning rate alone. */
  constructor(options: AdadeltaOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<AdadeltaOptions>(new.target, options);
    const { learningRate = 0.001, rho = 0.95, epsilon = 1e-7 } = checked;
    super(learningRate, checked);
    this.rho = checkNumber(this.className, 'rho', rho, 'fraction');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'positive');
  }

  slotNames(): readonly string[] {
    return ['accumulated_grad', 'accumulated_delta_var'];
  }

  protected update(w: Float32Array, g: Float32Array, [a, d]: Float32Array[]): void {
    const { rho, epsilon: eps } = this;
    const lr = this.learningRate;
    for (let i = 0; i < w.length; i++) {
      a[i] = rho * a[i] + (1 - rho) * g[i] * g[i];
      const delta = (-Math.sqrt(d[i] + eps) / Math.sqrt(a[i] + eps)) * g[i];
      d[i] = rho * d[i] + (1 - rho) * delta * delta;
      w[i] += lr * delta;
    }
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }
}
