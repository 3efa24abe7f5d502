import type { Pad2D } from '../tensor/conv';
import type { LayerConfig, LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';
import { BorderLayer, sides1d } from './zero-padding';

export interface Cropping1DOptions extends LayerOptions {
  /** Steps to remove at the start and the end of each sequence: one number for both, or `[start, end]`. Default [1, 1]. */
  cropping?: number | [number, number];
}

/** Removes steps at the start and the end of sequences [batch, steps, channels]. TF.js 4.22 has no Cropping1D. */
export class Cropping1D extends BorderLayer {
  static override readonly className = 'Cropping1D';
  static override readonly options: OptionSpecs = { cropping: optional('sides1d') };
  static override readonly positional = 'cropping';
  readonly cropping: [number, number];
  protected readonly pads: Pad2D;
  protected readonly spatialRank = 1;
  protected readonly crops = true;

  /** `new Cropping1D({ cropping: [1, 2] })`, or `new Cropping1D(2)` (as Keras's `Cropping1D(2)`). */
  constructor(options: Cropping1DOptions | NonNullable<Cropping1DOptions['cropping']> = {}) {
    super(options as LayerOptions);
    const { cropping = 1 } = this.given as Cropping1DOptions;
    this.cropping = sides1d(cropping, this.name, 'cropping');
    this.pads = { top: 0, bottom: 0, left: this.cropping[0], right: this.cropping[1] };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: [...this.cropping] };
  }
}
