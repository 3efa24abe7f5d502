import { Layer, type Param } from '../layers/layer';
import { InputLayer } from '../layers/input-layer';
import { getLoss, type CustomLossSpec, type LossKey } from '../losses';
import type { Loss } from '../losses/losses';
import { getOptimizer, type OptimizerKey } from '../optim';
import type { Optimizer } from '../optim/optimizer';
import { formatShape, shapesEqual, type Shape, type Tensor, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { DatasetSource } from '../data/dataset-api';
import { nearestKey } from '../util/keys';
import { checkOptions, describeValue } from '../util/options';
import { uniqueName } from '../layers/naming';
import type { Callback, Logs } from './callbacks/base';
import type { History } from './history';
import { checkMetric, type MetricKey, type MetricSpec } from '../metrics';
import { summarize, type SummaryOptions } from './summary';
import { evaluateDatasetModel, evaluateModel, fitDatasetModel, fitModel, type FitDatasetOptions, predictModel, predictOnBatchModel, testOnBatchModel, trainOnBatchModel, type OnBatchOptions } from './training';
import { exportOnnx, saveModel, serializeModel, type CompileSettings, type ModelJSON, type SaveResult, type SerializeOptions } from '../io';

export interface SequentialOptions {
  /** Default `sequential_1`, `sequential_2`, ... */
  name?: string;
  /** Layers to add in order, as with repeated `add`. */
  layers?: Layer[];
}

export interface CompileOptions {
  /** An optimizer object (`new SGD({ learningRate: 0.1 })`) or key (`'sgd'`, `'adam'`). */
  optimizer: OptimizerKey | Optimizer;
  /** A loss key (`'binaryCrossentropy'`, `'categorical_crossentropy'`) or object. */
  loss: LossKey | Loss | CustomLossSpec;
  /**
   * Metrics to report: keys (`'accuracy'`, `'mse'`, `'auc'`, `'precision'`, ...), metric objects
   * (`new metrics.AUC({ curve: 'PR' })`) or functions `(yTrue, yPred) => number` of one sample;
   * one key alone is read as a list of one, as TF.js does.
   */
  metrics?: MetricKey | (string & {}) | MetricSpec[];
}

export interface FitOptions {
  /** Passes over the training data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Shuffle the samples before each epoch. Default true. */
  shuffle?: boolean;
  /** Fraction of the data, taken from the end before shuffling, held out for validation. */
  validationSplit?: number;
  /** Held-out data `[x, y]` to evaluate after each epoch (takes precedence over `validationSplit`). */
  validationData?: [TensorLike, TensorLike];
  /**
   * 0: silent. 1: a progress bar redrawn in place on stderr, when it is a terminal; one line per
   * epoch otherwise. 2: one line per epoch. Default 1. See `ProgressLogger`.
   */
  verbose?: 0 | 1 | 2;
  /** Hooks run during training, in the order given, before the progress logger and History. */
  callbacks?: Callback[];
  /** Seed for shuffling; without it, drawn from the global stream (`setSeed`). */
  seed?: number;
  /**
   * One weight a training sample (length: the samples of x): each sample's loss is multiplied by
   * it, and the sum divided by the number of samples (not by the weights' sum), as Keras 3. Metrics
   * stay unweighted. With validationSplit, the held-out samples keep their weights (val_loss is weighted).
   */
  sampleWeight?: TensorLike;
  /**
   * A weight a class index (`{ 0: 1, 1: 5 }`), turned into each training sample's weight as Keras
   * does: the class is the label's argmax (one-hot) or its rounded value (class index, 0/1 label);
   * a class not listed weighs 1. Not with sampleWeight.
   */
  classWeight?: Record<number, number>;
  /** The epoch to start at, from 0 (to resume a run): epochs initialEpoch to epochs − 1 run, numbered so in History and callbacks. Default 0. */
  initialEpoch?: number;
  /** Samples per forward pass of the validation. Default batchSize. */
  validationBatchSize?: number;
  /** Validate after every validationFreq-th epoch (epoch numbers from 1, so 2 validates epochs 2, 4, ...). Default 1. */
  validationFreq?: number;
}

export interface ExportOptions {
  /** The file format: `'onnx'` (the default, and the one so far). */
  format?: 'onnx';
}

export interface EvaluateOptions {
  /** Samples per forward pass. Default 32. */
  batchSize?: number;
}

/** The state `compile` sets (the form formats save and load). */
export type Compiled = CompileSettings;

/** What is running on a model, for the calls that must not overlap it. */
type Running = 'fit';

/** A linear stack of layers, trained as in Keras: `add`, `compile`, `fit`, `evaluate`, `predict`. */
export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set by a callback to stop `fit`: it is checked after every batch, and the epoch then ends. */
  stopTraining = false;
  private compiled?: Compiled;
  /** The layers and the layers they hold (a wrapper's), for `add`'s membership test in constant time. */
  private readonly members = new Set<Layer>();
  /** The output shape of the last layer, kept as layers are added (so that `add` is not quadratic). */
  private shapeOut?: Shape;
  private running?: Running;
  /** How many callback hooks of the running `fit` are in progress (they may evaluate, predict and set weights). */
  private hooks = 0;
  /** The sample shape an InputLayer declared before the first layer (Keras 3's `keras.Input`); the model keeps no InputLayer in `layers`. */
  private declaredInput?: Shape;

  /**
   * `new Sequential()`, `new Sequential([layer, ...])` or `new Sequential({ layers, name })`, as in
   * Keras and TF.js.
   */
  constructor(options: SequentialOptions | readonly Layer[] = {}) {
    const { name, layers = [] } = Array.isArray(options)
      ? { name: undefined, layers: options as readonly Layer[] }
      : checkOptions<SequentialOptions>('Sequential', options, ['name', 'layers'], { example: '{ layers: [new Dense({ units: 8, inputShape: [4] })] }' });
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new LayerwiseError(`Sequential: name must be a non-empty string. Received: name=${describeValue(name)}.`);
    }
    this.name = name ?? uniqueName('Sequential');
    if (!Array.isArray(layers)) {
      throw new LayerwiseError(`${this.name}: layers must be an array of layers, such as [new Dense({ units: 8, inputShape: [4] })]. Received: ${describeValue(layers)}.`);
    }
    for (const layer of layers) this.add(layer);
  }

  /**
   * Throws while `fit` runs, unless called from one of its callbacks (`allowInHooks`): a second
   * `fit`, `compile`, or a change of the layers from outside would corrupt the run.
   */
  private guard(what: string, allowInHooks = false): void {
    if (!this.running || (allowInHooks && this.hooks > 0)) return;
    throw new LayerwiseError(
      `${this.name}.${what}: the model is training (fit is running). Wait for fit to finish (await model.fit(...)) ` +
        `before calling ${what}${allowInHooks ? ', or call it from a callback' : ''}.`,
    );
  }

  /** Marks `fit` as running until `run` settles; a second `fit` meanwhile fails at once. @internal (used by `fit`) */
  async whileFitting<T>(run: () => Promise<T>): Promise<T> {
    this.guard('fit');
    this.running = 'fit';
    try {
      return await run();
    } finally {
      this.running = undefined;
      this.hooks = 0;
    }
  }

  /**
   * @internal (used by `fit`). Runs a callback hook of the running `fit`, and awaits what it returns: meanwhile the calls a
   * callback may make (evaluate, predict, setWeights) are allowed. While an async hook is awaited,
   * so are calls from elsewhere; `fit` itself does nothing in between.
   */
  inHook(run: () => void | Promise<void>): void | Promise<void> {
    this.hooks++;
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      this.hooks--;
      throw error;
    }
    if (!result) {
      this.hooks--;
      return;
    }
    // Awaiting only promises spares a microtask per callback and batch.
    return result.finally(() => {
      this.hooks--;
    });
  }

  /**
   * Appends a layer. As soon as the input shape is known (from the first layer's `inputShape`),
   * each layer is built and its input checked; a layer that does not fit is not added.
   */
  add(layer: Layer): void {
    this.guard('add');
    if (!(layer instanceof Layer)) {
      const hint = typeof layer === 'function' ? ' Create an instance with new, with its options: new Dense({ units: 8 }).' : '';
      throw new LayerwiseError(`${this.name}.add: expected a Layer instance (such as new Dense({ units: 8 })), but received ${describeValue(layer)}.${hint}`);
    }
    if (this.members.has(layer)) {
      const where = this.layers.includes(layer) ? '' : ', held by a wrapper';
      throw new LayerwiseError(`${this.name}.add: the layer ${layer.name} is already in this model${where}. Create a new layer instead.`);
    }
    // A layer held by two wrappers is refused by the second wrapper itself (wrapper.ts).
    const shared = layer.heldLayers().find((held) => this.layers.includes(held));
    if (shared) {
      throw new LayerwiseError(
        `${this.name}.add: ${layer.name} holds the layer ${shared.name}, which is already in this model: one instance would run in two places ` +
          `(its forward state overwritten before its backward pass). Give ${layer.name} a new layer instead.`,
      );
    }
    if (layer instanceof InputLayer) return this.declareInput(layer);
    if (this.layers.length === 0 && this.declaredInput && layer.inputShape && !shapesEqual(layer.inputShape, this.declaredInput)) {
      throw new LayerwiseError(
        `${layer.name}: declares inputShape ${formatShape(layer.inputShape)} but the model's InputLayer declares ${formatShape(this.declaredInput)}. Give the shape once.`,
      );
    }
    const previous = this.outputShape;
    if (this.layers.length > 0 && layer.inputShape && previous && !shapesEqual(layer.inputShape, previous)) {
      throw new LayerwiseError(
        `${layer.name}: declares inputShape ${formatShape(layer.inputShape)} but the previous layer ` +
          `${this.layers[this.layers.length - 1].name} outputs ${formatShape(previous)}. Remove inputShape from every layer but the first.`,
      );
    }
    // A first layer built before (in another model) keeps its shape even without a declared inputShape.
    const inputShape = this.layers.length === 0 ? (layer.inputShape ?? this.declaredInput ?? layer.buildShape) : previous;
    if (inputShape && !layer.built) layer.build(inputShape);
    else if (inputShape && layer.buildShape && !shapesEqual(layer.buildShape, inputShape)) layer.build(inputShape);
    const output = inputShape && layer.computeOutputShape(inputShape);
    this.layers.push(layer);
    for (const member of [layer, ...layer.heldLayers()]) this.members.add(member);
    this.shapeOut = output;
  }

  /** Takes the input shape from an InputLayer, which must come before every other layer. */
  private declareInput(input: InputLayer): void {
    if (this.layers.length > 0 || this.declaredInput) {
      throw new LayerwiseError(
        `${this.name}.add: ${input.name} is an InputLayer, which can only be the first layer of a model, once. ` +
          `Give the shape to the model's first layer (an InputLayer, or inputShape on the first layer) and drop this one.`,
      );
    }
    this.declaredInput = [...input.inputShape];
  }

  /** Removes the last layer and returns it, as Keras's `pop`. */
  pop(): Layer {
    this.guard('pop');
    const layer = this.layers.pop();
    if (!layer) throw new LayerwiseError(`${this.name}.pop: the model has no layers to remove.`);
    for (const member of [layer, ...layer.heldLayers()]) this.members.delete(member);
    this.shapeOut = this.inputShape && this.computeOutputShape(this.inputShape);
    return layer;
  }

  /** A layer by name or by index (negative indices count from the end), as Keras's `get_layer`. */
  getLayer(nameOrIndex: string | number): Layer {
    if (typeof nameOrIndex === 'number') {
      const i = nameOrIndex < 0 ? this.layers.length + nameOrIndex : nameOrIndex;
      if (!Number.isInteger(nameOrIndex) || i < 0 || i >= this.layers.length) {
        throw new LayerwiseError(`${this.name}.getLayer: no layer at index ${nameOrIndex}; the model has ${this.layers.length} layers (0 to ${this.layers.length - 1}).`);
      }
      return this.layers[i];
    }
    const found = this.layers.find((layer) => layer.name === nameOrIndex);
    if (found) return found;
    const names = this.layers.map((layer) => layer.name);
    const near = typeof nameOrIndex === 'string' ? nearestKey(nameOrIndex, names) : undefined;
    throw new LayerwiseError(
      `${this.name}.getLayer: no layer is named ${describeValue(nameOrIndex)}.${near ? ` Did you mean "${near}"?` : ''} Layers: ${names.join(', ') || 'none'}.`,
    );
  }

  /** The weights `fit` updates, layer by layer, as Keras's `trainable_weights`. */
  get trainableWeights(): Param[] {
    return this.params().filter((p) => p.trainable);
  }

  /** The weights `fit` leaves alone: moving statistics, and those of frozen layers. */
  get nonTrainableWeights(): Param[] {
    return this.params().filter((p) => !p.trainable);
  }

  /** The per-sample input shape, once known. */
  get inputShape(): Shape | undefined {
    return this.layers[0]?.buildShape;
  }

  /** The per-sample output shape, once the input shape is known. */
  get outputShape(): Shape | undefined {
    return this.inputShape && this.shapeOut;
  }

  /** The per-sample output shape for a per-sample input shape, without building anything. */
  computeOutputShape(inputShape: Shape): Shape {
    return this.layers.reduce((shape, layer) => layer.computeOutputShape(shape), inputShape);
  }

  /** Builds every layer for a per-sample input shape (done by `fit` and `predict` when needed). */
  build(inputShape: Shape): void {
    if (this.layers.length === 0) {
      throw new LayerwiseError(`${this.name}: the model has no layers. Add layers with model.add(...) first.`);
    }
    let shape = inputShape;
    for (const layer of this.layers) {
      layer.build(shape);
      shape = layer.computeOutputShape(shape);
    }
    this.shapeOut = shape;
  }

  /** Sets the optimizer, the loss and the metrics. Call before `fit` or `evaluate`. */
  compile(options: CompileOptions): void {
    this.guard('compile');
    const example = "{ optimizer: 'adam', loss: 'meanSquaredError', metrics: ['accuracy'] }";
    const { optimizer, loss, metrics = [] } = checkOptions<CompileOptions>(`${this.name}.compile`, options, ['optimizer', 'loss', 'metrics'], { example });
    for (const [key, value] of [['optimizer', optimizer], ['loss', loss]] as const) {
      if (value === undefined) throw new LayerwiseError(`${this.name}.compile: ${key} is required, as in model.compile(${example}).`);
    }
    // A single metric key is accepted as TF.js accepts it: 'accuracy' means ['accuracy'].
    const metricList = typeof metrics === 'string' ? [metrics] : metrics;
    if (!Array.isArray(metricList)) {
      throw new LayerwiseError(`${this.name}.compile: metrics must be an array of metric keys, such as ['accuracy']. Received: ${describeValue(metrics)}.`);
    }
    for (const metric of metricList) checkMetric(metric, `${this.name}.compile`);
    const resolved: Compiled = { optimizer: getOptimizer(optimizer), loss: getLoss(loss), metrics: [...metricList] };
    this.compiled = resolved;
  }

  /** The compile settings; throws with a fix when `compile` has not been called. */
  requireCompiled(where: string): Compiled {
    if (!this.compiled) {
      throw new LayerwiseError(
        `${this.name}.${where}: the model must be compiled first. Call model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' }) before ${where}.`,
      );
    }
    return this.compiled;
  }

  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** The compile settings, or undefined before `compile`. */
  get compileSettings(): Compiled | undefined {
    return this.compiled;
  }

  /** Trains for a number of epochs; resolves to the per-epoch `History`. */
  fit(x: TensorLike, y: TensorLike, options: FitOptions = {}): Promise<History> {
    return this.whileFitting(() => fitModel(this, x, y, options));
  }

  /**
   * Trains on a dataset of `{ xs, ys }` batches (TF.js's `fitDataset`): an iterable or async iterable,
   * or a function returning a fresh one each epoch; a one-shot iterable needs `batchesPerEpoch`.
   * Same step, callbacks and History as `fit`; a bad batch fails naming it, the weights those after the batch before.
   */
  fitDataset(dataset: DatasetSource, options: FitDatasetOptions = {}): Promise<History> {
    return this.whileFitting(() => fitDatasetModel(this, dataset, options));
  }

  /** The loss and metrics over a dataset of batches (iterated once), in inference mode, as `evaluate`. */
  evaluateDataset(dataset: DatasetSource): Promise<Logs> {
    this.guard('evaluateDataset', true);
    return evaluateDatasetModel(this, dataset);
  }

  /** The loss and metrics on the given data, in inference mode. */
  evaluate(x: TensorLike, y: TensorLike, options: EvaluateOptions = {}): Logs {
    this.guard('evaluate', true);
    return evaluateModel(this, x, y, options);
  }

  /** The model's outputs for the given inputs, in inference mode, computed in batches. */
  predict(x: TensorLike, options: EvaluateOptions = {}): Tensor {
    return predictModel(this, x, options);
  }

  /**
   * One gradient step on the batch `x`, `y` (in the order given), as Keras's `train_on_batch`:
   * returns that batch's loss, or `{ loss, ...metrics }` when metrics are compiled or `returnDict`
   * is set. Not while `fit` runs, nor from its callbacks.
   */
  trainOnBatch(x: TensorLike, y: TensorLike, options: OnBatchOptions & { returnDict: true }): Logs;
  trainOnBatch(x: TensorLike, y: TensorLike, options?: OnBatchOptions): number | Logs;
  trainOnBatch(x: TensorLike, y: TensorLike, options: OnBatchOptions = {}): number | Logs {
    this.guard('trainOnBatch');
    return trainOnBatchModel(this, x, y, options);
  }

  /** The loss (and metrics) of one batch in inference mode, as Keras's `test_on_batch`; returns as `trainOnBatch`. */
  testOnBatch(x: TensorLike, y: TensorLike, options: OnBatchOptions & { returnDict: true }): Logs;
  testOnBatch(x: TensorLike, y: TensorLike, options?: OnBatchOptions): number | Logs;
  testOnBatch(x: TensorLike, y: TensorLike, options: OnBatchOptions = {}): number | Logs {
    this.guard('testOnBatch', true);
    return testOnBatchModel(this, x, y, options);
  }

  /** The outputs for `x` in one forward pass in inference mode, as Keras's `predict_on_batch`. */
  predictOnBatch(x: TensorLike): Tensor {
    return predictOnBatchModel(this, x);
  }

  /** All weights with their gradients, layer by layer in Keras's order: the arrays themselves (see Param; `getWeights()` copies). */
  params(): Param[] {
    return this.layers.flatMap((layer) => layer.params());
  }

  countParams(): number {
    return this.layers.reduce((n, layer) => n + layer.countParams(), 0);
  }

  /** Copies of all weights, layer by layer in Keras's order. */
  getWeights(): Tensor[] {
    return this.layers.flatMap((layer) => layer.getWeights());
  }

  /** Sets all weights, in `getWeights` order. Every array is checked before any is written. */
  setWeights(weights: readonly Tensor[]): void {
    this.guard('setWeights', true);
    if (!Array.isArray(weights)) throw new LayerwiseError(`${this.name}.setWeights: expected an array of tensors (as getWeights returns). Received: ${describeValue(weights)}.`);
    const counts = this.layers.map((layer) => layer.params().length);
    const total = counts.reduce((a, b) => a + b, 0);
    if (weights.length !== total) {
      throw new LayerwiseError(`${this.name}.setWeights: the model has ${total} weight arrays but ${weights.length} were given.`);
    }
    let at = 0;
    const plan = this.layers.map((layer, i) => {
      const slice = weights.slice(at, (at += counts[i]));
      layer.params().forEach((p, j) => {
        const shape = slice[j].shape;
        if (!shapesEqual(shape, p.value.shape)) {
          throw new LayerwiseError(
            `${layer.name}: weight ${p.name} has shape [${p.value.shape.join(', ')}] but the array given has shape [${shape.join(', ')}].`,
          );
        }
      });
      // Every value checked (finite) before any layer is written.
      const checked = layer.checkWeights(slice);
      return () => layer.setWeights(checked);
    });
    plan.forEach((apply) => apply());
  }

  /**
   * Exports the model for another engine, as Keras 3's `model.export(path, format=...)`: with
   * `{ format: 'onnx' }` (the default, and the one format so far) an ONNX file (opset 17) for ONNX
   * Runtime, PyTorch (onnx2torch) or `loadOnnx`, written atomically. See `toOnnx` for its content.
   */
  async export(path: string, options: ExportOptions = {}): Promise<void> {
    const where = `${this.name}.export`;
    const { format = 'onnx' } = checkOptions<ExportOptions>(where, options, ['format'], { example: "{ format: 'onnx' }" });
    if (format !== 'onnx') {
      throw new LayerwiseError(`${where}: format must be 'onnx'. Received: format=${describeValue(format)}. For TF.js's Layers format (and Keras through tensorflowjs_converter), use model.save(path).`);
    }
    return exportOnnx(this, path);
  }

  /**
   * Saves the model into a directory in TF.js's Layers format (`model.json` and weight files),
   * atomically; `loadModel` and TF.js's `tf.loadLayersModel` read it back. See `src/io/files.ts`.
   */
  save(path: string, options?: SerializeOptions): Promise<SaveResult> {
    return saveModel(this, path, options);
  }

  /** The content of `model.json`: `JSON.stringify(model)` gives the file. The weights: `serializeModel`. */
  toJSON(): ModelJSON {
    return serializeModel(this, { includeOptimizer: false }).modelJSON;
  }

  /** Prints a Keras-like table of the layers and returns its text. */
  summary(options: SummaryOptions = {}): string {
    return summarize(this, options);
  }
}
