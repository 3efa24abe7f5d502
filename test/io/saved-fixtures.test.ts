import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getActivation, LeakyReLU, loadModel, modelFromJSON, serializeModel } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs } from '../helpers/random-data';
import { fixtureModels } from './fixture-models';

// The fixtures were written by test/io/fixtures/write-fixtures.ts with the code of f06c295, before
// the redesign of the io seams: what a save writes must not change but for the deliberate changes
// below, and files written then must still load and predict what that code predicted
// (predictions.bin), bit for bit.
const FIXTURES = join(__dirname, 'fixtures', 'saved');

function read(name: string, file: string): Uint8Array | undefined {
  const path = join(FIXTURES, name, file);
  return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
}

type Json = Record<string, any>;

const isLeakyKey = (key: unknown) => typeof key === 'string' && getActivation(key, 'test').name === 'leaky_relu';

/**
 * The deliberate changes since the fixtures, applied to what they hold: format version 2, where the
 * key 'leaky_relu' means alpha 0.2 (Keras 3's activations.leaky_relu; it meant the LeakyReLU
 * layer's 0.3 before), so the LeakyReLU layers written for that key say 0.2. Returns the patched
 * model.json and whether the change reaches the weights (a model trained through such a key).
 */
function expectedAfterChanges(fixture: Json, trained: boolean): { json: Json; weightsChanged: boolean } {
  const json = structuredClone(fixture);
  const meta = json.userDefinedMetadata.layerwise;
  const forKey = new Set<string>([
    ...meta.fusedActivations.filter((r: Json) => isLeakyKey(r.key)).map((r: Json) => r.activationLayer),
    ...meta.keyedLayers.filter((r: Json) => isLeakyKey(r.key)).map((r: Json) => r.layer),
  ]);
  for (const layer of json.modelTopology.config.layers) if (forKey.has(layer.config.name)) layer.config.alpha = 0.2;
  if (forKey.size > 0) meta.formatVersion = 2;
  return { json, weightsChanged: trained && forKey.size > 0 };
}

/**
 * The second deliberate change: TF.js's own optimizer arrays (`group: 'optimizer'`, the step count
 * first) follow the weights in weights.bin, so that TF.js goes on training with the same state
 * (test/io/tfjs-handoff.test.ts). Returns model.json and the weight bytes without them.
 */
function withoutTfjsState(modelJSON: Json, weightData: Uint8Array): { json: Json; weights: Uint8Array } {
  const json = structuredClone(modelJSON);
  const specs: Json[] = json.weightsManifest[0].weights;
  const first = specs.findIndex((w) => w.group === 'optimizer');
  if (first < 0) return { json, weights: weightData };
  expect(specs[first].name).toBe('iter');
  expect(specs.slice(first).every((w) => w.group === 'optimizer')).toBe(true);
  const modelBytes = specs.slice(0, first).reduce((n, w) => n + 4 * w.shape.reduce((a: number, b: number) => a * b, 1), 0);
  json.weightsManifest[0].weights = specs.slice(0, first);
  return { json, weights: weightData.subarray(0, modelBytes) };
}

describe('saved files are what they were before the redesign', async () => {
  for (const { name, model } of await fixtureModels()) {
    it(`${name}: model.json equal as parsed JSON, weight and optimizer bytes identical (but for the deliberate changes)`, () => {
      const saved = serializeModel(model);
      const { optimizerData } = saved;
      const { json: modelJSON, weights: weightData } = withoutTfjsState(JSON.parse(JSON.stringify(saved.modelJSON)), saved.weightData);
      const fixture = JSON.parse(new TextDecoder().decode(read(name, 'model.json')));
      const { json, weightsChanged } = expectedAfterChanges(fixture, model.optimizer !== undefined && model.optimizer.iterations > 0);
      expect(modelJSON).toEqual(json);
      if (weightsChanged) {
        // Trained through the 'leaky_relu' key, whose slope changed: other weights, of the same sizes.
        expect(weightData.byteLength).toBe(read(name, 'weights.bin')!.byteLength);
        expect(optimizerData?.byteLength).toBe(read(name, 'optimizer.bin')?.byteLength);
      } else {
        expect(weightData).toEqual(read(name, 'weights.bin'));
        expect(optimizerData).toEqual(read(name, 'optimizer.bin'));
      }
    });

    it(`${name}: the file written before loads, predicting what the code that wrote it predicted, with its compile settings`, async () => {
      const copy = await loadModel(join(FIXTURES, name));
      const x = inputs([3, ...model.inputShape!], 99);
      expect(bytesOf(copy.predict(x))).toEqual(read(name, 'predictions.bin'));
      expect(copy.optimizer?.getConfig()).toEqual(model.optimizer?.getConfig());
      expect(copy.optimizer?.iterations).toEqual(model.optimizer?.iterations);
      // Saved again and loaded, it still predicts the same. Loaded from version 1, a 'leaky_relu' key
      // came back as LeakyReLU({ alpha: 0.3 }), so the new file needs no version 2.
      const again = serializeModel(copy);
      expect(again.modelJSON.userDefinedMetadata.layerwise.formatVersion).toBe(1);
      const back = modelFromJSON(JSON.stringify(again.modelJSON), again.weightData, { optimizerData: again.optimizerData });
      expect(bytesOf(back.predict(x))).toEqual(read(name, 'predictions.bin'));
    });
  }

  it("a version-1 file's 'leaky_relu' key loads as the LeakyReLU layer it was written as, alpha 0.3", async () => {
    const copy = await loadModel(join(FIXTURES, 'dense-activations'));
    const fixture = JSON.parse(new TextDecoder().decode(read('dense-activations', 'model.json')));
    const keyed = fixture.userDefinedMetadata.layerwise.fusedActivations.filter((r: Json) => isLeakyKey(r.key)).map((r: Json) => r.layer);
    expect(keyed.length).toBeGreaterThan(0);
    for (const name of keyed) {
      const slot = (copy.getLayer(name) as unknown as { activation: { layer?: unknown } }).activation;
      expect(slot.layer).toBeInstanceOf(LeakyReLU);
      expect((slot.layer as LeakyReLU).alpha).toBe(0.3);
    }
  });
});
