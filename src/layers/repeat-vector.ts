import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { required, type OptionSpecs } from './options';

export interface RepeatVectorOptions extends LayerOptions {
  /** How many times to repeat each sample's vector. */
  n: number;
}

/** Repeats each sample's vector n times: [batch, features] → [batch, n, features]. The gradient sums the n copies. */
export class RepeatVector extends Layer {
  static override readonly className = 'RepeatVector';
  static override readonly options: OptionSpecs = { n: required('positiveInteger') };
  static override readonly positional = 'n';

  readonly n: number;
  private inputBatchShape?: Shape;

  /** `new RepeatVector({ n: 3 })`, or `new RepeatVector(3)` (as Keras's `RepeatVector(3)`). */
  constructor(options: RepeatVectorOptions | number) {
    super(options as LayerOptions);
    this.n = (this.given as RepeatVectorOptions).n;
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (inputShape.length !== 1) {
      throw new LayerwiseError(`${this.name}: expected vectors, input shape (None, features), but received ${formatShape(inputShape)}. Flatten the input first.`);
    }
    return [this.n, inputShape[0]];
  }

  override build(inputShape: Shape): void {
    this.computeOutputShape(inputShape);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    const [batch, f] = x.shape;
    const y = this.buffer('y', [batch, ...this.computeOutputShape(x.shape.slice(1))]);
    for (let b = 0; b < batch; b++) {
      const row = x.data.subarray(b * f, b * f + f);
      for (let r = 0; r < this.n; r++) y.data.set(row, (b * this.n + r) * f);
    }
    this.inputBatchShape = x.shape;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const shape = this.requireForward(this.inputBatchShape);
    const [batch, f] = shape;
    const dx = this.buffer('dx', shape);
    dx.data.fill(0);
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < this.n; r++) {
        const from = (b * this.n + r) * f;
        for (let j = 0; j < f; j++) dx.data[b * f + j] += dy.data[from + j];
      }
    }
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), n: this.n };
  }
}
