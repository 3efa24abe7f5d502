import type { ConvPadding, Window2D } from '../tensor/conv-geometry';
import { conv2d, conv2dBackward } from '../tensor/conv';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KernelLayer, type KernelLayerOptions } from './kernel-layer';
import type { LayerConfig } from './layer';
import { required, optional, type OptionKind, type OptionSpecs } from './options';
import { describeSize, paddingOption, sizeOption, spatialWindow, splitSpatial, windowInputShape, windowOutputShape, type Rank } from './spatial';

/** The options every convolution takes; sizes are one number or one per spatial axis. */
export interface BaseConvOptions<Size> extends KernelLayerOptions {
  /** Number of output channels. */
  filters: number;
  /** The window's extent; one number for the same along every spatial axis. */
  kernelSize: Size;
  /** Step between windows; default 1. */
  strides?: Size;
  /** Spacing between the kernel's taps; default 1. */
  dilationRate?: Size;
}

/** The option specs of a convolution of a rank (its sizes are lists of `rank` entries). */
export function convOptions(rank: Rank, padding: OptionKind): OptionSpecs {
  const size: OptionKind = rank === 1 ? 'size1' : 'size2';
  return {
    filters: required('positiveInteger'),
    kernelSize: required(size),
    strides: optional(size),
    padding: optional(padding),
    dilationRate: optional(size),
    ...KernelLayer.options,
  };
}

/**
 * The base of the convolutions of every rank (Keras's `BaseConv(rank)`): y = activation(conv(x,
 * kernel) + bias) over channels-last inputs, the kernel [...kernelSize, inChannels, filters] as
 * Keras and TF.js store it. It checks the options, places the windows (spatial.ts) and runs the
 * convolution kernels of tensor/conv.ts, with ReLU and leaky ReLU fused into them; Conv1D and
 * Conv2D only name their rank and paddings. A rank-1 convolution runs as a rank-2 one of height 1.
 */
export abstract class BaseConv extends KernelLayer {
  static override readonly channelsLast = true;

  readonly filters: number;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: ConvPadding;
  readonly dilationRate: number[];

  private geometry?: Window2D;
  /** The input of the last forward batch. */
  private input?: Tensor;

  protected constructor(
    private readonly rank: Rank,
    paddings: readonly ConvPadding[],
    options: unknown,
  ) {
    super(options);
    // filters (a positive integer) and padding's type are checked with the other options, by their kinds (layer.ts).
    const { filters, kernelSize, strides = 1, padding = 'valid', dilationRate = 1 } = this.given as BaseConvOptions<number | readonly number[]> & { padding?: ConvPadding };
    this.padding = paddingOption(this, padding, paddings);
    this.filters = filters;
    this.kernelSize = sizeOption(this, 'kernelSize', kernelSize, rank);
    this.strides = sizeOption(this, 'strides', strides, rank);
    this.dilationRate = sizeOption(this, 'dilationRate', dilationRate, rank);
  }

  /** The hint for an input of the wrong rank (public for `splitSpatial`, which asks only when it fails). */
  abstract reshapeHint(inputShape: Shape): string;

  /** The window geometry for a per-sample input shape and a batch size. */
  private window(inputShape: Shape, batch: number): Window2D {
    const { spatial, channels } = splitSpatial(this, inputShape, this.rank, this);
    const g = spatialWindow(spatial, channels, batch, this.kernelSize, this.strides, this.dilationRate, this.padding);
    if (!g) {
      throw new LayerwiseError(
        `${this.name}: a ${describeSize(this.kernelSize)} kernel (dilation ${this.dilationRate.join('x')}) does not fit in ` +
          `input ${formatShape(inputShape)} with padding 'valid'. Use padding: 'same' or a smaller kernel.`,
      );
    }
    return g;
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
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
    };
  }
}
