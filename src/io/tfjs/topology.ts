import type { Activation as ActivationFunction } from '../../activations/activation';
import { getActivation } from '../../activations/registry';
import type { ActivationConfig } from '../../layers/activation-slot';
import type { Layer, LayerConfig, Param } from '../../layers/layer';
import { toSnakeCase } from '../../layers/naming';
import { ACTIVATION_LAYER_CLASSES, isActivationLayerClass } from '../../layers/registry';
import type { SavableModel } from '../model-parts';
import { LayerwiseError } from '../../util/errors';
import { writtenKey } from './export-rule';
import type { FusedActivation, KerasObject, KeyedLayer, LayerSettings, LayerwiseMetadata, ModelTopology } from './format';
import type { Field } from '../json';
import { layerFromKeras, layerToKeras, readSettings, withSettings, type ReadLayer } from './layer-config';

/** A weight of the model and its name in the file (`dense_1/kernel`, `dense_1_p_re_lu/alpha`). */
export interface NamedParam {
  param: Param;
  name: string;
}

/**
 * The file name of every weight of the layers. A layer whose fused activation is written as a
 * layer of its own (`splitName` gives that layer's name) stores the activation's weights (PReLU's
 * alpha) under that layer's name, as TF.js expects.
 */
export function nameParams(layers: readonly Layer[], splitName: (layer: Layer) => string | undefined): NamedParam[] {
  return layers.flatMap((layer) => {
    const slot = layer.fusedActivation()?.layer;
    const slotParams = new Set(slot?.params());
    return layer.params().map((param) => {
      const [owner, fileLayer] = slotParams.has(param) ? [slot!.name, splitName(layer) ?? layer.name] : [layer.name, layer.name];
      return { param, name: `${fileLayer}/${param.name.slice(owner.length + 1)}` };
    });
  });
}

type Records = Pick<LayerwiseMetadata, 'fusedActivations' | 'keyedLayers' | 'layerSettings' | 'registeredActivations'>;

export interface WrittenTopology {
  topology: ModelTopology;
  records: Records;
  params: NamedParam[];
}

/** Writes a built model as a Keras Sequential topology, by the export rule of `export-rule.ts`. */
export function writeTopology(model: SavableModel): WrittenTopology {
  const where = `${model.name}.save`;
  if (!model.inputShape) {
    throw new LayerwiseError(`${where}: the model is not built, so it has no weights to save. Give the first layer an inputShape, or call fit, predict or build first.`);
  }
  const taken = new Set<string>();
  for (const layer of model.layers) {
    if (taken.has(layer.name) || layer.name.includes('/')) {
      throw new LayerwiseError(
        `${where}: ${taken.has(layer.name) ? `two layers are named "${layer.name}"` : `the layer name "${layer.name}" contains "/"`}. ` +
          `Saved models need unique layer names without "/" (TF.js and Keras find weights by them): rename the layer.`,
      );
    }
    taken.add(layer.name);
  }
  const layers: KerasObject[] = [];
  const records: Records = { fusedActivations: [], keyedLayers: [], layerSettings: [], registeredActivations: [] };
  const splitNames = new Map<Layer, string>();

  const push = (className: string, config: LayerConfig): void => {
    const { json, settings } = layerToKeras(className, config, layers.length === 0 ? model.inputShape : undefined);
    layers.push(json);
    if (Object.keys(settings).length > 0) records.layerSettings.push({ layer: config.name, config: settings });
  };
  /** The key as written; records what the file cannot say itself. */
  const keyOf = (key: string, config: LayerConfig): string | { className: string; config: LayerConfig } => {
    const written = writtenKey(key, config.name);
    if ('layer' in written) return { className: written.layer.className, config: { name: '', trainable: config.trainable, ...written.layer.config } };
    if (written.registered && !records.registeredActivations.includes(written.key)) records.registeredActivations.push(written.key);
    if (written.key !== key) records.layerSettings.push({ layer: config.name, config: { activation: key } });
    return written.key;
  };
  const splitNameFor = (owner: string, className: string): string => {
    let name = `${owner}_${toSnakeCase(className)}`;
    for (let n = 2; taken.has(name); n++) name = `${owner}_${toSnakeCase(className)}_${n}`;
    taken.add(name);
    return name;
  };

  const write = (className: string, config: LayerConfig, owner?: Layer): void => {
    if (className === 'Activation') {
      const key = config.activation as string;
      const written = keyOf(key, config);
      if (typeof written === 'string') return push(className, { ...config, activation: written });
      records.keyedLayers.push({ layer: config.name, key });
      return push(written.className, { ...written.config, name: config.name });
    }
    const activation = config.activation as ActivationConfig | undefined;
    const fused = owner?.fusedActivation();
    if (!owner || !fused || activation === undefined) return push(className, config);
    if (fused.fn) checkRegistered(fused.fn, where, owner.name);
    const split = typeof activation === 'string' ? keyOf(activation, config) : activation;
    if (typeof split === 'string') return push(className, { ...config, activation: split });
    const name = splitNameFor(config.name, split.className);
    const record: FusedActivation = { layer: config.name, activationLayer: name };
    if (typeof activation === 'string') record.key = activation;
    records.fusedActivations.push(record);
    splitNames.set(owner, name);
    push(className, { ...config, activation: 'linear' });
    write(split.className, { ...split.config, name });
  };

  for (const layer of model.layers) write(layer.className, layer.getConfig(), layer);
  return {
    topology: { class_name: 'Sequential', config: { name: model.name, layers }, keras_version: 'layerwise', backend: 'tensor_flow.js' },
    records,
    params: nameParams(model.layers, (layer) => splitNames.get(layer)),
  };
}

