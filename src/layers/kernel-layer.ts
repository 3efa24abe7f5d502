import { constraintConfig, getConstraint, type Constraint, type ConstraintSpec } from '../constraints';
import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { getRegularizer, regularizerConfig, type Regularizer, type RegularizerSpec } from '../regularizers';
import { biasActivation, biasActivationBackward, fillZeros, gemm } from '../tensor/kernels';
import { rngFor, type Rng } from '../tensor/random';
import type { Shape, Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { ActivationSlot, type ActivationConfig, type ActivationSpec } from './activation-slot';
import { activationFromConfig, isActivationConfig } from './activations';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, type OptionSpecs } from './options';

/** The options Dense and Conv2D share. */
export interface KernelLayerOptions extends LayerOptions {
  /** A registry key (`'relu'`, `'leaky_relu'`) or a Layer instance (`new LeakyReLU({ alpha: 0.2 })`). Default linear. */
  activation?: ActivationSpec | ActivationConfig;
  /** Whether to add a bias vector. Default true. */
  useBias?: boolean;
  /** Default `'glorotUniform'`, as Keras. */
  kernelInitializer?: InitializerSpec;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerSpec;
  /** Seed for this layer's initializers; without it they draw from the global stream (`setSeed`). */
  seed?: number;
  /** A penalty on the kernel, added to the loss `fit` reports: `'l2'`, `regularizers.l2({ l2: 1e-4 })`. Default none. */
  kernelRegularizer?: RegularizerSpec | null;
  /** A penalty on the bias. Default none. */
  biasRegularizer?: RegularizerSpec | null;
  /**
   * A penalty on the layer's output, summed over the batch (as Keras up to 3.13; Keras 3.14 divides
   * it by the batch size). Default none. TF.js 4.22 cannot build it: files keep it in layerwise's metadata.
   */
  activityRegularizer?: RegularizerSpec | null;
  /** A projection of the kernel after each optimizer step: `'nonNeg'`, `constraints.maxNorm({ maxValue: 2 })`. Default none. */
  kernelConstraint?: ConstraintSpec | null;
  /** A projection of the bias after each optimizer step. Default none. */
  biasConstraint?: ConstraintSpec | null;
}

/**
 * The base of layers that compute activation(transform(x, kernel) + bias): Dense, whose rows meet
 * the kernel in one GEMM (`forwardRows`, `backwardRows`), and the convolutions (base-conv.ts),
 * whose windows meet it in the convolution kernels. It owns the kernel, the bias, their
 * initializers and the activation; subclasses give the kernel's shape and the transform.
 */
export abstract class KernelLayer extends Layer {
  static override readonly options: OptionSpecs = {
    activation: optional('activation'),
    useBias: optional('boolean'),
    kernelInitializer: optional('initializer'),
    biasInitializer: optional('initializer'),
    seed: { kind: 'seed', layerwiseOnly: true },
    kernelRegularizer: optional('regularizer'),
    biasRegularizer: optional('regularizer'),
    activityRegularizer: { kind: 'regularizer', layerwiseOnly: true },
    kernelConstraint: optional('constraint'),
    biasConstraint: optional('constraint'),
  };
  /**
   * The kernel's name, which its options take as their prefix, as Keras names them: 'kernel'
   * (kernelInitializer, kernelRegularizer, kernelConstraint), or 'depthwise' (the weight
   * depthwise_kernel, depthwiseInitializer, ...) and 'pointwise' (SeparableConv2D's last kernel).
   */
  static readonly kernelName: string = 'kernel';

  readonly useBias: boolean;
  readonly activation: ActivationSlot;
  private readonly kernelName: string;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly seed?: number;
  private readonly kernelRegularizer?: Regularizer;
  private readonly biasRegularizer?: Regularizer;
  private readonly activityRegularizer?: Regularizer;
  /** The output of the last forward batch, and whether `fit` asked for its penalty's gradient (added to dy by the next backward). */
  private lastOutput?: Tensor;
  private activityPending = false;
  private readonly kernelConstraint?: Constraint;
  private readonly biasConstraint?: Constraint;

  protected kernel?: Param;
  protected bias?: Param;
  /** The rows of the last forward batch. */
  private rows?: Tensor;

