import { accumulateColumnSums, addRowVector } from '../elementwise';
import type { FusedActivation, FusedActivationGradient } from '../kernel-interface';

/** biasActivation in TypeScript, the reference and fallback (and the end of conv2dJs). */
export function biasActivationJs(z: Float32Array, rows: number, bias: Float32Array | undefined, act?: FusedActivation): void {
  if (bias) addRowVector(z, bias, z, rows);
  if (act) leakyRelu(z, act.y, act.slope);
}

/** biasActivationBackward in TypeScript, the reference and fallback. */
export function biasActivationBackwardJs(dy: Float32Array, rows: number, dBias: Float32Array | undefined, act?: FusedActivationGradient): void {
  if (act) leakyReluBackward(act.z, dy, act.dz, act.slope);
  if (dBias) accumulateColumnSums(act ? act.dz : dy, dBias, rows);
}

/** y = x > 0 ? x : slope · x over y's length, as the activations 'relu' (slope 0, exactly max(x, 0)) and 'leaky_relu'. */
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

/** dz = dy where z > 0, else slope · dy, over dz's length: as the activations' own backward steps (relu passes dy where z > 0, leaky_relu scales the rest). */
export function leakyReluBackward(z: Float32Array, dy: Float32Array, dz: Float32Array, slope: number): void {
  for (let i = 0; i < dz.length; i++) dz[i] = z[i] > 0 ? dy[i] : slope === 0 ? 0 : slope * dy[i];
}
