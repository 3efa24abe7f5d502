/**
 * The TF.js Layers format (`model.json` and binary weight files), as TF.js 4 writes and reads it,
 * with what layerwise adds under `userDefinedMetadata.layerwise`.
 */

import type { OptimizerConfig } from '../../optim/optimizer';

/** One weight in a weight file: values in row-major order, little-endian. */
export interface WeightSpec {
  /** `layer_name/weight_name`, e.g. `dense_1/kernel`. */
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  /** `'optimizer'` for optimizer state, as TF.js writes it with `includeOptimizer`. */
  group?: string;
}

/** Weights stored one after another in the concatenation of `paths`. */
export interface WeightsGroup {
  /** File names relative to the directory of `model.json`. */
  paths: string[];
  weights: WeightSpec[];
}

/** A Keras object: a layer, an initializer. Configs use Keras's snake_case names. */
export interface KerasObject {
  class_name: string;
  config: Record<string, unknown>;
}

export interface ModelTopology {
  class_name: 'Sequential';
  config: { name: string; layers: KerasObject[] };
  keras_version: string;
  backend: string;
}

/** The compile settings in TF.js's form; written only when TF.js can read them exactly. */
export interface TrainingConfig {
  loss: string;
  metrics: string[];
  optimizer_config: { class_name: string; config: Record<string, number | boolean> };
}

/** A layer with a fused activation (Dense, Conv1D, Conv2D) whose activation is written as the activation layer that follows it. */
export interface FusedActivation {
  /** The layer, written with a linear activation. */
  layer: string;
  /** The activation layer written after it. */
  activationLayer: string;
  /** The registry key the activation was given as (`'leaky_relu'`); absent for a Layer instance. */
  key?: string;
}

/** An `Activation({ activation: key })` layer written as the layer TF.js has for the key. */
export interface KeyedLayer {
  layer: string;
  key: string;
}

/** Settings of a layer that its Keras config cannot hold, restored on load. */
export interface LayerSettings {
  layer: string;
  /** Only `activation` (a key), `seed` and `inputShape`. */
  config: Record<string, unknown>;
}

export interface CompileMetadata {
  optimizer: { className: string; config: OptimizerConfig };
  /** The loss's `getConfig()`: its name, fromLogits, and its other options (huber's delta, labelSmoothing, ...). */
  loss: { name: string; fromLogits?: boolean } & Record<string, number | boolean | string | undefined>;
  /** Keys as given; metric objects by class name and config; a function by its name (it cannot be loaded back). */
  metrics: (string | { className: string; config: Record<string, unknown> } | { function: string })[];
}

export interface OptimizerState {
  /** Steps taken. */
  iterations: number;
  /** Per weight, its state arrays, named `<weight name>/<slot>`, in a file of their own. */
  weightsManifest: WeightsGroup[];
}

/** What layerwise records beside the Keras topology, so that a model comes back as it was. */
export interface LayerwiseMetadata {
  /**
   * 2 when the file holds the key `'leaky_relu'`, which means alpha 0.2 since then (Keras 3's
   * function); in files of version 1 it meant 0.3, and such files load with the alpha they were
   * saved with. Files without such a key are written as version 1, which older layerwise reads.
   */
  formatVersion: 1 | 2;
  fusedActivations: FusedActivation[];
  keyedLayers: KeyedLayer[];
  layerSettings: LayerSettings[];
  /** Activations the model uses that were added with `registerActivation` (TF.js cannot load these). */
  registeredActivations: string[];
  compile?: CompileMetadata;
  optimizerState?: OptimizerState;
}

/** The content of `model.json`. */
export interface ModelJSON {
  modelTopology: ModelTopology;
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  trainingConfig?: TrainingConfig;
  weightsManifest: WeightsGroup[];
  userDefinedMetadata: { layerwise: LayerwiseMetadata };
}

/** A saved model in memory: `model.json`'s content and the bytes of its files. */
export interface ModelArtifacts {
  modelJSON: ModelJSON;
  /** The weights: the content of the file that `modelJSON.weightsManifest` names. */
  weightData: Uint8Array;
  /** The optimizer's state (layerwise only), when the model is compiled and has trained. */
  optimizerData?: Uint8Array;
}

export const GENERATED_BY = 'layerwise';
/** The names layerwise gives its weight files; the id changes with every save. */
export const WEIGHTS_FILE = /^(weights|optimizer)\.[a-z0-9]+\.bin$/;
