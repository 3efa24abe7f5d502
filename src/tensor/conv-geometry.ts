/**
 * Index arithmetic of sliding windows (convolution and pooling), in one place. Padding follows
 * TensorFlow's rule exactly, including its asymmetric case: with 'same', the output has
 * ceil(in / stride) positions and any odd padding goes after (bottom, right).
 */

export type Padding = 'valid' | 'same';

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
export function axisWindow(input: number, size: number, stride: number, dilation: number, padding: Padding): AxisWindow | undefined {
  const span = (size - 1) * dilation + 1;
  if (padding === 'valid') {
    if (input < span) return undefined;
    return { input, output: Math.floor((input - span) / stride) + 1, size, stride, dilation, padBefore: 0, padAfter: 0 };
  }
  const output = Math.ceil(input / stride);
  const total = Math.max((output - 1) * stride + span - input, 0);
  const padBefore = Math.floor(total / 2);
  return { input, output, size, stride, dilation, padBefore, padAfter: total - padBefore };
}

/** A 2-D window over NHWC data: its geometry along height and width, and the channel count. */
export interface Window2D {
  batch: number;
  channels: number;
  h: AxisWindow;
  w: AxisWindow;
}

/** A pair from a number or a pair: `kernelSize: 3` means [3, 3]. */
export function pair(value: number | readonly [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}
