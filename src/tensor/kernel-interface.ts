/**
 * The kernels a backend provides: the hot loops that dominate training. Each backend implements
 * this interface once (js/ in TypeScript, the reference; wasm/ over WebAssembly SIMD), and
 * `backend.ts` chooses one in one place; the wrappers in kernels.ts, conv.ts and pooling.ts call
 * `kernels().op(...)`, so layers never see which one runs.
 */
import type { Window2D } from './conv-geometry';

/** Options of the GEMM wrapper (`kernels.ts`'s gemm). */
export interface GemmOptions {
  /** A is stored as [k, m] and used transposed. */
  transA?: boolean;
  /** B is stored as [n, k] and used transposed. */
  transB?: boolean;
  alpha?: number;
  /** 0 overwrites C; 1 accumulates into it. */
  beta?: number;
}

/** The gradients a convolution's backward step writes, each only when given: dKernel and dBias accumulate, dx is overwritten. */
export interface ConvGradients {
  dKernel?: Float32Array;
  dBias?: Float32Array;
  dx?: Float32Array;
}

/** An activation fused into a kernel's output: y = z > 0 ? z : slope · z (slope 0: ReLU). */
export interface FusedActivation {
  slope: number;
  y: Float32Array;
}

/** The input z of an activation fused into a convolution (y = z > 0 ? z : slope · z), for its backward step. */
export interface FusedActivationInput {
  slope: number;
  z: Float32Array;
}

/** The input z of a fused activation (y = z > 0 ? z : slope · z) and where its backward step writes dz. */
export interface FusedActivationGradient extends FusedActivationInput {
  dz: Float32Array;
}

export interface Kernels {
  /** C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C, with op a transpose where asked. */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number): void;
  /**
   * 2-D convolution over NHWC images: z[positions, filters] = conv(x, kernel) + bias, the kernel
   * [kh, kw, c, filters]; with `act`, also act.y = z > 0 ? z : act.slope · z.
   */
  conv2d(x: Float32Array, g: Window2D, kernel: Float32Array, bias: Float32Array | undefined, z: Float32Array, act?: FusedActivation): void;
  /**
   * conv2d's backward step: dz = dy (times the fused activation's derivative at z when `act` is
   * given), then dBias += Σ dz, dKernel += im2col(x)ᵀ · dz, dx = col2im(dz · kernelᵀ), each only
   * when `grads` holds it (`x` is read for dKernel only; `kernel` gives the filter count).
   */
  conv2dBackward(x: Float32Array | undefined, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void;
  /**
   * The output step of a product z[rows, n] (a Dense layer's x · kernel): z += bias on every row
   * when `bias` is given; with `act`, act.y = z > 0 ? z : act.slope · z (conv2d does the same
   * inside its kernel).
   */
  biasActivation(z: Float32Array, rows: number, bias: Float32Array | undefined, act?: FusedActivation): void;
  /**
   * biasActivation's backward step: with `act`, act.dz = dy times the activation's derivative at
   * act.z; then dBias += Σ over the rows of dz (act.dz, or dy itself without act) when given.
   */
  biasActivationBackward(dy: Float32Array, rows: number, dBias: Float32Array | undefined, act?: FusedActivationGradient): void;
  /** Max pooling over NHWC data; argmax[i] is the input index output i came from. */
  maxPool(x: Float32Array, g: Window2D, y: Float32Array, argmax: Int32Array): void;
  /**
   * One step of SGD (Keras's rule) over a parameter's `w.length` values, in place: without `v`,
   * w ← w − lr · g; with the velocity `v`, v ← m · v − lr · g, then w ← w + v, or with `nesterov`
   * w ← w + m · v − lr · g. In float32, as Keras 3 computes it (lr and m cast to float32, every
   * operation rounded), so every backend gives the same bits. `g` may be longer than `w` (a scratch array).
   */
  sgd(w: Float32Array, g: Float32Array, v: Float32Array | undefined, learningRate: number, momentum: number, nesterov: boolean): void;
}
