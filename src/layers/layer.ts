import { getInitializer, type InitializerSpec } from '../initializers';
import { BufferCache } from '../tensor/buffers';
import { rngFor, type Rng } from '../tensor/random';
import { clone, compact, firstNonFinite, formatShape, shapesEqual, zeros, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { ActivationSlot } from './activation-slot';
import { uniqueName } from './naming';
import type { OptionSpecs } from './options';

/** A weight and its gradient. Gradients accumulate; the model zeroes them once per batch. */
export interface Param {
  /** `layerName/weightName`, e.g. `dense_1/kernel`. */
  readonly name: string;
  readonly value: Tensor;
  readonly grad: Tensor;
  /** Whether the optimizer updates it: the weight is trainable (moving statistics are not) and so is its layer, now. */
  readonly trainable: boolean;
}

export interface LayerOptions {
  /** Unique name; made from the class name when omitted (`dense_1`, `dense_2`, ...). */
  name?: string;
  /** Shape of one sample, without the batch dimension; needed on the first layer of a model. */
  inputShape?: readonly number[];
  /** Whether the optimizer updates this layer's weights. Default true. */
  trainable?: boolean;
}

/** A JSON-friendly description of a layer, enough to rebuild it. */
export type LayerConfig = { name: string; trainable: boolean; inputShape?: number[] } & Record<string, unknown>;

/**
 * The base of every layer. A layer builds its weights lazily once it knows its input shape, keeps
 * from `forward` only what `backward` needs, and accumulates its parameter gradients in `backward`.
 *
 * Shapes given to `build` and `computeOutputShape` are per sample (no batch dimension); tensors
 * given to `forward` and `backward` have the batch first. The tensor `forward` returns is a buffer
 * the layer reuses on the next call: copy it to keep it.
 */
export abstract class Layer {
  /** The class name as Keras and TF.js spell it; set by each subclass. */
  static readonly className: string = 'Layer';
  /** The options the class takes and the kind of each (see options.ts); subclasses add theirs. */
  static readonly options: OptionSpecs = {};
  /** Whether the layer works on channels-last data with spatial axes (Keras writes `data_format` for it). */
  static readonly channelsLast: boolean = false;

  readonly name: string;
  /** The per-sample input shape declared by the user, if any. */
  readonly inputShape?: Shape;

  private builtShape?: Shape;
  private trainableFlag: boolean;
  private readonly weights: Param[] = [];
  private readonly buffers = new BufferCache();

  constructor({ name, inputShape, trainable = true }: LayerOptions = {}) {
    this.name = name ?? uniqueName(this.className);
    this.trainableFlag = true;
    this.trainable = trainable;
    if (inputShape !== undefined) {
      if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
        throw new LayerwiseError(
          `${this.name}: inputShape must be a non-empty array of positive integers (one sample, no batch dimension). ` +
            `Received: ${JSON.stringify(inputShape)}.`,
        );
      }
      this.inputShape = [...inputShape];
    }
  }

  /**
   * Whether `fit` updates this layer's weights. Settable at any time, as in Keras: freezing a
   * layer to fine-tune the rest takes effect at the next `fit`, and `summary()`,
   * `model.trainableWeights` and `nonTrainableWeights` follow at once. A fused activation layer
   * (a PReLU given as `activation`) follows its owner.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new LayerwiseError(`${this.name}: trainable must be true or false. Received: trainable=${JSON.stringify(value)}.`);
    }
    this.trainableFlag = value;
    const activation = this.fusedActivation()?.layer;
    if (activation) activation.trainable = value;
  }

  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  get built(): boolean {
    return this.builtShape !== undefined;
  }

  /** The per-sample input shape this layer was built for. */
  get buildShape(): Shape | undefined {
    return this.builtShape;
  }

  /**
   * Creates the weights for a per-sample input shape. Subclasses check the shape and add their
   * weights, then call `super.build(inputShape)`. Building again with another shape fails.
   */
  build(inputShape: Shape): void {
    if (this.builtShape && !shapesEqual(this.builtShape, inputShape)) {
      throw new LayerwiseError(
        `${this.name}: already built for input shape ${formatShape(this.builtShape)}, ` +
          `but now receives ${formatShape(inputShape)}. A layer instance can be used in one place only; create a new layer.`,
      );
    }
    this.builtShape = [...inputShape];
  }

  /** The per-sample output shape for a per-sample input shape. Shape-preserving by default. */
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  /** Computes the output for a batch; `training` switches dropout and the like. */
  abstract forward(x: Tensor, training: boolean): Tensor;

  /**
   * Given dL/dy for the last forward batch, accumulates parameter gradients and returns dL/dx.
   * With `inputGradient` false (the model passes it to its first layer with weights, whose dL/dx
   * nobody reads), a layer may skip computing dL/dx and return a buffer of its values unspecified.
   * With `skipOutputActivation` (the model passes it to its last layer when the loss read the
   * logits: softmax or sigmoid with cross-entropy), `dy` is already the gradient of the output
   * activation's input, and that activation's own derivative is skipped. It is an argument of the
   * call, not state of the layer, so that nothing one training run sets can leak into another.
   */
  abstract backward(dy: Tensor, inputGradient?: boolean, skipOutputActivation?: boolean): Tensor;

  /** The weights with their gradients, in Keras's order. */
  params(): Param[] {
    return [...this.weights];
  }

  /**
   * The shapes of the weights `build` creates for a per-sample input shape, in `params()` order,
   * computed without creating them (a loader checks sizes before allocating). It throws, naming the
   * layer, for an input shape the layer cannot take.
   */
  weightShapes(_inputShape: Shape): Shape[] {
    return [];
  }

  /**
   * The activation this layer applies after its own transform (the `activation` option of Dense
   * and the convolutions), which a format may write as a layer of its own; undefined for the rest.
   */
  fusedActivation(): ActivationSlot | undefined {
    return undefined;
  }

  /** The activation that produces this layer's output, for layers that have one. */
  outputActivation(): ActivationSlot | undefined {
    return undefined;
  }

  /** Settings enough to rebuild the layer. Subclasses add their own to the base's. */
  getConfig(): LayerConfig {
    const config: LayerConfig = { name: this.name, trainable: this.trainable };
    if (this.inputShape) config.inputShape = [...this.inputShape];
    return config;
  }

  /** The number of weight values (trainable and not). */
  countParams(): number {
    return this.params().reduce((n, p) => n + p.value.size, 0);
  }

  /** Copies of the weights, in Keras's order (Dense: kernel, then bias). */
  getWeights(): Tensor[] {
    return this.params().map((p) => clone(p.value));
  }

  /**
   * Replaces the weights, in the order `getWeights` gives. All are checked before any is written,
   * so a wrong count, a wrong shape or a value that is not finite leaves the layer unchanged.
   */
  setWeights(weights: readonly Tensor[]): void {
    const checked = this.checkWeights(weights);
    this.params().forEach((p, i) => p.value.data.set(checked[i].data));
  }

  /**
   * Checks weights for `setWeights` without writing them: their count, shapes, and that every
   * value is finite. Returns them compacted, in order.
   */
  checkWeights(weights: readonly Tensor[]): Tensor[] {
    const params = this.params();
    if (!this.built) {
      throw new LayerwiseError(`${this.name}: cannot set weights before the layer is built. Add it to a model with a known input shape first.`);
    }
    if (weights.length !== params.length) {
      throw new LayerwiseError(
        `${this.name}: setWeights expected ${params.length} arrays (${params.map((p) => p.name.split('/').pop()).join(', ')}) ` +
          `but received ${weights.length}.`,
      );
    }
    const values = weights.map((w, i) => {
      const c = compact(w);
      if (!shapesEqual(c.shape, params[i].value.shape)) {
        throw new LayerwiseError(
          `${this.name}: weight ${i} (${params[i].name}) has shape [${params[i].value.shape.join(', ')}] ` +
            `but the array given has shape [${c.shape.join(', ')}].`,
        );
      }
      const bad = firstNonFinite(c.data);
      if (bad >= 0) {
        throw new LayerwiseError(
          `${this.name}: weight ${i} (${params[i].name}) holds ${c.data[bad]} at index ${bad}: weights must be finite numbers. ` +
            `The layer was not changed; check where the values come from (a diverged training run, a damaged file).`,
        );
      }
      return c;
    });
    return values;
  }

  /** Creates a weight; called from `build`. `trainable` false marks state the optimizer never updates (moving statistics). */
  protected addWeight(name: string, shape: Shape, initializer: InitializerSpec, rng: Rng = rngFor(), trainable = true): Param {
    const value = getInitializer(initializer, this.name).init(shape, rng);
    const layer = this;
    const param: Param = {
      name: `${this.name}/${name}`,
      value,
      grad: zeros(shape),
      get trainable() {
        return trainable && layer.trainable;
      },
    };
    this.weights.push(param);
    return param;
  }

  /**
   * A tensor owned by this layer for `key`, reused while the shape stays the same: forward outputs
   * and gradients live here, so training allocates nothing after the first batch of each size.
   */
  protected buffer(key: string, shape: Shape): Tensor {
    return this.buffers.get(key, shape);
  }

  /** Throws unless `build` has created the weight. */
  protected requireBuilt<T>(weight: T | undefined): T {
    if (weight === undefined) {
      throw new LayerwiseError(`${this.name}: the layer is not built yet. Add it to a model with a known input shape, or call build(inputShape).`);
    }
    return weight;
  }

  /** Throws unless `forward` ran before `backward`. */
  protected requireForward<T>(saved: T | undefined): T {
    if (saved === undefined) {
      throw new LayerwiseError(`${this.name}: backward was called before forward. Run forward on a batch first.`);
    }
    return saved;
  }
}

/** The constructor of a layer class from its config (the shape `getConfig` returns). */
export type LayerClass = (new (config: never) => Layer) & Pick<typeof Layer, 'className' | 'options' | 'channelsLast'>;