/** Throws unless `fn` is what the activation registry holds under its name, settings included. */
function checkRegistered(fn: ActivationFunction, where: string, layer: string): void {
  let registered: ActivationFunction | undefined;
  try {
    registered = getActivation(fn.name, layer);
  } catch {
    registered = undefined;
  }
  if (!registered || JSON.stringify(registered.config) !== JSON.stringify(fn.config)) {
    throw new LayerwiseError(
      `${where}: ${layer}'s activation is a function object that the activation registry does not hold as "${fn.name}", ` +
        `so a saved model could not find it. Pass a key, a Layer instance (new LeakyReLU({ alpha: 0.1 })), or register it with registerActivation.`,
    );
  }
}

/** A layer to build, read from the file. */
export interface LayerToBuild extends ReadLayer {
  /** The name of the layer the activation was written as, for a layer with a fused activation. */
  splitName?: string;
  /** The metadata record that fused the activation into this layer, for errors once the layer is built. */
  fusedBy?: Field;
}

export interface ReadTopology {
  name?: string;
  layers: LayerToBuild[];
}

/** Reads a Sequential topology and applies the metadata's records, undoing the export rule. */
export function readTopology(topologyField: Field, metadata: Field | undefined): ReadTopology {
  let topology = topologyField.object();
  if (!topology.get('model_config').absent) topology = topology.get('model_config').object();
  topology.get('class_name').oneOf(['Sequential'] as const);
  const config = topology.get('config').object();
  const name = config.get('name').optional((n) => n.string());
  let layers: LayerToBuild[] = config.get('layers').array('an array of layers').map(layerFromKeras);

  // Keras 3 and functional exports start with an InputLayer: it only gives the input shape.
  layers.forEach((layer, i) => {
    if (layer.className === 'InputLayer' && i > 0) layer.field.get('class_name').fail('a layer class other than InputLayer', 'Only the first layer may be an InputLayer.');
  });
  if (layers[0]?.className === 'InputLayer') {
    const [input, ...rest] = layers;
    if (rest.length === 0) input.field.error('is the only layer: the model has no layers to load.');
    if (!rest[0].config.inputShape) rest[0].config.inputShape = input.inputShape;
    layers = rest;
  }
  if (layers.length === 0) config.get('layers').fail('a non-empty array of layers');
  if (!layers[0].config.inputShape) {
    layers[0].field.get('config').get('batch_input_shape').fail('the input shape [null, ...dims]', 'layerwise needs the first layer\'s input shape to build the model.');
  }
  const index = new Map<string, number>();
  layers.forEach((layer, i) => {
    if (index.has(layer.config.name)) layer.field.get('config').get('name').fail('a name no other layer has');
    index.set(layer.config.name, i);
  });
  if (!metadata) return { name, layers };
  const version = metadata.get('formatVersion').value as number;

  const find = (f: Field): number => {
    const i = index.get(f.string('a layer name'));
    if (i === undefined) f.fail('the name of a layer in modelTopology');
    return i;
  };
  for (const record of metadata.get('keyedLayers').optional((r) => r.array()) ?? []) {
    const i = find(record.object().get('layer'));
    const key = readKey(record.get('key'));
    const layer = layers[i];
    // A key whose meaning changed since the file was written stays the layer the file holds.
    if (!checkWrittenAs(key, layer, record.get('key'), version)) continue;
    layer.className = 'Activation';
    layer.config = { name: layer.config.name, trainable: layer.config.trainable, activation: key, ...(layer.config.inputShape ? { inputShape: layer.config.inputShape } : {}) };
  }
  for (const record of metadata.get('layerSettings').optional((r) => r.array()) ?? []) {
    const layer = layers[find(record.object().get('layer'))];
    const settings = readSettings(record.get('config').object());
    if ('activation' in settings && !('activation' in layer.config)) record.get('config').get('activation').error(`is set for ${layer.config.name}, a ${layer.className}, which has no activation.`);
    layer.config = withSettings(layer.config, settings);
  }
  const fused = (metadata.get('fusedActivations').optional((r) => r.array()) ?? []).map((record) => {
    const i = find(record.object().get('layer'));
    const j = find(record.get('activationLayer'));
    const owner = layers[i];
    const split = layers[j];
    if (j !== i + 1) record.get('activationLayer').fail(`the layer right after ${owner.config.name}`);
    if (owner.config.activation !== 'linear' && owner.config.activation !== undefined) record.get('layer').fail(`the name of a layer with a linear activation (${owner.config.name} has ${JSON.stringify(owner.config.activation)})`);
    if (!isActivationLayerClass(split.className)) record.get('activationLayer').fail(`the name of an activation layer (${ACTIVATION_LAYER_CLASSES.map((c) => c.className).join(', ')})`);
    const written = record.get('key').optional(readKey);
    const key = written !== undefined && checkWrittenAs(written, split, record.get('key'), version) ? written : undefined;
    owner.config.activation = key ?? ({ className: split.className, config: { ...split.config } } satisfies ActivationConfig);
    owner.splitName = split.config.name;
    owner.fusedBy = record.get('layer');
    return split;
  });
  const split = new Set(fused);
  return { name, layers: layers.filter((layer) => !split.has(layer)) };
}

