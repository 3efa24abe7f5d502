import { fillZeros, kernels } from './backend';
import { forEachPoolWindow, type Window2D } from './conv-geometry';

/**
 * Max pooling over NHWC data; `argmax[i]` records which input each output came from, for the
 * backward pass. Padding positions never win (they are -Infinity, as in TensorFlow).
 */
export function maxPool(x: Float32Array, g: Window2D, y: Float32Array, argmax: Int32Array): void {
  kernels().maxPool(x, g, y, argmax);
}

/** Routes each output gradient to the input that won the max (dx is overwritten). */
export function maxPoolBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
  fillZeros(dx);
  for (let i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
}

/**
 * Average pooling over NHWC data. Each output is the mean of the inputs its window covers;
 * padding is not counted (TensorFlow's rule for 'same').
 */
export function avgPool(x: Float32Array, g: Window2D, y: Float32Array): void {
  const { channels: c, w } = g;
  forEachPoolWindow(g, (image, y0, y1, x0, x1, out) => {
    const scale = 1 / ((y1 - y0) * (x1 - x0));
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let iy = y0; iy < y1; iy++) {
        for (let ix = x0; ix < x1; ix++) sum += x[image + (iy * w.input + ix) * c + ch];
      }
      y[out + ch] = sum * scale;
    }
  });
}

/** Spreads each output gradient evenly over the inputs its window covered (dx is overwritten). */
export function avgPoolBackward(dy: Float32Array, g: Window2D, dx: Float32Array): void {
  const { channels: c, w } = g;
  dx.fill(0);
  forEachPoolWindow(g, (image, y0, y1, x0, x1, out) => {
    const scale = 1 / ((y1 - y0) * (x1 - x0));
    for (let ch = 0; ch < c; ch++) {
      const share = dy[out + ch] * scale;
      for (let iy = y0; iy < y1; iy++) {
        for (let ix = x0; ix < x1; ix++) dx[image + (iy * w.input + ix) * c + ch] += share;
      }
    }
  });
}
