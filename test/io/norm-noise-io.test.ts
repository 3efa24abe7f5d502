/**
 * Saving and loading LayerNormalization, the noise layers (GaussianNoise, GaussianDropout,
 * AlphaDropout, SpatialDropout1D/2D, Dropout's noiseShape) and the shape layers (UpSampling1D/2D,
 * Cropping1D/2D, ZeroPadding1D): layerwise round trips through files and memory, bit for bit; TF.js
 * (@tensorflow/tfjs 4.22, cpu backend) loading layerwise's files with `tf.loadLayersModel`, and
 * layerwise loading files TF.js saved, every reference value computed by TF.js inside the test.
 * Configs TF.js 4.22 lacks or computes otherwise warn on saving (io/tfjs/tfjs-gaps.ts) and load
 * back into layerwise exactly.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AlphaDropout,
  Cropping1D,
  Cropping2D,
  Dense,
  Dropout,
  GaussianDropout,
  GaussianNoise,
  initializers,
  LayerNormalization,
  loadModel,
  Sequential,
  SpatialDropout1D,
  SpatialDropout2D,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  type Layer,
} from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { expectGapWarning, expectTrainsOnAlike, inputs, randomizeWeights, readModelJSON, roundTrips, tempDir } from './helpers';
import { fromDirectory, saveTfjsFiles, tfPredict, useTfjsCpu } from './tfjs-helpers';

const dir = tempDir();
const CLOSE = { rtol: 1e-5, atol: 1e-5 };

useTfjsCpu(tf);
afterEach(() => vi.restoreAllMocks());

const { roundTrip, expectSameModel } = roundTrips(dir);

/** Per-sample sequences [steps, channels] and images [height, width, channels]. */
const sequence = [8, 3];
const image = [6, 5, 2];

describe('every layer survives save + loadModel and serializeModel + modelFromJSON, bit for bit', () => {
  const cases: [string, number[], () => Layer[]][] = [
    ['LayerNormalization, defaults', sequence, () => [new LayerNormalization()]],
    ['LayerNormalization over [1, 2], epsilon 1e-5, initializers', image, () => [new LayerNormalization({ axis: [1, 2], epsilon: 1e-5, gammaInitializer: initializers.constant({ value: 2 }), betaInitializer: 'ones' })]],
    ['LayerNormalization with center false, and with scale false (gap)', sequence, () => [new LayerNormalization({ center: false }), new LayerNormalization({ scale: false, axis: -2 })]],
    ['GaussianNoise with a seed, GaussianDropout', sequence, () => [new GaussianNoise({ stddev: 0.2, seed: 4 }), new GaussianDropout({ rate: 0.3 })]],
    ['AlphaDropout with a noiseShape (gap), Dropout with a noiseShape', sequence, () => [new AlphaDropout({ rate: 0.2, noiseShape: [null, 1, 3], seed: 1 }), new Dropout({ rate: 0.4, noiseShape: [null, 8, 1] })]],
    ['SpatialDropout1D', sequence, () => [new SpatialDropout1D({ rate: 0.3, seed: 2 })]],
    ['SpatialDropout2D (gap)', image, () => [new SpatialDropout2D({ rate: 0.3 })]],
    ["UpSampling2D 'nearest' [2, 3] and 'bilinear' (gaps)", image, () => [new UpSampling2D({ size: [2, 3] }), new UpSampling2D({ interpolation: 'bilinear' })]],
    ['Cropping2D [[1, 0], [2, 1]]', image, () => [new Cropping2D({ cropping: [[1, 0], [2, 1]] })]],
    ['UpSampling1D, Cropping1D, ZeroPadding1D (gaps)', sequence, () => [new UpSampling1D({ size: 3 }), new Cropping1D({ cropping: [2, 1] }), new ZeroPadding1D({ padding: [0, 2] })]],
  ];
  for (const [name, shape, make] of cases) {
    it(name, async () => {
      vi.spyOn(console, 'warn').mockImplementation(() => {});
      const model = new Sequential({ layers: [new Dense({ units: shape[shape.length - 1], inputShape: shape }), ...make()] });
      await expectSameModel(model, shape);
    });
  }

  it('a trained LayerNormalization model keeps its weights; training on from the copy equals training on', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3] }), new LayerNormalization({ axis: [1] }), new Dense({ units: 1 })] });
    model.compile({ optimizer: 'adam', loss: 'mse' });
    await model.fit(inputs([8, 3]), inputs([8, 1], 2), { epochs: 2, verbose: 0 });
    const [copy] = await roundTrip(model);
    expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
    await expectTrainsOnAlike(model, copy, inputs([8, 3], 6), inputs([8, 1], 7));
  });

  it('the file writes Keras names: axis, noise_shape, size, interpolation, cropping, padding', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new Sequential({
      layers: [
        new LayerNormalization({ axis: [1, 2], inputShape: image }),
        new Dropout({ rate: 0.5, noiseShape: [null, 1, 1, 2] }),
        new UpSampling2D({ size: 2, interpolation: 'bilinear' }),
        new Cropping2D({ cropping: 1 }),
      ],
    });
    const path = join(dir, 'keras-names');
    await model.save(path);
    const layers: { class_name: string; config: Record<string, unknown> }[] = readModelJSON(path).modelTopology.config.layers;
    expect(layers[0].config).toMatchObject({ axis: [1, 2], epsilon: 1e-3, center: true, scale: true });
    expect(layers[1].config).toMatchObject({ rate: 0.5, noise_shape: [null, 1, 1, 2] });
    expect(layers[2].config).toMatchObject({ size: [2, 2], interpolation: 'bilinear', data_format: 'channels_last' });
    expect(layers[3].config).toMatchObject({ cropping: [[1, 1], [1, 1]], data_format: 'channels_last' });
  });
});

