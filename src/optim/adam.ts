import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { Optimizer, optimizerOptions, type OptimizerOptions } from './optimizer';

export interface AdamOptions extends OptimizerOptions {
  /** Default 0.001, as Keras. */
  learningRate?: number;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Default 1e-7, as Keras. */
  epsilon?: number;
}

/**
 * Adam (Kingma and Ba, 2015), with Keras's form of the bias correction:
 *   m ← β1 · m + (1 − β1) · g;   v ← β2 · v + (1 − β2) · g²
 *   w ← w − lr · √(1 − β2^t) / (1 − β1^t) · m / (√v + ε)
 */
export class Adam extends Optimizer {
  static override readonly className = 'Adam';
  static override readonly options: readonly string[] = ['learningRate', 'beta1', 'beta2', 'epsilon'];
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  /** `new Adam({ learningRate: 1e-3, beta1: 0.9 })`, or `new Adam(1e-3)` for the learning rate alone. */
  constructor(options: AdamOptions | number = {}) {
    const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = optimizerOptions<AdamOptions>(new.target, options);
    super(learningRate);
    for (const [name, value] of Object.entries({ beta1, beta2 })) {
      if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
        throw new LayerwiseError(`Adam: ${name} must be a number in [0, 1). Received: ${name}=${describeValue(value)}.`);
      }
    }
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
      throw new LayerwiseError(`Adam: epsilon must be a positive number. Received: epsilon=${describeValue(epsilon)}.`);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
  }

  slotNames(): readonly string[] {
    return ['m', 'v'];
  }

  protected update(w: Float32Array, g: Float32Array, [m, v]: Float32Array[]): void {
    const { beta1: b1, beta2: b2, epsilon: eps } = this;
    const t = this.iterations;
    const lr = (this.learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < w.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (lr * m[i]) / (Math.sqrt(v[i]) + eps);
    }
  }

  getConfig() {
    return { learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
