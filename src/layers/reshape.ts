import { formatShape, sizeOf, tensor, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { required, type OptionSpecs } from './options';

export interface ReshapeOptions extends LayerOptions {
  /** The per-sample output shape; one entry may be -1, inferred from the input size. */
  targetShape: number[];
}

/** Views each sample with another shape of the same size. No copy. */
export class Reshape extends Layer {
  static override readonly className = 'Reshape';
  static override readonly options: OptionSpecs = { targetShape: required('targetShape') };
  static override readonly positional = 'targetShape';
  readonly targetShape: number[];
  private inputBatchShape?: Shape;

  /** `new Reshape({ targetShape: [7, 7, 1] })`, or `new Reshape([7, 7, 1])` (as Keras's `Reshape((7, 7, 1))`). */
  constructor(options: ReshapeOptions | number[]) {
    super(options as LayerOptions);
    const { targetShape } = this.given as ReshapeOptions;
    if (targetShape.filter((d) => d === -1).length > 1 || !targetShape.every((d) => d === -1 || (Number.isInteger(d) && d > 0))) {
      throw new LayerwiseError(
        `${this.name}: targetShape must be positive integers with at most one -1. Received: targetShape=${JSON.stringify(targetShape)}.`,
      );
    }
    this.targetShape = [...targetShape];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const size = sizeOf(inputShape);
    const known = sizeOf(this.targetShape.filter((d) => d !== -1));
    const shape = this.targetShape.map((d) => (d === -1 ? size / known : d));
    if (sizeOf(shape) !== size || !shape.every(Number.isInteger)) {
      throw new LayerwiseError(
        `${this.name}: cannot reshape input ${formatShape(inputShape)} (${size} values a sample) to ${formatShape(this.targetShape)}. ` +
          `The target must hold the same number of values.`,
      );
    }
    return shape;
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    this.inputBatchShape = x.shape;
    return tensor(x.data, [x.shape[0], ...this.computeOutputShape(x.shape.slice(1))]);
  }

  backward(dy: Tensor): Tensor {
    return tensor(dy.data, this.requireForward(this.inputBatchShape));
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}
