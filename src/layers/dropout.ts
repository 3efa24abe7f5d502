import { dropoutMask, multiply } from '../tensor/kernels';
import { rngFor, type Rng } from '../tensor/random';
import type { Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /** Seed of this layer's mask generator; without it, one is drawn from the global stream. */
  seed?: number;
}

/**
 * Inverted dropout: in training, each input is zeroed with probability `rate` and the rest are
 * scaled by 1 / (1 − rate); in inference the layer is the identity.
 */
export class Dropout extends Layer {
  static override readonly className = 'Dropout';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { rate: required('number', 'a number in [0, 1)'), seed: optional('seed') };
  static override readonly positional = 'rate';

  readonly rate: number;
  readonly seed?: number;
  private readonly rng: Rng;
  /** The scale applied to each input in the last training batch (0 or 1 / (1 − rate)). */
  private mask?: Tensor;

  /** `new Dropout({ rate: 0.5, seed: 1 })`, or `new Dropout(0.5)` (as Keras's `Dropout(0.5)`). */
  constructor(options: DropoutOptions | number) {
    super(options as LayerOptions);
    const { rate, seed } = this.given as DropoutOptions;
    if (!(rate >= 0 && rate < 1)) {
      throw new LayerwiseError(`${this.name}: rate must be a number in [0, 1). Received: rate=${rate}.`);
    }
    this.rate = rate;
    this.seed = seed;
    this.rng = rngFor(seed);
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!training || this.rate === 0) {
      this.mask = undefined;
      return x;
    }
    const mask = this.buffer('mask', x.shape);
    const y = this.buffer('y', x.shape);
    dropoutMask(mask.data, this.rate, () => this.rng.uniform());
    multiply(x.data, mask.data, y.data);
    this.mask = mask;
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.mask) return dy;
    const dx = this.buffer('dx', dy.shape);
    multiply(dy.data, this.mask.data, dx.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), rate: this.rate };
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}
