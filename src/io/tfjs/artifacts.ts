import type { Layer } from '../../layers/layer';
import { LAYER_CLASSES } from '../../layers/registry';
import { firstNonFinite, sizeOf } from '../../tensor/tensor';
import { LayerwiseError } from '../../util/errors';
import { readCompileMetadata, readTrainingConfig, restoreOptimizerState, writeCompile, writeOptimizerState, writeTfjsOptimizerState } from './compile';
import { GENERATED_BY, type LayerwiseMetadata, type ModelArtifacts, type ModelJSON, type WeightsGroup } from './format';
import { Field } from '../json';
import type { CompileSettings, LoadableModel, ModelFactory, SavableModel } from '../model-parts';
import { formatVersionFor, nameParams, readTopology, writeTopology, type LayerToBuild, type NamedParam } from './topology';
import { tfjsGaps } from './tfjs-gaps';
import { decodeWeights, encodeWeights, readManifest, type Weight } from './weights';

export interface SerializeOptions {
  /** Save the optimizer's state (momentum, moments, step count) so that training resumes where it stopped. Default true. */
  includeOptimizer?: boolean;
}

/**
 * The model in TF.js's Layers format, in memory: `model.json`'s content, the weights' bytes, and
 * the optimizer's state (layerwise only). Weight file names are `weights.bin` and `optimizer.bin`;
 * `model.save` gives them names of their own.
 */
export function serializeModel(model: SavableModel, { includeOptimizer = true }: SerializeOptions = {}): ModelArtifacts {
  const { topology, records, params } = writeTopology(model);
  // layerwise loads every setting back; TF.js would compute some otherwise: say so (tfjs-gaps.ts).
  for (const gap of tfjsGaps(model.layers.map((layer) => ({ className: layer.className, config: layer.getConfig() })))) {
    console.warn(`layerwise: ${model.name}.save: TF.js 4.22 would not compute this file as layerwise does. ${gap}`);
  }
  // TF.js's order: the trainable weights of every layer, then the others (moving statistics).
  const ordered = [...params.filter((p) => p.param.trainable), ...params.filter((p) => !p.param.trainable)];
  // A file that would not load is never written: weights must be finite (loadModel refuses others).
  for (const { param, name } of ordered) {
    const bad = firstNonFinite(param.value.data);
    if (bad >= 0) {
      throw new LayerwiseError(
        `${model.name}.save: the weight "${name}" holds ${param.value.data[bad]} at index ${bad}; a model with weights that are not finite ` +
          `cannot be loaded again, so it is not saved. The model diverged or its weights were set by hand: restore earlier weights or retrain.`,
      );
    }
  }
  const values = ordered.map(({ param, name }) => ({ name, shape: param.value.shape, values: param.value.data }));
  // TF.js's optimizer continues from the same state when it reads it (compile.ts, writeTfjsOptimizerState).
  const compiledOptimizer = model.compileSettings?.optimizer;
  const tfjsState =
    includeOptimizer && compiledOptimizer && compiledOptimizer.iterations > 0
      ? writeTfjsOptimizerState(compiledOptimizer, ordered.filter((p) => p.param.trainable))
      : undefined;
  const weights = encodeWeights(tfjsState ? [...values, ...tfjsState] : values);
  const metadata: LayerwiseMetadata = { formatVersion: formatVersionFor(records), ...records };
  const compiled = model.compileSettings;
  const { compile, trainingConfig } = compiled ? writeCompile(compiled) : { compile: undefined, trainingConfig: undefined };
  let optimizerData: Uint8Array | undefined;
  if (compiled && compile) {
    metadata.compile = compile;
    const { optimizer } = compiled;
    if (includeOptimizer && optimizer.iterations > 0) {
      const arrays = writeOptimizerState(optimizer, params);
      for (const { name, values } of arrays) {
        const bad = firstNonFinite(values);
        if (bad >= 0) {
          throw new LayerwiseError(
            `${model.name}.save: the optimizer's state "${name}" holds ${values[bad]} at index ${bad}; it could not be loaded again. ` +
              `Save without it (model.save(path, { includeOptimizer: false })), or compile again to start the optimizer afresh.`,
          );
        }
      }
      const state = encodeWeights(arrays);
      const manifest: WeightsGroup[] = state.specs.length ? [{ paths: ['optimizer.bin'], weights: state.specs.map((s) => ({ ...s, group: 'optimizer' })) }] : [];
      metadata.optimizerState = { iterations: optimizer.iterations, weightsManifest: manifest };
      if (state.specs.length) optimizerData = state.data;
    }
  }
  const modelJSON: ModelJSON = {
    modelTopology: topology,
    format: 'layers-model',
    generatedBy: GENERATED_BY,
    convertedBy: null,
    ...(trainingConfig ? { trainingConfig } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.specs }],
    userDefinedMetadata: { layerwise: metadata },
  };
  return { modelJSON, weightData: weights.data, optimizerData };
}

