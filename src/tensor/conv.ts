import type { Window2D } from './conv-geometry';

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
