import type { LayerConfig, LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';
import { UpSampling } from './up-sampling-2d';

export interface UpSampling1DOptions extends LayerOptions {
  /** How many times each step is repeated. Default 2. */
  size?: number;
}

/** Repeats each step of sequences [batch, steps, channels] `size` times. TF.js 4.22 has no UpSampling1D. */
export class UpSampling1D extends UpSampling {
  static override readonly className = 'UpSampling1D';
  static override readonly options: OptionSpecs = { size: optional('positiveInteger') };
  static override readonly positional = 'size';
  readonly size: number;
  protected readonly factors: number[];
  protected readonly rank = 1;
  protected readonly interpolationMode = 'nearest';

  /** `new UpSampling1D({ size: 3 })`, or `new UpSampling1D(3)`. */
  constructor(options: UpSampling1DOptions | number = {}) {
    super(options as LayerOptions);
    const { size = 2 } = this.given as UpSampling1DOptions;
    this.size = size;
    this.factors = [size];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: this.size };
  }
}
