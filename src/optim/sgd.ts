import { kernels } from '../tensor/backend';
import { BASE_OPTIONS, checkBoolean, checkNumber, Optimizer, optimizerOptions, type OptimizerOptions, type LearningRateSpec } from './optimizer';
import type { LearningRateSchedule } from './schedules';

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01, as Keras. */
  learningRate?: LearningRateSpec;
  /** Velocity decay in [0, 1); 0 is plain gradient descent. */
  momentum?: number;
  /** Nesterov momentum. */
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with Keras's update rule:
 *   v ← momentum · v − lr · g
 *   w ← w + v                          (classic)
 *   w ← w + momentum · v − lr · g      (nesterov)
 */
export class SGD extends Optimizer {
  static override readonly className = 'SGD';
  static override readonly options: readonly string[] = ['learningRate', 'momentum', 'nesterov', ...BASE_OPTIONS];
  readonly momentum: number;
  readonly nesterov: boolean;

  /** `new SGD({ learningRate: 0.1, momentum: 0.9 })`, or `new SGD(0.1)` for the learning rate alone. */
  constructor(options: SGDOptions | number | LearningRateSchedule = {}) {
    const checked = optimizerOptions<SGDOptions>(new.target, options);
    const { learningRate = 0.01, momentum = 0, nesterov = false } = checked;
    super(learningRate, checked);
    this.momentum = checkNumber(this.className, 'momentum', momentum, 'fraction');
    this.nesterov = checkBoolean(this.className, 'nesterov', nesterov);
  }

  slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  /** The rule runs in the backend's kernels (`sgd`: a SIMD loop in wasm, the same bits as the TypeScript one). */
  protected update(w: Float32Array, g: Float32Array, [v]: Float32Array[]): void {
    kernels().sgd(w, g, v, this.learningRate, this.momentum, this.nesterov);
  }

  protected ruleConfig() {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}