  protected constructor(options: unknown) {
    super(options as KernelLayerOptions);
    const { activation, useBias = true, biasInitializer = 'zeros', seed } = this.given as KernelLayerOptions;
    this.kernelName = (new.target as unknown as typeof KernelLayer).kernelName;
    const { initializer: kernelInitializer = 'glorotUniform', regularizer: kernelRegularizer, constraint: kernelConstraint } = kernelOptions(this.given, this.kernelName);
    this.useBias = useBias;
    this.activation = new ActivationSlot(isActivationConfig(activation) ? activationFromConfig(activation, this.name) : activation, this.name);
    // A frozen layer freezes its activation layer too (a PReLU's alpha), as Keras freezes sublayers.
    if (this.activation.layer && !this.trainable) this.activation.layer.trainable = false;
    this.kernelInitializer = getInitializer(kernelInitializer, this.name);
    this.biasInitializer = getInitializer(biasInitializer, this.name);
    this.seed = seed;
    const given = this.given as KernelLayerOptions;
    if (kernelRegularizer) this.kernelRegularizer = getRegularizer(kernelRegularizer, this.name);
    if (given.biasRegularizer) this.biasRegularizer = getRegularizer(given.biasRegularizer, this.name);
    if (given.activityRegularizer) this.activityRegularizer = getRegularizer(given.activityRegularizer, this.name);
    if (kernelConstraint) this.kernelConstraint = getConstraint(kernelConstraint, this.name);
    if (given.biasConstraint) this.biasConstraint = getConstraint(given.biasConstraint, this.name);
  }

  override regularizationLoss(accumulateGrad: boolean): number {
    let penalty = this.weightPenalty(this.kernel, this.kernelRegularizer, accumulateGrad) + this.weightPenalty(this.bias, this.biasRegularizer, accumulateGrad);
    if (this.activityRegularizer && this.lastOutput) {
      const g = accumulateGrad ? this.buffer('dActivity', this.lastOutput.shape) : undefined;
      if (g) fillZeros(g.data);
      penalty += this.activityRegularizer.apply(this.lastOutput.data, g?.data);
      this.activityPending = accumulateGrad;
    }
    return penalty;
  }

  /** The layer's output, kept for the activity regularizer's penalty when there is one; every forward returns through it. */
  protected output(y: Tensor): Tensor {
    if (this.activityRegularizer) this.lastOutput = y;
    return y;
  }

  /**
   * dy plus the activity penalty's gradient, when \`regularizationLoss(true)\` computed one for this
   * batch. With \`skipOutputActivation\`, dy is the gradient of the activation's input (the loss read
   * the logits), so the penalty's gradient goes through the activation's derivative first.
   */
  protected withActivityGradient(dy: Tensor, skipOutputActivation: boolean): Tensor {
    if (!this.activityPending) return dy;
    this.activityPending = false;
    const penalty = skipOutputActivation ? this.activation.backward(this.buffer('dActivity', dy.shape), false) : this.buffer('dActivity', dy.shape);
    const sum = this.buffer('dyActivity', dy.shape);
    for (let i = 0; i < sum.size; i++) sum.data[i] = dy.data[i] + penalty.data[i];
    return sum;
  }

  override applyConstraints(): void {
    if (this.kernelConstraint && this.kernel?.trainable) this.kernelConstraint.apply(this.kernel.value.data, this.kernel.value.shape);
    if (this.biasConstraint && this.bias?.trainable) this.biasConstraint.apply(this.bias.value.data, this.bias.value.shape);
  }

  /** The kernel's shape for a per-sample input shape. Throws for an input the layer cannot take. */
  protected abstract kernelShape(inputShape: Shape): Shape;

  /** The output units (the bias's length) for a kernel's shape: its last axis, unless a subclass says otherwise. */
  protected biasLength(kernelShape: Shape): number {
    return kernelShape[kernelShape.length - 1];
  }

  /** Creates the weights that come before the kernel, from the same random stream (none by default). */
  protected addLeadingWeights(_inputShape: Shape, _rng: Rng): void {}

  override weightShapes(inputShape: Shape): Shape[] {
    const kernel = this.kernelShape(inputShape);
    const bias = this.useBias ? [[this.biasLength(kernel)]] : [];
    return [kernel, ...bias, ...(this.activation.layer?.weightShapes(this.computeOutputShape(inputShape)) ?? [])];
  }

  /**
   * Creates the kernel and the bias, after checking the input and the activation on the output
   * shape, so that a failed build adds no weights.
   */
  override build(inputShape: Shape): void {
    if (!this.built) {
      const kernelShape = this.kernelShape(inputShape);
      this.checkWeightSize(weightName(this.kernelName), kernelShape);
      this.checkOutputSize(inputShape);
      this.activation.build(this.computeOutputShape(inputShape));
      const rng = rngFor(this.seed);
      this.addLeadingWeights(inputShape, rng);
      this.kernel = this.addWeight(weightName(this.kernelName), kernelShape, this.kernelInitializer, rng);
      if (this.useBias) this.bias = this.addWeight('bias', [this.biasLength(kernelShape)], this.biasInitializer, rng);
    }
    super.build(inputShape);
  }

