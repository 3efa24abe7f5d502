import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Activation,
  Adam,
  AveragePooling2D,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  initializers,
  LeakyReLU,
  loadModel,
  losses,
  MaxPooling2D,
  PReLU,
  registerActivation,
  ReLU,
  Reshape,
  Sequential,
  serializeModel,
  SGD,
  Softmax,
  unregisterActivation,
  ZeroPadding2D,
  type ActivationSpec,
  type Layer,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs, readModelJSON, roundTrips, tempDir } from './helpers';

const dir = tempDir();


const { roundTrip, expectSameModel } = roundTrips(dir);

const image = [6, 6, 2];

describe('every layer survives save + loadModel, bit for bit', () => {
  const cases: [string, number[], () => Layer[]][] = [
    ['Dense', [5], () => [new Dense({ units: 3, useBias: false, kernelInitializer: initializers.heNormal({ seed: 1 }), seed: 4 })]],
    ['Conv2D', image, () => [new Conv2D({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', dilationRate: 1 })]],
    ['Conv2D, dilated', image, () => [new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2, biasInitializer: initializers.constant({ value: 0.5 }) })]],
    ['MaxPooling2D', image, () => [new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' })]],
    ['AveragePooling2D', image, () => [new AveragePooling2D({ poolSize: [2, 3] })]],
    ['GlobalAveragePooling2D', image, () => [new GlobalAveragePooling2D()]],
    ['GlobalMaxPooling2D', image, () => [new GlobalMaxPooling2D()]],
    ['Flatten', image, () => [new Flatten()]],
    ['Reshape', [12], () => [new Reshape({ targetShape: [3, -1] })]],
    ['ZeroPadding2D', image, () => [new ZeroPadding2D({ padding: [[1, 0], [2, 3]] })]],
    ['Dropout', [5], () => [new Dropout({ rate: 0.4, seed: 9 })]],
    ['BatchNormalization (trained moving statistics)', image, () => [new BatchNormalization({ momentum: 0.9, epsilon: 0.01, center: false })]],
    ['PReLU (trained alpha)', image, () => [new PReLU({ alphaInitializer: initializers.randomUniform({ minval: 0, maxval: 0.3 }) })]],
    ['ReLU', [5], () => [new ReLU({ maxValue: 0.7 })]],
    ['LeakyReLU', [5], () => [new LeakyReLU({ alpha: 0.2 })]],
    ['ELU', [5], () => [new ELU({ alpha: 0.4 })]],
    ['Softmax', image, () => [new Softmax({ axis: 2 })]],
    ['Activation', [5], () => [new Activation({ activation: 'gelu' })]],
    ['Activation, a key TF.js lacks', [5], () => [new Activation({ activation: 'leaky_relu' })]],
    ['Activation, in another spelling', [5], () => [new Activation({ activation: 'hardSigmoid' })]],
    ['a frozen layer', [5], () => [new Dense({ units: 4, trainable: false, activation: new PReLU() }), new Dense({ units: 2 })]],
  ];
  for (const [name, inputShape, make] of cases) {
    it(name, async () => {
      const [first, ...rest] = make();
      const model = new Sequential({ layers: [new Dense({ units: inputShape[inputShape.length - 1], inputShape }), first, ...rest] });
      await expectSameModel(model, inputShape);
    });
  }

  it('BatchNormalization keeps the moving statistics that training gave it', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [4] }), new BatchNormalization()] });
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    await model.fit(inputs([16, 4]), inputs([16, 3], 2), { epochs: 3, verbose: 0 });
    const [copy] = await roundTrip(model);
    const x = inputs([4, 4], 5);
    expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
    const moving = (m: Sequential) => m.params().filter((p) => p.name.includes('moving')).map((p) => bytesOf(p.value));
    expect(moving(copy)).toEqual(moving(model));
    expect(moving(model)[0]).not.toEqual(bytesOf(new Float32Array(3)));
  });
});

describe('every activation form survives, in Dense and in Conv2D', () => {
  const keys = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6', 'leakyRelu', 'LeakyReLU'];
  const instances: [string, () => ActivationSpec][] = [
    ['new ReLU()', () => new ReLU()],
    ['new ReLU({ maxValue: 1 })', () => new ReLU({ maxValue: 1 })],
    ['new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 })],
    ['new ELU({ alpha: 0.5 })', () => new ELU({ alpha: 0.5 })],
    ['new Softmax()', () => new Softmax()],
    ['new PReLU() (trained alpha)', () => new PReLU()],
    ["new Activation({ activation: 'tanh' })", () => new Activation({ activation: 'tanh' })],
    ["new Activation({ activation: 'leaky_relu' })", () => new Activation({ activation: 'leaky_relu' })],
    ["new Activation({ activation: 'silu' })", () => new Activation({ activation: 'silu' })],
  ];
  const forms: [string, () => ActivationSpec][] = [...keys.map((k): [string, () => ActivationSpec] => [`'${k}'`, () => k]), ...instances];
  for (const [name, activation] of forms) {
    it(`${name} as a Dense and as a Conv2D activation`, async () => {
      const dense = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3], activation: activation() }), new Dense({ units: 3, activation: activation() })] });
      await expectSameModel(dense, [3]);
      const conv = new Sequential({ layers: [new Conv2D({ filters: 3, kernelSize: 3, inputShape: image, activation: activation() })] });
      await expectSameModel(conv, image);
    });
  }

  describe('an activation added with registerActivation', () => {
    afterEach(() => void unregisterActivation('cube'));

    it('is written by name and found by name on load', async () => {
      registerActivation('cube', { fn: (x) => x ** 3, grad: (x) => 3 * x * x });
      const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'cube' }), new Activation({ activation: 'cube' })] });
      await expectSameModel(model, [2]);
      const path = join(dir, 'cube');
      await model.save(path);
      const json = readModelJSON(path);
      expect(json.modelTopology.config.layers[0].config.activation).toBe('cube');
      expect(json.userDefinedMetadata.layerwise.registeredActivations).toEqual(['cube']);
    });

    it('fails to load when it is not registered, naming it and the call that registers it', async () => {
      registerActivation('cube', { fn: (x) => x ** 3, grad: (x) => 3 * x * x });
      const path = join(dir, 'cube-unregistered');
      await new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'cube' })] }).save(path);
      unregisterActivation('cube');
      await expect(loadModel(path)).rejects.toThrow(
        /cube-unregistered\/model\.json: modelTopology\.config\.layers\[0\]\.config\.activation names the activation "cube", which is not registered\. .*call registerActivation\('cube', \{ fn, grad \}\) before loading/,
      );
    });
  });
});

