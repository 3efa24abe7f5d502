import { axisWindow, type AxisWindow, type Padding, type Window2D } from '../../src/tensor/conv-geometry';

/**
 * Naive references for the image kernels, written from their definitions in float64: one loop per
 * index, no buffers, no shortcuts. Slow, and meant to be read next to the formula.
 */

/** The geometry of a window over NHWC images [batch, height, width, channels], for one size, stride and dilation per axis. */
export function window2d(
  [batch, height, width, channels]: readonly number[],
  [kh, kw]: readonly number[],
  [sh, sw]: readonly number[],
  [dh, dw]: readonly number[],
  padding: Padding,
): Window2D {
  const h = axisWindow(height, kh, sh, dh, padding);
  const w = axisWindow(width, kw, sw, dw, padding);
  if (!h || !w) throw new Error(`reference: a ${kh}x${kw} window does not fit in ${height}x${width} with 'valid'`);
  return { batch, channels, h, w };
}

/** The input index that tap k of output o reads along an axis; outside [0, input) it is padding. */
export function tap(a: AxisWindow, o: number, k: number): number {
  return o * a.stride - a.padBefore + k * a.dilation;
}

/** x[n, iy, ix, ch] of NHWC data, or undefined where (iy, ix) is padding. */
function pixel(x: ArrayLike<number>, g: Window2D, n: number, iy: number, ix: number, ch: number): number | undefined {
  if (iy < 0 || iy >= g.h.input || ix < 0 || ix >= g.w.input) return undefined;
  return x[((n * g.h.input + iy) * g.w.input + ix) * g.channels + ch];
}

/** col[(n, oy, ox), (ky, kx, ch)] = x[n, tap(oy, ky), tap(ox, kx), ch], 0 in the padding. */
export function naiveIm2col(x: ArrayLike<number>, g: Window2D): Float64Array {
  const depth = g.h.size * g.w.size * g.channels;
  const col = new Float64Array(g.batch * g.h.output * g.w.output * depth);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.h.output; oy++)
      for (let ox = 0; ox < g.w.output; ox++)
        for (let ky = 0; ky < g.h.size; ky++)
          for (let kx = 0; kx < g.w.size; kx++)
            for (let ch = 0; ch < g.channels; ch++) {
              const row = (n * g.h.output + oy) * g.w.output + ox;
              col[row * depth + (ky * g.w.size + kx) * g.channels + ch] = pixel(x, g, n, tap(g.h, oy, ky), tap(g.w, ox, kx), ch) ?? 0;
            }
  return col;
}

/**
 * y[n, oy, ox, f] = bias[f] + Σ_{ky, kx, c} x[n, tap(oy, ky), tap(ox, kx), c] · kernel[ky, kx, c, f],
 * with the kernel stored [kh, kw, inChannels, filters] as Keras stores it.
 */
export function naiveConv2d(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number> | undefined, g: Window2D, filters: number): Float64Array {
  const y = new Float64Array(g.batch * g.h.output * g.w.output * filters);
  let out = 0;
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.h.output; oy++)
      for (let ox = 0; ox < g.w.output; ox++)
        for (let f = 0; f < filters; f++, out++) {
          let sum = bias ? bias[f] : 0;
          for (let ky = 0; ky < g.h.size; ky++)
            for (let kx = 0; kx < g.w.size; kx++)
              for (let c = 0; c < g.channels; c++) {
                const v = pixel(x, g, n, tap(g.h, oy, ky), tap(g.w, ox, kx), c);
                if (v !== undefined) sum += v * kernel[((ky * g.w.size + kx) * g.channels + c) * filters + f];
              }
          y[out] = sum;
        }
  return y;
}

/**
 * Pooling by its definition: the max or the mean of the inputs a window covers inside the image
 * (padding neither wins a max nor counts in a mean). Also the flat input index of each output's
 * max, the first in row-major order among equals.
 */
export function naivePool(x: ArrayLike<number>, g: Window2D, reduction: 'max' | 'average'): { y: Float64Array; argmax: number[] } {
  const y = new Float64Array(g.batch * g.h.output * g.w.output * g.channels);
  const argmax: number[] = [];
  let out = 0;
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.h.output; oy++)
      for (let ox = 0; ox < g.w.output; ox++)
        for (let c = 0; c < g.channels; c++, out++) {
          let [sum, count, best, bestAt] = [0, 0, -Infinity, -1];
          for (let ky = 0; ky < g.h.size; ky++)
            for (let kx = 0; kx < g.w.size; kx++) {
              const [iy, ix] = [tap(g.h, oy, ky), tap(g.w, ox, kx)];
              const v = pixel(x, g, n, iy, ix, c);
              if (v === undefined) continue;
              sum += v;
              count++;
              if (v > best) [best, bestAt] = [v, ((n * g.h.input + iy) * g.w.input + ix) * g.channels + c];
            }
          y[out] = reduction === 'max' ? best : sum / count;
          argmax.push(bestAt);
        }
  return { y, argmax };
}

/** Σ a ⊙ b in float64. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
