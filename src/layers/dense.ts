import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KernelLayer, type KernelLayerOptions } from './kernel-layer';
import type { LayerConfig } from './layer';
import { required, type OptionSpecs } from './options';

export interface DenseOptions extends KernelLayerOptions {
  /** Number of output units. */
  units: number;
}

/**
 * Fully connected layer: y = activation(x · kernel + bias), over the last axis of its input.
 * The kernel is [inputUnits, units], as Keras and TF.js store it.
 */
export class Dense extends KernelLayer {
  static override readonly className = 'Dense';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { units: required('positiveInteger'), ...KernelLayer.options };
  static override readonly positional = 'units';

  readonly units: number;

  /** `new Dense({ units: 8, activation: 'relu' })`, or `new Dense(8)` for the units alone (as Keras's `Dense(8)`). */
  constructor(options: DenseOptions | number) {
    super(options);
    // A positive integer: checked with the other options, by their kinds (layer.ts).
    this.units = (this.given as DenseOptions).units;
  }

  protected kernelShape(inputShape: Shape): Shape {
    const inputUnits = inputShape[inputShape.length - 1];
    if (!(inputUnits > 0)) {
      throw new LayerwiseError(`${this.name}: expected an input shape with a last dimension, but received ${formatShape(inputShape)}.`);
    }
    return [inputUnits, this.units];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return [...inputShape.slice(0, -1), this.units];
  }

  forward(x: Tensor, training: boolean): Tensor {
    this.checkDepth(x, this.requireBuilt(this.kernel).value.shape[0], 'features');
    return this.forwardRows(x, [...x.shape.slice(0, -1), this.units], training);
  }

  backward(dy: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const [inputUnits] = this.kernel!.value.shape;
    return this.backwardRows(dy, [...dy.shape.slice(0, -1), inputUnits], inputGradient, skipOutputActivation);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), units: this.units };
  }
}