describe('compile settings', () => {
  it('come back: optimizer and its config, loss with fromLogits, metrics as given', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2] })] });
    model.compile({ optimizer: new Adam({ learningRate: 0.02, beta1: 0.8, epsilon: 1e-6 }), loss: losses.categoricalCrossentropy({ fromLogits: true }), metrics: ['categoricalAccuracy', 'mse'] });
    for (const copy of await roundTrip(model)) {
      const { optimizer, loss, metrics } = copy.compileSettings!;
      expect([optimizer.className, optimizer.getConfig()]).toEqual(['Adam', { learningRate: 0.02, beta1: 0.8, beta2: 0.999, epsilon: 1e-6 }]);
      expect(loss.getConfig()).toEqual({ name: 'categoricalCrossentropy', fromLogits: true });
      expect(metrics).toEqual(['categoricalAccuracy', 'mse']);
    }
    // TF.js has no from_logits in trainingConfig: it is left out rather than written wrong.
    expect(serializeModel(model).modelJSON.trainingConfig).toBeUndefined();
  });

  it('are skipped with { compile: false }, and an uncompiled model loads uncompiled', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2] })] });
    model.compile({ optimizer: new SGD({ momentum: 0.5 }), loss: 'mse' });
    const path = join(dir, 'no-compile');
    await model.save(path);
    expect((await loadModel(path, { compile: false })).compileSettings).toBeUndefined();
    expect((await loadModel(path)).compileSettings?.optimizer.getConfig()).toEqual({ learningRate: 0.01, momentum: 0.5, nesterov: false });
    const bare = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2] })] });
    expect((await roundTrip(bare))[0].compileSettings).toBeUndefined();
  });
});

describe('the saved files', () => {
  it('are model.json and one weights file (plus the optimizer state once trained), and a new save replaces them', async () => {
    const { readdirSync } = await import('node:fs');
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [2] })] });
    model.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
    const path = join(dir, 'files');
    await model.save(path);
    expect(readdirSync(path).sort()).toEqual(['model.json', expect.stringMatching(/^weights\.[a-z0-9]+\.bin$/)]);
    await model.fit([[1, 2]], [[3, 4]], { verbose: 0 });
    const saved = await model.save(`file://${path}`);
    const files = readdirSync(path).sort();
    expect(files).toEqual(['model.json', expect.stringMatching(/^optimizer\.[a-z0-9]+\.bin$/), expect.stringMatching(/^weights\.[a-z0-9]+\.bin$/)]);
    expect(saved.weights.map((w) => w.slice(path.length + 1)).sort()).toEqual(files.slice(1));
    expect(readModelJSON(path).weightsManifest[0].paths).toEqual([files[2]]);
  });

  it('JSON.stringify(model) is the model.json of an in-memory save', () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) })] });
    const json = JSON.parse(JSON.stringify(model));
    expect(json).toEqual(serializeModel(model).modelJSON);
    expect(json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual(['Dense', 'LeakyReLU']);
  });
});

describe('weights that are not finite', () => {
  it('are never saved: the file would not load again', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [2], name: 'nan_dense' })] });
    model.params()[0].value.data[1] = Number.NaN;
    expect(() => serializeModel(model)).toThrow(/^sequential_\d+\.save: the weight "nan_dense\/kernel" holds NaN at index 1; a model with weights that are not finite cannot be loaded again, so it is not saved\./);
    const path = join(dir, 'nan');
    await expect(model.save(path)).rejects.toThrow(/holds NaN at index 1/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(join(path, 'model.json'))).toBe(false);
  });
});

describe('loss options', () => {
  it('come back with the model: huber delta, label smoothing, focal gamma; a loss with options stays out of TF.js trainingConfig', async () => {
    const cases = [losses.huber({ delta: 2.5 }), losses.binaryCrossentropy({ labelSmoothing: 0.1 }), losses.binaryFocalCrossentropy({ gamma: 3, fromLogits: true })];
    for (const loss of cases) {
      const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: loss.getConfig().fromLogits || loss.getConfig().name === 'huber' ? 'linear' : 'sigmoid' })] });
      model.compile({ optimizer: 'sgd', loss });
      for (const copy of await roundTrip(model)) expect(copy.compileSettings!.loss.getConfig()).toEqual(loss.getConfig());
      expect(serializeModel(model).modelJSON.trainingConfig).toBeUndefined();
    }
    const plain = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: 'sigmoid' })] });
    plain.compile({ optimizer: 'sgd', loss: losses.binaryCrossentropy() });
    expect(serializeModel(plain).modelJSON.trainingConfig?.loss).toBe('binary_crossentropy');
  });
});
