import { describe, expect, it } from 'vitest';
import { Dense, Dropout, InputLayer, Sequential, tensor } from 'layerwise';
import { bytesOf, checkLayerContract } from '../helpers/contract';
import { inputs, randomizeWeights } from '../helpers/random-data';

describe('InputLayer declares the model input shape (Keras 3 keras.Input / InputLayer)', () => {
  it('new Sequential({ layers: [new InputLayer({ inputShape: [8] }), new Dense(4)] }) builds the Dense for [8]', () => {
    const model = new Sequential({ layers: [new InputLayer({ inputShape: [8] }), new Dense({ units: 4 }), new Dense({ units: 2 })] });
    expect(model.inputShape).toEqual([8]);
    expect(model.outputShape).toEqual([2]);
    // As Keras 3: the InputLayer is not one of the model's layers, and the summary does not list it.
    expect(model.layers.map((l) => l.className)).toEqual(['Dense', 'Dense']);
    expect(model.summary()).not.toMatch(/InputLayer/);
    expect(model.countParams()).toBe(8 * 4 + 4 + 4 * 2 + 2);
  });

  it('computes exactly what the same model with inputShape on its first layer computes', () => {
    const a = new Sequential({ layers: [new InputLayer({ inputShape: [3, 5] }), new Dense({ units: 4, activation: 'relu' }), new Dense({ units: 2 })] });
    const b = new Sequential({ layers: [new Dense({ units: 4, activation: 'relu', inputShape: [3, 5] }), new Dense({ units: 2 })] });
    randomizeWeights(a, 4);
    b.setWeights(a.getWeights());
    const x = inputs([6, 3, 5]);
    expect(bytesOf(a.predict(x))).toEqual(bytesOf(b.predict(x)));
    expect(a.summary().replace(/sequential_\d+|dense_\d+/g, '')).toEqual(b.summary().replace(/sequential_\d+|dense_\d+/g, ''));
  });

  it('the Keras forms: shape (Keras 3), batchInputShape (TF.js) and batchShape (Keras 3) with null or a batch size', () => {
    expect(new InputLayer({ shape: [4, 2] } as never).inputShape).toEqual([4, 2]);
    expect(new InputLayer({ batchInputShape: [null, 7] }).inputShape).toEqual([7]);
    expect(new InputLayer({ batchShape: [32, 3, 3] }).inputShape).toEqual([3, 3]);
    expect(new InputLayer({ batchShape: [null, 3] }).getConfig()).toMatchObject({ inputShape: [3] });
    const model = new Sequential();
    model.add(new InputLayer({ batchInputShape: [null, 6] }));
    model.add(new Dropout(0.5));
    expect(model.inputShape).toEqual([6]);
  });

  it('its contract alone: the identity, no parameters, config round trip, gradients', () => {
    for (const inputShape of [[3], [2, 4]]) checkLayerContract({ make: () => new InputLayer({ inputShape }), inputShape, outputShape: inputShape, params: 0, via: 'build' });
  });

  it('alone it is the identity, forward and backward', () => {
    const layer = new InputLayer({ inputShape: [2] });
    const x = tensor([1, 2], [1, 2]);
    expect(layer.forward(x, false)).toBe(x);
    expect(layer.backward(x)).toBe(x);
  });
});

describe('InputLayer errors', () => {
  it('needs exactly one shape', () => {
    expect(() => new InputLayer({ name: 'in_none' })).toThrow(/^in_none: give the input shape once, as inputShape \(one sample: \[8\]\) or batchInputShape \(\[null, 8\]\)\. Received none\.$/);
    expect(() => new InputLayer({ name: 'in_two', inputShape: [2], batchInputShape: [null, 2] })).toThrow(/Received inputShape and batchInputShape\.$/);
  });

  it('a batch shape needs the batch axis then positive dimensions', () => {
    for (const batch of [[3], [null, 0], [null, 2.5], [0, 2], [-1, 3]]) {
      expect(() => new InputLayer({ name: 'in_batch', batchInputShape: batch })).toThrow(/^in_batch: batchInputShape must be the batch axis \(null or a positive integer\) then the sample's positive dimensions/);
    }
    expect(() => new InputLayer({ name: 'in_zero', inputShape: [0] })).toThrow(/^in_zero: inputShape must be a non-empty array of positive integers/);
  });

  it('only first, once; and a first layer declaring another shape fails', () => {
    const model = new Sequential({ name: 'seq_in', layers: [new Dense({ units: 2, inputShape: [3] })] });
    expect(() => model.add(new InputLayer({ name: 'in_late', inputShape: [2] }))).toThrow(/^seq_in\.add: in_late is an InputLayer, which can only be the first layer of a model, once\./);
    const twice = new Sequential({ name: 'seq_twice', layers: [new InputLayer({ inputShape: [3] })] });
    expect(() => twice.add(new InputLayer({ name: 'in_again', inputShape: [3] }))).toThrow(/^seq_twice\.add: in_again is an InputLayer/);
    expect(() => new Sequential({ layers: [new InputLayer({ inputShape: [3] }), new Dense({ units: 2, inputShape: [4], name: 'dense_other' })] })).toThrow(
      /^dense_other: declares inputShape \(None, 4\) but the model's InputLayer declares \(None, 3\)\. Give the shape once\.$/,
    );
    // The same shape twice is accepted.
    expect(new Sequential({ layers: [new InputLayer({ inputShape: [3] }), new Dense({ units: 2, inputShape: [3] })] }).outputShape).toEqual([2]);
  });
});
