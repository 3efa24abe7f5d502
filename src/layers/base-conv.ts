import type { ConvPadding, Window2D } from '../tensor/conv-geometry';
import { conv2d, conv2dBackward } from '../tensor/conv';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KernelLayer, type KernelLayerOptions } from './kernel-layer';
import type { LayerConfig } from './layer';
import { required, optional, type OptionKind, type OptionSpecs } from './options';
import { describeSize, paddingOption, sizeOption, spatialWindow, splitSpatial, windowInputShape, windowOutputShape, type Rank } from './spatial';

/** The window options every convolution takes; sizes are one number or one per spatial axis. */
export interface WindowOptions<Size> {
  /** The window's extent; one number for the same along every spatial axis. */
  kernelSize: Size;
  /** Step between windows; default 1. */
  strides?: Size;
  /** Spacing between the kernel's taps; default 1. */
  dilationRate?: Size;
}

/** The options every convolution with filters takes (Conv1D, Conv2D, Conv2DTranspose). */
export interface BaseConvOptions<Size> extends KernelLayerOptions, WindowOptions<Size> {
  /** Number of output channels. */
  filters: number;
}

/**
 * The window option specs of a rank (without filters: DepthwiseConv2D takes none), then
 * KernelLayer's, the kernel's under its name (`depthwiseInitializer` for 'depthwise').
 */
export function windowOptions(rank: Rank, padding: OptionKind, kernelName = 'kernel'): OptionSpecs {
  const size: OptionKind = rank === 1 ? 'size1' : 'size2';
  const kernel = Object.entries(KernelLayer.options).map(([key, spec]) => [key.replace(/^kernel/, kernelName), spec]);
  return { kernelSize: required(size), strides: optional(size), padding: optional(padding), dilationRate: optional(size), ...Object.fromEntries(kernel) };
}

/** The option specs of a convolution with filters, of a rank (its sizes are lists of `rank` entries). */
export function convOptions(rank: Rank, padding: OptionKind): OptionSpecs {
  return { filters: required('positiveInteger'), ...windowOptions(rank, padding) };
}

/** The hint of an image layer for an input of the wrong rank: a Reshape adding a channel axis. */
export function imageReshapeHint(inputShape: Shape): string {
  return `Add a Reshape layer first (e.g. new Reshape({ targetShape: [${[...inputShape.slice(0, 2), 1].join(', ')}] })).`;
}

/**
 * What every convolution shares, whatever it does with its windows: the window options
 * (kernelSize, strides, padding, dilationRate) of a rank, checked once, and the windows they place
 * over an input (spatial.ts), channels-last. BaseConv (Conv1D, Conv2D, Conv2DTranspose),
 * DepthwiseConv2D and SeparableConv2D build on it; the kernel, the bias and the activation are
 * KernelLayer's.
 */
export abstract class WindowConv extends KernelLayer {
  static override readonly channelsLast = true;

  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dilationRate: number[];

  protected constructor(
    protected readonly rank: Rank,
    paddings: readonly ConvPadding[],
    options: unknown,
  ) {
    super(options);
    // padding's type is checked with the other options, by its kind (layer.ts).
    const { kernelSize, strides = 1, padding = 'valid', dilationRate = 1 } = this.given as WindowOptions<number | readonly number[]> & { padding?: ConvPadding };
    this.padding = paddingOption(this, padding, paddings);
    this.kernelSize = sizeOption(this, 'kernelSize', kernelSize, rank);
    this.strides = sizeOption(this, 'strides', strides, rank);
    this.dilationRate = sizeOption(this, 'dilationRate', dilationRate, rank);
  }

  /** The hint for an input of the wrong rank (public for `splitSpatial`, which asks only when it fails). */
  abstract reshapeHint(inputShape: Shape): string;

