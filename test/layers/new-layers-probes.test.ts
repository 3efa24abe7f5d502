/**
 * Regression tests for what an adversarial review of the new layers found: Keras 3's names for
 * Bidirectional's directions, a backwardLayer of other units (Keras concatenates both widths; the
 * other merges fail),  layers laid out for their build shape refusing a batch of another
 * sample shape (instead of reading it out of place), Normalization refusing negative variances,
 * two wrappers refusing to share one layer instance (whose saved forward state would be
 * overwritten between forward and backward), and the resampling loops of UpSampling2D (rewritten without a callback per tap) staying the
 * adjoint of each other.
 */
import { describe, expect, it } from 'vitest';
import {
  Bidirectional,
  Cropping1D,
  Dense,
  GRU,
  InputLayer,
  LayerNormalization,
  LSTM,
  modelFromJSON,
  Normalization,
  Sequential,
  serializeModel,
  tensor,
  TimeDistributed,
  UpSampling1D,
  UpSampling2D,
  type Layer,
  type Tensor,
} from 'layerwise';
import { bytesOf, checkLayerContract } from '../helpers/contract';

/** Deterministic values in (−1, 1) of a shape. */
function values(shape: number[], seed = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 3.1) * 0.9), shape);
}

describe('Bidirectional names its directions as Keras 3 does', () => {
  it("a layer saved by Keras 3 as forward_lstm, with backward_lstm, keeps both names once (not forward_forward_lstm)", () => {
    const layer = new Bidirectional({
      layer: { className: 'LSTM', config: { name: 'forward_lstm', units: 2, returnSequences: true } },
      backwardLayer: { className: 'LSTM', config: { name: 'backward_lstm', units: 2, returnSequences: true, goBackwards: true } },
      name: 'bidirectional',
    });
    layer.build([3, 2]);
    expect([layer.forwardLayer.name, layer.backwardLayer.name]).toEqual(['forward_lstm', 'backward_lstm']);
    expect(layer.params().map((p) => p.name)).toEqual(
      ['forward_lstm', 'backward_lstm'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((w) => `bidirectional/${d}/${w}`)),
    );
    // The config rebuilds the same names, again and again.
    const again = new Bidirectional(new Bidirectional(layer.getConfig() as never).getConfig() as never);
    expect([again.forwardLayer.name, again.backwardLayer.name]).toEqual(['forward_lstm', 'backward_lstm']);
  });

  it('without backwardLayer (TF.js files) the prefixes are always added, as TF.js does; a model round trip keeps the names and the output', () => {
    const model = new Sequential({ layers: [new Bidirectional({ layer: new LSTM({ units: 2, name: 'forward_rnn', seed: 1 }), inputShape: [4, 3] })] });
    const plain = new Bidirectional(new LSTM({ units: 2, name: 'rnn' }));
    expect([plain.forwardLayer.name, plain.backwardLayer.name]).toEqual(['forward_rnn', 'backward_rnn']);
    const bi = model.layers[0] as Bidirectional;
    expect([bi.forwardLayer.name, bi.backwardLayer.name]).toEqual(['forward_forward_rnn', 'backward_forward_rnn']);
    const { modelJSON, weightData } = serializeModel(model);
    const copy = modelFromJSON(JSON.stringify(modelJSON), weightData);
    const x = values([2, 4, 3]);
    expect(bytesOf(copy.predict(x))).toEqual(bytesOf(model.predict(x)));
    expect((copy.layers[0] as Bidirectional).forwardLayer.name).toBe('forward_forward_rnn');
  });
});

