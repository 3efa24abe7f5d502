import {
  Activation,
  Adam,
  AveragePooling2D,
  BatchNormalization,
  clearSession,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  Flatten,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  initializers,
  LeakyReLU,
  losses,
  MaxPooling2D,
  PReLU,
  ReLU,
  Reshape,
  Sequential,
  SGD,
  Softmax,
  ZeroPadding2D,
  type ActivationSpec,
} from 'layerwise';
import { inputs, randomizeWeights } from '../helpers/random-data';

/**
 * Models that together hold every layer class and every activation form, compiled and trained one
 * step so that their files carry compile settings and optimizer state. Fixed names, seeds and
 * weights: the same model, and so the same files, on every run. `write-fixtures.ts` saved them
 * once; `saved-fixtures.test.ts` checks that today's code writes the same and still reads them.
 */
export interface FixtureModel {
  name: string;
  model: Sequential;
}

const KEYS = ['linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6', 'leakyRelu', 'LeakyReLU'];
const INSTANCES: (() => ActivationSpec)[] = [
  () => new ReLU(),
  () => new ReLU({ maxValue: 1 }),
  () => new LeakyReLU({ alpha: 0.2 }),
  () => new ELU({ alpha: 0.5 }),
  () => new Softmax(),
  () => new PReLU(),
  () => new Activation({ activation: 'tanh' }),
  () => new Activation({ activation: 'leaky_relu' }),
  () => new Activation({ activation: 'silu' }),
];

/** Labels a cross-entropy can learn from: one-hot rows (or 0/1 for one output), from a seeded draw. */
function classLabels(samples: number, outputs: number, seed: number): number[][] {
  const draws = inputs([samples], seed).data;
  return Array.from(draws, (d) => {
    const k = Math.min(outputs - 1, Math.floor(((d + 2) / 4) * Math.max(outputs, 2)));
    return outputs === 1 ? [k] : Array.from({ length: outputs }, (_, j) => Number(j === k));
  });
}

async function trained(name: string, model: Sequential, outputs: number, seed: number): Promise<FixtureModel> {
  randomizeWeights(model, seed);
  if (model.compileSettings) {
    const inputShape = model.inputShape!;
    const crossentropy = model.compileSettings.loss.getConfig().name.endsWith('rossentropy');
    const y = crossentropy ? classLabels(4, outputs, seed + 1) : inputs([4, outputs], seed + 1);
    await model.fit(inputs([4, ...inputShape], seed), y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0 });
  }
  return { name, model };
}

/** The fixture models, built afresh (layer names restart from `_1`). */
export async function fixtureModels(): Promise<FixtureModel[]> {
  const out: FixtureModel[] = [];

  clearSession();
  const activations = [...KEYS.map((k) => () => k as ActivationSpec), ...INSTANCES];
  const dense = new Sequential({
    name: 'dense_activations',
    layers: activations.map((activation, i) => new Dense({ units: 3, activation: activation(), ...(i === 0 ? { inputShape: [3] } : {}) })),
  });
  dense.compile({ optimizer: new SGD({ learningRate: 0.01, momentum: 0.9, nesterov: true }), loss: 'mse', metrics: ['mae'] });
  out.push(await trained('dense-activations', dense, 3, 11));

  clearSession();
  const conv = new Sequential({
    name: 'conv_activations',
    layers: [
      ...activations.map((activation, i) => new Conv2D({ filters: 2, kernelSize: 1, activation: activation(), ...(i === 0 ? { inputShape: [3, 3, 2] } : {}) })),
    ],
  });
  out.push(await trained('conv-activations', conv, 0, 12));

  clearSession();
  const image = new Sequential({
    name: 'image',
    layers: [
      new Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'leaky_relu', inputShape: [8, 8, 2], kernelInitializer: initializers.heNormal({ seed: 1 }), seed: 4 }),
      new Conv2D({ filters: 3, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: new PReLU() }),
      new BatchNormalization({ momentum: 0.9, epsilon: 0.01 }),
      new MaxPooling2D({ poolSize: 2 }),
      new ZeroPadding2D({ padding: [[1, 0], [2, 3]] }),
      new AveragePooling2D({ poolSize: [2, 3], padding: 'same' }),
      new Conv2D({ filters: 2, kernelSize: 2, dilationRate: 1, useBias: false, biasInitializer: initializers.constant({ value: 0.5 }) }),
      new Flatten(),
      new Dense({ units: 4, activation: 'softmax' }),
    ],
  });
  image.compile({ optimizer: new Adam({ learningRate: 0.02, beta1: 0.8 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  out.push(await trained('image', image, 4, 13));

  clearSession();
  const global = new Sequential({
    name: 'global_pooling',
    layers: [new Conv2D({ filters: 2, kernelSize: 3, dilationRate: 2, inputShape: [6, 6, 2] }), new GlobalMaxPooling2D()],
  });
  out.push(await trained('global-max', global, 2, 14));

  clearSession();
  const average = new Sequential({
    name: 'global_average',
    layers: [new Conv2D({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1] }), new GlobalAveragePooling2D(), new Dense({ units: 1, activation: 'sigmoid' })],
  });
  average.compile({ optimizer: 'sgd', loss: losses.binaryCrossentropy({ fromLogits: false }), metrics: ['accuracy'] });
  out.push(await trained('global-average', average, 1, 15));

  clearSession();
  const layers = new Sequential({
    name: 'activation_layers',
    layers: [
      new Dense({ units: 12, inputShape: [5], trainable: false, activation: 'tanh' }),
      new Dense({ units: 12, activation: new PReLU() }),
      new ReLU({ maxValue: 0.7 }),
      new LeakyReLU({ alpha: 0.2 }),
      new ELU({ alpha: 0.4 }),
      new Reshape({ targetShape: [3, -1] }),
      new Softmax({ axis: 1 }),
      new Flatten(),
      new Activation({ activation: 'gelu' }),
      new Activation({ activation: 'leaky_relu' }),
      new Activation({ activation: 'hardSigmoid' }),
      new Dropout({ rate: 0.4, seed: 9 }),
      new PReLU({ alphaInitializer: initializers.randomUniform({ minval: 0, maxval: 0.3 }) }),
      new BatchNormalization({ center: false }),
      new Dense({ units: 2, useBias: false, kernelInitializer: initializers.heNormal({ seed: 1 }), seed: 4 }),
    ],
  });
  layers.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.5 }), loss: losses.categoricalCrossentropy({ fromLogits: true }), metrics: ['categoricalAccuracy'] });
  out.push(await trained('activation-layers', layers, 2, 16));
  return out;
}
