import type { LayerOptions } from './layer';
import type { OptionSpecs } from './options';
import { GlobalPooling, poolingOptions, WindowPooling, type WindowPoolingOptions } from './pooling';

export type Pooling2DOptions = WindowPoolingOptions<number | [number, number]>;

/** Pooling over sliding windows of images [batch, height, width, channels]. */
export abstract class Pooling2D extends WindowPooling {
  static override readonly options: OptionSpecs = poolingOptions(2);
  static override readonly positional = 'poolSize';

  /** `new MaxPooling2D({ poolSize: 3, strides: 2 })`, or `new MaxPooling2D(3)` for the pool size alone. */
  constructor(options: Pooling2DOptions | number | [number, number] = {}) {
    super(2, options);
  }
}

/** The maximum over each window. */
export class MaxPooling2D extends Pooling2D {
  static override readonly className = 'MaxPooling2D';
  protected readonly reduction = 'max';
}

/** The mean over each window (padding not counted). */
export class AveragePooling2D extends Pooling2D {
  static override readonly className = 'AveragePooling2D';
  protected readonly reduction = 'average';
}

/** Pooling over the whole image: [batch, h, w, c] → [batch, c]. */
export abstract class GlobalPooling2D extends GlobalPooling {
  constructor(options: LayerOptions = {}) {
    super(2, options);
  }
}

/** The mean of each channel over the whole image. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  static override readonly className = 'GlobalAveragePooling2D';
  protected readonly reduction = 'average';
}

/** The maximum of each channel over the whole image. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  static override readonly className = 'GlobalMaxPooling2D';
  protected readonly reduction = 'max';
}
