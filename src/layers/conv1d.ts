import type { ConvPadding } from '../tensor/conv-geometry';
import type { Shape } from '../tensor/tensor';
import { BaseConv, convOptions, type BaseConvOptions } from './base-conv';
import type { OptionSpecs } from './options';

export interface Conv1DOptions extends BaseConvOptions<number | [number]> {
  /**
   * 'valid' (no padding, default), 'same' (output length ceil(steps / stride)) or 'causal' (zeros
   * before the sequence only, so output t sees inputs up to t: for forecasting, as in WaveNet).
   */
  padding?: ConvPadding;
}

/**
 * 1-D convolution over sequences [batch, steps, channels]: y = activation(conv(x, kernel) + bias),
 * the kernel [kernelSize, inChannels, filters] as Keras and TF.js store it. TF.js 4.22 has no
 * 'causal' padding and no gradient for dilation rates above 1; layerwise has both.
 */
export class Conv1D extends BaseConv {
  static override readonly className = 'Conv1D';
  static override readonly options: OptionSpecs = convOptions(1, 'convPadding');

  constructor(options: Conv1DOptions) {
    super(1, ['valid', 'same', 'causal'], options);
  }

  reshapeHint(inputShape: Shape): string {
    return inputShape.length === 1 ? `Add a Reshape layer first (e.g. new Reshape({ targetShape: [${inputShape[0]}, 1] })).` : '';
  }
}