export interface LoadOptions {
  /**
   * Compile the model with the optimizer, loss and metrics it was saved with (and restore the
   * optimizer's state when there is one), so that `fit` can go on. Default true; `false` loads the
   * layers and weights only.
   */
  compile?: boolean;
}

export interface ModelFromJSONOptions extends LoadOptions {
  /** The optimizer's state (`ModelArtifacts.optimizerData`); without it the optimizer starts afresh. */
  optimizerData?: Uint8Array | ArrayBuffer;
}

/** Names of the data, for errors: the files on disk, or the in-memory forms. */
export interface DataNames {
  json: string;
  weights: string;
  optimizer: string;
}

function bytes(data: Uint8Array | ArrayBuffer, what: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const view = data as unknown;
  if (ArrayBuffer.isView(view)) return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  throw new LayerwiseError(`modelFromJSON: ${what} must be a Uint8Array or an ArrayBuffer, but is ${typeof data}.`);
}

/**
 * Rebuilds a model from `model.json`'s content (an object or its text) and the weights' bytes, with
 * no file system: for browsers, or models kept in memory. Everything is checked: see `loadModel`.
 */
export function readModelFromJSON<M extends LoadableModel>(
  json: string | object,
  weightData: Uint8Array | ArrayBuffer,
  options: ModelFromJSONOptions,
  make: ModelFactory<M>,
): M {
  const names = { json: 'model.json', weights: 'weightData', optimizer: 'optimizerData' };
  const doc = typeof json === 'string' ? Field.parse(json, names.json) : new Field(json, '', names.json);
  const optimizerData = options.optimizerData === undefined ? undefined : bytes(options.optimizerData, 'optimizerData');
  return buildModel(doc, bytes(weightData, 'weightData'), optimizerData, names, options, make);
}

/** The `userDefinedMetadata.layerwise` object, when there is one. */
export function layerwiseMetadata(doc: Field): Field | undefined {
  const user = doc.get('userDefinedMetadata');
  if (user.absent) return undefined;
  const meta = user.object().get('layerwise');
  if (meta.absent) return undefined;
  meta.object();
  const version = meta.get('formatVersion');
  if (version.value !== 1 && version.value !== 2) version.fail('1 or 2', 'The model was saved by a newer layerwise: update layerwise to load it.');
  return meta;
}

/** The saved optimizer state's manifest, when the model was saved by layerwise with one. */
export function optimizerManifest(doc: Field): { groups: WeightsGroup[]; field: Field } | undefined {
  const meta = layerwiseMetadata(doc);
  if (!meta || doc.get('generatedBy').value !== GENERATED_BY || meta.get('optimizerState').absent) return undefined;
  const field = meta.get('optimizerState').object().get('weightsManifest');
  return { groups: readManifest(field), field };
}