describe('layers laid out for their build shape refuse a batch of another sample shape', () => {
  const cases: [string, (name: string) => Layer, number[], number[]][] = [
    ['UpSampling2D', (name) => new UpSampling2D({ interpolation: 'bilinear', name }), [2, 2, 1], [1, 3, 3, 1]],
    ['UpSampling1D', (name) => new UpSampling1D({ name }), [2, 1], [1, 3, 1]],
    ['Normalization', (name) => new Normalization({ mean: [1, 2], variance: [1, 4], name }), [2], [3, 3]],
    ['LayerNormalization', (name) => new LayerNormalization({ name }), [4], [2, 3]],
    ['LayerNormalization over [steps, features]', (name) => new LayerNormalization({ name }), [3, 4], [1, 5, 4]],
  ];
  for (const [label, make, built, given] of cases) {
    it(`${label}: built for ${JSON.stringify(built)}, given [${given}], fails naming both; the next good batch is computed as before`, () => {
      const layer = make('probe_layer');
      layer.build(built);
      const good = values([2, ...built]);
      const before = bytesOf(layer.forward(good, false));
      const shown = `\\(None, ${built.join(', ')}\\)`;
      expect(() => layer.forward(values(given), false)).toThrow(
        new RegExp(`^probe_layer: was built for samples of shape ${shown}, but received a batch of shape \\[${given.join(', ')}\\]\\. A layer takes the sample shape it was built for`),
      );
      expect(bytesOf(layer.forward(good, false))).toEqual(before);
    });
  }
});

describe('Normalization.setWeights refuses a negative variance', () => {
  it('names the weight and the value, and leaves the layer unchanged', () => {
    const layer = new Normalization({ name: 'norm_probe' });
    layer.adapt([[1, 10], [3, 30]]);
    const before = layer.getWeights().map(bytesOf);
    expect(() => layer.setWeights([tensor([0, 0], [2]), tensor([1, -4], [2]), tensor([0], [])])).toThrow(
      /^norm_probe: weight 1 \(norm_probe\/variance\) holds -4 at index 1, but a variance is never negative\. The layer was not changed/,
    );
    expect(layer.getWeights().map(bytesOf)).toEqual(before);
    layer.setWeights([tensor([0, 0], [2]), tensor([1, 0], [2]), tensor([0], [])]);
    expect(Array.from(layer.forward(tensor([2, 0], [1, 2]), false).data)).toEqual([2, 0]);
  });
});

describe("UpSampling2D's forward and backward stay adjoint: <up(x), dy> = <x, upᵀ(dy)>", () => {
  for (const [interpolation, size, shape] of [
    ['bilinear', [2, 3], [3, 2, 3]],
    ['bilinear', [3, 1], [1, 4, 2]],
    ['nearest', [2, 2], [2, 3, 2]],
  ] as const) {
    it(`${interpolation}, size [${size}], samples [${shape}], batch 2`, () => {
      const layer = new UpSampling2D({ size: [...size] as [number, number], interpolation });
      layer.build([...shape]);
      const x = values([2, ...shape], 2);
      const y = layer.forward(x, false);
      const dy = values(y.shape, 3);
      const dx = layer.backward(dy);
      let left = 0;
      let right = 0;
      for (let i = 0; i < y.size; i++) left += y.data[i] * dy.data[i];
      for (let i = 0; i < x.size; i++) right += x.data[i] * dx.data[i];
      expect(left).toBeCloseTo(right, 4);
    });
  }
});

describe('one layer instance in two TimeDistributed wrappers', () => {
  it('the second wrapper to build fails, naming both (its gradients would read the other pass)', () => {
    const shared = new Dense({ units: 2, name: 'shared_dense' });
    const first = new TimeDistributed({ layer: shared, name: 'td_first' });
    const second = new TimeDistributed({ layer: shared, name: 'td_second' });
    expect(() => new Sequential({ layers: [new InputLayer({ inputShape: [3, 2] }), first, second] })).toThrow(
      /^td_second: shared_dense is used by td_first already, and a layer instance serves one place only/,
    );
  });

  it('a wrapper whose build failed does not claim its layer: wrapping it again works', () => {
    const dense = new Dense({ units: 2 });
    const model = new Sequential({ layers: [new InputLayer({ inputShape: [3] })] });
    expect(() => model.add(new TimeDistributed(dense))).toThrow(/expected sequences/);
    const again = new Sequential({ layers: [new InputLayer({ inputShape: [4, 3] }), new TimeDistributed(dense)] });
    expect(again.predict(values([2, 4, 3])).shape).toEqual([2, 4, 2]);
  });
});