  /** The per-sample input shape's spatial sizes and channels; throws, naming the layer, for another rank. */
  protected splitInput(inputShape: Shape): { spatial: number[]; channels: number } {
    return splitSpatial(this, inputShape, this.rank, this);
  }

  /** The window geometry for a per-sample input shape and a batch size. */
  protected window(inputShape: Shape, batch: number): Window2D {
    const { spatial, channels } = this.splitInput(inputShape);
    const g = spatialWindow(spatial, channels, batch, this.kernelSize, this.strides, this.dilationRate, this.padding);
    if (!g) {
      throw new LayerwiseError(
        `${this.name}: a ${describeSize(this.kernelSize)} kernel (dilation ${this.dilationRate.join('x')}) does not fit in ` +
          `input ${formatShape(inputShape)} with padding 'valid'. Use padding: 'same' or a smaller kernel.`,
      );
    }
    return g;
  }

  /** The window options, for `getConfig`. */
  protected windowConfig(): Record<string, unknown> {
    return { kernelSize: [...this.kernelSize], strides: [...this.strides], padding: this.padding, dilationRate: [...this.dilationRate] };
  }
}

/**
 * The base of the convolutions with filters, of every rank (Keras's `BaseConv(rank)`): y =
 * activation(conv(x, kernel) + bias) over channels-last inputs, the kernel [...kernelSize,
 * inChannels, filters] as Keras and TF.js store it. It runs the convolution kernels of
 * tensor/conv.ts over WindowConv's windows, with ReLU and leaky ReLU fused into them; Conv1D and
 * Conv2D only name their rank and paddings. A rank-1 convolution runs as a rank-2 one of height 1.
 */
export abstract class BaseConv extends WindowConv {
  readonly filters: number;

  private geometry?: Window2D;
  /** The input of the last forward batch. */
  private input?: Tensor;

  protected constructor(rank: Rank, paddings: readonly ConvPadding[], options: unknown) {
    super(rank, paddings, options);
    // filters (a positive integer) is checked with the other options, by its kind (layer.ts).
    this.filters = (this.given as BaseConvOptions<number>).filters;
  }

  protected kernelShape(inputShape: Shape): Shape {
    return [...this.kernelSize, this.window(inputShape, 1).channels, this.filters];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return windowOutputShape(this.window(inputShape, 1), this.rank, this.filters);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel).value;
    this.checkDepth(x, kernel.shape[this.rank], 'channels');
    const g = (this.geometry = this.window(x.shape.slice(1), x.shape[0]));
    const z = this.buffer('z', [g.batch, ...windowOutputShape(g, this.rank, this.filters)]);
    this.input = x;
    const slope = this.activation.fusableSlope();
    if (slope !== undefined) {
      // ReLU or leaky ReLU: computed with the convolution, in one pass.
      return this.output(this.activation.forwardFused(z, (y) => conv2d(x.data, g, kernel.data, this.bias?.value.data, z.data, { slope, y })));
    }
    conv2d(x.data, g, kernel.data, this.bias?.value.data, z.data);
    return this.output(this.activation.forward(z, training));
  }

  backward(dOutput: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const dy = this.withActivityGradient(dOutput, skipOutputActivation);
    const g = this.requireForward(this.geometry);
    const x = this.requireForward(this.input);
    const kernel = this.kernel!;
    const dx = this.buffer('dx', windowInputShape(g, this.rank));
    const grads = { dKernel: kernel.grad.data, dBias: this.bias?.grad.data, dx: inputGradient ? dx.data : undefined };
    const slope = this.activation.fusableSlope();
    if (slope !== undefined) {
      // The activation was fused into forward: its derivative joins the convolution's backward step.
      conv2dBackward(x.data, g, kernel.value.data, dy.data, grads, { slope, z: this.activation.fusedInput()!.data });
    } else conv2dBackward(x.data, g, kernel.value.data, this.activation.backward(dy, skipOutputActivation).data, grads);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), filters: this.filters, ...this.windowConfig() };
  }
}
