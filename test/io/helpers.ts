import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { loadModel, modelFromJSON, serializeModel, type Sequential } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs, randomizeWeights } from '../helpers/random-data';

/** A fresh temporary directory, removed after the test file's tests. */
export function tempDir(prefix = 'layerwise-io-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The parsed model.json of a saved directory. */
export function readModelJSON(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

export { inputs, randomizeWeights } from '../helpers/random-data';

/**
 * Round trips into `dir`: `roundTrip` saves to disk and loads back, and also goes through the
 * in-memory forms, returning both copies; `expectSameModel` randomizes the weights and checks that
 * predictions, weights, configs and the name survive both, bit for bit.
 */
export function roundTrips(dir: string): {
  roundTrip: (model: Sequential) => Promise<Sequential[]>;
  expectSameModel: (model: Sequential, inputShape: number[]) => Promise<Sequential>;
} {
  let saves = 0;
  const roundTrip = async (model: Sequential): Promise<Sequential[]> => {
    const path = join(dir, `model-${++saves}`);
    await model.save(path);
    const { modelJSON, weightData, optimizerData } = serializeModel(model);
    return [await loadModel(path), modelFromJSON(JSON.stringify(modelJSON), weightData, { optimizerData })];
  };
  const expectSameModel = async (model: Sequential, inputShape: number[]): Promise<Sequential> => {
    randomizeWeights(model);
    const x = inputs([4, ...inputShape]);
    const before = bytesOf(model.predict(x));
    for (const copy of await roundTrip(model)) {
      expect(bytesOf(copy.predict(x))).toEqual(before);
      expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
      expect(copy.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
      expect(copy.layers.map((l) => l.className)).toEqual(model.layers.map((l) => l.className));
      expect(copy.name).toBe(model.name);
    }
    return model;
  };
  return { roundTrip, expectSameModel };
}
