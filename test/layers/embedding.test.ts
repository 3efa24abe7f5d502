import { describe, expect, it } from 'vitest';
import { clone, Dense, Embedding, Flatten, LayerwiseError, Rng, Sequential, SGD, tensor, type LayerConfig, type Tensor } from 'layerwise';
import { buildLayer, bytesOf } from '../helpers/contract';
import { gradCheckScalar } from '../helpers/gradcheck';

/** A batch of ids in [0, inputDim), from a seeded generator. */
function ids(shape: number[], inputDim: number, seed = 1): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, () => rng.int(inputDim)), shape);
}

/**
 * Embedding's contract, as checkLayerContract checks other layers: its input is ids, which are not
 * differentiable, so the gradient check covers the embeddings only (and dx must be zero).
 */
function checkEmbedding(options: { inputDim: number; outputDim: number; maskZero?: boolean }, inputShape: number[]): void {
  const layer = buildLayer((s) => new Embedding({ ...options, inputShape: s }), inputShape);
  expect(layer.buildShape).toEqual(inputShape);
  expect(layer.computeOutputShape(inputShape)).toEqual([...inputShape, options.outputDim]);
  expect(layer.countParams()).toBe(options.inputDim * options.outputDim);
  expect(layer.weightShapes(inputShape)).toEqual([[options.inputDim, options.outputDim]]);
  const x = ids([3, ...inputShape], options.inputDim, 5);
  const y = clone(layer.forward(x, false));
  expect(y.shape).toEqual([3, ...inputShape, options.outputDim]);

  // Config round trip: same config, same outputs with the same weights.
  const config = layer.getConfig();
  expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  const { name: _name, ...rest } = config;
  const copy = new Embedding(rest as LayerConfig & { inputDim: number; outputDim: number });
  const { name: _copyName, ...copyRest } = copy.getConfig();
  expect(copyRest).toEqual(rest);
  copy.build(inputShape);
  copy.setWeights(layer.getWeights());
  expect(bytesOf(copy.forward(x, false))).toEqual(bytesOf(y));

  // The embeddings' gradient by central differences of L = Σ w ⊙ y; dx is zero.
  const rng = new Rng(9);
  const w = Float32Array.from({ length: y.size }, () => rng.uniform() * 2 - 1);
  const [param] = layer.params();
  param.grad.data.fill(0);
  layer.forward(x, true);
  const dx = layer.backward(tensor(Float32Array.from(w), y.shape));
  expect(dx.shape).toEqual(x.shape);
  expect(Array.from(dx.data).every((v) => v === 0)).toBe(true);
  const objective = () => layer.forward(x, false).data.reduce((s, v, i) => s + v * w[i], 0);
  expect(gradCheckScalar(param.value.data, objective, Float32Array.from(param.grad.data))).toBeLessThan(1e-3);
}

describe('Embedding contract: shapes, parameters, config round trip, gradient of the embeddings', () => {
  const cases: [string, { inputDim: number; outputDim: number; maskZero?: boolean }, number[]][] = [
    ['sequences of 5 ids', { inputDim: 7, outputDim: 3 }, [5]],
    ['one id a sample', { inputDim: 4, outputDim: 2 }, [1]],
    ['a grid of ids [2, 3]', { inputDim: 6, outputDim: 4, maskZero: true }, [2, 3]],
    ['more rows than ids in the batch', { inputDim: 50, outputDim: 2 }, [3]],
  ];
  for (const [label, options, inputShape] of cases) it(label, () => checkEmbedding(options, inputShape));
});

