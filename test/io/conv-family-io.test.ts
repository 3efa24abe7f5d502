/**
 * Saving and loading Conv2DTranspose, DepthwiseConv2D and SeparableConv2D: layerwise round trips
 * through files and through memory, bit for bit; TF.js (@tensorflow/tfjs 4.22, cpu backend)
 * loading layerwise's files with `tf.loadLayersModel`, and layerwise loading TF.js's, every
 * reference value computed by TF.js inside the test. Configs TF.js computes otherwise
 * (test/parity/tfjs-conv-family.test.ts verifies each) warn when saved and load back exactly.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Conv2DTranspose, Dense, DepthwiseConv2D, initializers, LeakyReLU, loadModel, SeparableConv2D, Sequential, SGD, type Layer } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectGapWarning, expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();
const CLOSE = { rtol: 1e-5, atol: 1e-5 };

useTfjsCpu(tf);
afterEach(() => vi.restoreAllMocks());

const { roundTrip, expectSameModel } = roundTrips(dir);

/** Per-sample images of 6x5 pixels and 3 channels. */
const image = [6, 5, 3];

describe('every layer of the family survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  const cases: [string, () => Layer[]][] = [
    ["Conv2DTranspose 'valid'", () => [new Conv2DTranspose({ filters: 2, kernelSize: 3 })]],
    ["Conv2DTranspose 'same', stride 2, relu", () => [new Conv2DTranspose({ filters: 3, kernelSize: [2, 3], strides: 2, padding: 'same', activation: 'relu' })]],
    ['Conv2DTranspose with outputPadding and dilation (TF.js ignores both)', () => [new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: [2, 3], dilationRate: [1, 1], outputPadding: [1, 2] })]],
    ['Conv2DTranspose dilation 2, no bias', () => [new Conv2DTranspose({ filters: 2, kernelSize: 2, dilationRate: 2, useBias: false })]],
    ["DepthwiseConv2D 'valid', depthMultiplier 2", () => [new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2 })]],
    ["DepthwiseConv2D 'same', stride 2, dilation [2, 1], a LeakyReLU instance", () => [new DepthwiseConv2D({ kernelSize: 2, strides: 1, padding: 'same', dilationRate: [2, 1], activation: new LeakyReLU({ alpha: 0.1 }) })]],
    ['DepthwiseConv2D with its own initializer, regularizer and constraint', () => [new DepthwiseConv2D({ kernelSize: 2, depthwiseInitializer: initializers.heNormal({ seed: 1 }), depthwiseRegularizer: 'l2', depthwiseConstraint: 'nonNeg' })]],
    ["SeparableConv2D 'valid'", () => [new SeparableConv2D({ filters: 4, kernelSize: 3 })]],
    ["SeparableConv2D 'same', stride 2, depthMultiplier 3, leaky_relu", () => [new SeparableConv2D({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', depthMultiplier: 3, activation: 'leaky_relu' })]],
    ['SeparableConv2D dilation 2, both kernels with settings, no bias', () => [new SeparableConv2D({ filters: 2, kernelSize: 2, dilationRate: 2, useBias: false, pointwiseRegularizer: 'l1', depthwiseConstraint: 'nonNeg', pointwiseInitializer: 'ones' })]],
    [
      'a small net: SeparableConv2D → DepthwiseConv2D → Conv2DTranspose → Dense',
      () => [
        new SeparableConv2D({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        new DepthwiseConv2D({ kernelSize: 3, strides: 2, padding: 'same', depthMultiplier: 2 }),
        new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
        new Dense({ units: 2 }),
      ],
    ],
  ];
  for (const [name, make] of cases) {
    it(name, async () => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      const model = new Sequential({ layers: [new Dense({ units: image[2], inputShape: image }), ...make()] });
      await expectSameModel(model, image);
    });
  }

  it('a trained model keeps its weights and optimizer state; training on from the copy equals training on', async () => {
    const model = new Sequential({
      layers: [
        new SeparableConv2D({ filters: 3, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu', inputShape: image }),
        new DepthwiseConv2D({ kernelSize: 2 }),
        new Conv2DTranspose({ filters: 2, kernelSize: 2 }),
      ],
    });
    model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'mse' });
    await model.fit(inputs([8, ...image]), inputs([8, 6, 5, 2], 2), { epochs: 2, verbose: 0 });
    const x = inputs([4, ...image], 5);
    for (const copy of await roundTrip(model)) {
      expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
      expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
    }
    const [copy] = await roundTrip(model);
    await expectTrainsOnAlike(model, copy, inputs([8, ...image], 6), inputs([8, 6, 5, 2], 7));
  });

  it('the file names the Keras classes, options and weights as TF.js writes them', async () => {
    const model = new Sequential({
      layers: [
        new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', inputShape: image, name: 'up' }),
        new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }),
        new SeparableConv2D({ filters: 3, kernelSize: 2, name: 'sep' }),
      ],
    });
    const path = join(dir, 'keras-names');
    await model.save(path);
    const json = readModelJSON(path);
    const layers: { class_name: string; config: Record<string, unknown> }[] = json.modelTopology.config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);
    expect(layers[0].config).toMatchObject({ filters: 2, kernel_size: [3, 3], strides: [2, 2], padding: 'same', dilation_rate: [1, 1], kernel_initializer: { class_name: 'GlorotUniform' } });
    expect(layers[0].config).not.toHaveProperty('output_padding');
    expect(layers[1].config).toMatchObject({ kernel_size: [3, 3], depth_multiplier: 2, depthwise_initializer: { class_name: 'GlorotUniform' }, bias_initializer: { class_name: 'Zeros' } });
    expect(layers[1].config).not.toHaveProperty('kernel_initializer');
    expect(layers[2].config).toMatchObject({ filters: 3, depth_multiplier: 1, depthwise_initializer: { class_name: 'GlorotUniform' }, pointwise_initializer: { class_name: 'GlorotUniform' } });
    const names = json.weightsManifest.flatMap((group: { weights: { name: string }[] }) => group.weights.map((w) => w.name));
    expect(names).toEqual(['up/kernel', 'up/bias', 'dw/depthwise_kernel', 'dw/bias', 'sep/depthwise_kernel', 'sep/pointwise_kernel', 'sep/bias']);
  });
});

