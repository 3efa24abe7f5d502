import { crop2d, pad2d, type Pad2D } from '../tensor/conv';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';

/** [before, after] from n or [before, after]; NaNs for anything else (the caller's check then fails). */
function pairOf(side: unknown): [number, number] {
  if (typeof side === 'number') return [side, side];
  return Array.isArray(side) && side.length === 2 ? [side[0], side[1]] : [NaN, NaN];
}

const nonNegative = (sides: readonly number[]) => sides.every((p) => Number.isInteger(p) && p >= 0);

/**
 * The sides of one axis, from n or [before, after] (ZeroPadding1D's padding, Cropping1D's
 * cropping); `layer` and `option` name the mistake when they are not non-negative integers.
 */
export function sides1d(value: number | [number, number], layer: string, option: string): [number, number] {
  const sides = pairOf(value);
  if (!nonNegative(sides)) throw new LayerwiseError(`${layer}: ${option} must be non-negative integers. Received: ${option}=${JSON.stringify(value)}.`);
  return sides;
}

/** The sides of rows and columns, from n, [rows, cols] or [[top, bottom], [left, right]] (ZeroPadding2D, Cropping2D). */
export function sides2d(value: number | [number, number] | [[number, number], [number, number]], layer: string, option: string): [[number, number], [number, number]] {
  // A pair, of numbers or of pairs: one entry more or less anywhere is a mistake, not something to drop.
  const sides: [[number, number], [number, number]] =
    typeof value === 'number' ? [pairOf(value), pairOf(value)] : Array.isArray(value) && value.length === 2 ? [pairOf(value[0]), pairOf(value[1])] : [[NaN, NaN], [NaN, NaN]];
  if (!nonNegative(sides.flat())) throw new LayerwiseError(`${layer}: ${option} must be non-negative integers. Received: ${option}=${JSON.stringify(value)}.`);
  return sides;
}

/**
 * The layers that add zeros at the borders of sequences or channels-last images, or cut values
 * off there (ZeroPadding1D/2D, Cropping1D/2D): one is the other's adjoint, so forward and backward
 * are the same two loops swapped. A sequence [batch, steps, channels] is an image of one row.
 */
export abstract class BorderLayer extends Layer {
  /** Rows (images only) and columns (the steps of a sequence) at each border. */
  protected abstract readonly pads: Pad2D;
  /** 1 for sequences, 2 for images. */
  protected abstract readonly spatialRank: 1 | 2;
  /** Whether the layer removes the borders (cropping) rather than adds them (padding). */
  protected abstract readonly crops: boolean;
  private inputBatchShape?: Shape;

  /** A batch shape as images [n, h, w, c]: a sequence is one row. */
  private images(shape: Shape): [number, number, number, number] {
    return this.spatialRank === 1 ? [shape[0], 1, shape[1], shape[2]] : [shape[0], shape[1], shape[2], shape[3]];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== this.spatialRank + 1) {
      const expected = this.spatialRank === 1 ? 'sequences of shape (None, steps, channels)' : 'images of shape (None, height, width, channels)';
      throw new LayerwiseError(`${this.name}: expected ${expected}, but received ${formatShape(inputShape)}.`);
    }
    const { top, bottom, left, right } = this.pads;
    const sign = this.crops ? -1 : 1;
    const spatial = this.spatialRank === 1 ? [inputShape[0] + sign * (left + right)] : [inputShape[0] + sign * (top + bottom), inputShape[1] + sign * (left + right)];
    if (spatial.some((d) => d <= 0)) {
      throw new LayerwiseError(
        `${this.name}: cropping ${JSON.stringify(this.getConfig().cropping)} removes every ${this.spatialRank === 1 ? 'step' : 'row or column'} of inputs of shape ${formatShape(inputShape)}. ` +
          `Crop less, or check the input shape.`,
      );
    }
    return [...spatial, inputShape[inputShape.length - 1]];
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    const outShape = [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))];
    this.inputBatchShape = x.shape;
    const y = this.buffer('y', outShape);
    if (this.crops) crop2d(x.data, this.images(outShape), this.pads, y.data);
    else pad2d(x.data, this.images(x.shape), this.pads, y.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const shape = this.requireForward(this.inputBatchShape);
    const dx = this.buffer('dx', shape);
    if (this.crops) pad2d(dy.data, this.images(dy.shape), this.pads, dx.data);
    else crop2d(dy.data, this.images(shape), this.pads, dx.data);
    return dx;
  }
}

export interface ZeroPadding2DOptions extends LayerOptions {
  /**
   * Rows and columns of zeros around each image: one number for all sides, `[rows, cols]` for
   * symmetric padding, or `[[top, bottom], [left, right]]`. Default 1.
   */
  padding?: number | [number, number] | [[number, number], [number, number]];
}

/** Adds rows and columns of zeros around channels-last images. */
export class ZeroPadding2D extends BorderLayer {
  static override readonly className = 'ZeroPadding2D';
  static override readonly options: OptionSpecs = { padding: optional('zeroPadding2d') };
  static override readonly channelsLast = true;
  static override readonly positional = 'padding';
  readonly padding: [[number, number], [number, number]];
  protected readonly pads: Pad2D;
  protected readonly spatialRank = 2;
  protected readonly crops = false;

  /** `new ZeroPadding2D({ padding: [1, 2] })`, or `new ZeroPadding2D([1, 2])` (as Keras's `ZeroPadding2D((1, 2))`). */
  constructor(options: ZeroPadding2DOptions | NonNullable<ZeroPadding2DOptions['padding']> = {}) {
    super(options as LayerOptions);
    const { padding = 1 } = this.given as ZeroPadding2DOptions;
    this.padding = sides2d(padding, this.name, 'padding');
    const [[top, bottom], [left, right]] = this.padding;
    this.pads = { top, bottom, left, right };
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]) };
  }
}
