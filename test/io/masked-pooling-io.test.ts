/**
 * GlobalAveragePooling1D after an Embedding with maskZero averages the real steps (Keras 3);
 * TF.js 4.22 averages every step, padding included (verified here, TF.js computing inside the
 * test), so saving such a model warns, and layerwise loads its own file back exactly.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Embedding, GlobalAveragePooling1D, loadModel, Sequential, tensor } from 'layerwise';
import { tempDir } from './helpers';
import { fromDirectory } from './tfjs-helpers';

const dir = tempDir('layerwise-masked-pool-');

beforeAll(async () => {
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('a masked GlobalAveragePooling1D and TF.js', () => {
  it('layerwise averages the real steps, TF.js every step; saving warns; layerwise loads its file back', async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 1, maskZero: true, inputShape: [3], name: 'words' }), new GlobalAveragePooling1D({ name: 'pool' })] });
    model.build([3]);
    model.layers[0].setWeights([tensor(Float32Array.from([0, 1, 1, 1, 1, 1]), [6, 1])]);
    const x = [[1, 2, 0], [1, 2, 3]];
    expect(Array.from(model.predict(x).data)).toEqual([1, 1]);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const path = join(dir, 'pool');
    await model.save(path);
    const warnings = warn.mock.calls.map((c) => String(c[0]));
    warn.mockRestore();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/pool \(GlobalAveragePooling1D\): TF\.js 4\.22's GlobalAveragePooling1D ignores the mask/);
    const theirs = await tf.loadLayersModel(fromDirectory(tf, path));
    expect(Array.from((theirs.predict(tf.tensor2d(x)) as tf.Tensor).dataSync())).toEqual([Math.fround(2 / 3), 1]);
    const back = await loadModel(path);
    expect(Array.from(back.predict(x).data)).toEqual([1, 1]);
    // Without maskZero TF.js computes the same: no warning.
    const plain = new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 1, inputShape: [3] }), new GlobalAveragePooling1D()] });
    const quiet = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await plain.save(join(dir, 'plain'));
    expect(quiet).not.toHaveBeenCalled();
    quiet.mockRestore();
  });
});