describe('a layerwise model loads in TF.js (tf.loadLayersModel) and predicts the same', () => {
  it('SeparableConv2D → DepthwiseConv2D → Conv2DTranspose (every one with TF.js options), relu, tanh, a LeakyReLU', async () => {
    const model = new Sequential({
      layers: [
        new SeparableConv2D({ filters: 4, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu', inputShape: image }),
        new DepthwiseConv2D({ kernelSize: 2, strides: 2, padding: 'same', depthMultiplier: 3, activation: 'tanh' }),
        new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, activation: new LeakyReLU({ alpha: 0.2 }) }),
        new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: [1, 2], padding: 'same', outputPadding: [0, 1] }), // the size TF.js gives
      ],
    });
    randomizeWeights(model, 21);
    const warn = vi.spyOn(console, 'warn');
    const path = join(dir, 'tfjs-family');
    await model.save(path);
    expect(warn).not.toHaveBeenCalled();
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['SeparableConv2D', 'DepthwiseConv2D', 'Conv2DTranspose', 'LeakyReLU', 'Conv2DTranspose']);
    expect(loaded.layers[1].getConfig()).toMatchObject({ kernelSize: [2, 2], strides: [2, 2], depthMultiplier: 3, activation: 'tanh' });
    expect(loaded.outputs[0].shape).toEqual([null, ...model.outputShape!]);
    const x = inputs([3, ...image], 9);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
    loaded.dispose();
  });
});

