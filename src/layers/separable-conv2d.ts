import { constraintConfig, getConstraint, type Constraint, type ConstraintSpec } from '../constraints';
import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { getRegularizer, regularizerConfig, type Regularizer, type RegularizerSpec } from '../regularizers';
import type { Padding, Window2D } from '../tensor/conv-geometry';
import { depthwiseConv2d, depthwiseConv2dBackward } from '../tensor/js/depthwise';
import type { Rng } from '../tensor/random';
import type { Shape, Tensor } from '../tensor/tensor';
import { imageReshapeHint, WindowConv, windowOptions, type WindowOptions } from './base-conv';
import type { DepthwiseKernelOptions } from './depthwise-conv2d';
import { kernelOptions, type KernelLayerOptions } from './kernel-layer';
import type { LayerConfig, Param } from './layer';
import { optional, required, type OptionSpecs } from './options';
import { windowInputShape, windowOutputShape } from './spatial';

export interface SeparableConv2DOptions
  extends Omit<KernelLayerOptions, 'kernelInitializer' | 'kernelRegularizer' | 'kernelConstraint'>,
    WindowOptions<number | [number, number]>,
    DepthwiseKernelOptions {
  /** Number of output channels (of the pointwise step). */
  filters: number;
  /** 'valid' (no padding, default) or 'same' (output size ceil(input / stride), TensorFlow's rule). */
  padding?: Padding;
  /** Default `'glorotUniform'`, as Keras. */
  pointwiseInitializer?: InitializerSpec;
  /** A penalty on the pointwise kernel, added to the loss `fit` reports. Default none. */
  pointwiseRegularizer?: RegularizerSpec | null;
  /** A projection of the pointwise kernel after each optimizer step. Default none. */
  pointwiseConstraint?: ConstraintSpec | null;
}

/**
 * Depthwise separable 2-D convolution over channels-last images: a depthwise convolution (each
 * input channel with its own `depthMultiplier` filters, as DepthwiseConv2D, without bias), then a
 * 1×1 "pointwise" convolution mixing the channels into `filters` outputs, one GEMM over the
 * positions (KernelLayer's rows): y = activation(pointwise(depthwise(x)) + bias). Weights, as
 * Keras and TF.js store them: depthwise_kernel [kh, kw, in, depthMultiplier], pointwise_kernel
 * [1, 1, in · depthMultiplier, filters], bias [filters]. TF.js 4.22 computes it with
 * dilationRate above 1 but cannot train it so (no gradient); layerwise can.
 */
export class SeparableConv2D extends WindowConv {
  static override readonly className = 'SeparableConv2D';
  static override readonly kernelName = 'pointwise';
  static override readonly options: OptionSpecs = {
    filters: required('positiveInteger'),
    ...windowOptions(2, 'padding', 'pointwise'),
    depthMultiplier: optional('positiveInteger'),
    depthwiseInitializer: optional('initializer'),
    depthwiseRegularizer: optional('regularizer'),
    depthwiseConstraint: optional('constraint'),
  };
  declare readonly padding: Padding;

  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: Initializer;
  private readonly depthwiseRegularizer?: Regularizer;
  private readonly depthwiseConstraint?: Constraint;
  private depthwise?: Param;

  private geometry?: Window2D;
  /** The input of the last forward batch. */
  private input?: Tensor;

  constructor(options: SeparableConv2DOptions) {
    super(2, ['valid', 'same'], options);
    // Positive integers, checked with the other options by their kinds (layer.ts).
    const { filters, depthMultiplier = 1 } = this.given as SeparableConv2DOptions;
    this.filters = filters;
    this.depthMultiplier = depthMultiplier;
    const { initializer = 'glorotUniform', regularizer, constraint } = kernelOptions(this.given, 'depthwise');
    this.depthwiseInitializer = getInitializer(initializer, this.name);
    if (regularizer) this.depthwiseRegularizer = getRegularizer(regularizer, this.name);
    if (constraint) this.depthwiseConstraint = getConstraint(constraint, this.name);
  }

  reshapeHint(inputShape: Shape): string {
    return imageReshapeHint(inputShape);
  }

  private depthwiseShape(inputShape: Shape): Shape {
    return [...this.kernelSize, this.window(inputShape, 1).channels, this.depthMultiplier];
  }

  /** The pointwise kernel, KernelLayer's. */
  protected kernelShape(inputShape: Shape): Shape {
    return [1, 1, this.window(inputShape, 1).channels * this.depthMultiplier, this.filters];
  }

  override weightShapes(inputShape: Shape): Shape[] {
    return [this.depthwiseShape(inputShape), ...super.weightShapes(inputShape)];
  }

  /** The depthwise kernel, first (Keras's order: depthwise_kernel, pointwise_kernel, bias). */
  protected override addLeadingWeights(inputShape: Shape, rng: Rng): void {
    this.depthwise = this.addWeight('depthwise_kernel', this.depthwiseShape(inputShape), this.depthwiseInitializer, rng);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return windowOutputShape(this.window(inputShape, 1), 2, this.filters);
  }

  forward(x: Tensor, training: boolean): Tensor {
    const depthwise = this.requireBuilt(this.depthwise).value;
    this.checkDepth(x, depthwise.shape[2], 'channels');
    const g = (this.geometry = this.window(x.shape.slice(1), x.shape[0]));
    const u = this.buffer('depthwise', [g.batch, ...windowOutputShape(g, 2, g.channels * this.depthMultiplier)]);
    this.input = x;
    depthwiseConv2d(x.data, g, depthwise.data, this.depthMultiplier, u.data);
    return this.forwardRows(u, [g.batch, ...windowOutputShape(g, 2, this.filters)], training);
  }

  backward(dOutput: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const g = this.requireForward(this.geometry);
    const x = this.requireForward(this.input);
    const depthwise = this.depthwise!;
    // The pointwise step's gradients (and the bias's, the activation's), then the depthwise step's.
    const du = this.backwardRows(dOutput, [g.batch, ...windowOutputShape(g, 2, g.channels * this.depthMultiplier)], true, skipOutputActivation);
    const dx = this.buffer('dx', windowInputShape(g, 2));
    depthwiseConv2dBackward(x.data, g, depthwise.value.data, this.depthMultiplier, du.data, { dKernel: depthwise.grad.data, dx: inputGradient ? dx.data : undefined });
    return dx;
  }

  override regularizationLoss(accumulateGrad: boolean): number {
    return this.weightPenalty(this.depthwise, this.depthwiseRegularizer, accumulateGrad) + super.regularizationLoss(accumulateGrad);
  }

  override applyConstraints(): void {
    if (this.depthwiseConstraint && this.depthwise?.trainable) this.depthwiseConstraint.apply(this.depthwise.value.data, this.depthwise.value.shape);
    super.applyConstraints();
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      ...this.windowConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: initializerConfig(this.depthwiseInitializer),
      ...(this.depthwiseRegularizer ? { depthwiseRegularizer: regularizerConfig(this.depthwiseRegularizer) } : {}),
      ...(this.depthwiseConstraint ? { depthwiseConstraint: constraintConfig(this.depthwiseConstraint) } : {}),
    };
  }
}
