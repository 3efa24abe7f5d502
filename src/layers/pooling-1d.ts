import type { LayerOptions } from './layer';
import type { OptionSpecs } from './options';
import { GlobalPooling, poolingOptions, WindowPooling, type WindowPoolingOptions } from './pooling';

export type Pooling1DOptions = WindowPoolingOptions<number | [number]>;

/** Pooling over sliding windows of sequences [batch, steps, channels]. */
export abstract class Pooling1D extends WindowPooling {
  static override readonly options: OptionSpecs = poolingOptions(1);
  static override readonly positional = 'poolSize';

  /** `new MaxPooling1D({ poolSize: 3, strides: 2 })`, or `new MaxPooling1D(3)` for the pool size alone. */
  constructor(options: Pooling1DOptions | number | [number] = {}) {
    super(1, options);
  }
}

/** The maximum over each window. */
export class MaxPooling1D extends Pooling1D {
  static override readonly className = 'MaxPooling1D';
  protected readonly reduction = 'max';
}

/** The mean over each window (padding not counted). */
export class AveragePooling1D extends Pooling1D {
  static override readonly className = 'AveragePooling1D';
  protected readonly reduction = 'average';
}

/** Pooling over every step: [batch, steps, c] → [batch, c]. */
export abstract class GlobalPooling1D extends GlobalPooling {
  constructor(options: LayerOptions = {}) {
    super(1, options);
  }
}

/** The mean of each channel over every step. */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalAveragePooling1D';
  protected readonly reduction = 'average';
}

/** The maximum of each channel over every step. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalMaxPooling1D';
  protected readonly reduction = 'max';
}
