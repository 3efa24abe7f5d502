import type { ConstraintSpec } from '../constraints';
import type { InitializerSpec } from '../initializers';
import type { RegularizerSpec } from '../regularizers';
import type { Padding, Window2D } from '../tensor/conv-geometry';
import { depthwiseConv2d, depthwiseConv2dBackward } from '../tensor/js/depthwise';
import { accumulateColumnSums } from '../tensor/kernels';
import type { Shape, Tensor } from '../tensor/tensor';
import { imageReshapeHint, WindowConv, windowOptions, type WindowOptions } from './base-conv';
import type { KernelLayerOptions } from './kernel-layer';
import type { LayerConfig } from './layer';
import { optional, type OptionSpecs } from './options';
import { windowInputShape, windowOutputShape } from './spatial';

/** The options of the depthwise kernel, as Keras names them (DepthwiseConv2D, SeparableConv2D). */
export interface DepthwiseKernelOptions {
  /** Filters per input channel: the output has inChannels · depthMultiplier channels. Default 1. */
  depthMultiplier?: number;
  /** Default `'glorotUniform'`, as Keras. */
  depthwiseInitializer?: InitializerSpec;
  /** A penalty on the depthwise kernel, added to the loss `fit` reports. Default none. */
  depthwiseRegularizer?: RegularizerSpec | null;
  /** A projection of the depthwise kernel after each optimizer step. Default none. */
  depthwiseConstraint?: ConstraintSpec | null;
}

export interface DepthwiseConv2DOptions
  extends Omit<KernelLayerOptions, 'kernelInitializer' | 'kernelRegularizer' | 'kernelConstraint'>,
    WindowOptions<number | [number, number]>,
    DepthwiseKernelOptions {
  /** 'valid' (no padding, default) or 'same' (output size ceil(input / stride), TensorFlow's rule). */
  padding?: Padding;
}

/**
 * Depthwise 2-D convolution over channels-last images [batch, height, width, channels]: each input
 * channel is convolved with its own `depthMultiplier` filters, y[..., c · depthMultiplier + j] =
 * activation(conv(x[..., c], depthwiseKernel[:, :, c, j]) + bias). The kernel is
 * [kh, kw, inChannels, depthMultiplier], weight `depthwise_kernel`, as Keras and TF.js store it.
 * TF.js 4.22 ignores dilationRate (its layer convolves undilated); layerwise dilates, as Keras.
 */
export class DepthwiseConv2D extends WindowConv {
  static override readonly className = 'DepthwiseConv2D';
  static override readonly kernelName = 'depthwise';
  static override readonly options: OptionSpecs = { ...windowOptions(2, 'padding', 'depthwise'), depthMultiplier: optional('positiveInteger') };
  declare readonly padding: Padding;

  readonly depthMultiplier: number;

  private geometry?: Window2D;
  /** The input of the last forward batch. */
  private input?: Tensor;

  constructor(options: DepthwiseConv2DOptions) {
    super(2, ['valid', 'same'], options);
    // A positive integer, checked with the other options by its kind (layer.ts).
    this.depthMultiplier = (this.given as DepthwiseConv2DOptions).depthMultiplier ?? 1;
  }

  reshapeHint(inputShape: Shape): string {
    return imageReshapeHint(inputShape);
  }

  protected kernelShape(inputShape: Shape): Shape {
    return [...this.kernelSize, this.window(inputShape, 1).channels, this.depthMultiplier];
  }

  protected override biasLength(kernelShape: Shape): number {
    return kernelShape[2] * kernelShape[3];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const g = this.window(inputShape, 1);
    return windowOutputShape(g, 2, g.channels * this.depthMultiplier);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel).value;
    this.checkDepth(x, kernel.shape[2], 'channels');
    const g = (this.geometry = this.window(x.shape.slice(1), x.shape[0]));
    const z = this.buffer('z', [g.batch, ...windowOutputShape(g, 2, g.channels * this.depthMultiplier)]);
    this.input = x;
    depthwiseConv2d(x.data, g, kernel.data, this.depthMultiplier, z.data, this.bias?.value.data);
    return this.output(this.activation.forward(z, training));
  }

  backward(dOutput: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const g = this.requireForward(this.geometry);
    const x = this.requireForward(this.input);
    const dz = this.activation.backward(this.withActivityGradient(dOutput, skipOutputActivation), skipOutputActivation);
    const kernel = this.kernel!;
    if (this.bias) accumulateColumnSums(dz.data, this.bias.grad.data, dz.size / this.bias.value.size);
    const dx = this.buffer('dx', windowInputShape(g, 2));
    depthwiseConv2dBackward(x.data, g, kernel.value.data, this.depthMultiplier, dz.data, { dKernel: kernel.grad.data, dx: inputGradient ? dx.data : undefined });
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), ...this.windowConfig(), depthMultiplier: this.depthMultiplier };
  }
}
