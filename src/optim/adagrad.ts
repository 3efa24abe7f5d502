import { BASE_OPTIONS, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface AdagradOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: LearningRateSpec;
  /** The accumulators' starting value, non-negative. Default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the accumulator under the square root. Default 1e-7, as Keras. */
  epsilon?: number;
}

/**
 * Adagrad (Duchi et al., 2011) with Keras 3's update rule (keras/src/optimizers/adagrad.py):
 *   a ← a + g²                 (a starts at initialAccumulatorValue)
 *   w ← w − lr · g / √(a + ε)
 *
 * TF.js 4.22's `tf.train.adagrad(learningRate, initialAccumulatorValue)` computes the same with ε
 * fixed at its backend's epsilon (1e-7 on float32 backends, Keras's default), and has no epsilon
 * setting: the two agree for ε = 1e-7, so only such an Adagrad is written as TF.js's.
 */
export class Adagrad extends Optimizer {
  static override readonly className = 'Adagrad';
  static override readonly options: readonly string[] = ['learningRate', 'initialAccumulatorValue', 'epsilon', ...BASE_OPTIONS];
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  /** `new Adagrad({ learningRate: 0.01 })`, or `new Adagrad(0.01)` for the learning rate alone. */
  constructor(options: AdagradOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<AdagradOptions>(new.target, options);
    const { learningRate = 0.001, initialAccumulatorValue = 0.1, epsilon = 1e-7 } = checked;
    super(learningRate, checked);
    this.initialAccumulatorValue = checkNumber(this.className, 'initialAccumulatorValue', initialAccumulatorValue, 'nonNegative');
    this.epsilon = checkNumber(this.className, 'epsilon', epsilon, 'nonNegative');
  }

  slotNames(): readonly string[] {
    return ['accumulator'];
  }

  protected override initialSlotValue(): number {
    return this.initialAccumulatorValue;
  }

  protected update(w: Float32Array, g: Float32Array, [a]: Float32Array[]): void {
    const lr = this.learningRate;
    const eps = this.epsilon;
    for (let i = 0; i < w.length; i++) {
      a[i] += g[i] * g[i];
      w[i] -= (lr * g[i]) / Math.sqrt(a[i] + eps);
    }
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
