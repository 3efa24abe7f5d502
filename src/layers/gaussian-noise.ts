import { rngFor, type Rng } from '../tensor/random';
import type { Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';

export interface GaussianNoiseOptions extends LayerOptions {
  /** Standard deviation of the noise, a finite number ≥ 0. */
  stddev: number;
  /** Seed of this layer's noise generator; without it, one is drawn from the global stream. */
  seed?: number;
}

/**
 * Additive zero-centred Gaussian noise, a regularizer and a data augmentation: in training
 * y = x + n with n ~ N(0, stddev²) drawn afresh for every input; in inference the identity. The
 * gradient passes through unchanged.
 */
export class GaussianNoise extends Layer {
  static override readonly className = 'GaussianNoise';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { stddev: required('number', 'a finite number ≥ 0'), seed: optional('seed') };
  static override readonly positional = 'stddev';

  readonly stddev: number;
  readonly seed?: number;
  private readonly rng: Rng;

  /** `new GaussianNoise({ stddev: 0.1, seed: 1 })`, or `new GaussianNoise(0.1)`. */
  constructor(options: GaussianNoiseOptions | number) {
    super(options as LayerOptions);
    const { stddev, seed } = this.given as GaussianNoiseOptions;
    if (!(stddev >= 0 && stddev < Infinity)) {
      throw new LayerwiseError(`${this.name}: stddev must be a finite number ≥ 0. Received: stddev=${stddev}.`);
    }
    this.stddev = stddev;
    this.seed = seed;
    this.rng = rngFor(seed);
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!training || this.stddev === 0) return x;
    const y = this.buffer('y', x.shape);
    for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] + this.stddev * this.rng.normal();
    return y;
  }

  backward(dy: Tensor): Tensor {
    return dy;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), stddev: this.stddev };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}
