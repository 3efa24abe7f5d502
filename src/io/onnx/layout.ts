import { axisWindow, type ConvPadding } from '../../tensor/conv-geometry';
import type { Shape } from '../../tensor/tensor';

/**
 * Where the channels of a tensor sit in the ONNX graph. layerwise computes channels last (NHWC,
 * as Keras); ONNX's convolutions and poolings take channels first (NCHW). The exporter moves
 * between them only at the edges of a run of spatial operations (one Transpose in, one out), and
 * keeps track of which one the current tensor is in: 'last' is layerwise's own order, 'first' has
 * the channels moved to axis 1. Tensors of rank 2 ([batch, features]) are the same in both.
 */
export type Layout = 'last' | 'first';

/** The permutation (batch included) that takes a channels-last tensor of `rank` to channels first: [0, rank-1, 1, ..., rank-2]. */
export function toFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** The permutation (batch included) that takes a channels-first tensor of `rank` back to channels last: [0, 2, ..., rank-1, 1]. */
export function toLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** The per-sample shape in a layout: [h, w, c] stays, or becomes [c, h, w]. */
export function shapeIn(shape: Shape, layout: Layout): number[] {
  return layout === 'last' || shape.length < 2 ? [...shape] : [shape[shape.length - 1], ...shape.slice(0, -1)];
}

/** The axis (batch included) that a channels-last axis `axis` of a tensor of `rank` has in `layout`. */
export function axisIn(axis: number, rank: number, layout: Layout): number {
  const a = axis < 0 ? axis + rank : axis;
  if (layout === 'last' || rank < 3 || a === 0) return a;
  return a === rank - 1 ? 1 : a + 1;
}

/** The channels-last axis (batch included) of axis `axis` of a tensor of `rank` in `layout` (the inverse of `axisIn`). */
export function axisFrom(axis: number, rank: number, layout: Layout): number {
  const a = axis < 0 ? axis + rank : axis;
  if (layout === 'last' || rank < 3 || a === 0) return a;
  return a === 1 ? rank - 1 : a - 1;
}

/** Whether `perm` is the permutation `expected`. */
export function isPerm(perm: readonly number[], expected: readonly number[]): boolean {
  return perm.length === expected.length && perm.every((p, i) => p === expected[i]);
}

/**
 * The values of a row-major array of `shape` with its axes permuted: output axis i is input axis
 * perm[i] (ONNX's Transpose, numpy's transpose).
 */
export function permute(data: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const out = new Float32Array(data.length);
  const strides = new Array<number>(rank);
  for (let d = rank - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  const outShape = perm.map((p) => shape[p]);
  const outStrides = perm.map((p) => strides[p]);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let at = 0;
    for (let d = 0; d < rank; d++) at += index[d] * outStrides[d];
    out[i] = data[at];
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/**
 * ONNX's explicit pads for windows along each spatial axis, [begin..., end...]: TensorFlow's rule
 * for 'same' (the odd one after), Keras's for 'causal' (all before), none for 'valid'. Undefined
 * when a 'valid' window does not fit.
 */
export function windowPads(spatial: readonly number[], size: readonly number[], strides: readonly number[], dilation: readonly number[], padding: ConvPadding): number[] | undefined {
  const axes = spatial.map((n, i) => axisWindow(n, size[i], strides[i], dilation[i], padding));
  if (axes.some((a) => a === undefined)) return undefined;
  return [...axes.map((a) => a!.padBefore), ...axes.map((a) => a!.padAfter)];
}
