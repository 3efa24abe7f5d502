/**
 * Property: whatever is done to a model's files, loading either gives a working model or throws a
 * LayerwiseError that names the file; it never crashes with another error, never pollutes a
 * prototype, never hangs. The runs are bounded in number and in time, with a fixed seed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Activation,
  Adam,
  BatchNormalization,
  Conv2D,
  Dense,
  Dropout,
  Flatten,
  LayerwiseError,
  LeakyReLU,
  loadModel,
  MaxPooling2D,
  modelFromJSON,
  PReLU,
  Reshape,
  Sequential,
  serializeModel,
  setSeed,
  sizeOf,
  Softmax,
  ZeroPadding2D,
  type ModelArtifacts,
} from 'layerwise';
import { inputs, tempDir } from './helpers';

type Path = (string | number)[];
type Json = unknown;

let saved: ModelArtifacts;
let paths: Path[];
let objectPaths: Path[];

beforeAll(async () => {
  setSeed(8);
  const model = new Sequential({
    layers: [
      new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [4, 4, 1], activation: new LeakyReLU({ alpha: 0.2 }) }),
      new BatchNormalization(),
      new ZeroPadding2D({ padding: 1 }),
      new MaxPooling2D({ poolSize: 2 }),
      new Flatten(),
      new Dense({ units: 4, activation: 'leaky_relu' }),
      new Activation({ activation: 'silu' }),
      new Dropout({ rate: 0.2, seed: 1 }),
      new Dense({ units: 4, activation: new PReLU() }),
      new Reshape({ targetShape: [2, 2] }),
      new Softmax(),
    ],
  });
  model.compile({ optimizer: new Adam(), loss: 'mse', metrics: ['mae'] });
  await model.fit(inputs([3, 4, 4, 1]), inputs([3, 2, 2], 2), { epochs: 1, verbose: 0 });
  saved = serializeModel(model);
  paths = [];
  objectPaths = [];
  const walk = (value: Json, path: Path): void => {
    paths.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
    else if (value && typeof value === 'object') {
      objectPaths.push(path);
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(saved.modelJSON, []);
});

/** Values that stress a loader: wrong types, huge and negative numbers, names of prototypes. */
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -3, max: 2 ** 31 }),
  fc.double(),
  fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 5 }),
  fc.constantFrom<Json>(null, '', 'Dense', 'LeakyReLU', 'leaky_relu', 'InputLayer', '__proto__', 'constructor', 'float16', 'int32', [], {}, [null, 1e9], 0, -1, 1e300, { class_name: 'Lambda', config: {} }),
);

type Mutation =
  | { kind: 'delete' | 'replace'; at: number; value: Json }
  | { kind: 'insert'; at: number; key: string; value: Json };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('delete' as const, 'replace' as const), at: fc.nat(), value }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), key: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'extra'), value }),
);

type Damage = { kind: 'none' } | { kind: 'cut'; at: number } | { kind: 'extend'; by: number } | { kind: 'flip'; at: number; to: number };
type TextDamage = { kind: 'none' } | { kind: 'cut'; at: number } | { kind: 'char'; at: number; char: string };

/** Damage to bytes: cut, extend, or flip one byte (a flip gives other weights, still a valid model). */
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), by: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.integer({ min: 0, max: 255 }) }),
);

/** Damage to the text of model.json: a cut, or a character replaced. */
const textDamage: fc.Arbitrary<TextDamage> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.constantFrom('{', '}', '"', ',', ':', '0', 'x', ']') }) },
);

function mutate(json: Json, m: Mutation): void {
  const all = m.kind === 'insert' ? objectPaths : paths;
  const path = all[m.at % all.length];
  if (path.length === 0) return;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node?.[key], json);
  const key = path[path.length - 1];
  if (parent === null || typeof parent !== 'object') return;
  if (m.kind === 'insert') {
    const target = parent[key];
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      // defineProperty, so that "__proto__" becomes an own key of the JSON, as JSON.parse makes it.
      Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
    }
  } else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else {
    parent[key] = m.value;
  }
}

