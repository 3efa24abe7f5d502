import { Layer, type Param } from '../layers/layer';
import { getLoss, type LossKey } from '../losses';
import type { Loss } from '../losses/losses';
import { getOptimizer, type OptimizerKey } from '../optim';
import type { Optimizer } from '../optim/optimizer';
import { formatShape, shapesEqual, type Shape, type Tensor, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { uniqueName } from '../layers/naming';
import type { Callback, Logs } from './callbacks/base';
import type { History } from './history';
import { checkMetric, type MetricKey } from '../metrics';
import { summarize, type SummaryOptions } from './summary';
import { evaluateModel, fitModel, predictModel } from './training';
import { saveModel, serializeModel, type CompileSettings, type ModelJSON, type SaveResult, type SerializeOptions } from '../io';

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
  loss: LossKey | Loss;
  /** Metrics to report, by key (`'accuracy'`, `'mse'`, `'mae'`). */
  metrics?: (MetricKey | (string & {}))[];
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
}

export interface EvaluateOptions {
  /** Samples per forward pass. Default 32. */
  batchSize?: number;
}

/** The state `compile` sets (the form formats save and load). */
export type Compiled = CompileSettings;

/** A linear stack of layers, trained as in Keras: `add`, `compile`, `fit`, `evaluate`, `predict`. */
export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** Set by a callback to stop `fit`: it is checked after every batch, and the epoch then ends. */
  stopTraining = false;
  private compiled?: Compiled;

  constructor({ name, layers = [] }: SequentialOptions = {}) {
    this.name = name ?? uniqueName('Sequential');
    for (const layer of layers) this.add(layer);
  }

  /**
   * Appends a layer. As soon as the input shape is known (from the first layer's `inputShape`),
   * each layer is built and its input checked; a layer that does not fit is not added.
   */
  add(layer: Layer): void {
    if (!(layer instanceof Layer)) {
      throw new LayerwiseError(`${this.name}.add: expected a Layer (such as new Dense({ units: 8 })), but received ${String(layer)}.`);
    }
    if (this.layers.includes(layer)) {
      throw new LayerwiseError(`${this.name}.add: the layer ${layer.name} is already in this model. Create a new layer instead.`);
    }
    const previous = this.outputShape;
    if (this.layers.length > 0 && layer.inputShape && previous && !shapesEqual(layer.inputShape, previous)) {
      throw new LayerwiseError(
        `${layer.name}: declares inputShape ${formatShape(layer.inputShape)} but the previous layer ` +
          `${this.layers[this.layers.length - 1].name} outputs ${formatShape(previous)}. Remove inputShape from every layer but the first.`,
      );
    }
    const inputShape = this.layers.length === 0 ? layer.inputShape : previous;
    if (inputShape && !layer.built) layer.build(inputShape);
    else if (inputShape && layer.buildShape && !shapesEqual(layer.buildShape, inputShape)) layer.build(inputShape);
    this.layers.push(layer);
  }

  /** The per-sample input shape, once known. */
  get inputShape(): Shape | undefined {
    return this.layers[0]?.buildShape;
  }

  /** The per-sample output shape, once the input shape is known. */
  get outputShape(): Shape | undefined {
    const shape = this.inputShape;
    return shape && this.computeOutputShape(shape);
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
  }

  /** Sets the optimizer, the loss and the metrics. Call before `fit` or `evaluate`. */
  compile({ optimizer, loss, metrics = [] }: CompileOptions): void {
    const resolved: Compiled = { optimizer: getOptimizer(optimizer), loss: getLoss(loss), metrics: [...metrics] };
    metrics.forEach(checkMetric);
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
    return fitModel(this, x, y, options);
  }

  /** The loss and metrics on the given data, in inference mode. */
  evaluate(x: TensorLike, y: TensorLike, options: EvaluateOptions = {}): Logs {
    return evaluateModel(this, x, y, options);
  }

  /** The model's outputs for the given inputs, in inference mode, computed in batches. */
  predict(x: TensorLike, options: EvaluateOptions = {}): Tensor {
    return predictModel(this, x, options);
  }

  /** All weights with their gradients, layer by layer in Keras's order. */
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
      return () => layer.setWeights(slice);
    });
    plan.forEach((apply) => apply());
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
