import { expect } from 'vitest';
import { Dense, LayerwiseError, LeakyReLU, Sequential, SGD } from 'layerwise';
import { bytesOf } from '../helpers/contract';

/** XOR, and a small model for it with fixed seeds and names. */
export const X = [[0, 0], [0, 1], [1, 0], [1, 1]];
export const Y = [[0], [1], [1], [0]];

export function xorModel(compiled = true): Sequential {
  const model = new Sequential({
    layers: [
      new Dense({ units: 4, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }), seed: 1, name: 'dense_in' }),
      new Dense({ units: 1, activation: 'sigmoid', seed: 2, name: 'dense_out' }),
    ],
  });
  if (compiled) model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** Everything an error must leave alone: layers, their build state, weights, optimizer steps. */
export function snapshot(model: Sequential) {
  return {
    layers: model.layers.map((l) => [l.name, l.built, l.buildShape]),
    weights: model.getWeights().map(bytesOf),
    iterations: model.optimizer?.iterations,
  };
}

/** Runs `action`, which must fail with a LayerwiseError matching `pattern` and change nothing in `model`. */
export async function expectCleanFailure(model: Sequential, action: () => unknown, pattern: RegExp): Promise<void> {
  const before = snapshot(model);
  let error: unknown;
  try {
    await action();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(LayerwiseError);
  expect((error as Error).message).toMatch(pattern);
  expect(snapshot(model)).toEqual(before);
}
