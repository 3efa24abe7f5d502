/**
 * Index arithmetic of sliding windows, in one place: the convolutions, the poolings and the
 * WebAssembly table builder all place their windows with these helpers. Padding follows
 * TensorFlow's rule exactly, including its asymmetric case: with 'same', the output has
 * ceil(in / stride) positions and any odd padding goes after (bottom, right); 'causal' (Keras's
 * Conv1D) pads only before, by the dilated window's span less one, so no output sees a later input.
 */

/** Padding of 2-D windows and of pooling. */
export type Padding = 'valid' | 'same';
/** Padding of a 1-D convolution, which may also be causal. */
export type ConvPadding = Padding | 'causal';

/** A window's extent along one spatial axis. */
export interface AxisWindow {
  /** Input length. */
  input: number;
  /** Output length. */
  output: number;
  /** Window length (kernel or pool size), before dilation. */
  size: number;
  stride: number;
  dilation: number;
  /** Padding before the first input position. */
  padBefore: number;
  /** Padding after the last input position. */
  padAfter: number;
}

/**
 * The output length and padding along one axis, or undefined when a 'valid' window does not fit
 * (the caller names the layer in its error).
 */
export function axisWindow(input: number, size: number, stride: number, dilation: number, padding: ConvPadding): AxisWindow | undefined {
  const span = (size - 1) * dilation + 1;
  if (padding === 'valid') {
    if (input < span) return undefined;
    return { input, output: Math.floor((input - span) / stride) + 1, size, stride, dilation, padBefore: 0, padAfter: 0 };
  }
  if (padding === 'causal') {
    const padBefore = span - 1;
    return { input, output: Math.floor((input - 1) / stride) + 1, size, stride, dilation, padBefore, padAfter: 0 };
  }
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + span - input, 0);
  const padBefore = Math.floor(total / 2);
  return { input, output, size, stride, dilation, padBefore, padAfter: total - padBefore };
}

/** The input index of the first tap of output `o`'s window: negative where it starts in the padding. */
export function windowStart(a: AxisWindow, o: number): number {
  return o * a.stride - a.padBefore;
}

/** The input index of tap `k` of output `o`'s window, or -1 where the tap falls in the padding. */
export function tapInput(a: AxisWindow, o: number, k: number): number {
  const i = o * a.stride - a.padBefore + k * a.dilation;
  return i >= 0 && i < a.input ? i : -1;
}

/**
 * The windows of a stride-1 window's input gradient along one axis: dx is the correlation of dy
 * (the returned window's `input`) with the kernel flipped, one window per input position, padded
 * by span − 1 − padBefore. (With a stride above 1 the gradient is not a plain correlation.)
 */
export function gradientAxis(a: AxisWindow): AxisWindow {
  const span = (a.size - 1) * a.dilation + 1;
  const padBefore = span - 1 - a.padBefore;
  return { input: a.output, output: a.input, size: a.size, stride: 1, dilation: a.dilation, padBefore, padAfter: a.input - 1 + span - a.output - padBefore };
}

/** The first input an undilated window (pooling) covers, clipped to the input. */
export function windowFirst(a: AxisWindow, o: number): number {
  return Math.max(0, o * a.stride - a.padBefore);
}

/** One past the last input an undilated window (pooling) covers, clipped to the input. */
export function windowEnd(a: AxisWindow, o: number): number {
  return Math.min(a.input, o * a.stride - a.padBefore + a.size);
}

/** The trivial axis of a 1-D window seen as 2-D: one position, one tap (tinygrad's Conv1d as a Conv2d). */
export const UNIT_AXIS: AxisWindow = Object.freeze({ input: 1, output: 1, size: 1, stride: 1, dilation: 1, padBefore: 0, padAfter: 0 });

/** A 2-D window over NHWC data: its geometry along height and width, and the channel count. */
export interface Window2D {
  batch: number;
  channels: number;
  h: AxisWindow;
  w: AxisWindow;
}

/**
 * The one walk of the pooling loops: calls `visit` for every output position of an undilated 2-D
 * window over NHWC data, in output order, with the offset of the sample's image in the input, the
 * window's rows [y0, y1) and columns [x0, x1) clipped to the input, and the index of the
 * position's first output value (its channels follow).
 */
export function forEachPoolWindow(g: Window2D, visit: (image: number, y0: number, y1: number, x0: number, x1: number, out: number) => void): void {
  const { batch, channels: c, h, w } = g;
  let out = 0;
  for (let n = 0; n < batch; n++) {
    const image = n * h.input * w.input * c;
    for (let oy = 0; oy < h.output; oy++) {
      const y0 = windowFirst(h, oy);
      const y1 = windowEnd(h, oy);
      for (let ox = 0; ox < w.output; ox++, out += c) visit(image, y0, y1, windowFirst(w, ox), windowEnd(w, ox), out);
    }
  }
}



/** A pair from a number or a pair: `kernelSize: 3` means [3, 3]. */
export function pair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
