import { readdirSync, readFileSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Flatten,
  LayerwiseError,
  LeakyReLU,
  loadModel,
  modelFromJSON,
  PReLU,
  Sequential,
  serializeModel,
  setSeed,
  SGD,
  Activation,
  type ModelArtifacts,
} from 'layerwise';
import { inputs, readModelJSON, tempDir } from './helpers';

const dir = tempDir();

function makeModel(): Sequential {
  setSeed(2);
  const model = new Sequential({
    name: 'net',
    layers: [
      new Conv2D({ name: 'conv', filters: 2, kernelSize: 3, inputShape: [5, 5, 1], activation: new LeakyReLU({ alpha: 0.2 }) }),
      new BatchNormalization({ name: 'bn' }),
      new Flatten({ name: 'flat' }),
      new Dense({ name: 'hidden', units: 3, activation: 'leaky_relu' }),
      new Activation({ name: 'act', activation: 'leaky_relu' }),
      new Dense({ name: 'out', units: 2, activation: new PReLU() }),
    ],
  });
  model.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
  return model;
}

const model = makeModel();
let saved: ModelArtifacts;
beforeAll(async () => {
  await model.fit(inputs([4, 5, 5, 1]), inputs([4, 2], 3), { epochs: 1, verbose: 0 });
  saved = serializeModel(model);
});

/** A copy of the saved model.json, changed by `edit`. */
function edited(edit: (json: any) => void): any {
  const json = JSON.parse(JSON.stringify(saved.modelJSON));
  edit(json);
  return json;
}

/** Loads an edited model.json from memory and returns the error message. */
function loadError(edit: (json: any) => void, weightData: Uint8Array = saved.weightData): string {
  try {
    modelFromJSON(edited(edit), weightData, { optimizerData: saved.optimizerData });
  } catch (error) {
    expect(error).toBeInstanceOf(LayerwiseError);
    return (error as Error).message;
  }
  throw new Error('expected the load to fail');
}

const layer = (json: any, name: string) => json.modelTopology.config.layers.find((l: any) => l.config.name === name);

