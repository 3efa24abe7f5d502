import type { Shape, Tensor } from '../tensor/tensor';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { choice, optional, type OptionSpecs } from './options';
import { checkBuiltSample } from './permute';
import { sizeOption, splitSpatial, type Rank } from './spatial';

/** How an upsampling layer computes the new values. */
export type Interpolation = 'nearest' | 'bilinear';

/**
 * For each output index along one axis, the two input indices it reads and the weight of the
 * second: y[o] = (1 − weight[o]) · x[lo[o]] + weight[o] · x[hi[o]].
 */
export interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  weight: Float64Array;
}

/**
 * The taps of an axis of `n` values upsampled by `factor`. 'nearest' repeats each value; 'bilinear'
 * interpolates with half-pixel centres (Keras 3, TensorFlow's `resize` and PyTorch's
 * `align_corners=False`): output o samples the input at (o + ½) / factor − ½, clamped to [0, n − 1].
 */
export function axisTaps(n: number, factor: number, interpolation: Interpolation): AxisTaps {
  const out = n * factor;
  const taps = { lo: new Int32Array(out), hi: new Int32Array(out), weight: new Float64Array(out) };
  for (let o = 0; o < out; o++) {
    if (interpolation === 'nearest') {
      taps.lo[o] = taps.hi[o] = Math.floor(o / factor);
      continue;
    }
    const at = Math.min(Math.max((o + 0.5) / factor - 0.5, 0), n - 1);
    const lo = Math.floor(at);
    taps.lo[o] = lo;
    taps.hi[o] = Math.min(lo + 1, n - 1);
    taps.weight[o] = at - lo;
  }
  return taps;
}

/** Images [n, h, w, c] resampled at the taps of rows and columns into y [n, rows, cols, c] (y is overwritten). */
export function resample2d(x: Float32Array, shape: readonly number[], rows: AxisTaps, cols: AxisTaps, y: Float32Array): void {
  y.fill(0);
  eachTap(x, y, shape, rows, cols, false);
}

/** The adjoint of resample2d: dx [n, h, w, c] from dy [n, rows, cols, c] (dx is overwritten). */
export function resample2dBackward(dy: Float32Array, shape: readonly number[], rows: AxisTaps, cols: AxisTaps, dx: Float32Array): void {
  dx.fill(0);
  eachTap(dy, dx, shape, rows, cols, true);
}

/**
 * For each output pixel of images [n, h, w, c] resampled at the taps, and each input pixel it
 * reads with a nonzero factor (one for 'nearest', up to four for 'bilinear'): adds factor · the
 * input pixel's `c` values into the output pixel's (`adjoint` false: `src` is the input, `dst` the
 * output), or factor · the output pixel's into the input pixel's (`adjoint`: the gradient).
 */
function eachTap(src: Float32Array, dst: Float32Array, [n, h, w, c]: readonly number[], rows: AxisTaps, cols: AxisTaps, adjoint: boolean): void {
  const outH = rows.lo.length;
  const outW = cols.lo.length;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      const wr = rows.weight[i];
      const r0 = (b * h + rows.lo[i]) * w;
      const r1 = (b * h + rows.hi[i]) * w;
      for (let j = 0; j < outW; j++) {
        const wc = cols.weight[j];
        const to = ((b * outH + i) * outW + j) * c;
        const c0 = cols.lo[j];
        const c1 = cols.hi[j];
        const f00 = (1 - wr) * (1 - wc);
        if (f00 !== 0) addPixel(src, dst, (r0 + c0) * c, to, f00, c, adjoint);
        if (wc !== 0) addPixel(src, dst, (r0 + c1) * c, to, (1 - wr) * wc, c, adjoint);
        if (wr !== 0) addPixel(src, dst, (r1 + c0) * c, to, wr * (1 - wc), c, adjoint);
        if (wr !== 0 && wc !== 0) addPixel(src, dst, (r1 + c1) * c, to, wr * wc, c, adjoint);
      }
    }
  }
}

/** dst[to..] += f · src[from..] over `c` values (`adjoint`: dst[from..] += f · src[to..]). */
function addPixel(src: Float32Array, dst: Float32Array, from: number, to: number, f: number, c: number, adjoint: boolean): void {
  if (adjoint) for (let k = 0; k < c; k++) dst[from + k] += f * src[to + k];
  else for (let k = 0; k < c; k++) dst[to + k] += f * src[from + k];
}

