import { Dropout, type DropoutOptions } from './dropout';
import { optional, required, type OptionSpecs } from './options';

export type GaussianDropoutOptions = Omit<DropoutOptions, 'noiseShape'>;

/**
 * Multiplicative Gaussian noise centred on 1: in training y = x · n with n ~ N(1, rate / (1 − rate))
 * drawn afresh for every input, the variance of Dropout with that rate; in inference the identity.
 */
export class GaussianDropout extends Dropout {
  static override readonly className = 'GaussianDropout';
  static override readonly options: OptionSpecs = { rate: required('number', 'a number in [0, 1)'), seed: optional('seed') };

  /** `new GaussianDropout({ rate: 0.2, seed: 1 })`, or `new GaussianDropout(0.2)`. */
  constructor(options: GaussianDropoutOptions | number) {
    super(options);
  }

  protected override drawScales(scales: Float32Array): void {
    const stddev = Math.sqrt(this.rate / (1 - this.rate));
    for (let i = 0; i < scales.length; i++) scales[i] = 1 + stddev * this.rng.normal();
  }
}
