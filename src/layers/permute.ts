import { formatShape, sizeOf, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { required, type OptionSpecs } from './options';

export interface PermuteOptions extends LayerOptions {
  /** The order of the sample's axes, counted from 1 (the batch axis stays first): `[2, 1]` swaps the two axes of [steps, features]. */
  dims: number[];
}

/**
 * A reordering of the axes of row-major samples of one shape: output axis k is input axis
 * `order[k]`. Its strides are computed once; `apply` makes one pass over the output with a running
 * input offset (an odometer over the output's axes), sample after sample, allocating nothing.
 */
class Transposition {
  private readonly outShape: number[];
  /** The input offset one step along each output axis moves. */
  private readonly step: number[];
  private readonly index: number[];
  private readonly size: number;

  constructor(shape: Shape, order: readonly number[]) {
    const strides = new Array<number>(shape.length);
    for (let axis = shape.length - 1, s = 1; axis >= 0; axis--) {
      strides[axis] = s;
      s *= shape[axis];
    }
    this.outShape = order.map((a) => shape[a]);
    this.step = order.map((a) => strides[a]);
    this.index = new Array<number>(shape.length).fill(0);
    this.size = sizeOf(shape);
  }

  /** Writes the `batch` samples of `x`, reordered, into `out`. */
  apply(x: Float32Array, out: Float32Array, batch: number): void {
    const { outShape, step, index, size } = this;
    const last = outShape.length - 1;
    for (let b = 0; b < batch; b++) {
      index.fill(0);
      const base = b * size;
      let src = 0;
      for (let i = base; i < base + size; i++) {
        out[i] = x[base + src];
        // Advance the odometer; when an axis wraps, undo its steps and carry into the one before.
        let axis = last;
        src += step[axis];
        while (++index[axis] === outShape[axis] && axis > 0) {
          index[axis] = 0;
          src -= step[axis] * outShape[axis];
          axis--;
          src += step[axis];
        }
      }
    }
  }
}

/**
 * Throws, naming `layer`, unless the samples of `x` have the shape the layer was built for: for the
 * layers whose forward pass is laid out for that shape once, in `build` (a batch of another shape
 * would be read out of place, silently).
 */
export function checkBuiltSample(layer: Layer, x: Tensor): void {
  const built = layer.buildShape!;
  if (x.shape.length !== built.length + 1 || built.some((d, axis) => d !== x.shape[axis + 1])) {
    throw new LayerwiseError(
      `${layer.name}: was built for samples of shape ${formatShape(built)}, but received a batch of shape [${x.shape.join(', ')}]. ` +
        `A layer takes the sample shape it was built for; create another layer for another shape.`,
    );
  }
}

/** Reorders the axes of each sample, as Keras's `Permute(dims)`: [batch, a, b] with dims [2, 1] → [batch, b, a]. */
export class Permute extends Layer {
  static override readonly className = 'Permute';
  static override readonly options: OptionSpecs = { dims: required('shape', 'a permutation of 1, 2, …, the sample rank') };
  static override readonly positional = 'dims';

  readonly dims: number[];
  /** The sample axes in `dims` order, 0-based. */
  private readonly order: number[];
  /** The reordering of the input samples, and its inverse for the gradient, once built. */
  private forwardPlan?: Transposition;
  private backwardPlan?: Transposition;
  private inputBatchShape?: Shape;

  /** `new Permute({ dims: [2, 1] })`, or `new Permute([2, 1])` (as Keras's `Permute((2, 1))`). */
  constructor(options: PermuteOptions | number[]) {
    super(options as LayerOptions);
    const { dims } = this.given as PermuteOptions;
    const sorted = [...dims].sort((a, b) => a - b);
    if (dims.length === 0 || !sorted.every((d, i) => d === i + 1)) {
      throw new LayerwiseError(
        `${this.name}: dims must be a permutation of 1, 2, …, n (the sample's axes, counted from 1; the batch axis is not included). ` +
          `Received: dims=${JSON.stringify(dims)}.`,
      );
    }
    this.dims = [...dims];
    this.order = dims.map((d) => d - 1);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== this.dims.length) {
      throw new LayerwiseError(
        `${this.name}: dims ${JSON.stringify(this.dims)} reorders ${this.dims.length} axes, but the input shape ${formatShape(inputShape)} has ${inputShape.length}. ` +
          `Give one entry per axis of a sample.`,
      );
    }
    return this.dims.map((d) => inputShape[d - 1]);
  }

  override build(inputShape: Shape): void {
    const outputShape = this.computeOutputShape(inputShape);
    if (!this.built) {
      const inverse = new Array<number>(this.order.length);
      this.order.forEach((a, k) => (inverse[a] = k));
      this.forwardPlan = new Transposition(inputShape, this.order);
      this.backwardPlan = new Transposition(outputShape, inverse);
    }
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    const plan = this.requireBuilt(this.forwardPlan);
    checkBuiltSample(this, x);
    const y = this.buffer('y', [x.shape[0], ...this.computeOutputShape(this.buildShape!)]);
    plan.apply(x.data, y.data, x.shape[0]);
    this.inputBatchShape = x.shape;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const dx = this.buffer('dx', this.requireForward(this.inputBatchShape));
    this.backwardPlan!.apply(dy.data, dx.data, dy.shape[0]);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}
