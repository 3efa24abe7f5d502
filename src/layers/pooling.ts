import { axisWindow, pair, type Padding, type Window2D } from '../tensor/conv-geometry';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../tensor/pooling';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';

/**
 * The base of every pooling layer over channels-last images: windowed or global, max or average.
 * Subclasses say where the windows are and which reduction they take.
 */
export abstract class PoolingLayer extends Layer {
  /** The reduction over each window. */
  protected abstract readonly reduction: 'max' | 'average';
  private geometry?: Window2D;
  private argmax = new Int32Array(0);

  /** The windows for a per-sample input shape and a batch size. */
  protected abstract windows(height: number, width: number, channels: number, batch: number): Window2D;

  /** The per-sample output shape for the windows. */
  protected abstract shapeOf(g: Window2D): Shape;

  private window(inputShape: Shape, batch: number): Window2D {
    if (inputShape.length !== 3) {
      throw new LayerwiseError(`${this.name}: expected images of shape (None, height, width, channels), but received ${formatShape(inputShape)}.`);
    }
    const [height, width, channels] = inputShape;
    return this.windows(height, width, channels, batch);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return this.shapeOf(this.window(inputShape, 1));
  }

  override build(inputShape: Shape): void {
    this.window(inputShape, 1);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    const g = (this.geometry = this.window(x.shape.slice(1), x.shape[0]));
    const y = this.buffer('y', [g.batch, ...this.shapeOf(g)]);
    if (this.reduction === 'average') avgPool(x.data, g, y.data);
    else {
      // Grown, never shrunk: a smaller last batch reuses it (only the first y.size entries are read).
      if (this.argmax.length < y.size) this.argmax = new Int32Array(y.size);
      maxPool(x.data, g, y.data, this.argmax);
    }
    return y;
  }

  backward(dy: Tensor): Tensor {
    const g = this.requireForward(this.geometry);
    const dx = this.buffer('dx', [g.batch, g.h.input, g.w.input, g.channels]);
    if (this.reduction === 'average') avgPoolBackward(dy.data, g, dx.data);
    else maxPoolBackward(dy.data, this.argmax, dx.data);
    return dx;
  }
}

export interface Pooling2DOptions extends LayerOptions {
  /** Window height and width; one number for a square window. Default 2. */
  poolSize?: number | [number, number];
  /** Step between windows; default `poolSize`. */
  strides?: number | [number, number];
  /** 'valid' (default) or 'same' (TensorFlow's rule; padding never counts). */
  padding?: Padding;
}

/** Pooling over sliding windows. */
export abstract class Pooling2D extends PoolingLayer {
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;

  constructor({ poolSize = 2, strides, padding = 'valid', ...base }: Pooling2DOptions = {}) {
    super(base);
    this.poolSize = pair(poolSize);
    this.strides = pair(strides ?? poolSize);
    if (![...this.poolSize, ...this.strides].every((v) => Number.isInteger(v) && v > 0)) {
      throw new LayerwiseError(
        `${this.name}: poolSize and strides must be positive integers or pairs of them. ` +
          `Received: poolSize=${JSON.stringify(poolSize)}, strides=${JSON.stringify(strides)}.`,
      );
    }
    if (padding !== 'valid' && padding !== 'same') {
      throw new LayerwiseError(`${this.name}: padding must be 'valid' or 'same'. Received: padding=${JSON.stringify(padding)}.`);
    }
    this.padding = padding;
  }

  protected windows(height: number, width: number, channels: number, batch: number): Window2D {
    const h = axisWindow(height, this.poolSize[0], this.strides[0], 1, this.padding);
    const w = axisWindow(width, this.poolSize[1], this.strides[1], 1, this.padding);
    if (!h || !w) {
      throw new LayerwiseError(
        `${this.name}: a ${this.poolSize.join('x')} pool does not fit in input ${formatShape([height, width, channels])} with padding 'valid'. ` +
          `Use padding: 'same' or a smaller poolSize.`,
      );
    }
    return { batch, channels, h, w };
  }

  protected shapeOf(g: Window2D): Shape {
    return [g.h.output, g.w.output, g.channels];
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
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
export abstract class GlobalPooling2D extends PoolingLayer {
  protected windows(height: number, width: number, channels: number, batch: number): Window2D {
    return { batch, channels, h: axisWindow(height, height, 1, 1, 'valid')!, w: axisWindow(width, width, 1, 1, 'valid')! };
  }

  protected shapeOf(g: Window2D): Shape {
    return [g.channels];
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
