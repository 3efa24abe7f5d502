import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel, serializeModel } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs } from '../helpers/random-data';
import { fixtureModels } from './fixture-models';

// The fixtures were written by test/io/fixtures/write-fixtures.ts with the code of f06c295, before
// the redesign of the io seams: what a save writes must not change, and files written then must
// still load and predict what that code predicted (predictions.bin).
const FIXTURES = join(__dirname, 'fixtures', 'saved');

function read(name: string, file: string): Uint8Array | undefined {
  const path = join(FIXTURES, name, file);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

describe('saved files are what they were before the redesign', async () => {
  for (const { name, model } of await fixtureModels()) {
    it(`${name}: model.json equal as parsed JSON, weight and optimizer bytes identical`, () => {
      const { modelJSON, weightData, optimizerData } = serializeModel(model);
      const fixture = JSON.parse(new TextDecoder().decode(read(name, 'model.json')));
      expect(JSON.parse(JSON.stringify(modelJSON))).toEqual(fixture);
      expect(weightData).toEqual(read(name, 'weights.bin'));
      expect(optimizerData).toEqual(read(name, 'optimizer.bin'));
    });

    it(`${name}: the file written before loads, predicting what the code that wrote it predicted, with the same weights and compile settings`, async () => {
      const copy = await loadModel(join(FIXTURES, name));
      const x = inputs([3, ...model.inputShape!], 99);
      expect(bytesOf(copy.predict(x))).toEqual(read(name, 'predictions.bin'));
      expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
      expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
      expect(copy.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
      expect(copy.optimizer?.getConfig()).toEqual(model.optimizer?.getConfig());
      expect(copy.optimizer?.iterations).toEqual(model.optimizer?.iterations);
    });
  }
});