/** The checked document and data, as a model that `make` creates and this fills. */
export function buildModel<M extends LoadableModel>(
  doc: Field,
  weightData: Uint8Array,
  optimizerData: Uint8Array | undefined,
  names: DataNames,
  { compile = true }: LoadOptions,
  make: ModelFactory<M>,
): M {
  doc.object('a model.json object ({ modelTopology, weightsManifest, ... })');
  const format = doc.get('format');
  if (!format.absent && format.value !== 'layers-model') format.fail('"layers-model"', 'layerwise loads TF.js Layers models (tfjs_layers_model), not graph models.');
  const manifestField = doc.get('weightsManifest');
  const weights = decodeWeights(readManifest(manifestField), weightData, manifestField, names.weights);
  const meta = layerwiseMetadata(doc);
  const topology = readTopology(doc.get('modelTopology'), meta);

  const model = make(topology.name);
  const splitNames = new Map<Layer, string>();
  let budget = [...weights.values()].reduce((n, w) => n + (w.spec.group === 'optimizer' ? 0 : w.values.length), 0);
  for (const read of topology.layers) {
    const layer = within(read, () => new (LAYER_CLASSES.get(read.className)!)(read.config));
    if (read.splitName) {
      if (!layer.fusedActivation()) read.fusedBy!.fail(`the name of a layer with an activation option (${layer.name} is a ${layer.className})`);
      splitNames.set(layer, read.splitName);
    }
    // Check the size of the weights before the layer creates them: absurd settings fail here, not in an allocation.
    const inputShape = model.layers.length === 0 ? layer.inputShape! : model.outputShape!;
    const needed = within(read, () => layer.weightShapes(inputShape).reduce((n, shape) => n + sizeOf(shape), 0));
    if (needed > budget) {
      read.field.error(`(${layer.name}) needs ${needed} weight values for input ${JSON.stringify(inputShape)}, more than the ${budget} left in ${names.weights}.`);
    }
    budget -= needed;
    within(read, () => model.add(layer));
  }
  const params = nameParams(model.layers, (layer) => splitNames.get(layer));
  setWeights(params, weights, manifestField);
  if (compile) compileLoaded(model, doc, meta, params, optimizerData, names);
  return model;
}

/** Runs `make`, adding the file and the layer's place in it to a LayerwiseError it throws. */
function within<T>(read: LayerToBuild, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof LayerwiseError) read.field.error(`(${read.config.name}) cannot be built: ${error.message}`);
    throw error;
  }
}

/** Copies the file's weights into the model: every weight present, with its shape, and nothing else. */
function setWeights(params: NamedParam[], weights: Map<string, Weight>, field: Field): void {
  for (const { param, name } of params) {
    const weight = weights.get(name);
    const needed = `[${param.value.shape.join(', ')}]`;
    if (!weight) field.error(`has no weight "${name}", which the model needs (shape ${needed}).`);
    if (weight.spec.shape.join() !== param.value.shape.join()) {
      field.error(`gives the weight "${name}" the shape [${weight.spec.shape.join(', ')}], but the model needs ${needed}.`);
    }
    param.value.data.set(weight.values);
  }
  const used = new Set(params.map((p) => p.name));
  for (const [name, weight] of weights) {
    // TF.js's own optimizer state (group 'optimizer') is not layerwise's: it is left out.
    if (!used.has(name) && weight.spec.group !== 'optimizer') field.error(`names the weight "${name}", which belongs to no layer of the model.`);
  }
}

function compileLoaded(model: LoadableModel, doc: Field, meta: Field | undefined, params: NamedParam[], optimizerData: Uint8Array | undefined, names: DataNames): void {
  const ours = meta && doc.get('generatedBy').value === GENERATED_BY && !meta.get('compile').absent;
  let options: CompileSettings | undefined;
  if (ours) options = readCompileMetadata(meta.get('compile'));
  else if (!doc.get('trainingConfig').absent) options = readTrainingConfig(doc.get('trainingConfig'));
  if (!options) return;
  model.compile(options);
  const state = optimizerManifest(doc);
  if (!state || optimizerData === undefined) return;
  const optimizer = model.optimizer!;
  const iterations = meta!.get('optimizerState').get('iterations').integer(0);
  restoreOptimizerState(optimizer, params, decodeWeights(state.groups, optimizerData, state.field, names.optimizer), state.field);
  optimizer.iterations = iterations;
}