  /** Throws unless `x` has `expected` values on its last axis (what the kernel was built for). */
  protected checkDepth(x: Tensor, expected: number, what: string): void {
    const got = x.shape[x.shape.length - 1];
    if (got !== expected) {
      throw new LayerwiseError(
        `${this.name}: expected inputs with ${expected} ${what} on the last axis, as the layer was built for, ` +
          `but received shape [${x.shape.join(', ')}].`,
      );
    }
  }

  /** activation(rows · kernel + bias), shaped as `outShape`. */
  protected forwardRows(rows: Tensor, outShape: Shape, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel).value;
    const units = kernel.shape[kernel.shape.length - 1];
    const depth = kernel.size / units;
    const count = rows.size / depth;
    const z = this.buffer('z', outShape);
    gemm(rows.data, kernel.data, z.data, count, units, depth);
    this.rows = rows;
    const bias = this.bias?.value.data;
    const slope = this.activation.fusableSlope();
    // ReLU or leaky ReLU: computed with the bias, in one step.
    if (slope !== undefined) return this.output(this.activation.forwardFused(z, (y) => biasActivation(z.data, count, bias, { slope, y })));
    biasActivation(z.data, count, bias);
    return this.output(this.activation.forward(z, training));
  }

  /**
   * Accumulates the kernel and bias gradients; returns the gradient of the rows, as `rowsShape`
   * (left uncomputed when `inputGradient` is false).
   */
  protected backwardRows(dy: Tensor, rowsShape: Shape, inputGradient = true, skipOutputActivation = false): Tensor {
    const rows = this.requireForward(this.rows);
    const kernel = this.kernel!;
    const units = kernel.value.shape[kernel.value.shape.length - 1];
    const depth = kernel.value.size / units;
    const count = rows.size / depth;
    const dOut = this.withActivityGradient(dy, skipOutputActivation);
    const slope = skipOutputActivation ? undefined : this.activation.fusableSlope();
    // dz = dy · act'(z) and dBias += Σ_rows dz (in one step when forward fused the activation);
    // dKernel += rowsᵀ · dz; dRows = dz · kernelᵀ.
    let dz: Tensor;
    if (slope !== undefined) {
      dz = this.buffer('dz', dOut.shape);
      biasActivationBackward(dOut.data, count, this.bias?.grad.data, { slope, z: this.activation.fusedInput()!.data, dz: dz.data });
    } else {
      dz = this.activation.backward(dOut, skipOutputActivation);
      biasActivationBackward(dz.data, count, this.bias?.grad.data);
    }
    gemm(rows.data, dz.data, kernel.grad.data, depth, units, count, { transA: true, beta: 1 });
    const dRows = this.buffer('dRows', rowsShape);
    if (inputGradient) gemm(dz.data, kernel.value.data, dRows.data, count, depth, units, { transB: true });
    return dRows;
  }

  override params(): Param[] {
    return [...super.params(), ...this.activation.params()];
  }

  override outputActivation(): ActivationSlot {
    return this.activation;
  }

  override fusedActivation(): ActivationSlot {
    return this.activation;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      activation: this.activation.toConfig(),
      useBias: this.useBias,
      [`${this.kernelName}Initializer`]: initializerConfig(this.kernelInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...(this.kernelRegularizer ? { [`${this.kernelName}Regularizer`]: regularizerConfig(this.kernelRegularizer) } : {}),
      ...(this.biasRegularizer ? { biasRegularizer: regularizerConfig(this.biasRegularizer) } : {}),
      ...(this.activityRegularizer ? { activityRegularizer: regularizerConfig(this.activityRegularizer) } : {}),
      ...(this.kernelConstraint ? { [`${this.kernelName}Constraint`]: constraintConfig(this.kernelConstraint) } : {}),
      ...(this.biasConstraint ? { biasConstraint: constraintConfig(this.biasConstraint) } : {}),
    };
  }
}

/** A kernel's weight name: `kernel`, `depthwise_kernel`, `pointwise_kernel`. */
export function weightName(kernelName: string): string {
  return kernelName === 'kernel' ? 'kernel' : `${kernelName}_kernel`;
}

/** The initializer, regularizer and constraint given for the kernel of a name (`depthwiseInitializer`, ...). */
export function kernelOptions(given: object, kernelName: string): { initializer?: InitializerSpec; regularizer?: RegularizerSpec | null; constraint?: ConstraintSpec | null } {
  const options = given as Record<string, unknown>;
  return {
    initializer: options[`${kernelName}Initializer`] as InitializerSpec | undefined,
    regularizer: options[`${kernelName}Regularizer`] as RegularizerSpec | null | undefined,
    constraint: options[`${kernelName}Constraint`] as ConstraintSpec | null | undefined,
  };
}