describe('saving a config TF.js 4.22 lacks or computes otherwise warns, naming the layer; layerwise loads it back exactly', () => {
  const cases: [string, number[], () => Layer, RegExp][] = [
    ['ZeroPadding1D', sequence, () => new ZeroPadding1D({ name: 'gap' }), /gap \(ZeroPadding1D\): TF\.js 4\.22 has no ZeroPadding1D layer: tf\.loadLayersModel cannot load this file/],
    ['Cropping1D', sequence, () => new Cropping1D({ name: 'gap' }), /gap \(Cropping1D\): TF\.js 4\.22 has no Cropping1D layer/],
    ['UpSampling1D', sequence, () => new UpSampling1D({ name: 'gap' }), /gap \(UpSampling1D\): TF\.js 4\.22 has no UpSampling1D layer/],
    ['SpatialDropout2D', image, () => new SpatialDropout2D({ rate: 0.5, name: 'gap' }), /gap \(SpatialDropout2D\): TF\.js 4\.22 has no SpatialDropout2D layer/],
    ["UpSampling2D 'bilinear'", image, () => new UpSampling2D({ interpolation: 'bilinear', name: 'gap' }), /gap \(UpSampling2D\): TF\.js 4\.22's 'bilinear' aligns the first pixels \(\[0, 1\] upsampled by 2 gives \[0, 0\.5, 1, 1\]\), not Keras 3's/],
    ["UpSampling2D 'nearest'", image, () => new UpSampling2D({ name: 'gap' }), /gap \(UpSampling2D\): TF\.js 4\.22 predicts the same, but on its cpu backend the gradient of 'nearest' mixes the samples of a batch/],
    ['LayerNormalization center false', sequence, () => new LayerNormalization({ center: false, name: 'gap' }), /gap \(LayerNormalization\): TF\.js 4\.22 predicts the same, but its fit fails with center: false/],
    ['LayerNormalization scale false', sequence, () => new LayerNormalization({ scale: false, name: 'gap' }), /gap \(LayerNormalization\): .*its fit fails with scale: false/],
    ['AlphaDropout', sequence, () => new AlphaDropout({ rate: 0.2, name: 'gap' }), /gap \(AlphaDropout\): TF\.js 4\.22 predicts the same, but in training it sets the dropped inputs to \+1\.7581 instead of SELU's saturation −1\.7581 \(a sign slip\)\.$/],
    ['AlphaDropout with null in noiseShape', sequence, () => new AlphaDropout({ rate: 0.2, noiseShape: [null, 1, 3], name: 'gap' }), /gap \(AlphaDropout\): .*sign slip\), and it fails on noise_shape's null entries/],
  ];
  let saves = 0;
  for (const [label, shape, make, message] of cases) {
    it(label, () => expectGapWarning(join(dir, `gap-${++saves}`), [new Dense({ units: shape[shape.length - 1], inputShape: shape }), make()], shape, message));
  }

  it("a Keras 3 LayerNormalization with rms_scaling true is refused, not computed wrongly; false loads", async () => {
    const path = join(dir, 'rms-scaling');
    await new Sequential({ layers: [new LayerNormalization({ inputShape: [4] })] }).save(path);
    const json = readModelJSON(path);
    for (const [value, loads] of [[false, true], [true, false]] as const) {
      json.modelTopology.config.layers[0].config.rms_scaling = value;
      writeFileSync(join(path, 'model.json'), JSON.stringify(json));
      if (loads) expect((await loadModel(path)).layers[0].className).toBe('LayerNormalization');
      else await expect(loadModel(path)).rejects.toThrow(/rms_scaling must be false, but is true.*layerwise's LayerNormalization has no rms_scaling/);
    }
  });

  it('configs TF.js computes the same do not warn', async () => {
    const warn = vi.spyOn(console, 'warn');
    const model = new Sequential({
      layers: [
        new LayerNormalization({ inputShape: image }),
        new GaussianNoise({ stddev: 0.1 }),
        new GaussianDropout({ rate: 0.1 }),
        new Dropout({ rate: 0.1, noiseShape: [null, 1, 1, 2] }),
        new Cropping2D({ cropping: 1 }),
      ],
    });
    await model.save(join(dir, 'no-gap'));
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('a layerwise model loads in TF.js (tf.loadLayersModel) and predicts the same', () => {
  it('Dense → LayerNormalization(axis [1, 2]) → GaussianNoise → GaussianDropout → Dropout(noiseShape) → Cropping2D → UpSampling2D → LayerNormalization', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new Sequential({
      layers: [
        new Dense({ units: 3, inputShape: image }),
        new LayerNormalization({ axis: [1, 2], epsilon: 1e-4 }),
        new GaussianNoise({ stddev: 0.3, seed: 1 }),
        new GaussianDropout({ rate: 0.2 }),
        new Dropout({ rate: 0.5, noiseShape: [null, 1, 1, 3] }),
        new Cropping2D({ cropping: [[1, 0], [0, 2]] }),
        new UpSampling2D({ size: [2, 1] }),
        new LayerNormalization(),
      ],
    });
    randomizeWeights(model, 21);
    const path = join(dir, 'tfjs-norm');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Dense', 'LayerNormalization', 'GaussianNoise', 'GaussianDropout', 'Dropout', 'Cropping2D', 'UpSampling2D', 'LayerNormalization']);
    expect(loaded.layers[1].getConfig()).toMatchObject({ axis: [1, 2], epsilon: 1e-4 });
    expect(loaded.layers[4].getConfig()).toMatchObject({ rate: 0.5, noiseShape: [null, 1, 1, 3] });
    expect(loaded.layers[5].getConfig()).toMatchObject({ cropping: [[1, 0], [0, 2]] });
    expect(loaded.outputs[0].shape).toEqual([null, 10, 3, 3]);
    const x = inputs([4, ...image], 9);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });

  it('AlphaDropout and SpatialDropout1D; LayerNormalization with scale false predicts the same in TF.js', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new Sequential({
      layers: [new Dense({ units: 3, inputShape: sequence }), new AlphaDropout({ rate: 0.2 }), new SpatialDropout1D({ rate: 0.3 }), new LayerNormalization({ scale: false })],
    });
    randomizeWeights(model, 22);
    const path = join(dir, 'tfjs-noise');
    await model.save(path);
    const loaded = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(['Dense', 'AlphaDropout', 'SpatialDropout1D', 'LayerNormalization']);
    expect(loaded.layers[3].getConfig()).toMatchObject({ scale: false, center: true });
    const x = inputs([4, ...sequence], 10);
    expect(tfPredict(tf, loaded, x)).toBeAllClose(model.predict(x), CLOSE);
  });
});

describe('layerwise loads what TF.js saved and predicts the same', () => {
  it('Dense → LayerNormalization → GaussianNoise → GaussianDropout → AlphaDropout → SpatialDropout1D → Dropout(noiseShape) → LayerNormalization(axis [1, 2])', async () => {
    const ref = tf.sequential({
      layers: [
        tf.layers.dense({ units: 3, inputShape: sequence }),
        tf.layers.layerNormalization({ epsilon: 1e-4 }),
        tf.layers.gaussianNoise({ stddev: 0.2 }),
        tf.layers.gaussianDropout({ rate: 0.3 }),
        tf.layers.alphaDropout({ rate: 0.1 }),
        tf.layers.spatialDropout1d({ rate: 0.2 }),
        tf.layers.dropout({ rate: 0.5, noiseShape: [null, 1, 3] as unknown as number[] }),
        tf.layers.layerNormalization({ axis: [1, 2], center: true, scale: true }),
      ],
    });
    for (const w of ref.trainableWeights) w.write(tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 3));
    const path = join(dir, 'from-tfjs-norm');
    await saveTfjsFiles(tf, ref, path, false);
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'LayerNormalization', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'SpatialDropout1D', 'Dropout', 'LayerNormalization']);
    // TF.js writes the axes it resolved when building: -1 of a rank-3 input is [2].
    expect(model.layers[1].getConfig()).toMatchObject({ axis: [2], epsilon: 1e-4 });
    expect(model.layers[6].getConfig()).toMatchObject({ rate: 0.5, noiseShape: [null, 1, 3] });
    expect(model.layers[7].getConfig()).toMatchObject({ axis: [1, 2] });
    const x = inputs([5, ...sequence]);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, ref, x), CLOSE);
    ref.dispose();
  });

  it("Cropping2D → UpSampling2D 'nearest' → Dense", async () => {
    const ref = tf.sequential({
      layers: [tf.layers.cropping2D({ cropping: [[1, 2], [0, 1]], inputShape: image }), tf.layers.upSampling2d({ size: [3, 2] }), tf.layers.dense({ units: 2 })],
    });
    const path = join(dir, 'from-tfjs-resize');
    await saveTfjsFiles(tf, ref, path, false);
    const model = await loadModel(path);
    expect(model.layers.map((l) => l.className)).toEqual(['Cropping2D', 'UpSampling2D', 'Dense']);
    expect(model.layers[0].getConfig()).toMatchObject({ cropping: [[1, 2], [0, 1]] });
    expect(model.layers[1].getConfig()).toMatchObject({ size: [3, 2], interpolation: 'nearest' });
    const x = inputs([3, ...image]);
    expect(model.predict(x)).toBeAllClose(tfPredict(tf, ref, x), CLOSE);
    ref.dispose();
  });
});
