import { constraintConfig, getConstraint, type Constraint, type ConstraintSpec } from '../constraints';
import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { getRegularizer, regularizerConfig, type Regularizer, type RegularizerSpec } from '../regularizers';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, required, type OptionSpecs } from './options';

export interface EmbeddingOptions extends LayerOptions {
  /** The number of ids: every id is an integer in [0, inputDim) (with `maskZero`, 0 is the padding id and counts). */
  inputDim: number;
  /** The length of each id's vector. */
  outputDim: number;
  /** Default `'randomUniform'` (RandomUniform in [-0.05, 0.05]), as Keras's `'uniform'`. */
  embeddingsInitializer?: InitializerSpec;
  /** A penalty on the embeddings matrix, added to the loss `fit` reports. Default none. */
  embeddingsRegularizer?: RegularizerSpec | null;
  /** A projection of the embeddings matrix after each optimizer step. Default none. */
  embeddingsConstraint?: ConstraintSpec | null;
  /** Treat id 0 as padding: `computeMask` gives 0 where the id is 0, 1 elsewhere (for the layers after it). Default false. */
  maskZero?: boolean;
  /**
   * The number of ids in a sample, when fixed (TF.js and Keras 2 have it; Keras 3 dropped it):
   * checked against the input shape. Default none.
   */
  inputLength?: number | null;
}

/**
 * Turns integer ids into dense vectors: y[..., :] = embeddings[id, :]. The input holds ids stored
 * as numbers, of any per-sample shape ([steps] for sequences); the output adds an axis of
 * `outputDim`. An id that is not an integer in [0, inputDim) fails, naming where it is. The
 * embeddings matrix is [inputDim, outputDim]; its gradient is dy's rows added into the rows of the
 * ids that were used (the dense gradient, zero in untouched rows, as Keras and TF.js compute it,
 * so optimizers with state move those rows as they do there). Ids are not differentiable: the
 * input gradient is zero.
 */
export class Embedding extends Layer {
  static override readonly className = 'Embedding';
  static override readonly options: OptionSpecs = {
    inputDim: required('positiveInteger'),
    outputDim: required('positiveInteger'),
    embeddingsInitializer: optional('initializer'),
    embeddingsRegularizer: optional('regularizer'),
    embeddingsConstraint: optional('constraint'),
    maskZero: optional('boolean'),
    inputLength: optional('optionalNumber', 'a positive integer or null'),
  };

  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength?: number;
  private readonly initializer: Initializer;
  private readonly regularizer?: Regularizer;
  private readonly constraint?: Constraint;
  private embeddings?: Param;
  /** The ids of the last forward batch. */
  private ids?: Tensor;

  /** `new Embedding({ inputDim: 1000, outputDim: 16, maskZero: true })`. */
  constructor(options: EmbeddingOptions) {
    super(options);
    const given = this.given as EmbeddingOptions;
    const { inputDim, outputDim, embeddingsInitializer = 'randomUniform', maskZero = false, inputLength } = given;
    if (inputLength !== undefined && inputLength !== null && !(Number.isInteger(inputLength) && inputLength > 0)) {
      throw new LayerwiseError(`${this.name}: inputLength must be a positive integer or null. Received: inputLength=${inputLength}.`);
    }
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.maskZero = maskZero;
    if (inputLength !== undefined && inputLength !== null) this.inputLength = inputLength;
    this.initializer = getInitializer(embeddingsInitializer, this.name);
    if (given.embeddingsRegularizer) this.regularizer = getRegularizer(given.embeddingsRegularizer, this.name);
    if (given.embeddingsConstraint) this.constraint = getConstraint(given.embeddingsConstraint, this.name);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    if (this.inputLength !== undefined && (inputShape.length !== 1 || inputShape[0] !== this.inputLength)) {
      throw new LayerwiseError(
        `${this.name}: inputLength is ${this.inputLength}, so each sample must be ${this.inputLength} ids, but the input shape is ` +
          `${formatShape(inputShape)}. Give inputShape: [${this.inputLength}], or drop inputLength.`,
      );
    }
    return [...inputShape, this.outputDim];
  }

  override weightShapes(inputShape: Shape): Shape[] {
    this.computeOutputShape(inputShape);
    return [[this.inputDim, this.outputDim]];
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const [shape] = this.weightShapes(inputShape);
      this.checkWeightSize('embeddings', shape);
      this.checkOutputSize(inputShape);
      this.embeddings = this.addWeight('embeddings', shape, this.initializer);
    }
    super.build(inputShape);
  }

  /** Throws, naming the first bad id and where it is, unless every id is an integer in [0, inputDim). */
  private checkIds(x: Tensor): void {
    const ids = x.data;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (Number.isInteger(id) && id >= 0 && id < this.inputDim) continue;
      const at: number[] = [];
      for (let rest = i, axis = x.shape.length - 1; axis >= 0; axis--) {
        at.unshift(rest % x.shape[axis]);
        rest = Math.floor(rest / x.shape[axis]);
      }
      throw new LayerwiseError(
        `${this.name}: expected integer ids in [0, ${this.inputDim}) (inputDim ${this.inputDim}), but input[${at.join(', ')}] is ${id}. ` +
          `Map the data to ids below inputDim (with maskZero, 0 is the padding id), or raise inputDim.`,
      );
    }
  }

  forward(x: Tensor, _training = false): Tensor {
    const table = this.requireBuilt(this.embeddings).value.data;
    this.checkIds(x);
    const d = this.outputDim;
    const y = this.buffer('y', [...x.shape, d]);
    const ids = x.data;
    const out = y.data;
    for (let i = 0, at = 0; i < ids.length; i++) for (let j = ids[i] * d, end = j + d; j < end; j++, at++) out[at] = table[j];
    this.ids = x;
    return y;
  }

  /** Adds each row of dy into the gradient row of its id; the input gradient is zero (ids are not differentiable). */
  backward(dy: Tensor): Tensor {
    const x = this.requireForward(this.ids);
    const grad = this.embeddings!.grad.data;
    const d = this.outputDim;
    const ids = x.data;
    for (let i = 0; i < ids.length; i++) {
      const row = ids[i] * d;
      for (let j = 0, at = i * d; j < d; j++, at++) grad[row + j] += dy.data[at];
    }
    // Never written, so it stays zero.
    return this.buffer('dx', x.shape);
  }

  /** With `maskZero`, 1 where the id is not 0 and 0 where it is, shaped as the ids; otherwise none. */
  override computeMask(x: Tensor, _mask: Tensor | undefined): Tensor | undefined {
    if (!this.maskZero) return undefined;
    const mask = this.buffer('mask', x.shape);
    for (let i = 0; i < x.size; i++) mask.data[i] = x.data[i] === 0 ? 0 : 1;
    return mask;
  }

  override regularizationLoss(accumulateGrad: boolean): number {
    return this.weightPenalty(this.embeddings, this.regularizer, accumulateGrad);
  }

  override applyConstraints(): void {
    if (this.constraint && this.embeddings?.trainable) this.constraint.apply(this.embeddings.value.data, this.embeddings.value.shape);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: initializerConfig(this.initializer),
      ...(this.regularizer ? { embeddingsRegularizer: regularizerConfig(this.regularizer) } : {}),
      ...(this.constraint ? { embeddingsConstraint: constraintConfig(this.constraint) } : {}),
      maskZero: this.maskZero,
      ...(this.inputLength === undefined ? {} : { inputLength: this.inputLength }),
    };
  }
}
