import { kernels } from './backend';
import type { Window2D } from './conv-geometry';
import type { ConvGradients, FusedActivation, FusedActivationInput } from './kernel-interface';

export type { ConvGradients, FusedActivation, FusedActivationInput };

/**
 * 2-D convolution over NHWC images: z[positions, filters] = im2col(x) · kernel + bias, with the
 * kernel [kh, kw, c, filters] read as [kh · kw · c, filters], on the selected backend. With `act`,
 * also writes act.y = z > 0 ? z : act.slope · z (ReLU for slope 0), fused into the same pass.
 */
export function conv2d(x: Float32Array, g: Window2D, kernel: Float32Array, bias: Float32Array | undefined, z: Float32Array, act?: FusedActivation): void {
  kernels().conv2d(x, g, kernel, bias, z, act);
}

/**
 * The whole backward step of conv2d: dz = dy, times the derivative of the fused activation at its
 * input z when `act` is given (ReLU for slope 0, else leaky ReLU); then dBias += Σ dz over
 * positions, dKernel += im2col(x)ᵀ · dz, and dx = col2im(dz · kernelᵀ), each when `grads` holds it.
 */
export function conv2dBackward(x: Float32Array, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void {
  kernels().conv2dBackward(x, g, kernel, dy, grads, act);
}

/** The gradient of the kernel, accumulated: dKernel += im2col(x)ᵀ · dz (dz is [positions, filters]). */
export function conv2dBackpropFilter(x: Float32Array, g: Window2D, dz: Float32Array, dKernel: Float32Array): void {
  kernels().conv2dBackward(x, g, dKernel, dz, { dKernel });
}

/** The gradient of the input, overwriting dx: dx = col2im(dz · kernelᵀ). */
export function conv2dBackpropInput(dz: Float32Array, g: Window2D, kernel: Float32Array, dx: Float32Array): void {
  kernels().conv2dBackward(undefined, g, kernel, dz, { dx });
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
