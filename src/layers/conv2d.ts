import type { Padding } from '../tensor/conv-geometry';
import type { Shape } from '../tensor/tensor';
import { BaseConv, convOptions, type BaseConvOptions } from './base-conv';
import type { OptionSpecs } from './options';

export interface Conv2DOptions extends BaseConvOptions<number | [number, number]> {
  /** 'valid' (no padding, default) or 'same' (output size ceil(input / stride), TensorFlow's rule). */
  padding?: Padding;
}

/**
 * 2-D convolution over channels-last images [batch, height, width, channels]:
 * y = activation(conv(x, kernel) + bias). The kernel is [kh, kw, inChannels, filters], as Keras
 * and TF.js store it.
 */
export class Conv2D extends BaseConv {
  static override readonly className = 'Conv2D';
  static override readonly options: OptionSpecs = convOptions(2, 'padding');
  declare readonly padding: Padding;

  constructor(options: Conv2DOptions) {
    super(2, ['valid', 'same'], options);
  }

  reshapeHint(inputShape: Shape): string {
    return `Add a Reshape layer first (e.g. new Reshape({ targetShape: [${[...inputShape.slice(0, 2), 1].join(', ')}] })).`;
  }
}
