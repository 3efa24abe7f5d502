import { getBackend } from './backend';
import type { Window2D } from './conv-geometry';
import { accumulateColumnSums, addRowVector, gemmJs } from './kernels';
import { wasmKernels, type ConvGradients, type FusedActivation, type FusedActivationInput } from './wasm/wasm-backend';

export type { ConvGradients, FusedActivation, FusedActivationInput };

/**
 * 2-D convolution over NHWC images: z[positions, filters] = im2col(x) · kernel + bias, with the
 * kernel [kh, kw, c, filters] read as [kh · kw · c, filters]. On the 'wasm' backend the windows are
 * read in place through an indirection table (no im2col matrix) by a 4x8 SIMD microkernel that
 * starts from the bias; on 'js', im2col into a reused buffer, then gemm. With `act`, also writes
 * act.y = z > 0 ? z : act.slope · z (ReLU for slope 0), fused into the same pass over memory.
 */
export function conv2d(x: Float32Array, g: Window2D, kernel: Float32Array, bias: Float32Array | undefined, z: Float32Array, act?: FusedActivation): void {
  if (getBackend() === 'wasm') wasmKernels()!.conv2d(x, g, kernel, bias, z, act);
  else conv2dJs(x, g, kernel, bias, z, act);
}

/** The gradient of the kernel, accumulated: dKernel += im2col(x)ᵀ · dz (dz is [positions, filters]). */
export function conv2dBackpropFilter(x: Float32Array, g: Window2D, dz: Float32Array, dKernel: Float32Array): void {
  if (getBackend() === 'wasm') wasmKernels()!.conv2dBackpropFilter(x, g, dz, dKernel);
  else conv2dBackpropFilterJs(x, g, dz, dKernel);
}

/** The gradient of the input, overwriting dx: dx = col2im(dz · kernelᵀ). */
export function conv2dBackpropInput(dz: Float32Array, g: Window2D, kernel: Float32Array, dx: Float32Array): void {
  if (getBackend() === 'wasm') wasmKernels()!.conv2dBackpropInput(dz, g, kernel, dx);
  else conv2dBackpropInputJs(dz, g, kernel, dx);
}

/**
 * The whole backward step of conv2d: dz = dy, times the derivative of the fused activation at its
 * input z when `act` is given (ReLU for slope 0, else leaky ReLU); then dBias += Σ dz over
 * positions, dKernel += im2col(x)ᵀ · dz, and dx = col2im(dz · kernelᵀ) when grads.dx is given.
 */
