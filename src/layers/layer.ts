import { getInitializer, type InitializerSpec } from '../initializers';
import type { Regularizer } from '../regularizers';
import { residentArray, residentCopy } from '../tensor/backend';
import { BufferCache } from '../tensor/buffers';
import { rngFor, type Rng } from '../tensor/random';
import { clone, compact, firstNonFinite, formatShape, shapesEqual, sizeOf, tensor, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue, isOptionsObject } from '../util/options';
import type { ActivationSlot } from './activation-slot';
import { uniqueName } from './naming';
import { KIND_EXAMPLES, KINDS, type OptionSpecs } from './options';

/**
 * A weight and its gradient, the arrays the model trains (not copies: `getWeights()` gives
 * copies). Gradients accumulate; the model zeroes them once per batch. With the wasm kernels in
 * Node (and in cross-origin isolated pages), `value.data` and `grad.data` are views into the
 * kernels' shared WebAssembly memory, which the kernels use in place: `structuredClone` or
 * `postMessage` of one shares it instead of copying, and its `.buffer` is that whole memory. Their
 * space is reused once the weight itself is garbage, so keep the Param (or copy with
 * `Float32Array.from`), not only a `subarray`, for as long as you read it.
 */
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

/** The options every layer takes, besides those its class declares. */
const BASE_OPTIONS = ['name', 'inputShape', 'trainable'] as const;

/**
 * The most values one weight, or one sample of a layer's output, may hold: 2^28 (1 GiB of float32).
 * Above it a size is a mistake (`units: 1e9`), and failing names it before anything is allocated.
 */
export const MAX_VALUES = 2 ** 28;

/** How messages write a layer's options: `{ filters: 8, kernelSize: 3 }`, from its required options (or its first). */
function exampleOptions(layerClass: typeof Layer): string {
  const entries = Object.entries(layerClass.options);
  const shown = entries.filter(([, spec]) => spec.required);
  const list = (shown.length ? shown : entries.slice(0, 1)).map(([name, spec]) => `${name}: ${KIND_EXAMPLES[spec.kind]}`);
  return list.length ? `{ ${list.join(', ')} }` : `{ name: 'my_${layerClass.className.toLowerCase()}' }`;
}

/**
 * Checks the options a layer's constructor receives, once, against what its class declares: the
 * value must be an options object (or the bare value of the class's positional option: `new
 * Dense(8)`), every key one of the class's options or the base ones (an unknown key fails with
 * the nearest known key), every value of its option's kind, every required option present. `where`
 * names the layer in messages. Returns the options with aliases resolved and nulls of nullable kinds
 * dropped (null means "absent" there, as Keras's None).
 */
