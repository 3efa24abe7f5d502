import type { Kernels } from '../kernel-interface';
import { biasActivationBackwardJs, biasActivationJs } from './bias-activation';
import { conv2dBackwardJs, conv2dJs } from './conv';
import { gemmJs } from './gemm';
import { maxPoolJs } from './max-pool';
import { sgdJs } from './optim';

/** The TypeScript kernels: the portable reference, and the fallback wherever WebAssembly SIMD is missing. */
export const jsKernels: Kernels = {
  gemm: (a, b, c, m, n, k, transA, transB, alpha, beta) => gemmJs(a, b, c, m, n, k, { transA, transB, alpha, beta }),
  conv2d: conv2dJs,
  conv2dBackward: conv2dBackwardJs,
  biasActivation: biasActivationJs,
  biasActivationBackward: biasActivationBackwardJs,
  maxPool: maxPoolJs,
  sgd: sgdJs,
};
