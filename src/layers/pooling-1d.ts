import type { Tensor } from '../tensor/tensor';
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

/**
 * The mean of each channel over every step; with a mask (an Embedding with `maskZero` before it),
 * over the real steps only, as Keras 3 does, and the mask ends here. A sample whose steps are all
 * padding gives zeros (Keras 3 divides by a zero count there: NaN).
 */
export class GlobalAveragePooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalAveragePooling1D';
  protected readonly reduction = 'average';
  /** The mask of the last forward batch, when it had one. */
  private mask?: Tensor;

  override forward(x: Tensor, training = false, mask?: Tensor): Tensor {
    this.mask = mask;
    if (!mask) return super.forward(x, training);
    const [batch, steps, channels] = x.shape;
    const y = this.buffer('y', [batch, channels]);
    const counts = this.buffer('counts', [batch]).data;
    y.data.fill(0);
    for (let b = 0; b < batch; b++) {
      let count = 0;
      for (let t = 0; t < steps; t++) {
        if (mask.data[b * steps + t] === 0) continue;
        count++;
        const at = (b * steps + t) * channels;
        for (let c = 0; c < channels; c++) y.data[b * channels + c] += x.data[at + c];
      }
      counts[b] = count;
      const scale = count > 0 ? 1 / count : 0;
      for (let c = 0; c < channels; c++) y.data[b * channels + c] *= scale;
    }
    return y;
  }

  override backward(dy: Tensor): Tensor {
    const mask = this.mask;
    if (!mask) return super.backward(dy);
    const [batch, steps] = mask.shape;
    const channels = dy.shape[1];
    const dx = this.buffer('dxMasked', [batch, steps, channels]);
    const counts = this.buffer('counts', [batch]).data;
    for (let b = 0; b < batch; b++) {
      const scale = counts[b] > 0 ? 1 / counts[b] : 0;
      for (let t = 0; t < steps; t++) {
        const at = (b * steps + t) * channels;
        const m = mask.data[b * steps + t] === 0 ? 0 : scale;
        for (let c = 0; c < channels; c++) dx.data[at + c] = m * dy.data[b * channels + c];
      }
    }
    return dx;
  }

  /** The mask is used up here: the output has no steps. */
  override computeMask(_x: Tensor, _mask: Tensor | undefined): undefined {
    return undefined;
  }
}

/** The maximum of each channel over every step. */
export class GlobalMaxPooling1D extends GlobalPooling1D {
  static override readonly className = 'GlobalMaxPooling1D';
  protected readonly reduction = 'max';
}