describe('Embedding forward, backward and mask', () => {
  it('looks rows up by id; backward adds dy rows into the rows of the ids, repeated ids twice', () => {
    const layer = buildLayer((s) => new Embedding({ inputDim: 3, outputDim: 2, inputShape: s }), [3]);
    layer.setWeights([tensor([0, 1, 10, 11, 20, 21], [3, 2])]);
    const x = tensor([2, 0, 2], [1, 3]);
    expect(Array.from(layer.forward(x, true).data)).toEqual([20, 21, 0, 1, 20, 21]);
    const [param] = layer.params();
    layer.backward(tensor([1, 2, 3, 4, 5, 6], [1, 3, 2]));
    // Row 0 gets dy's step 1; row 1 is untouched (zero); row 2 gets steps 0 and 2.
    expect(Array.from(param.grad.data)).toEqual([3, 4, 0, 0, 6, 8]);
  });

  it('maskZero: computeMask is 1 where the id is not 0, shaped as the ids; without it, no mask', () => {
    const masked = buildLayer((s) => new Embedding({ inputDim: 5, outputDim: 2, maskZero: true, inputShape: s }), [4]);
    const x = tensor([3, 1, 0, 0, 4, 0, 2, 0], [2, 4]);
    masked.forward(x, false);
    const mask = masked.computeMask(x, undefined)!;
    expect(mask.shape).toEqual([2, 4]);
    expect(Array.from(mask.data)).toEqual([1, 1, 0, 0, 1, 0, 1, 0]);
    const plain = buildLayer((s) => new Embedding({ inputDim: 5, outputDim: 2, inputShape: s }), [4]);
    plain.forward(x, false);
    expect(plain.computeMask(x, undefined)).toBeUndefined();
  });

  it('defaults: RandomUniform in [-0.05, 0.05] as Keras, no mask, no inputLength', () => {
    const layer = new Embedding({ inputDim: 100, outputDim: 8 });
    expect(layer.getConfig()).toMatchObject({ inputDim: 100, outputDim: 8, maskZero: false, embeddingsInitializer: { className: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } } });
    expect(layer.getConfig()).not.toHaveProperty('inputLength');
    layer.build([4]);
    const values = layer.getWeights()[0].data;
    expect(Math.max(...values)).toBeLessThanOrEqual(0.05);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.05);
    expect(new Set(values).size).toBeGreaterThan(700);
  });

  it('inputLength (TF.js, Keras 2) is kept and checked against the input shape', () => {
    expect(new Embedding({ inputDim: 4, outputDim: 2, inputLength: 6 }).getConfig().inputLength).toBe(6);
    expect(() => new Embedding({ inputDim: 4, outputDim: 2, inputLength: 6, name: 'emb_len' }).build([5])).toThrow(
      /^emb_len: inputLength is 6, so each sample must be 6 ids, but the input shape is \(None, 5\)\. Give inputShape: \[6\], or drop inputLength\.$/,
    );
    expect(() => new Embedding({ inputDim: 4, outputDim: 2, inputLength: 0, name: 'emb_zero' })).toThrow(/^emb_zero: inputLength must be a positive integer or null/);
  });

  it('embeddingsRegularizer adds its penalty and gradient; embeddingsConstraint projects the rows', () => {
    const layer = buildLayer((s) => new Embedding({ inputDim: 2, outputDim: 2, embeddingsRegularizer: 'l2', embeddingsConstraint: 'nonNeg', inputShape: s }), [1]);
    layer.setWeights([tensor([1, -2, 0, 3], [2, 2])]);
    expect(layer.regularizationLoss(true)).toBeCloseTo(0.01 * 14, 6);
    expect(Array.from(layer.params()[0].grad.data)).toEqual([0.02, -0.04, 0, 0.06].map(Math.fround));
    layer.applyConstraints();
    expect(Array.from(layer.getWeights()[0].data)).toEqual([1, 0, 0, 3]);
    expect(layer.getConfig()).toMatchObject({ embeddingsRegularizer: { className: 'L1L2' }, embeddingsConstraint: { className: 'NonNeg' } });
  });
});

describe('Embedding ids that are not ids fail naming the layer, the value and where it is', () => {
  const bad: [string, number, string][] = [
    ['a fraction', 1.5, '0, 2'],
    ['a negative id', -1, '0, 2'],
    ['inputDim itself', 4, '0, 2'],
    ['NaN', NaN, '0, 2'],
    ['Infinity', Infinity, '0, 2'],
  ];
  for (const [label, value, at] of bad) {
    it(label, () => {
      const layer = buildLayer((s) => new Embedding({ inputDim: 4, outputDim: 2, name: 'emb_ids', inputShape: s }), [3]);
      const good = tensor([1, 2, 3, 0, 1, 2], [2, 3]);
      const y = clone(layer.forward(good, false));
      const x = tensor([1, 2, value, 0, 1, 2], [2, 3]);
      expect(() => layer.forward(x, false)).toThrow(LayerwiseError);
      expect(() => layer.forward(x, false)).toThrow(
        new RegExp(`^emb_ids: expected integer ids in \\[0, 4\\) \\(inputDim 4\\), but input\\[${at}\\] is ${String(value)}\\. Map the data to ids below inputDim`),
      );
      // The layer is unchanged: a backward still belongs to the good batch, its output is the same.
      expect(bytesOf(layer.forward(good, false))).toEqual(bytesOf(y));
    });
  }

  it('the position counts every axis: input[1, 0, 1]', () => {
    const layer = buildLayer((s) => new Embedding({ inputDim: 3, outputDim: 1, name: 'emb_grid', inputShape: s }), [2, 2]);
    expect(() => layer.forward(tensor([0, 0, 0, 0, 0, 7, 0, 0], [2, 2, 2]), false)).toThrow(/input\[1, 0, 1\] is 7\./);
  });
});