describe('layerwise loads what TF.js saved, its weight names included, and predicts the same', () => {
  it('tf.layers.separableConv2d → depthwiseConv2d → conv2dTranspose → conv2dTranspose', async () => {
    const ref = tf.sequential({
      layers: [
        // depthMultiplier 1: TF.js 4.22 does not write depth_multiplier (verified below).
        tf.layers.separableConv2d({ filters: 4, kernelSize: [3, 2], padding: 'same', activation: 'relu', inputShape: image }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, strides: [2, 1], depthMultiplier: 2, activation: 'sigmoid' }),
        tf.layers.conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, padding: 'same' }),
        tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: [1, 3], useBias: false, activation: 'tanh' }),
      ],
    });
    for (const w of ref.trainableWeights) w.write(tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', 3));
    const path = join(dir, 'from-tfjs-family');
    await saveTfjsFiles(tf, ref, path, false);
    const names = readModelJSON(path).weightsManifest[0].weights.map((w: { name: string }) => w.name.split('/').pop());
    expect(names).toEqual(['depthwise_kernel', 'pointwise_kernel', 'bias', 'depthwise_kernel', 'bias', 'kernel', 'bias', 'kernel']);
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['SeparableConv2D', 'DepthwiseConv2D', 'Conv2DTranspose', 'Conv2DTranspose']);
    expect(model.layers[1].getConfig()).toMatchObject({ kernelSize: [3, 3], strides: [2, 1], depthMultiplier: 2, activation: 'sigmoid' });
    expect(model.outputShape).toEqual(ref.outputs[0].shape.slice(1) as number[]);
    const x = inputs([3, ...image]);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, ref, x), CLOSE);
    ref.dispose();
  });

  it("TF.js 4.22 does not write SeparableConv2D's depth_multiplier (verified): neither TF.js nor layerwise can load its file with one above 1", async () => {
    const ref = tf.sequential({ layers: [tf.layers.separableConv2d({ filters: 2, kernelSize: 3, depthMultiplier: 2, inputShape: image })] });
    const path = join(dir, 'from-tfjs-multiplier');
    await saveTfjsFiles(tf, ref, path, false);
    expect(readModelJSON(path).modelTopology.config.layers[0].config).not.toHaveProperty('depth_multiplier');
    await expect(tf.loadLayersModel(fromDirectory(tf, path))).rejects.toThrow();
    await expect(loadModel(path)).rejects.toThrow(/depthwise_kernel" the shape \[3, 3, 3, 2\], but the model needs \[3, 3, 3, 1\]/);
    ref.dispose();
  });
});

describe('saving a config TF.js 4.22 computes otherwise warns, naming the layer; layerwise loads it back exactly', () => {
  const cases: [string, () => Layer, RegExp][] = [
    ['Conv2DTranspose dilation 2', () => new Conv2DTranspose({ filters: 2, kernelSize: 2, dilationRate: 2, name: 'gap' }), /gap \(Conv2DTranspose\): TF\.js 4\.22 ignores dilation_rate: its output has the size of an undilated kernel/],
    ['Conv2DTranspose outputPadding', () => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, outputPadding: 1, name: 'gap' }), /gap \(Conv2DTranspose\): TF\.js 4\.22 ignores output_padding: /],
    ['Conv2DTranspose both', () => new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, dilationRate: [1, 2], padding: 'same', outputPadding: [1, 0], name: 'gap' }), /gap \(Conv2DTranspose\): TF\.js 4\.22 ignores dilation_rate and output_padding: /],
    ['DepthwiseConv2D dilation [1, 2]', () => new DepthwiseConv2D({ kernelSize: 2, dilationRate: [1, 2], padding: 'same', name: 'gap' }), /gap \(DepthwiseConv2D\): TF\.js 4\.22 keeps dilation_rate but ignores it: it convolves undilated/],
    ['SeparableConv2D dilation 2', () => new SeparableConv2D({ filters: 2, kernelSize: 2, dilationRate: 2, name: 'gap' }), /gap \(SeparableConv2D\): TF\.js 4\.22 predicts the same, but cannot train it: it has no gradient for dilation rates above 1\.$/],
  ];
  let saves = 0;
  for (const [label, make, message] of cases) {
    it(label, () => expectGapWarning(join(dir, `gap-${++saves}`), [new Dense({ units: 3, inputShape: image }), make()], image, message));
  }

  it('TF.js loads a gap file and computes otherwise (verified): the dilated DepthwiseConv2D gives another output size there', async () => {
    const model = new Sequential({ layers: [new DepthwiseConv2D({ kernelSize: 2, dilationRate: 2, inputShape: image })] });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const path = join(dir, 'gap-tfjs');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(model.outputShape).toEqual([4, 3, 3]);
    expect(loaded.outputs[0].shape).toEqual([null, 5, 4, 3]);
    loaded.dispose();
  });

  it('kernels of size 1, and output paddings that give TF.js its own size, do not warn', async () => {
    const warn = vi.spyOn(console, 'warn');
    const model = new Sequential({
      layers: [
        new DepthwiseConv2D({ kernelSize: [1, 2], dilationRate: [3, 1], inputShape: image }),
        new SeparableConv2D({ filters: 2, kernelSize: 1, dilationRate: 2 }),
        new Conv2DTranspose({ filters: 2, kernelSize: 2, strides: 3, outputPadding: 1 }),
        new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1 }),
      ],
    });
    await model.save(join(dir, 'no-gap'));
    expect(warn).not.toHaveBeenCalled();
  });
});
