/**
 * The wasm backend caches each convolution window's index tables by its geometry. Two windows that
 * agree on everything but the output count (a 'valid' and a 'same' Conv2D with an even kernel on
 * the same input: the same leading padding, one output row fewer) must not share tables: a cache
 * keyed without the output counts once gave the second layer the first one's tables, and zeros in
 * its last outputs. Each layer here is compared with the TypeScript reference kernels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { clone, Conv2D, getBackend, setBackend, Sequential, type Layer, type Tensor } from 'layerwise';
import { inputs, randomizeWeights } from '../helpers/random-data';

const initial = getBackend();
afterEach(() => setBackend(initial));

function outputs(make: () => Layer[], x: Tensor): Tensor[] {
  const model = new Sequential({ layers: make() });
  randomizeWeights(model, 5);
  return model.layers.map((layer) => clone(layer.forward(x, false)));
}

describe('convolution windows that differ only in their output count', () => {
  it("a 'valid' and a 'same' Conv2D with kernel 2 on the same 5x5 input each compute their own output (wasm = js)", () => {
    const x = inputs([2, 5, 5, 3], 9);
    // Two single-layer models side by side, each fed the same input: same input geometry, different outputs.
    const make = (): Layer[] => [new Conv2D({ filters: 4, kernelSize: 2, padding: 'valid', inputShape: [5, 5, 3] })];
    const makeSame = (): Layer[] => [new Conv2D({ filters: 4, kernelSize: 2, padding: 'same', inputShape: [5, 5, 3] })];
    const run = (): Tensor[] => [...outputs(make, x), ...outputs(makeSame, x)];
    setBackend('js');
    const reference = run();
    setBackend('wasm');
    const wasm = run();
    expect(wasm[0].shape).toEqual([2, 4, 4, 4]);
    expect(wasm[1].shape).toEqual([2, 5, 5, 4]);
    wasm.forEach((y, i) => expect(y.data).toBeAllClose(reference[i].data, { rtol: 1e-5, atol: 1e-5 }));
  });
});