function readKey(f: Field): string {
  const key = f.string('an activation key');
  try {
    writtenKey(key, 'load');
  } catch {
    f.fail('a built-in activation key');
  }
  return key;
}

/**
 * Keys whose function changed since format version 1, with how version 1 wrote them: `'leaky_relu'`
 * meant alpha 0.3 then (0.2 now, Keras 3's function). Such a record in a version-1 file loads as the
 * layer it names, with the alpha it was saved with: the model computes what it computed.
 */
const WRITTEN_IN_VERSION_1: Record<string, { className: string; config: Record<string, unknown> }> = {
  leaky_relu: { className: 'LeakyReLU', config: { alpha: 0.3 } },
};

/**
 * The format version a file needs: 2 when it holds a key whose function changed since version 1
 * (so an older layerwise refuses it rather than computing 0.3 for 'leaky_relu'), else 1, which
 * every layerwise reads.
 */
export function formatVersionFor(records: Pick<LayerwiseMetadata, 'fusedActivations' | 'keyedLayers'>): 1 | 2 {
  const keys = [...records.fusedActivations.map((r) => r.key), ...records.keyedLayers.map((r) => r.key)];
  const changed = keys.some((key) => key !== undefined && Object.prototype.hasOwnProperty.call(WRITTEN_IN_VERSION_1, getActivation(key, 'save').name));
  return changed ? 2 : 1;
}

/**
 * Checks that `layer` is how the export rule wrote `key` in the file's format version (a written
 * key must not be trusted blindly). Returns false when the key meant another function then, so the
 * layer is kept as written rather than read back as today's key.
 */
function checkWrittenAs(key: string, layer: LayerToBuild, field: Field, version: number): boolean {
  const canonical = getActivation(key, field.where).name;
  const before = version === 1 && Object.prototype.hasOwnProperty.call(WRITTEN_IN_VERSION_1, canonical) ? WRITTEN_IN_VERSION_1[canonical] : undefined;
  const written = writtenKey(key, field.where);
  const expected = before ?? ('layer' in written ? written.layer : undefined);
  const matches =
    expected !== undefined &&
    expected.className === layer.className &&
    Object.entries(expected.config).every(([k, v]) => layer.config[k] === v);
  if (!matches) {
    field.error(
      `says ${layer.config.name} stands for the activation "${key}", but it is a ${layer.className} ` +
        `${JSON.stringify(Object.fromEntries(Object.entries(layer.config).filter(([k]) => k !== 'name' && k !== 'trainable')))}, not how "${key}" is written.`,
    );
  }
  return before === undefined;
}

export type { FusedActivation, KeyedLayer, LayerSettings };
