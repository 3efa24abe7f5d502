import { dropoutMask, multiply } from '../tensor/kernels';
import { rngFor, type Rng } from '../tensor/random';
import { sizeOf, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';

export interface DropoutOptions extends LayerOptions {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  /**
   * The shape of the mask, batch dimension first, as Keras's `noise_shape`: each entry is the
   * input's size on that axis, or 1 to share one draw along it (`[null, 1, null]` drops whole
   * steps of a sequence for all its features); null means "the input's size". Default: the input's shape.
   */
  noiseShape?: (number | null)[] | null;
  /** Seed of this layer's mask generator; without it, one is drawn from the global stream. */
  seed?: number;
}

/**
 * Copies `noise`, of shape `noiseShape` (each axis of size 1 or of `shape`'s size), into `out` of
 * `shape`, repeating it along the axes where `noiseShape` has 1.
 */
export function broadcastInto(noise: Float32Array, noiseShape: Shape, out: Float32Array, shape: Shape): void {
  const rank = shape.length;
  // The stride of each output axis in `noise`: 0 where the noise is shared along it.
  const strides = new Array<number>(rank).fill(0);
  for (let axis = rank - 1, s = 1; axis >= 0; s *= noiseShape[axis], axis--) strides[axis] = noiseShape[axis] === 1 ? 0 : s;
  const index = new Array<number>(rank).fill(0);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = noise[from];
    for (let axis = rank - 1; axis >= 0; axis--) {
      from += strides[axis];
      if (++index[axis] < shape[axis]) break;
      from -= strides[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

/**
 * Inverted dropout: in training, each input is zeroed with probability `rate` and the rest are
 * scaled by 1 / (1 − rate); in inference the layer is the identity. With `noiseShape`, one draw is
 * shared along the axes where it has 1. The base of the other multiplicative noise layers
 * (SpatialDropout1D/2D, GaussianDropout, AlphaDropout), which change the scales drawn
 * (`drawScales`) or the mask's shape (`maskShape`).
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { rate: required('number', 'a number in [0, 1)'), noiseShape: optional('noiseShape'), seed: optional('seed') };
  static override readonly positional = 'rate';

  readonly rate: number;
  readonly noiseShape?: (number | null)[];
  readonly seed?: number;
  protected readonly rng: Rng;
  /** The scale applied to each input in the last training batch (0 or 1 / (1 − rate)). */
  protected mask?: Tensor;

  /** `new Dropout({ rate: 0.5, seed: 1 })`, or `new Dropout(0.5)` (as Keras's `Dropout(0.5)`). */
  constructor(options: DropoutOptions | number) {
    super(options as LayerOptions);
    const { rate, noiseShape, seed } = this.given as DropoutOptions;
    if (!(rate >= 0 && rate < 1)) {
      throw new LayerwiseError(`${this.name}: rate must be a number in [0, 1). Received: rate=${rate}.`);
    }
    if (noiseShape && (noiseShape.length < 2 || !noiseShape.every((d) => d === null || (Number.isInteger(d) && d > 0)))) {
      throw new LayerwiseError(
        `${this.name}: noiseShape must list positive integers or null (the input's size), batch dimension first. Received: noiseShape=${JSON.stringify(noiseShape)}.`,
      );
    }
    this.rate = rate;
    if (noiseShape) this.noiseShape = [...noiseShape];
    this.seed = seed;
    this.rng = rngFor(seed);
  }

  override build(inputShape: Shape): void {
    // The batch size is not known yet: a batch entry given as a number is taken as it is.
    this.maskShape([this.noiseShape?.[0] || 1, ...inputShape]);
    super.build(inputShape);
  }

  /**
   * The shape of the mask drawn for a batch of `shape` (Keras's concrete noise shape): `noiseShape`
   * with nulls replaced by the input's sizes. It fails unless each axis is 1 or the input's size.
   */
  protected maskShape(shape: Shape): Shape {
    const given = this.noiseShape;
    if (!given) return shape;
    const concrete = given.map((d, axis) => (d === null ? shape[axis] : d));
    if (given.length !== shape.length || !concrete.every((d, axis) => d === 1 || d === shape[axis])) {
      throw new LayerwiseError(
        `${this.name}: noiseShape ${JSON.stringify(given)} does not fit a batch of shape [${shape.join(', ')}]: it needs ` +
          `${shape.length} entries (the batch first), each 1, null, or the input's size on that axis. Write null for the batch.`,
      );
    }
    return concrete;
  }

  /** Fills the scales of one draw: 0 with probability `rate`, else 1 / (1 − rate). */
  protected drawScales(scales: Float32Array): void {
    dropoutMask(scales, this.rate, () => this.rng.uniform());
  }

  /** Whether training changes anything (a rate of 0 does not). */
  protected get active(): boolean {
    return this.rate > 0;
  }

  /** Draws the scales of a batch of `shape` into the layer's mask, one draw per entry of the mask's shape. */
  protected drawMask(shape: Shape): Tensor {
    const mask = this.buffer('mask', shape);
    const noiseShape = this.maskShape(shape);
    if (sizeOf(noiseShape) === mask.size) {
      this.drawScales(mask.data);
    } else {
      const noise = this.buffer('noise', noiseShape);
      this.drawScales(noise.data);
      broadcastInto(noise.data, noiseShape, mask.data, shape);
    }
    return mask;
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (!training || !this.active) {
      this.mask = undefined;
      return x;
    }
    const mask = (this.mask = this.drawMask(x.shape));
    const y = this.buffer('y', x.shape);
    multiply(x.data, mask.data, y.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    if (!this.mask) return dy;
    const dx = this.buffer('dx', dy.shape);
    multiply(dy.data, this.mask.data, dx.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), rate: this.rate };
    if (this.noiseShape) config.noiseShape = [...this.noiseShape];
    if (this.seed !== undefined) config.seed = this.seed;
    return config;
  }
}