function checkLayerOptions(layerClass: typeof Layer, options: unknown, where: string): Record<string, unknown> {
  const specs = layerClass.options;
  const example = exampleOptions(layerClass);
  const positional = layerClass.positional;
  const checked = checkOptions<Record<string, unknown>>(layerClass.className, options, [...Object.keys(specs), ...BASE_OPTIONS], {
    aliases: layerClass.aliases,
    positional,
    example: positional ? `${example} (or new ${layerClass.className}(${KIND_EXAMPLES[specs[positional].kind]}))` : example,
    where,
  });
  for (const [option, spec] of Object.entries(specs)) {
    const value = checked[option];
    const kind = KINDS[spec.kind];
    const expected = spec.expected ?? kind.expected;
    if (value === undefined || (value === null && kind.nullable)) {
      if (spec.required) {
        throw new LayerwiseError(
          `${where}: the option ${option} (${expected}) is missing: ${layerClass.className} has no default for it. ` +
            `Write, for example, new ${layerClass.className}(${example}).`,
        );
      }
      delete checked[option];
    } else if (!kind.test(value) || (spec.choices !== undefined && !spec.choices.includes(value as string))) {
      throw new LayerwiseError(`${where}: ${option} must be ${expected}. Received: ${option}=${describeValue(value)}.`);
    }
  }
  return checked;
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
  /** The option a bare first argument stands for, as Keras's first argument: Dense's `units` (`new Dense(8)`). */
  static readonly positional?: string;
  /** Other names accepted for options, mapped to the class's own: Keras 3's `{ negativeSlope: 'alpha' }`. */
  static readonly aliases: Readonly<Record<string, string>> = {};
  /**
   * Whether the layer passes a mask it receives on to the next layer unchanged (Keras's
   * `supports_masking`): layers that work on each step alone (Dense, Dropout, activations). A
   * layer that neither passes nor uses a mask fails when it receives one (see `computeMask`).
   */
  static readonly supportsMasking: boolean = false;

  readonly name: string;
  /**
   * The options as the constructor received them, checked once here against the class's declared
   * options (see `checkLayerOptions`): aliases resolved, a bare positional value wrapped. Subclass
   * constructors read their own options from it, never from their argument (which may be `8`).
   */
  protected readonly given: Readonly<LayerOptions>;
  /** The per-sample input shape declared by the user, if any. */
  readonly inputShape?: Shape;

  private builtShape?: Shape;
  private trainableFlag: boolean;
  private readonly weights: Param[] = [];
  private readonly buffers = new BufferCache();

  /**
   * Checks the options for the class being constructed (`new.target`), whichever subclass that is:
   * subclasses pass their whole argument here first and read their options from `given`.
   */
  constructor(options: LayerOptions = {}) {
    const layerClass = new.target as unknown as typeof Layer;
    const givenName = isOptionsObject(options) ? options.name : undefined;
    this.name = typeof givenName === 'string' && givenName !== '' ? givenName : uniqueName(layerClass.className);
    const given = checkLayerOptions(layerClass, options, this.name);
    const { name, inputShape, trainable = true } = given as LayerOptions;
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new LayerwiseError(`${this.name}: name must be a non-empty string. Received: name=${describeValue(name)}.`);
    }
    this.trainableFlag = true;
    this.trainable = trainable;
    if (inputShape !== undefined) {
      if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
        throw new LayerwiseError(
          `${this.name}: inputShape must be a non-empty array of positive integers (one sample, no batch dimension). ` +
            `Received: ${describeValue(inputShape)}.`,
        );
      }
      this.inputShape = [...inputShape];
    }
    this.given = given;
  }

  /**
   * Whether `fit` updates this layer's weights. Settable at any time, as in Keras: freezing a
   * layer to fine-tune the rest takes effect at once (a running fit skips its weights from the next
   * step), unfreezing at the next `fit` (which reads the trainable weights once); `summary()`,
   * `model.trainableWeights` and `nonTrainableWeights` follow at once. A fused activation layer
   * (a PReLU given as `activation`) follows its owner.
   */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') {
      throw new LayerwiseError(`${this.name}: trainable must be true or false. Received: trainable=${describeValue(value)}.`);
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
    this.checkOutputSize(inputShape);
    this.builtShape = [...inputShape];
  }

  /**
   * Throws, naming the layer and the size, when a weight of `shape` would hold more than
   * `MAX_VALUES`: `addWeight` calls it before allocating, and a build may call it before adding any.
   */
  protected checkWeightSize(name: string, shape: Shape): void {
    const values = sizeOf(shape);
    if (!(values <= MAX_VALUES)) {
      throw new LayerwiseError(
        `${this.name}: the weight ${name} would have shape [${shape.join(', ')}], ${values} values, more than the 2^28 ` +
          `(${MAX_VALUES}) layerwise allows in one weight. Check the layer's sizes (units, filters, kernelSize) and its input shape.`,
      );
    }
  }

  /**
   * Throws, naming the layer and the size, when one sample of the output for `inputShape` would hold
   * more than `MAX_VALUES`; `build` calls it, and a layer with weights calls it before adding them.
   */
  protected checkOutputSize(inputShape: Shape): void {
    const values = sizeOf(this.computeOutputShape(inputShape));
    if (values > MAX_VALUES) {
      throw new LayerwiseError(
        `${this.name}: its output for input ${formatShape(inputShape)} would hold ${values} values a sample, more than the ` +
          `2^28 (${MAX_VALUES}) layerwise allows. Check the sizes given to the layer (units, filters, padding) and the input shape.`,
      );
    }
  }

  /** The per-sample output shape for a per-sample input shape. Shape-preserving by default. */
  computeOutputShape(inputShape: Shape): Shape {
    return inputShape;
  }

  /**
   * Computes the output for a batch; `training` switches dropout and the like. `mask` is the
   * mask of `x` when an earlier layer made one ([batch, steps], 1 for a real step and 0 for
   * padding: an `Embedding` with `maskZero`); layers that use it (the recurrent ones) skip the
   * padded steps, the rest ignore it.
   */
  abstract forward(x: Tensor, training: boolean, mask?: Tensor): Tensor;

  /**
   * The mask of this layer's output, for the input `x` of the last forward pass and its `mask`
   * (Keras's `compute_mask`). By default a layer that `supportsMasking` passes the mask on, and
   * one that does not fails when it receives one (as TF.js does): dropping it silently would let
   * a later recurrent layer read padding as data. Layers that make a mask (Embedding) or use one
   * up (a recurrent layer without `returnSequences`) override it; the returned tensor stays
   * valid until the layer's next forward pass.
   */
  computeMask(_x: Tensor, mask: Tensor | undefined): Tensor | undefined {
    if (!mask || (this.constructor as typeof Layer).supportsMasking) return mask;
    throw new LayerwiseError(
      `${this.name}: receives a mask (from an Embedding with maskZero: true, or a layer that passes one on), but ${this.className} ` +
        `can neither use one nor pass it on. Put the layers that read the mask (LSTM, GRU, SimpleRNN, Bidirectional) before it, ` +
        `or build the Embedding without maskZero.`,
    );
  }

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

  /**
   * The layers this one holds and runs (a wrapper's: TimeDistributed's layer, Bidirectional's two
   * directions); a model counts them as its members, so that one instance is never used in two
   * places (its forward state would be overwritten before its backward pass). None by default.
   */
  heldLayers(): readonly Layer[] {
    return [];
  }

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

  /**
   * The penalty of this layer's weight regularizers (kernelRegularizer, biasRegularizer), which
   * `fit` adds to the loss; with `accumulateGrad`, their gradients are added to the weights'. 0 for
   * layers without any.
   */
  regularizationLoss(_accumulateGrad: boolean): number {
    return 0;
  }

  /**
   * The penalty of `regularizer` on one weight, its gradient added to the weight's with
   * `accumulateGrad`: 0 for a weight that is frozen now, as Keras 3 regularizes only the trainable
   * weights (a frozen layer adds nothing to the loss). The subclasses' `regularizationLoss` sums these.
   */
  protected weightPenalty(param: Param | undefined, regularizer: Regularizer | undefined, accumulateGrad: boolean): number {
    if (!param || !regularizer || !param.trainable) return 0;
    return regularizer.apply(param.value.data, accumulateGrad ? param.grad.data : undefined);
  }

  /** Projects the weights onto their constraints (kernelConstraint, biasConstraint); `fit` calls it after each optimizer step. */
  applyConstraints(): void {}

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
    this.checkWeightSize(name, shape);
    // The weight and its gradient live in the kernels' memory where they can (backend.ts residentArray).
    const value = tensor(residentCopy(compact(getInitializer(initializer, this.name).init(shape, rng)).data), shape);
    const layer = this;
    const param: Param = {
      name: `${this.name}/${name}`,
      value,
      grad: tensor(residentArray(value.size), shape),
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
