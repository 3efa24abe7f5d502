import { LayerwiseError } from '../util/errors';
import { Optimizer, type OptimizerOptions } from './optimizer';

export interface SGDOptions extends OptimizerOptions {
  /** Default 0.01, as Keras. */
  learningRate?: number;
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
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor({ learningRate = 0.01, momentum = 0, nesterov = false }: SGDOptions = {}) {
    super(learningRate);
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) {
      throw new LayerwiseError(`SGD: momentum must be a number in [0, 1). Received: momentum=${momentum}.`);
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  slotNames(): readonly string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected update(w: Float32Array, g: Float32Array, [v]: Float32Array[]): void {
    const lr = this.learningRate;
    const m = this.momentum;
    if (!v) {
      for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
      return;
    }
    for (let i = 0; i < w.length; i++) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += this.nesterov ? m * v[i] - lr * g[i] : v[i];
    }
  }

  getConfig() {
    return { learningRate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov };
  }
}
