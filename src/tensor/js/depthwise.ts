import { tapInput, type Window2D } from '../conv-geometry';

/**
 * Depthwise 2-D convolution over NHWC images, in TypeScript (no backend has a kernel for it):
 * each input channel c meets its own `multiplier` filters,
 *   y[n, oy, ox, c · multiplier + j] = bias[c · multiplier + j] + Σ_taps x[n, iy, ix, c] · kernel[ky, kx, c, j],
 * the kernel [kh, kw, channels, multiplier] as Keras and TF.js store it, so that the kernel's
 * values for one tap are in the order of the output channels. y [positions, channels · multiplier]
 * is overwritten. The windows are placed by the window helper (`tapInput`).
 */
export function depthwiseConv2d(x: Float32Array, g: Window2D, kernel: Float32Array, multiplier: number, y: Float32Array, bias?: Float32Array): void {
  const { batch, channels: c, h, w } = g;
  const depth = c * multiplier;
  let out = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h.input * w.input * c;
    for (let oy = 0; oy < h.output; oy++) {
      for (let ox = 0; ox < w.output; ox++, out += depth) {
        if (bias) y.set(bias, out);
        else y.fill(0, out, out + depth);
        for (let ky = 0; ky < h.size; ky++) {
          const iy = tapInput(h, oy, ky);
          if (iy < 0) continue;
          for (let kx = 0; kx < w.size; kx++) {
            const ix = tapInput(w, ox, kx);
            if (ix < 0) continue;
            const from = image + (iy * w.input + ix) * c;
            const tap = (ky * w.size + kx) * depth;
            for (let ch = 0, o = 0; ch < c; ch++) {
              const v = x[from + ch];
              for (let j = 0; j < multiplier; j++, o++) y[out + o] += v * kernel[tap + o];
            }
          }
        }
      }
    }
  }
}

/** The gradients `depthwiseConv2dBackward` writes, each only when given: dKernel accumulates, dx is overwritten. */
export interface DepthwiseGradients {
  dKernel?: Float32Array;
  dx?: Float32Array;
}

/**
 * The backward step of `depthwiseConv2d` for dy [positions, channels · multiplier] (the bias's
 * gradient is dy's column sums, left to the caller): dKernel[tap, c, j] += Σ x[tap's input, c] ·
 * dy[c · multiplier + j] and dx[input, c] = Σ over the windows and taps reading it of
 * Σ_j kernel[tap, c, j] · dy[c · multiplier + j].
 */
export function depthwiseConv2dBackward(x: Float32Array, g: Window2D, kernel: Float32Array, multiplier: number, dy: Float32Array, { dKernel, dx }: DepthwiseGradients): void {
  const { batch, channels: c, h, w } = g;
  const depth = c * multiplier;
  dx?.fill(0);
  let out = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h.input * w.input * c;
    for (let oy = 0; oy < h.output; oy++) {
      for (let ox = 0; ox < w.output; ox++, out += depth) {
        for (let ky = 0; ky < h.size; ky++) {
          const iy = tapInput(h, oy, ky);
          if (iy < 0) continue;
          for (let kx = 0; kx < w.size; kx++) {
            const ix = tapInput(w, ox, kx);
            if (ix < 0) continue;
            const from = image + (iy * w.input + ix) * c;
            const tap = (ky * w.size + kx) * depth;
            for (let ch = 0, o = 0; ch < c; ch++) {
              const v = x[from + ch];
              let sum = 0;
              for (let j = 0; j < multiplier; j++, o++) {
                const d = dy[out + o];
                if (dKernel) dKernel[tap + o] += v * d;
                sum += kernel[tap + o] * d;
              }
              if (dx) dx[from + ch] += sum;
            }
          }
        }
      }
    }
  }
}
