import { tapInput, type Window2D } from '../conv-geometry';
import { accumulateColumnSums } from '../elementwise';
import { biasActivationJs, leakyReluBackward } from './bias-activation';
import type { ConvGradients, FusedActivation, FusedActivationInput } from '../kernel-interface';
import { gemmJs } from './gemm';

/**
 * The convolution kernels in TypeScript, the reference and fallback: im2col into a reused buffer,
 * then the TypeScript GEMM.
 */

/** dz of the TS kernels, reused across calls. */
let dzScratch = new Float32Array(0);

export function conv2dBackwardJs(x: Float32Array | undefined, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void {
  const positions = g.batch * g.h.output * g.w.output;
  const count = positions * (kernel.length / (g.h.size * g.w.size * g.channels));
  let dz = dy.subarray(0, count);
  if (act) {
    if (dzScratch.length < count) dzScratch = new Float32Array(count);
    dz = dzScratch.subarray(0, count);
    leakyReluBackward(act.z, dy, dz, act.slope);
  }
  if (grads.dBias) accumulateColumnSums(dz, grads.dBias, positions);
  if (grads.dKernel) conv2dBackpropFilterJs(x!, g, dz, grads.dKernel);
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
  biasActivationJs(z, positions, bias, act);
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
 *
 * The output-window loops are written out here and in the poolings, each over the window helper's
 * arithmetic (`tapInput`, `windowFirst`, `windowEnd`): measured, a shared visitor with a callback
 * per position cost 5-8% of a CNN's training step here, and 15-45% of the TS poolings.
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
          const iy = tapInput(h, oy, ky);
          for (let kx = 0; kx < w.size; kx++, at += c) {
            const ix = tapInput(w, ox, kx);
            if (iy < 0 || ix < 0) {
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
          const iy = tapInput(h, oy, ky);
          for (let kx = 0; kx < w.size; kx++, at += c) {
            const ix = tapInput(w, ox, kx);
            if (iy < 0 || ix < 0) continue;
            const to = image + (iy * w.input + ix) * c;
            for (let ch = 0; ch < c; ch++) dx[to + ch] += col[at + ch];
          }
        }
      }
    }
  }
}