export function conv2dBackward(x: Float32Array, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void {
  if (getBackend() === 'wasm') wasmKernels()!.conv2dBackward(x, g, kernel, dy, grads, act);
  else conv2dBackwardJs(x, g, kernel, dy, grads, act);
}

/** dz of the TS kernels, reused across calls. */
let dzScratch = new Float32Array(0);

export function conv2dBackwardJs(x: Float32Array, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void {
  const positions = g.batch * g.h.output * g.w.output;
  const count = positions * (kernel.length / (g.h.size * g.w.size * g.channels));
  let dz = dy.subarray(0, count);
  if (act) {
    if (dzScratch.length < count) dzScratch = new Float32Array(count);
    dz = dzScratch.subarray(0, count);
    const { z, slope } = act;
    // As the activations' own backward steps: relu passes dy where z > 0, leaky_relu scales the rest.
    for (let i = 0; i < count; i++) dz[i] = z[i] > 0 ? dy[i] : slope === 0 ? 0 : slope * dy[i];
  }
  if (grads.dBias) accumulateColumnSums(dz, grads.dBias, positions);
  conv2dBackpropFilterJs(x, g, dz, grads.dKernel);
  if (grads.dx) conv2dBackpropInputJs(dz, g, kernel, grads.dx);
}

/** The im2col matrix of the TS kernels, reused across calls. */
let colScratch = new Float32Array(0);

function colFor(g: Window2D): { col: Float32Array; positions: number; depth: number } {
  const positions = g.batch * g.h.output * g.w.output;
  const depth = g.h.size * g.w.size * g.channels;
  if (colScratch.length < positions * depth) colScratch = new Float32Array(positions * depth);
  return { col: colScratch.subarray(0, positions * depth), positions, depth };
}

export function conv2dJs(x: Float32Array, g: Window2D, kernel: Float32Array, bias: Float32Array | undefined, z: Float32Array, act?: FusedActivation): void {
  const { col, positions, depth } = colFor(g);
  im2col(x, g, col);
  gemmJs(col, kernel, z, positions, kernel.length / depth, depth);
  if (bias) addRowVector(z, bias, z, positions);
  if (act) leakyRelu(z, act.y, act.slope);
}

/** y = x > 0 ? x : slope · x, as the activations 'relu' (slope 0, exactly max(x, 0)) and 'leaky_relu'. */
export function leakyRelu(x: Float32Array, y: Float32Array, slope: number): void {
  if (slope === 0) {
    for (let i = 0; i < y.length; i++) {
      const v = x[i];
      y[i] = (v + Math.abs(v)) * 0.5;
    }
  } else {
    for (let i = 0; i < y.length; i++) {
      const v = x[i];
      y[i] = v > 0 ? v : slope * v;
    }
  }
}

export function conv2dBackpropFilterJs(x: Float32Array, g: Window2D, dz: Float32Array, dKernel: Float32Array): void {
  const { col, positions, depth } = colFor(g);
  im2col(x, g, col);
  gemmJs(col, dz, dKernel, depth, dKernel.length / depth, positions, { transA: true, beta: 1 });
}

export function conv2dBackpropInputJs(dz: Float32Array, g: Window2D, kernel: Float32Array, dx: Float32Array): void {
  const { col, positions, depth } = colFor(g);
  gemmJs(dz, kernel, col, positions, depth, kernel.length / depth, { transB: true });
  col2im(col, g, dx);
}

/**
 * im2col for NHWC data: each output position becomes one row of `col`, holding the window's
 * values in [kh, kw, channels] order (the order of a Keras kernel [kh, kw, in, out] flattened),
 * zeros where the window hangs over the padding. col is [batch · outH · outW, kh · kw · channels].
 */
export function im2col(x: Float32Array, g: Window2D, col: Float32Array): void {
  const { batch, channels: c, h, w } = g;
  const rowLength = h.size * w.size * c;
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h.input * w.input * c;
    for (let oy = 0; oy < h.output; oy++) {
      for (let ox = 0; ox < w.output; ox++, row += rowLength) {
        let at = row;
        for (let ky = 0; ky < h.size; ky++) {
          const iy = oy * h.stride - h.padBefore + ky * h.dilation;
          const inRow = iy >= 0 && iy < h.input;
          for (let kx = 0; kx < w.size; kx++, at += c) {
            const ix = ox * w.stride - w.padBefore + kx * w.dilation;
            if (!inRow || ix < 0 || ix >= w.input) {
              col.fill(0, at, at + c);
              continue;
            }
            const from = image + (iy * w.input + ix) * c;
            for (let ch = 0; ch < c; ch++) col[at + ch] = x[from + ch];
          }
        }
      }
    }
  }
}

/** The adjoint of im2col: sums each row's window values back into dx (which is overwritten). */
export function col2im(col: Float32Array, g: Window2D, dx: Float32Array): void {
  const { batch, channels: c, h, w } = g;
  const rowLength = h.size * w.size * c;
  dx.fill(0);
  let row = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h.input * w.input * c;
    for (let oy = 0; oy < h.output; oy++) {
      for (let ox = 0; ox < w.output; ox++, row += rowLength) {
        let at = row;
        for (let ky = 0; ky < h.size; ky++) {
          const iy = oy * h.stride - h.padBefore + ky * h.dilation;
          const inRow = iy >= 0 && iy < h.input;
          for (let kx = 0; kx < w.size; kx++, at += c) {
            const ix = ox * w.stride - w.padBefore + kx * w.dilation;
            if (!inRow || ix < 0 || ix >= w.input) continue;
            const to = image + (iy * w.input + ix) * c;
            for (let ch = 0; ch < c; ch++) dx[to + ch] += col[at + ch];
          }
        }
      }
    }
  }
}

/** Padding of NHWC images: rows before/after and columns before/after. */
export interface Pad2D {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Copies images [n, h, w, c] into the middle of zero-padded ones (y is overwritten). */
export function pad2d(x: Float32Array, [n, h, w, c]: readonly number[], p: Pad2D, y: Float32Array): void {
  const outW = w + p.left + p.right;
  const outH = h + p.top + p.bottom;
  y.fill(0);
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const from = ((b * h + r) * w) * c;
      const to = ((b * outH + r + p.top) * outW + p.left) * c;
      y.set(x.subarray(from, from + w * c), to);
    }
  }
}

/** The adjoint of pad2d: the middle of padded images [n, h + pads, w + pads, c] into dx [n, h, w, c]. */
export function crop2d(dy: Float32Array, [n, h, w, c]: readonly number[], p: Pad2D, dx: Float32Array): void {
  const outW = w + p.left + p.right;
  const outH = h + p.top + p.bottom;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < h; r++) {
      const from = ((b * outH + r + p.top) * outW + p.left) * c;
      dx.set(dy.subarray(from, from + w * c), ((b * h + r) * w) * c);
    }
  }
}