describe('a damaged model.json fails with an error naming the file and the field', () => {
  const cases: [string, (json: any) => void, RegExp][] = [
    ['not an object', (json) => Object.keys(json).forEach((k) => delete json[k]), /^model\.json: weightsManifest must be an array of weight groups \(\{ paths, weights \}\), but is missing\./],
    ['a graph model', (json) => (json.format = 'graph-model'), /^model\.json: format must be "layers-model", but is "graph-model"\. layerwise loads TF\.js Layers models/],
    ['a functional model', (json) => (json.modelTopology.class_name = 'Functional'), /^model\.json: modelTopology\.class_name must be one of "Sequential", but is "Functional"/],
    ['an unknown layer class', (json) => (layer(json, 'flat').class_name = 'Lambda'), /^model\.json: modelTopology\.config\.layers\[3\]\.class_name must be a layer class layerwise has \(Dense, Conv2D, .*InputLayer\), but is "Lambda"\./],
    ['__proto__ as a class name', (json) => (layer(json, 'flat').class_name = '__proto__'), /layers\[3\]\.class_name must be a layer class layerwise has .* but is "__proto__"/],
    ['constructor as a class name', (json) => (layer(json, 'flat').class_name = 'constructor'), /layers\[3\]\.class_name must be a layer class layerwise has .* but is "constructor"/],
    ['units of the wrong type', (json) => (layer(json, 'hidden').config.units = '3'), /^model\.json: modelTopology\.config\.layers\[4\]\.config\.units must be a positive integer, but is "3"\./],
    ['a negative kernel size', (json) => (layer(json, 'conv').config.kernel_size = [3, -1]), /layers\[0\]\.config\.kernel_size must be a positive integer or a pair of them, but is \[3,-1\]/],
    ['an out-of-range rate', (json) => (layer(json, 'bn').config.momentum = 2), /layers\[2\] \(bn\) cannot be built: bn: momentum must be in \[0, 1\)/],
    ['absurd units (no allocation)', (json) => (layer(json, 'hidden').config.units = 1e9), /layers\[4\] \(hidden\) needs 19000000000 weight values for input \[18\], more than the \d+ left in weightData\./],
    ['channels-first images', (json) => (layer(json, 'conv').config.data_format = 'channels_first'), /layers\[0\]\.config\.data_format must be "channels_last", but is "channels_first"\. layerwise works on channels-last images only/],
    ['an activity regularizer', (json) => (layer(json, 'hidden').config.activity_regularizer = { class_name: 'L2', config: {} }), /layers\[4\]\.config\.activity_regularizer must be null, .* layerwise's Dense has no activity_regularizer/],
    ['a regularizer of an unknown class', (json) => (layer(json, 'hidden').config.kernel_regularizer = { class_name: 'OrthogonalRegularizer', config: {} }), /layers\[4\]\.config\.kernel_regularizer\.class_name must be one of "L1L2", "L1", "L2", but is "OrthogonalRegularizer"/],
    ['a negative regularization factor', (json) => (layer(json, 'hidden').config.kernel_regularizer = { class_name: 'L1L2', config: { l1: 0, l2: -1 } }), /kernel_regularizer\.config\.l2 must be a non-negative finite number, but is -1/],
    ['a constraint of an unknown class', (json) => (layer(json, 'hidden').config.kernel_constraint = { class_name: 'RadialConstraint', config: {} }), /kernel_constraint\.class_name must be one of "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm"/],
    ['an unknown initializer', (json) => (layer(json, 'hidden').config.kernel_initializer.class_name = 'Identity'), /layers\[4\]\.config\.kernel_initializer\.class_name must be an initializer layerwise has/],
    ['float16 layers', (json) => (layer(json, 'hidden').config.dtype = 'float16'), /layers\[4\]\.config\.dtype must be "float32", but is "float16"/],
    ['no input shape', (json) => delete layer(json, 'conv').config.batch_input_shape, /layers\[0\]\.config\.batch_input_shape must be the input shape \[null, \.\.\.dims\], but is missing/],
    ['two layers of one name', (json) => (layer(json, 'flat').config.name = 'bn'), /layers\[3\]\.config\.name must be a name no other layer has, but is "bn"/],
    ['a wrong dtype', (json) => (json.weightsManifest[0].weights[0].dtype = 'float16'), /^model\.json: weightsManifest\[0\]\.weights\[0\]\.dtype must be one of "float32", but is "float16"\./],
    ['int32 model weights', (json) => (json.weightsManifest[0].weights[0].dtype = 'int32'), /weightsManifest\[0\]\.weights\[0\]\.dtype must be one of "float32", but is "int32"/],
    ['a shape that does not match the manifest', (json) => (json.weightsManifest[0].weights[0].shape = [3, 3, 2, 1]), /^model\.json: weightsManifest gives the weight "conv\/kernel" the shape \[3, 3, 2, 1\], but the model needs \[3, 3, 1, 2\]\./],
    ['a missing weight', (json) => (json.weightsManifest[0].weights[1].name = 'conv/bias2'), /^model\.json: weightsManifest has no weight "conv\/bias", which the model needs \(shape \[2\]\)\./],
    ['a weight of no layer', (json) => json.weightsManifest[0].weights.push({ name: 'ghost/kernel', shape: [0], dtype: 'float32' }), /weightsManifest names the weight "ghost\/kernel", which belongs to no layer of the model/],
    ['a repeated weight', (json) => (json.weightsManifest[0].weights[1].name = 'conv/kernel'), /weightsManifest\[0\]\.weights\[1\]\.name repeats the weight name "conv\/kernel"/],
    ['a shape that is not a shape', (json) => (json.weightsManifest[0].weights[0].shape = [3, 1.5]), /weightsManifest\[0\]\.weights\[0\]\.shape must be a shape \(an array of non-negative integers\), but is \[3,1\.5\]/],
    ['quantized weights', (json) => (json.weightsManifest[0].weights[0].quantization = { dtype: 'uint8' }), /weightsManifest\[0\]\.weights\[0\]\.quantization must be absent, .* Quantized weights are not supported/],
    ['a path out of the directory', (json) => (json.weightsManifest[0].paths = ['../../etc/passwd']), /weightsManifest\[0\]\.paths\[0\] must be a plain file name in the directory of model\.json/],
    ['a fused pair that is not adjacent', (json) => (json.userDefinedMetadata.layerwise.fusedActivations[0].activationLayer = 'bn'), /userDefinedMetadata\.layerwise\.fusedActivations\[0\]\.activationLayer must be the layer right after conv, but is "bn"/],
    ['a fused pair naming no layer', (json) => (json.userDefinedMetadata.layerwise.fusedActivations[0].layer = '__proto__'), /fusedActivations\[0\]\.layer must be the name of a layer in modelTopology, but is "__proto__"/],
    ['a fused key that is not what the file holds', (json) => (layer(json, 'hidden_leaky_re_lu').config.alpha = 0.5), /fusedActivations\[1\]\.key says hidden_leaky_re_lu stands for the activation "leaky_relu", but it is a LeakyReLU \{"alpha":0\.5\}/],
    ['a keyed layer of another class', (json) => (json.userDefinedMetadata.layerwise.keyedLayers[0].layer = 'flat'), /keyedLayers\[0\]\.key says flat stands for the activation "leaky_relu", but it is a Flatten/],
    ['an unknown layer setting', (json) => json.userDefinedMetadata.layerwise.layerSettings.push({ layer: 'flat', config: { constructor: 1 } }), /layerSettings\[0\]\.config\.constructor is not a setting layerwise records \(activation, seed, inputShape, activityRegularizer, layer, backwardLayer\)/],
    ['a newer format', (json) => (json.userDefinedMetadata.layerwise.formatVersion = 3), /userDefinedMetadata\.layerwise\.formatVersion must be 1 or 2, but is 3\. The model was saved by a newer layerwise/],
    ['an optimizer layerwise lacks', (json) => (json.userDefinedMetadata.layerwise.compile.optimizer.className = 'Lion'), /compile\.optimizer\.className must be an optimizer layerwise has \(SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam, AdamW, Momentum, RMSProp\), but is "Lion"\. .*\{ compile: false \}/],
    ['a bad learning rate', (json) => (json.userDefinedMetadata.layerwise.compile.optimizer.config.learningRate = -1), /compile\.optimizer\.config cannot be used: SGD: learningRate must be a positive number/],
    ['an unknown loss', (json) => (json.userDefinedMetadata.layerwise.compile.loss.name = 'tversky'), /compile\.loss\.name cannot be used: Unknown loss "tversky"/],
    ['optimizer state of another shape', (json) => (json.userDefinedMetadata.layerwise.optimizerState.weightsManifest[0].weights[0].name = 'conv/kernel/velocity'), /optimizerState\.weightsManifest names the state "conv\/kernel\/velocity", which belongs to no weight of the model/],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => expect(loadError(edit)).toMatch(message));
  }

  it('malformed JSON', () => {
    expect(() => modelFromJSON('{"modelTopology": {', saved.weightData)).toThrow(/^model\.json: malformed JSON \(.*\)\. The file is damaged or is not a model\.json\./);
  });

  it('weight data that is truncated or too long', () => {
    expect(() => modelFromJSON(saved.modelJSON, saved.weightData.subarray(0, 100))).toThrow(/^weightData: holds 100 bytes, but model\.json's weightsManifest describes \d+ \(\d+ weights\): the data is truncated\./);
    expect(() => modelFromJSON(saved.modelJSON, new Uint8Array(saved.weightData.byteLength + 4))).toThrow(/the data is too long/);
    expect(() => modelFromJSON(saved.modelJSON, saved.weightData, { optimizerData: saved.optimizerData!.subarray(4) })).toThrow(/^optimizerData: holds \d+ bytes, but model\.json's userDefinedMetadata\.layerwise\.optimizerState\.weightsManifest describes/);
  });

  it('keys such as __proto__ and constructor stay plain data', () => {
    const text = JSON.stringify(saved.modelJSON)
      .replace('"modelTopology":{', '"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"modelTopology":{"__proto__":{"polluted":1},')
      .replace('"class_name":"Dense","config":{', '"class_name":"Dense","config":{"__proto__":{"units":99,"polluted":1},');
    const copy = modelFromJSON(text, saved.weightData);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(copy.layers[3].getConfig().units).toBe(3);
    expect(copy.predict(inputs([2, 5, 5, 1]))).toBeAllClose(model.predict(inputs([2, 5, 5, 1])), { rtol: 0, atol: 0 });
  });
});

describe('damaged files on disk fail naming the file', () => {
  async function savedTo(name: string): Promise<{ path: string; weights: string; optimizer: string }> {
    const path = join(dir, name);
    await model.save(path);
    const files = readdirSync(path);
    return { path, weights: join(path, files.find((f) => f.startsWith('weights.'))!), optimizer: join(path, files.find((f) => f.startsWith('optimizer.'))!) };
  }

  it('a truncated weights file', async () => {
    const { path, weights } = await savedTo('truncated');
    truncateSync(weights, 40);
    await expect(loadModel(path)).rejects.toThrow(/weights\.[a-z0-9]+\.bin: 40 bytes, but .*truncated\/model\.json's weightsManifest\[0\] describes \d+ bytes \(\d+ weights\): the file is truncated\. Save the model again\./);
  });

  it('an oversized weights file', async () => {
    const { path, weights } = await savedTo('oversized');
    appendFileSync(weights, new Uint8Array(8));
    await expect(loadModel(path)).rejects.toThrow(/weights\.[a-z0-9]+\.bin: \d+ bytes, but .* describes \d+ bytes .*: the file is too long/);
  });

  it('a truncated optimizer file (or none needed with compile: false)', async () => {
    const { path, optimizer } = await savedTo('optimizer');
    truncateSync(optimizer, 8);
    await expect(loadModel(path)).rejects.toThrow(/optimizer\.[a-z0-9]+\.bin: 8 bytes, but .*'s userDefinedMetadata\.layerwise\.optimizerState\.weightsManifest\[0\] describes/);
    expect((await loadModel(path, { compile: false })).compileSettings).toBeUndefined();
  });

  it('a missing weights file, a missing model.json, malformed JSON', async () => {
    const { path } = await savedTo('missing');
    const json = readModelJSON(path);
    json.weightsManifest[0].paths = ['gone.bin'];
    writeFileSync(join(path, 'model.json'), JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(/missing\/model\.json: weightsManifest\[0\]\.paths\[0\] names .*gone\.bin, which cannot be read: ENOENT/);
    await expect(loadModel(join(dir, 'nowhere'))).rejects.toThrow(/loadModel: cannot read .*nowhere\/model\.json: ENOENT/);
    writeFileSync(join(path, 'model.json'), readFileSync(join(path, 'model.json'), 'utf8').slice(0, 50));
    await expect(loadModel(join(path, 'model.json'))).rejects.toThrow(/missing\/model\.json: malformed JSON/);
  });
});
