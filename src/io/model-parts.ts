import type { Layer } from '../layers/layer';
import type { Loss } from '../losses/losses';
import type { Optimizer } from '../optim/optimizer';
import type { Shape } from '../tensor/tensor';
import type { MetricSpec } from '../metrics';

/**
 * What formats know of a model: generic parts (layers, compile settings), never a model class.
 * The model calls the formats and hands itself over as these (as Keras's models call `saving`);
 * nothing in io imports from model/.
 */

/** The compile settings: an optimizer, a loss, the metrics (keys, metric objects, functions). */
export interface CompileSettings {
  optimizer: Optimizer;
  loss: Loss;
  metrics: MetricSpec[];
}

/** A model to write: a linear stack of layers, built once its input shape is known. */
export interface SavableModel {
  readonly name: string;
  readonly layers: readonly Layer[];
  /** The per-sample input shape, once the model is built. */
  readonly inputShape: Shape | undefined;
  /** The compile settings, or undefined before `compile`. */
  readonly compileSettings: CompileSettings | undefined;
}

/** A model being read: the loader adds the layers in order, then compiles it. */
export interface LoadableModel extends SavableModel {
  /** Appends a layer, building it on the previous layer's output shape (a `Sequential`'s `add`). */
  add(layer: Layer): void;
  /** The per-sample output shape, once the input shape is known. */
  readonly outputShape: Shape | undefined;
  compile(settings: CompileSettings): void;
  /** The optimizer `compile` set. */
  readonly optimizer: Optimizer | undefined;
}

/** Makes the empty model a loader fills (a `Sequential` with that name). */
export type ModelFactory<M extends LoadableModel> = (name: string | undefined) => M;
