import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';

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
