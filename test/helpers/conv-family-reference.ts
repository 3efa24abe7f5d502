import type { SeparableConv2D } from '../../src/layers/separable-conv2d';
import type { Padding, Window2D } from '../../src/tensor/conv-geometry';
import { tap, window2d } from './reference';

/**
 * Float64 references for Conv2DTranspose, DepthwiseConv2D and SeparableConv2D, written from Keras
 * 3's definitions: one loop per index, no buffers, no shortcuts, independent of the layers' window
 * arithmetic. The layer tests and the TF.js parity tests (for what TF.js 4.22 computes otherwise)
 * check against them.
 */

/**
 * Keras 3's output length of a transposed convolution (keras/src/ops/operation_utils.py,
 * compute_conv_transpose_output_shape), written from its formula: without outputPadding,
 * in · stride + max(span − stride, 0) ('valid') or in · stride ('same'); with it,
 * (in − 1) · stride + span − 2 · pad + outputPadding, pad = floor(span / 2) for 'same', 0 for 'valid'.
 */
export function kerasLength(n: number, size: number, stride: number, dilation: number, padding: Padding, outputPadding?: number): number {
  const span = (size - 1) * dilation + 1;
  if (outputPadding === undefined) return padding === 'valid' ? n * stride + Math.max(span - stride, 0) : n * stride;
  return (n - 1) * stride + span - 2 * (padding === 'same' ? Math.floor(span / 2) : 0) + outputPadding;
}

/** Keras 3's zeros before and after the strided input (its JAX backend, _convert_conv_transpose_padding_args_from_keras_to_jax). */
export function kerasPads(size: number, stride: number, dilation: number, padding: Padding, outputPadding?: number): [number, number] {
  const span = (size - 1) * dilation + 1;
  if (padding === 'valid') return [span - 1, span - 1 + (outputPadding ?? Math.max(span, stride) - span)];
  const total = outputPadding === undefined ? stride + span - 2 : span + (span % 2) - 2 + outputPadding;
  const before = Math.min(Math.floor(total / 2) + (total % 2), span - 1);
  return [before, total - before];
}

export interface TransposeCase {
  shape: number[];
  filters: number;
  kernelSize: number[];
  strides: number[];
  dilation: number[];
  padding: Padding;
  outputPadding?: number[];
}

/**
 * Keras 3's transposed convolution in float64, by its definition: x strided (stride − 1 zeros
 * between its values), padded with Keras's zeros before and after, correlated (stride 1, the
 * dilation between the taps) with the kernel [kh, kw, filters, in] flipped along both axes.
 */
export function referenceTranspose(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number> | undefined, c: TransposeCase): { y: Float64Array; shape: number[] } {
  const [batch, inH, inW, cin] = c.shape;
  const [kh, kw] = c.kernelSize;
  const axes = [0, 1].map((i) => {
    const [before, after] = kerasPads(c.kernelSize[i], c.strides[i], c.dilation[i], c.padding, c.outputPadding?.[i]);
    const n = c.shape[1 + i];
    const span = (c.kernelSize[i] - 1) * c.dilation[i] + 1;
    return { before, out: (n - 1) * c.strides[i] + 1 + before + after - span + 1, n, s: c.strides[i], d: c.dilation[i] };
  });
  /** The input index that padded strided position p holds, or -1 for a zero. */
  const source = (a: (typeof axes)[number], p: number) => {
    const q = p - a.before;
    return q >= 0 && q % a.s === 0 && q / a.s < a.n ? q / a.s : -1;
  };
  const [H, W] = axes;
  const f = c.filters;
  const y = new Float64Array(batch * H.out * W.out * f);
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < H.out; oy++)
      for (let ox = 0; ox < W.out; ox++)
        for (let o = 0; o < f; o++) {
          let sum = bias ? bias[o] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = source(H, oy + ky * H.d);
            if (iy < 0) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = source(W, ox + kx * W.d);
              if (ix < 0) continue;
              for (let ch = 0; ch < cin; ch++) sum += x[((n * inH + iy) * inW + ix) * cin + ch] * kernel[(((kh - 1 - ky) * kw + (kw - 1 - kx)) * f + o) * cin + ch];
            }
          }
          y[((n * H.out + oy) * W.out + ox) * f + o] = sum;
        }
  return { y, shape: [batch, H.out, W.out, f] };
}

/**
 * Depthwise convolution in float64, from its definition (Keras 3's DepthwiseConv2D):
 * y[n, oy, ox, c·m + j] = bias[c·m + j] + Σ_{ky, kx} x[n, tap(oy, ky), tap(ox, kx), c] · kernel[ky, kx, c, j],
 * zeros in the padding.
 */
export function referenceDepthwise(x: ArrayLike<number>, kernel: ArrayLike<number>, bias: ArrayLike<number> | undefined, g: Window2D, m: number): Float64Array {
  const { h, w, channels: c } = g;
  const y = new Float64Array(g.batch * h.output * w.output * c * m);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < h.output; oy++)
      for (let ox = 0; ox < w.output; ox++)
        for (let ch = 0; ch < c; ch++)
          for (let j = 0; j < m; j++) {
            let sum = bias ? bias[ch * m + j] : 0;
            for (let ky = 0; ky < h.size; ky++)
              for (let kx = 0; kx < w.size; kx++) {
                const iy = tap(h, oy, ky);
                const ix = tap(w, ox, kx);
                if (iy < 0 || iy >= h.input || ix < 0 || ix >= w.input) continue;
                sum += x[((n * h.input + iy) * w.input + ix) * c + ch] * kernel[((ky * w.size + kx) * c + ch) * m + j];
              }
            y[((n * h.output + oy) * w.output + ox) * c * m + ch * m + j] = sum;
          }
  return y;
}

/** Keras 3's SeparableConv2D in float64: the depthwise convolution, then y[p, f] = bias[f] + Σ_k u[p, k] · pointwise[0, 0, k, f]. */
export function referenceSeparable(x: ArrayLike<number>, depthwise: ArrayLike<number>, pointwise: ArrayLike<number>, bias: ArrayLike<number> | undefined, shape: number[], layer: Pick<SeparableConv2D, 'kernelSize' | 'strides' | 'dilationRate' | 'padding' | 'depthMultiplier' | 'filters'>): Float64Array {
  const g = window2d(shape, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding as Padding);
  const u = referenceDepthwise(x, depthwise, undefined, g, layer.depthMultiplier);
  const depth = shape[3] * layer.depthMultiplier;
  const f = layer.filters;
  const positions = u.length / depth;
  const y = new Float64Array(positions * f);
  for (let p = 0; p < positions; p++)
    for (let o = 0; o < f; o++) {
      let sum = bias ? bias[o] : 0;
      for (let k = 0; k < depth; k++) sum += u[p * depth + k] * pointwise[k * f + o];
      y[p * f + o] = sum;
    }
  return y;
}

