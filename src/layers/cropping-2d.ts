import type { Pad2D } from '../tensor/conv';
import type { LayerConfig, LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';
import { BorderLayer, sides2d } from './zero-padding';

export interface Cropping2DOptions extends LayerOptions {
  /**
   * Rows and columns to remove at the borders of each image: one number for all sides,
   * `[rows, cols]` for symmetric cropping, or `[[top, bottom], [left, right]]`. Default 0.
   */
  cropping?: number | [number, number] | [[number, number], [number, number]];
}

/** Removes rows and columns at the borders of channels-last images. */
export class Cropping2D extends BorderLayer {
  static override readonly className = 'Cropping2D';
  static override readonly options: OptionSpecs = { cropping: optional('zeroPadding2d') };
  static override readonly channelsLast = true;
  static override readonly positional = 'cropping';
  readonly cropping: [[number, number], [number, number]];
  protected readonly pads: Pad2D;
  protected readonly spatialRank = 2;
  protected readonly crops = true;

  /** `new Cropping2D({ cropping: [[1, 0], [2, 2]] })`, or `new Cropping2D(1)` (as Keras's `Cropping2D(1)`). */
  constructor(options: Cropping2DOptions | NonNullable<Cropping2DOptions['cropping']> = {}) {
    super(options as LayerOptions);
    const { cropping = 0 } = this.given as Cropping2DOptions;
    this.cropping = sides2d(cropping, this.name, 'cropping');
    const [[top, bottom], [left, right]] = this.cropping;
    this.pads = { top, bottom, left, right };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => [...p]) };
  }
}
