import { crop2d, pad2d, type Pad2D } from '../tensor/conv';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';

export interface ZeroPadding2DOptions extends LayerOptions {
  /**
   * Rows and columns of zeros around each image: one number for all sides, `[rows, cols]` for
   * symmetric padding, or `[[top, bottom], [left, right]]`. Default 1.
   */
  padding?: number | [number, number] | [[number, number], [number, number]];
}

/** Adds rows and columns of zeros around channels-last images. */
export class ZeroPadding2D extends Layer {
  static override readonly className = 'ZeroPadding2D';
  static override readonly options: OptionSpecs = { padding: optional('zeroPadding2d') };
  static override readonly channelsLast = true;
  static override readonly positional = 'padding';
  readonly padding: [[number, number], [number, number]];
  private readonly pads: Pad2D;
  private inputBatchShape?: Shape;

  /** `new ZeroPadding2D({ padding: [1, 2] })`, or `new ZeroPadding2D([1, 2])` (as Keras's `ZeroPadding2D((1, 2))`). */
  constructor(options: ZeroPadding2DOptions | NonNullable<ZeroPadding2DOptions['padding']> = {}) {
    super(options as LayerOptions);
    const { padding = 1 } = this.given as ZeroPadding2DOptions;
    const [rows, cols] = typeof padding === 'number' ? [padding, padding] : padding;
    // A pair, of numbers or of pairs: one entry more or less anywhere is a mistake, not something to drop.
    const pair = (side: unknown): [number, number] => (typeof side === 'number' ? [side, side] : Array.isArray(side) && side.length === 2 ? [side[0], side[1]] : [NaN, NaN]);
    this.padding = typeof padding === 'number' || padding.length === 2 ? [pair(rows), pair(cols)] : [[NaN, NaN], [NaN, NaN]];
    if (!this.padding.flat().every((p) => Number.isInteger(p) && p >= 0)) {
      throw new LayerwiseError(`${this.name}: padding must be non-negative integers. Received: padding=${JSON.stringify(padding)}.`);
    }
    const [[top, bottom], [left, right]] = this.padding;
    this.pads = { top, bottom, left, right };
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 3) {
      throw new LayerwiseError(`${this.name}: expected images of shape (None, height, width, channels), but received ${formatShape(inputShape)}.`);
    }
    const [h, w, c] = inputShape;
    const { top, bottom, left, right } = this.pads;
    return [h + top + bottom, w + left + right, c];
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    this.inputBatchShape = x.shape;
    const y = this.buffer('y', [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))]);
    pad2d(x.data, x.shape, this.pads, y.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const shape = this.requireForward(this.inputBatchShape);
    const dx = this.buffer('dx', shape);
    crop2d(dy.data, shape, this.pads, dx.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]) };
  }
}
