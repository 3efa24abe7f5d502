import { formatShape, type Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Dropout, type DropoutOptions } from './dropout';
import { optional, required, type OptionSpecs } from './options';

/** The options of SpatialDropout1D and SpatialDropout2D: Dropout's, without `noiseShape` (their shape is fixed). */
export type SpatialDropoutOptions = Omit<DropoutOptions, 'noiseShape'>;

/**
 * Dropout of whole feature maps: one draw per sample and channel (channels last), shared along
 * the spatial axes, so that neighbouring steps or pixels, which are strongly correlated, are
 * dropped together. Scales as Dropout: 0 or 1 / (1 − rate); the identity in inference.
 */
abstract class SpatialDropout extends Dropout {
  static override readonly options: OptionSpecs = { rate: required('number', 'a number in [0, 1)'), seed: optional('seed') };
  /** The rank of the inputs, batch included: 3 for sequences, 4 for images. */
  protected abstract readonly rank: number;
  /** How messages name the inputs. */
  protected abstract readonly expected: string;

  constructor(options: SpatialDropoutOptions | number) {
    super(options);
  }

  /** [batch, 1, ..., 1, channels]. */
  protected override maskShape(shape: Shape): Shape {
    if (shape.length !== this.rank) {
      throw new LayerwiseError(`${this.name}: expected ${this.expected}, but received ${formatShape(shape.slice(1))}.`);
    }
    return shape.map((d, axis) => (axis === 0 || axis === shape.length - 1 ? d : 1));
  }
}

/** SpatialDropout over sequences [batch, steps, channels]: the mask is [batch, 1, channels]. */
export class SpatialDropout1D extends SpatialDropout {
  static override readonly className = 'SpatialDropout1D';
  protected readonly rank = 3;
  protected readonly expected = 'sequences of shape (None, steps, channels)';
}

/**
 * SpatialDropout over channels-last images [batch, height, width, channels]: the mask is
 * [batch, 1, 1, channels]. TF.js 4.22 has no SpatialDropout2D.
 */
export class SpatialDropout2D extends SpatialDropout {
  static override readonly className = 'SpatialDropout2D';
  static override readonly channelsLast = true;
  protected readonly rank = 4;
  protected readonly expected = 'images of shape (None, height, width, channels)';
}
