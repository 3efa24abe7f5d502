import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { accumulateColumnSums, addRowVector, gemm } from '../tensor/kernels';
import { rngFor } from '../tensor/random';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { ActivationSlot, type ActivationSpec } from './activation-slot';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';

export interface DenseOptions extends LayerOptions {
  /** Number of output units. */
  units: number;
  /** A registry key (`'relu'`, `'leaky_relu'`) or a Layer instance (`new LeakyReLU({ alpha: 0.2 })`). Default linear. */
  activation?: ActivationSpec;
  /** Whether to add a bias vector. Default true. */
  useBias?: boolean;
  /** Default `'glorotUniform'`, as Keras. */
  kernelInitializer?: InitializerSpec;
  /** Default `'zeros'`. */
  biasInitializer?: InitializerSpec;
  /** Seed for this layer's initializers; without it they draw from the global stream (`setSeed`). */
  seed?: number;
}

/**
 * Fully connected layer: y = activation(x · kernel + bias), over the last axis of its input.
 * The kernel is [inputUnits, units], as Keras and TF.js store it.
 */
export class Dense extends Layer {
  static override readonly className = 'Dense';

  readonly units: number;
  readonly useBias: boolean;
  readonly activation: ActivationSlot;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly seed?: number;

  private kernel?: Param;
  private bias?: Param;
  private x?: Tensor;

  constructor({ units, activation, useBias = true, kernelInitializer = 'glorotUniform', biasInitializer = 'zeros', seed, ...base }: DenseOptions) {
    super(base);
    if (!Number.isInteger(units) || units <= 0) {
      throw new LayerwiseError(`${this.name}: units must be a positive integer. Received: units=${units}.`);
    }
    this.units = units;
    this.useBias = useBias;
    this.activation = new ActivationSlot(activation, this.name);
    this.kernelInitializer = getInitializer(kernelInitializer, this.name);
    this.biasInitializer = getInitializer(biasInitializer, this.name);
    this.seed = seed;
  }

  override build(inputShape: Shape): void {
    if (this.built) return super.build(inputShape);
    const inputUnits = inputShape[inputShape.length - 1];
    if (!(inputUnits > 0)) {
      throw new LayerwiseError(`${this.name}: expected an input shape with a last dimension, but received ${formatShape(inputShape)}.`);
    }
    // The activation is checked first, so that a failed build adds no weights.
    this.activation.build(this.computeOutputShape(inputShape));
    const rng = rngFor(this.seed);
    this.kernel = this.addWeight('kernel', [inputUnits, this.units], this.kernelInitializer, rng);
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], this.biasInitializer, rng);
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  forward(x: Tensor, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel);
    const inputUnits = kernel.value.shape[0];
    const rows = x.size / inputUnits;
    const z = this.buffer('z', [...x.shape.slice(0, -1), this.units]);
    gemm(x.data, kernel.value.data, z.data, rows, this.units, inputUnits);
    if (this.bias) addRowVector(z.data, this.bias.value.data, z.data, rows);
    this.x = x;
    return this.activation.forward(z, training);
  }

  backward(dy: Tensor): Tensor {
    const x = this.requireForward(this.x);
    const kernel = this.kernel!;
    const inputUnits = kernel.value.shape[0];
    const rows = x.size / inputUnits;
    const dz = this.activation.backward(dy);
    // dKernel += xᵀ · dz; dBias += Σ_rows dz; dx = dz · kernelᵀ.
    gemm(x.data, dz.data, kernel.grad.data, inputUnits, this.units, rows, { transA: true, beta: 1 });
    if (this.bias) accumulateColumnSums(dz.data, this.bias.grad.data, rows);
    const dx = this.buffer('dx', x.shape);
    gemm(dz.data, kernel.value.data, dx.data, rows, inputUnits, this.units, { transB: true });
    return dx;
  }

  override params(): Param[] {
    return [...super.params(), ...this.activation.params()];
  }

  override outputActivation(): ActivationSlot {
    return this.activation;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.toConfig(),
      useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
    };
  }
}

