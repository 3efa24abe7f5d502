import type { Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';

export interface RescalingOptions extends LayerOptions {
  /** The factor every input is multiplied by: `1 / 255` maps bytes to [0, 1]. */
  scale: number;
  /** Added after scaling. Default 0. */
  offset?: number;
}

/** Rescales every value: y = x · scale + offset (Keras's preprocessing `Rescaling`, with a number for each). */
export class Rescaling extends Layer {
  static override readonly className = 'Rescaling';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { scale: required('number', 'a finite number'), offset: optional('number', 'a finite number') };
  static override readonly positional = 'scale';

  readonly scale: number;
  readonly offset: number;

  /** `new Rescaling({ scale: 1 / 127.5, offset: -1 })`, or `new Rescaling(1 / 255)` (as Keras's `Rescaling(1 / 255)`). */
  constructor(options: RescalingOptions | number) {
    super(options as LayerOptions);
    const { scale, offset = 0 } = this.given as RescalingOptions;
    for (const [option, value] of [['scale', scale], ['offset', offset]] as const) {
      if (!Number.isFinite(value)) throw new LayerwiseError(`${this.name}: ${option} must be a finite number. Received: ${option}=${value}.`);
    }
    this.scale = scale;
    this.offset = offset;
  }

  forward(x: Tensor, _training = false): Tensor {
    const y = this.buffer('y', x.shape);
    const { scale, offset } = this;
    for (let i = 0; i < x.size; i++) y.data[i] = x.data[i] * scale + offset;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const dx = this.buffer('dx', dy.shape);
    for (let i = 0; i < dy.size; i++) dx.data[i] = dy.data[i] * this.scale;
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), scale: this.scale, offset: this.offset };
  }
}
