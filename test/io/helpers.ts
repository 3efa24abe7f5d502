import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, vi } from 'vitest';
import { loadModel, modelFromJSON, Sequential, serializeModel, type Layer, type Tensor } from 'layerwise';
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

/** Trains a model and its saved copy one more epoch on the same batch, unshuffled: the weights stay equal, bit for bit. */
export async function expectTrainsOnAlike(model: Sequential, copy: Sequential, x: Tensor, y: Tensor): Promise<void> {
  await model.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
  await copy.fit(x, y, { epochs: 1, verbose: 0, shuffle: false });
  expect(copy.getWeights().map(bytesOf)).toEqual(model.getWeights().map(bytesOf));
}

/**
 * A model 'seq_gap' of `layers` (randomized weights) that TF.js 4.22 would compute otherwise: saving
 * it to `path` warns once, naming the model and then `message`; layerwise loads it back with the
 * same configs and predictions, bit for bit, for inputs of `inputShape`.
 */
export async function expectGapWarning(path: string, layers: Layer[], inputShape: number[], message: RegExp): Promise<void> {
  const model = new Sequential({ name: 'seq_gap', layers });
  randomizeWeights(model, 5);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  await model.save(path);
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0][0])).toMatch(/^layerwise: seq_gap\.save: TF\.js 4\.22 would not compute this file as layerwise does\. /);
  expect(String(warn.mock.calls[0][0])).toMatch(message);
  const back = await loadModel(path);
  expect(back.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
  const x = inputs([3, ...inputShape], 8);
  expect(bytesOf(back.predict(x))).toEqual(bytesOf(model.predict(x)));
}
