import { axisWindow, UNIT_AXIS, type Padding, type Window2D } from '../tensor/conv-geometry';
import { avgPool, avgPoolBackward, maxPool, maxPoolBackward } from '../tensor/pooling';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, type OptionKind, type OptionSpecs } from './options';
import { describeSize, paddingOption, spatialWindow, splitSpatial, windowInputShape, windowOutputShape, type Rank } from './spatial';

/**
 * The base of every pooling layer over channels-last data of a rank (1: sequences, 2: images):
 * windowed or global, max or average. Subclasses say where the windows are and which reduction
 * they take; a rank-1 pooling runs as a rank-2 one of height 1.
 */
export abstract class PoolingLayer extends Layer {
  static override readonly channelsLast = true;
  /** The reduction over each window. */
  protected abstract readonly reduction: 'max' | 'average';
  private geometry?: Window2D;
  private argmax = new Int32Array(0);

  protected constructor(protected readonly rank: Rank, options: unknown) {
    super(options as LayerOptions);
  }

  /** The windows over the spatial axes, for a batch size. */
  protected abstract windows(spatial: number[], channels: number, batch: number): Window2D;

  /** The per-sample output shape for the windows. */
  protected abstract shapeOf(g: Window2D): Shape;

  private window(inputShape: Shape, batch: number): Window2D {
    const { spatial, channels } = splitSpatial(this, inputShape, this.rank);
    return this.windows(spatial, channels, batch);
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
    const dx = this.buffer('dx', windowInputShape(g, this.rank));
    if (this.reduction === 'average') avgPoolBackward(dy.data, g, dx.data);
    else maxPoolBackward(dy.data, this.argmax, dx.data);
    return dx;
  }
}

/** The options of a windowed pooling, sizes one number or one per spatial axis. */
export interface WindowPoolingOptions<Size> extends LayerOptions {
  /** The window's extent; one number for the same along every axis. Default 2. */
  poolSize?: Size;
  /** Step between windows; default `poolSize`. */
  strides?: Size;
  /** 'valid' (default) or 'same' (TensorFlow's rule; padding never counts). */
  padding?: Padding;
}

/** The option specs of a windowed pooling of a rank. */
export function poolingOptions(rank: Rank): OptionSpecs {
  const size: OptionKind = rank === 1 ? 'size1' : 'size2';
  return { poolSize: optional(size), strides: optional(size), padding: optional('padding') };
}

/** Pooling over sliding windows, of any rank. */
export abstract class WindowPooling extends PoolingLayer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;

  protected constructor(rank: Rank, options: unknown) {
    super(rank, options);
    const { poolSize = 2, strides, padding = 'valid' } = this.given as WindowPoolingOptions<number | readonly number[]>;
    const list = (v: number | readonly number[]) => (typeof v === 'number' ? Array.from({ length: rank }, () => v) : Array.isArray(v) ? [...v] : []);
    this.poolSize = list(poolSize);
    this.strides = list(strides ?? poolSize);
    if (this.poolSize.length !== rank || this.strides.length !== rank || ![...this.poolSize, ...this.strides].every((v) => Number.isInteger(v) && v > 0)) {
      const form = rank === 1 ? 'lists of one' : 'pairs of them';
      throw new LayerwiseError(
        `${this.name}: poolSize and strides must be positive integers or ${form}. ` +
          `Received: poolSize=${JSON.stringify(poolSize)}, strides=${JSON.stringify(strides)}.`,
      );
    }
    this.padding = paddingOption(this, padding, ['valid', 'same'] as const);
  }

  protected windows(spatial: number[], channels: number, batch: number): Window2D {
    const g = spatialWindow(spatial, channels, batch, this.poolSize, this.strides, this.poolSize.map(() => 1), this.padding);
    if (!g) {
      throw new LayerwiseError(
        `${this.name}: a ${describeSize(this.poolSize)} pool does not fit in input ${formatShape([...spatial, channels])} with padding 'valid'. ` +
          `Use padding: 'same' or a smaller poolSize.`,
      );
    }
    return g;
  }

  protected shapeOf(g: Window2D): Shape {
    return windowOutputShape(g, this.rank, g.channels);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), poolSize: [...this.poolSize], strides: [...this.strides], padding: this.padding };
  }
}

/** Pooling over all positions: [batch, ...spatial, c] → [batch, c]. */
export abstract class GlobalPooling extends PoolingLayer {
  protected windows(spatial: number[], channels: number, batch: number): Window2D {
    const axes = spatial.map((n) => axisWindow(n, n, 1, 1, 'valid')!);
    const [h, w] = axes.length === 1 ? [UNIT_AXIS, axes[0]] : [axes[0], axes[1]];
    return { batch, channels, h, w };
  }

  protected shapeOf(g: Window2D): Shape {
    return [g.channels];
  }
}
