import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

/**
 * A TF.js load handler for a directory on disk (pure-JS TF.js has no file:// handler): TF.js's own
 * `getModelArtifactsForJSON` reads model.json, the weight files come from the paths it names.
 */
export function fromDirectory(tfjs: typeof tf, path: string): tf.io.IOHandler {
  return {
    load: () => {
      const modelJSON = JSON.parse(readFileSync(join(path, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tfjs.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const files = manifest.flatMap((group) => group.paths.map((p) => readFileSync(join(path, p))));
        const data = new Uint8Array(files.reduce((n, f) => n + f.byteLength, 0));
        let offset = 0;
        for (const f of files) data.set(f, (offset += f.byteLength) - f.byteLength);
        return [manifest.flatMap((group) => group.weights), data.buffer];
      });
    },
  };
}

/** Saves a TF.js model into a directory as tfjs-node's file:// handler lays it out (`weights.bin` beside `model.json`). */
export async function saveTfjsFiles(tfjs: typeof tf, model: tf.LayersModel, path: string, includeOptimizer: boolean): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  await model.save(
    tfjs.io.withSaveHandler(async (artifacts) => {
      mkdirSync(path, { recursive: true });
      const { weightData, weightSpecs, ...rest } = artifacts;
      writeFileSync(join(path, 'weights.bin'), new Uint8Array(weightData as ArrayBuffer));
      writeFileSync(join(path, 'model.json'), JSON.stringify({ ...rest, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer },
  );
}

/** Runs the file's tests with TF.js on its cpu backend (PROD silences its advice to install tfjs-node). */
export function useTfjsCpu(tfjs: typeof tf): void {
  beforeAll(async () => {
    tfjs.env().set('PROD', true);
    await tfjs.setBackend('cpu');
    await tfjs.ready();
  });
}

/** A TF.js model's prediction for x (a layerwise tensor or the like), as a Float32Array. */
export function tfPredict(tfjs: typeof tf, model: tf.LayersModel, x: { data: Float32Array; shape: readonly number[] }): Float32Array {
  return tfjs.tidy(() => (model.predict(tfjs.tensor(x.data, x.shape as number[])) as tf.Tensor).dataSync() as Float32Array);
}