/**
 * The upsampling layers of rank 1 (sequences) and 2 (channels-last images): each spatial axis
 * grows by its factor, by repetition ('nearest') or, for images, bilinear interpolation.
 */
export abstract class UpSampling extends Layer {
  /** The factor of each spatial axis. */
  protected abstract readonly factors: number[];
  protected abstract readonly rank: Rank;
  protected abstract readonly interpolationMode: Interpolation;
  private taps?: { rows: AxisTaps; cols: AxisTaps };
  private inputBatchShape?: Shape;

  override computeOutputShape(inputShape: Shape): Shape {
    const { spatial, channels } = splitSpatial(this, inputShape, this.rank);
    return [...spatial.map((d, i) => d * this.factors[i]), channels];
  }

  override build(inputShape: Shape): void {
    // Before the tables: an absurd size fails naming the layer, not with a RangeError.
    this.checkOutputSize(inputShape);
    const { spatial } = splitSpatial(this, inputShape, this.rank);
    const [h, w] = this.rank === 1 ? [1, spatial[0]] : spatial;
    const [fh, fw] = this.rank === 1 ? [1, this.factors[0]] : this.factors;
    this.taps = { rows: axisTaps(h, fh, this.interpolationMode), cols: axisTaps(w, fw, this.interpolationMode) };
    super.build(inputShape);
  }

  /** A batch shape as images [n, h, w, c]: a sequence is one row. */
  private images(shape: Shape): number[] {
    return this.rank === 1 ? [shape[0], 1, shape[1], shape[2]] : [...shape];
  }

  forward(x: Tensor, _training = false): Tensor {
    const { rows, cols } = this.requireBuilt(this.taps);
    checkBuiltSample(this, x);
    this.inputBatchShape = x.shape;
    const y = this.buffer('y', [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))]);
    resample2d(x.data, this.images(x.shape), rows, cols, y.data);
    return y;
  }

  backward(dy: Tensor): Tensor {
    const shape = this.requireForward(this.inputBatchShape);
    const { rows, cols } = this.taps!;
    const dx = this.buffer('dx', shape);
    resample2dBackward(dy.data, this.images(shape), rows, cols, dx.data);
    return dx;
  }
}

export interface UpSampling2DOptions extends LayerOptions {
  /** The factor of rows and columns: one number for both, or `[rows, cols]`. Default 2. */
  size?: number | [number, number];
  /**
   * 'nearest' (the default) repeats each pixel; 'bilinear' interpolates with half-pixel centres,
   * as Keras 3 (upsampling [0, 1] by 2 gives [0, 0.25, 0.75, 1]). TF.js 4.22's bilinear aligns the
   * first pixels instead ([0, 0.5, 1, 1]): saving one warns.
   */
  interpolation?: Interpolation;
}

/**
 * Upsamples channels-last images by repeating or interpolating rows and columns. TF.js 4.22
 * computes 'nearest' the same, but its gradient there (cpu backend) mixes the samples of a batch.
 */
export class UpSampling2D extends UpSampling {
  static override readonly className = 'UpSampling2D';
  static override readonly options: OptionSpecs = { size: optional('size2'), interpolation: choice(['nearest', 'bilinear']) };
  static override readonly channelsLast = true;
  static override readonly positional = 'size';
  readonly size: [number, number];
  readonly interpolation: Interpolation;
  protected readonly factors: number[];
  protected readonly rank = 2;
  protected readonly interpolationMode: Interpolation;

  /** `new UpSampling2D({ size: [2, 3], interpolation: 'bilinear' })`, or `new UpSampling2D(2)`. */
  constructor(options: UpSampling2DOptions | number | [number, number] = {}) {
    super(options as LayerOptions);
    const { size = 2, interpolation = 'nearest' } = this.given as UpSampling2DOptions;
    this.factors = sizeOption(this, 'size', size, 2);
    this.size = [this.factors[0], this.factors[1]];
    this.interpolation = this.interpolationMode = interpolation;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), size: [...this.size], interpolation: this.interpolation };
  }
}
