import { axisWindow, UNIT_AXIS, type AxisWindow, type ConvPadding, type Window2D } from '../tensor/conv-geometry';
import { formatShape, type Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { Layer } from './layer';

/**
 * The spatial side of convolution and pooling layers of rank 1 (sequences [steps, channels]) and
 * rank 2 (images [height, width, channels]). A rank-1 window is a rank-2 one with a trivial height
 * (`UNIT_AXIS`), so one set of kernels serves both (as tinygrad's Conv1d is a Conv2d).
 */
export type Rank = 1 | 2;

const INPUT_FORMS: Record<Rank, string> = { 1: '(None, steps, channels)', 2: '(None, height, width, channels)' };
const INPUT_KINDS: Record<Rank, string> = { 1: 'sequences', 2: 'images' };

/** The per-sample shape split into its spatial axes and channels; throws, naming the layer, for another rank. */
export function splitSpatial(layer: Layer, inputShape: Shape, rank: Rank, hint?: { reshapeHint(inputShape: Shape): string }): { spatial: number[]; channels: number } {
  if (inputShape.length !== rank + 1) {
    // The hint is made only when it is shown: this runs on every forward pass.
    const fix = hint?.reshapeHint(inputShape);
    throw new LayerwiseError(
      `${layer.name}: expected ${INPUT_KINDS[rank]} of shape ${INPUT_FORMS[rank]}, but received ${formatShape(inputShape)}.${fix ? ` ${fix}` : ''}`,
    );
  }
  return { spatial: inputShape.slice(0, rank), channels: inputShape[rank] };
}

/** The windows over the spatial axes, or undefined when a 'valid' window does not fit. */
export function spatialWindow(
  spatial: readonly number[],
  channels: number,
  batch: number,
  size: readonly number[],
  stride: readonly number[],
  dilation: readonly number[],
  padding: ConvPadding,
): Window2D | undefined {
  const axes: (AxisWindow | undefined)[] = spatial.map((n, i) => axisWindow(n, size[i], stride[i], dilation[i], padding));
  if (axes.some((a) => a === undefined)) return undefined;
  const [h, w] = axes.length === 1 ? [UNIT_AXIS, axes[0]!] : [axes[0]!, axes[1]!];
  return { batch, channels, h, w };
}

/** The per-sample output shape of windows of a rank: [outH, outW, depth] or [outSteps, depth]. */
export function windowOutputShape(g: Window2D, rank: Rank, depth: number): Shape {
  return rank === 1 ? [g.w.output, depth] : [g.h.output, g.w.output, depth];
}

/** The batch shape of the windows' input: [batch, h, w, c] or [batch, steps, c]. */
export function windowInputShape(g: Window2D, rank: Rank): Shape {
  return rank === 1 ? [g.batch, g.w.input, g.channels] : [g.batch, g.h.input, g.w.input, g.channels];
}

/** How messages show a window's extent: `5x5` for images, `size-5` for sequences. */
export function describeSize(sizes: readonly number[]): string {
  return sizes.length === 1 ? `size-${sizes[0]}` : sizes.join('x');
}

/** A size option as one entry per spatial axis: `kernelSize: 3` means [3, 3] for rank 2. */
export function sizeOption(layer: Layer, name: string, value: unknown, rank: Rank): number[] {
  const entries = typeof value === 'number' ? Array.from({ length: rank }, () => value) : Array.isArray(value) ? [...(value as unknown[])] : [];
  if (entries.length !== rank || !entries.every((v) => Number.isInteger(v) && (v as number) > 0)) {
    const expected = rank === 1 ? 'a positive integer or a list of one' : 'a positive integer or a pair of them';
    throw new LayerwiseError(`${layer.name}: ${name} must be ${expected}. Received: ${name}=${JSON.stringify(value)}.`);
  }
  return entries as number[];
}

/** Checks a padding option against the ones a layer takes. */
export function paddingOption<P extends string>(layer: Layer, padding: unknown, allowed: readonly P[]): P {
  if (!allowed.includes(padding as P)) {
    const list = allowed.map((p) => `'${p}'`);
    const expected = list.length === 2 ? list.join(' or ') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new LayerwiseError(`${layer.name}: padding must be ${expected}. Received: padding=${JSON.stringify(padding)}.`);
  }
  return padding as P;
}
