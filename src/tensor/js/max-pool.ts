import { forEachPoolWindow, type Window2D } from '../conv-geometry';

/** maxPool in TypeScript, the reference and fallback. */
export function maxPoolJs(x: Float32Array, g: Window2D, y: Float32Array, argmax: Int32Array): void {
  const { channels: c, w } = g;
  forEachPoolWindow(g, (image, y0, y1, x0, x1, out) => {
    // The window's first input starts every channel's running maximum (padding never wins).
    const first = image + (y0 * w.input + x0) * c;
    for (let ch = 0; ch < c; ch++) {
      y[out + ch] = x[first + ch];
      argmax[out + ch] = first + ch;
    }
    for (let iy = y0; iy < y1; iy++) {
      for (let ix = iy === y0 ? x0 + 1 : x0; ix < x1; ix++) {
        const at = image + (iy * w.input + ix) * c;
        for (let ch = 0; ch < c; ch++) {
          const v = x[at + ch];
          if (v > y[out + ch]) {
            y[out + ch] = v;
            argmax[out + ch] = at + ch;
          }
        }
      }
    }
  });
}
