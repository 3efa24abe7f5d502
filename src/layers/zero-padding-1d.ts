import type { Pad2D } from '../tensor/conv';
import type { LayerConfig, LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';
import { BorderLayer, sides1d } from './zero-padding';

export interface ZeroPadding1DOptions extends LayerOptions {
  /** Steps of zeros at the start and the end of each sequence: one number for both, or `[start, end]`. Default 1. */
  padding?: number | [number, number];
}

/** Adds steps of zeros at the start and the end of sequences [batch, steps, channels]. TF.js 4.22 has no ZeroPadding1D. */
export class ZeroPadding1D extends BorderLayer {
  static override readonly className = 'ZeroPadding1D';
  static override readonly options: OptionSpecs = { padding: optional('sides1d') };
  static override readonly positional = 'padding';
  readonly padding: [number, number];
  protected readonly pads: Pad2D;
  protected readonly spatialRank = 1;
  protected readonly crops = false;

  /** `new ZeroPadding1D({ padding: [1, 2] })`, or `new ZeroPadding1D(2)` (as Keras's `ZeroPadding1D(2)`). */
  constructor(options: ZeroPadding1DOptions | NonNullable<ZeroPadding1DOptions['padding']> = {}) {
    super(options as LayerOptions);
    const { padding = 1 } = this.given as ZeroPadding1DOptions;
    this.padding = sides1d(padding, this.name, 'padding');
    this.pads = { top: 0, bottom: 0, left: this.padding[0], right: this.padding[1] };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: [...this.padding] };
  }
}