describe('Embedding in a model', () => {
  it('Embedding(maskZero) → Dense: the mask passes through Dense, and fit trains the rows used', async () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }), new Dense({ units: 2 })] });
    expect(model.outputShape).toEqual([4, 2]);
    model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    const x = tensor([1, 2, 0, 0, 3, 1, 2, 0], [2, 4]);
    const before = model.getWeights()[0];
    await model.fit(x, tensor(new Float32Array(16).fill(0.5), [2, 4, 2]), { epochs: 2, verbose: 0 });
    const after = model.getWeights()[0];
    // Rows 4 and 5 appear in no batch: plain SGD leaves them exactly as they were.
    expect(bytesOf(after.data.subarray(12))).toEqual(bytesOf(before.data.subarray(12)));
    expect(bytesOf(after.data.subarray(3, 12))).not.toEqual(bytesOf(before.data.subarray(3, 12)));
    const dense = model.layers[1];
    expect(dense.computeMask(x, model.layers[0].computeMask(x, undefined))?.data).toEqual(Float32Array.from([1, 1, 0, 0, 1, 1, 1, 0]));
  });

  it('Embedding(maskZero) → Flatten fails naming Flatten, which can neither use the mask nor pass it on', () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4] }), new Flatten({ name: 'flat_mask' }), new Dense({ units: 1 })] });
    expect(() => model.predict(tensor([1, 2, 0, 0], [1, 4]))).toThrow(/^flat_mask: receives a mask/);
  });

  it('an SGD-with-momentum step moves a row the batch did not use, as the dense gradient does (zero there)', () => {
    const model = new Sequential({ layers: [new Embedding({ inputDim: 4, outputDim: 2, inputShape: [2] }), new Flatten(), new Dense({ units: 1, useBias: false })] });
    model.setWeights([tensor([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8], [4, 2]), tensor([0.5, -1, 1.5, 2], [4, 1])]);
    const lr = 0.1;
    const momentum = 0.9;
    model.compile({ optimizer: new SGD({ learningRate: lr, momentum }), loss: 'mse' });
    model.trainOnBatch(tensor([1, 2], [1, 2]), tensor([1], [1, 1]));
    const afterFirst = model.getWeights()[0].data.slice();
    // Dense reference: the first step's gradient of rows 1 and 2 (2 · (y − t) · kernel slice), velocity v = −lr · g.
    const kernel = [0.5, -1, 1.5, 2];
    const y = 0.3 * 0.5 + 0.4 * -1 + -0.5 * 1.5 + 0.6 * 2;
    const g1 = [0, 0, 2 * (y - 1) * kernel[0], 2 * (y - 1) * kernel[1], 2 * (y - 1) * kernel[2], 2 * (y - 1) * kernel[3], 0, 0];
    const v1 = g1.map((g) => -lr * g);
    expect(afterFirst).toBeAllClose(Float32Array.from([0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8].map((w, i) => w + v1[i])), { rtol: 1e-6, atol: 1e-6 });
    // The second batch uses rows 0 and 3 only: rows 1 and 2 still move, by momentum · v.
    model.trainOnBatch(tensor([0, 3], [1, 2]), tensor([0], [1, 1]));
    const afterSecond = model.getWeights()[0].data;
    for (const i of [2, 3, 4, 5]) expect(afterSecond[i] - afterFirst[i]).toBeCloseTo(momentum * v1[i], 6);
    expect(afterSecond[0]).not.toBe(afterFirst[0]);
  });
});