describe('Bidirectional with a backwardLayer of other units', () => {
  it("'concat' puts both widths side by side, as Keras's concatenate: contract, shapes and gradients", () => {
    for (const returnSequences of [false, true]) {
      const { layer, y } = checkLayerContract({
        make: (s) =>
          new Bidirectional({
            layer: new LSTM({ units: 2, returnSequences, seed: 1 }),
            backwardLayer: new GRU({ units: 3, goBackwards: true, returnSequences, seed: 2 }),
            inputShape: s,
          }),
        inputShape: [4, 2],
        outputShape: returnSequences ? [4, 5] : [5],
        params: 4 * 2 * (2 + 2 + 1) + 3 * 3 * (2 + 3 + 2),
      });
      // The backward half is the backward layer's own output (flipped back in time with returnSequences).
      const x = values([3, 4, 2], 4);
      const merged = Float32Array.from(layer.forward(x, false).data);
      const backward = layer.backwardLayer.forward(x, false);
      const steps = returnSequences ? 4 : 1;
      for (let b = 0; b < 3; b++) {
        for (let t = 0; t < steps; t++) {
          const row = Array.from(merged.subarray((b * steps + t) * 5 + 2, (b * steps + t) * 5 + 5));
          const from = (b * steps + (steps - 1 - t)) * 3;
          expect(row).toEqual(Array.from(backward.data.subarray(from, from + 3)));
        }
      }
      expect(y.shape[y.shape.length - 1]).toBe(5);
    }
  });

  it("'sum', 'mul' and 'ave' fail at build, naming both layers and their units, and build nothing", () => {
    for (const mergeMode of ['sum', 'mul', 'ave'] as const) {
      const layer = new Bidirectional({ layer: new LSTM({ units: 2 }), backwardLayer: new LSTM({ units: 3, goBackwards: true, name: 'back_3' }), mergeMode, name: 'bi_units' });
      expect(() => layer.build([4, 2])).toThrow(
        new RegExp(`^bi_units: mergeMode '${mergeMode}' adds or multiplies the two directions' outputs, but forward_lstm_\\d+ has 2 units where back_3 has 3\\. Give backwardLayer the same units, or use mergeMode 'concat'\\.$`),
      );
      expect([layer.built, layer.forwardLayer.built, layer.backwardLayer.built, layer.params().length]).toEqual([false, false, false, 0]);
    }
  });
});

describe('a Cropping1D forward that fails keeps the last good pass for backward', () => {
  it('a batch too short to crop fails; backward then still returns the gradient of the last good batch', () => {
    const layer = new Cropping1D({ cropping: [1, 1], name: 'crop_probe' });
    layer.build([4, 1]);
    layer.forward(values([2, 4, 1]), false);
    expect(() => layer.forward(values([2, 2, 1]), false)).toThrow(/^crop_probe: cropping \[1,1\] removes every step of inputs of shape \(None, 2, 1\)/);
    const dx = layer.backward(tensor([1, 2, 3, 4], [2, 2, 1]));
    expect(dx.shape).toEqual([2, 4, 1]);
    expect(Array.from(dx.data)).toEqual([0, 1, 2, 0, 0, 3, 4, 0]);
  });
});

describe('UpSampling2D with an absurd size', () => {
  it('fails naming the layer before allocating its tables (was a RangeError)', () => {
    expect(() => new UpSampling2D({ size: [1e9, 1], name: 'up' }).build([5, 5, 2])).toThrow(/up: its output for input .* would hold .* more than the 2\^28/);
  });
});