function damaged(data: Uint8Array, d: Damage): Uint8Array {
  if (d.kind === 'cut') return data.slice(0, d.at % (data.length + 1));
  if (d.kind === 'extend') return new Uint8Array([...data, ...new Uint8Array(d.by)]);
  if (d.kind === 'flip' && data.length > 0) {
    const out = data.slice();
    out[d.at % out.length] = d.to;
    return out;
  }
  return data;
}

function damagedText(text: string, d: TextDamage): string {
  if (d.kind === 'cut') return text.slice(0, d.at % text.length);
  if (d.kind === 'char') {
    const i = d.at % text.length;
    return text.slice(0, i) + d.char + text.slice(i + 1);
  }
  return text;
}

const files = fc.record({
  mutations: fc.array(mutation, { minLength: 0, maxLength: 3 }),
  text: textDamage,
  weights: damage,
  optimizer: damage,
});

type Files = { mutations: Mutation[]; text: TextDamage; weights: Damage; optimizer: Damage };

function applyDamage(f: Files): { text: string; weights: Uint8Array; optimizer: Uint8Array } {
  const json = JSON.parse(JSON.stringify(saved.modelJSON));
  for (const m of f.mutations) mutate(json, m);
  return { text: damagedText(JSON.stringify(json), f.text), weights: damaged(saved.weightData, f.weights), optimizer: damaged(saved.optimizerData!, f.optimizer) };
}

/** A loaded model must work: predict on a small batch (when its shapes are of a sane size). */
function checkWorks(model: Sequential): void {
  const input = model.inputShape!;
  let shape = input;
  let largest = sizeOf(shape);
  for (const layer of model.layers) {
    shape = layer.computeOutputShape(shape);
    largest = Math.max(largest, sizeOf(shape));
  }
  if (largest > 1e5) return;
  const y = model.predict(inputs([2, ...input]));
  expect(y.shape).toEqual([2, ...model.outputShape!]);
}

/** The outcome the property allows: a working model, or a LayerwiseError that names where. */
function expectLoadsOrFailsClearly(load: () => Sequential, sources: RegExp): void {
  let model: Sequential | undefined;
  try {
    model = load();
  } catch (error) {
    if (!(error instanceof LayerwiseError)) throw error;
    expect(error.message).toMatch(sources);
  }
  if (model) checkWorks(model);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'units')).toBe(false);
}

describe('mutated model files', () => {
  it('in memory: load a working model or fail with a LayerwiseError naming the data', () => {
    let loaded = 0;
    fc.assert(
      fc.property(files, (f) => {
        const { text, weights, optimizer } = applyDamage(f);
        expectLoadsOrFailsClearly(() => {
          const model = modelFromJSON(text, weights, { optimizerData: optimizer });
          loaded++;
          return model;
        }, /^(model\.json|weightData|optimizerData)(: | holds)/);
      }),
      { numRuns: 400, seed: 20240, interruptAfterTimeLimit: 30_000 },
    );
    // Some mutations leave a loadable model (a flipped weight, an extra key): both outcomes are exercised.
    expect(loaded).toBeGreaterThan(0);
  });

  it('on disk: the same, through loadModel', async () => {
    const dir = tempDir();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(files, async (f) => {
        const { text, weights, optimizer } = applyDamage(f);
        const path = join(dir, `run-${run++}`);
        mkdirSync(path);
        const names = saved.modelJSON.userDefinedMetadata.layerwise.optimizerState!.weightsManifest[0].paths;
        writeFileSync(join(path, 'model.json'), text);
        writeFileSync(join(path, 'weights.bin'), weights);
        writeFileSync(join(path, names[0]), optimizer);
        let model: Sequential | undefined;
        try {
          model = await loadModel(path);
        } catch (error) {
          if (!(error instanceof LayerwiseError)) throw error;
          expect(error.message).toMatch(/(model\.json|\.bin)/);
        }
        if (model) checkWorks(model);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 60, seed: 20241, interruptAfterTimeLimit: 20_000 },
    );
  });
});
