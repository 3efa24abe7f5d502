import { describe, expect, it } from 'vitest';
import { Conv2D, Dense, Flatten, LayerwiseError, PReLU, RepeatVector, Sequential, SGD, tensor, TimeDistributed, type Tensor } from 'layerwise';
import { bytesOf, checkLayerContract } from '../helpers/contract';
import { awayFromZero } from '../helpers/gradcheck';
import { inputs } from '../helpers/random-data';

/** The rows of step `t` of every sample of x [batch, steps, ...rest], as a batch [batch, ...rest]. */
function step(x: Tensor, t: number): Tensor {
  const [batch, steps, ...rest] = x.shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out = new Float32Array(batch * size);
  for (let b = 0; b < batch; b++) out.set(x.data.subarray((b * steps + t) * size, (b * steps + t + 1) * size), b * size);
  return tensor(out, [batch, ...rest]);
}

describe('TimeDistributed contract', () => {
  it('of Dense 4 → 3 on [5, 4]: [5, 3], the Dense weights once (15), gradients', () => {
    const { layer, grad } = checkLayerContract({
      make: (inputShape) => new TimeDistributed({ layer: new Dense({ units: 3, activation: 'tanh', seed: 1 }), inputShape }),
      inputShape: [5, 4],
      outputShape: [5, 3],
      params: 15,
    });
    expect(Object.keys(grad.paramErrors)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
  });

  it('of Conv2D on [3, 5, 5, 2] (a sequence of images): [3, 4, 4, 2], built directly', () => {
    checkLayerContract({
      make: () => new TimeDistributed(new Conv2D({ filters: 2, kernelSize: 2, activation: 'sigmoid', seed: 2 })),
      inputShape: [3, 5, 5, 2],
      outputShape: [3, 4, 4, 2],
      params: 2 * 2 * 2 * 2 + 2,
      via: 'build',
      batch: 2,
    });
  });

  it('of Flatten (no weights) on [2, 3, 4]: [2, 12]', () => {
    checkLayerContract({ make: (inputShape) => new TimeDistributed({ layer: new Flatten(), inputShape }), inputShape: [2, 3, 4], outputShape: [2, 12], params: 0 });
  });

  it('from a saved { className, config } as well as an instance; a Dense with a PReLU activation', () => {
    checkLayerContract({
      make: (inputShape) => new TimeDistributed({ layer: { className: 'Dense', config: { units: 2, seed: 4, activation: new PReLU() as never } }, inputShape }),
      inputShape: [3, 3],
      outputShape: [3, 2],
      params: 3 * 2 + 2 + 2,
      maxKinks: 2,
    });
  });
});

describe('TimeDistributed computes the layer at each step', () => {
  it('equals the same Dense applied to each step alone, bit for bit, and its gradients unfold', () => {
    const dense = new Dense({ units: 3, activation: 'relu', seed: 3 });
    const wrapper = new TimeDistributed({ layer: dense });
    wrapper.build([4, 2]);
    expect(dense.built).toBe(true);
    expect(dense.buildShape).toEqual([2]);
    const x = awayFromZero([2, 4, 2], 5);
    const y = Float32Array.from(wrapper.forward(x, false).data);
    const alone = new Dense({ units: 3, activation: 'relu' });
    alone.build([2]);
    alone.setWeights(dense.getWeights());
    for (let t = 0; t < 4; t++) expect(bytesOf(step(tensor(y, [2, 4, 3]), t))).toEqual(bytesOf(alone.forward(step(x, t), false)));
    // The kernel gradient is the sum over the steps of each step's.
    const dy = awayFromZero([2, 4, 3], 6);
    for (const p of wrapper.params()) p.grad.data.fill(0);
    wrapper.forward(x, true);
    const dx = wrapper.backward(dy);
    expect(dx.shape).toEqual([2, 4, 2]);
    const kernel = new Float64Array(6);
    for (let t = 0; t < 4; t++) {
      for (const p of alone.params()) p.grad.data.fill(0);
      alone.forward(step(x, t), true);
      expect(alone.backward(step(dy, t))).toBeAllClose(step(dx, t), { rtol: 0, atol: 0 });
      alone.params()[0].grad.data.forEach((g, i) => (kernel[i] += g));
    }
    expect(wrapper.params()[0].grad.data).toBeAllClose(kernel, { rtol: 1e-6, atol: 1e-6 });
  });

  it('shares the tensors of the layer it holds: params, setWeights, countParams, getConfig', () => {
    const dense = new Dense({ units: 2, name: 'inner' });
    const wrapper = new TimeDistributed({ layer: dense, name: 'td' });
    wrapper.build([3, 4]);
    expect(wrapper.params().map((p) => p.name)).toEqual(['td/kernel', 'td/bias']);
    expect(wrapper.params()[0].value).toBe(dense.params()[0].value);
    expect(wrapper.params()).toEqual(wrapper.params());
    expect(wrapper.params()[0]).toBe(wrapper.params()[0]);
    expect(wrapper.countParams()).toBe(10);
    expect(wrapper.weightShapes([3, 4])).toEqual([
      [4, 2],
      [2],
    ]);
    const config = wrapper.getConfig();
    expect(config).toMatchObject({ name: 'td', trainable: true, layer: { className: 'Dense', config: { name: 'inner', units: 2 } } });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });
});

describe('TimeDistributed in a model', () => {
  it('trains (softmax at each step with categorical cross-entropy), prints a summary, freezes with its layer', async () => {
    const model = new Sequential({
      layers: [new TimeDistributed({ layer: new Dense({ units: 4, activation: 'tanh', seed: 1 }), inputShape: [6, 3] }), new TimeDistributed(new Dense({ units: 3, activation: 'softmax', seed: 2 }))],
    });
    model.compile({ optimizer: new SGD({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const x = inputs([16, 6, 3]);
    const labels = new Float32Array(16 * 6 * 3);
    for (let i = 0; i < 16 * 6; i++) labels[i * 3 + (x.data[i * 3] > 0 ? 0 : x.data[i * 3 + 1] > 0 ? 1 : 2)] = 1;
    const history = await model.fit(x, tensor(labels, [16, 6, 3]), { epochs: 15, verbose: 0, batchSize: 8 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.8);

    const text = model.summary({ printFn: () => {} });
    expect(text).toMatch(/time_distributed_\d+ \(TimeDistributed\)\s+\(None, 6, 4\)\s+16/);
    expect(text).toMatch(/Total params: 31/);

    const first = model.layers[0] as TimeDistributed;
    first.trainable = false;
    expect(first.layer.trainable).toBe(false);
    expect(model.trainableWeights.map((p) => p.name)).toEqual(model.layers[1].params().map((p) => p.name));
    expect(model.nonTrainableWeights).toHaveLength(2);
    first.trainable = true;
    expect(first.layer.trainable).toBe(true);
    expect(model.trainableWeights).toHaveLength(4);
  });

  it('a wrapper made untrainable makes its layer untrainable', () => {
    const dense = new Dense(2);
    new TimeDistributed({ layer: dense, trainable: false });
    expect(dense.trainable).toBe(false);
  });

  it('passes a mask on unchanged (Keras supports_masking); the layer it holds receives none', () => {
    const wrapper = new TimeDistributed(new Conv2D({ filters: 1, kernelSize: 1 }));
    wrapper.build([3, 2, 2, 1]);
    const mask = tensor(Float32Array.from([1, 1, 0, 1, 0, 0]), [2, 3]);
    const x = inputs([2, 3, 2, 2, 1]);
    wrapper.forward(x, false, mask);
    expect(wrapper.computeMask(x, mask)).toBe(mask);
  });
});

describe('TimeDistributed errors name the wrapper and the layer', () => {
  it('an input without steps', () => {
    expect(() => new TimeDistributed({ layer: new Dense({ units: 2, name: 'd' }), name: 'td', inputShape: [4] }).build([4])).toThrow(
      /^td: expected sequences \[steps, \.\.\.features\] .* TimeDistributed applies d to each step/,
    );
  });

  it("the held layer's own refusal, with the wrapper's name in front", () => {
    const wrapper = new TimeDistributed({ layer: new Conv2D({ filters: 1, kernelSize: 3, name: 'conv' }), name: 'td' });
    expect(() => wrapper.build([2, 4, 4])).toThrow(/^td \(TimeDistributed\): conv: /);
    expect(wrapper.built).toBe(false);
    expect(wrapper.params()).toEqual([]);
  });

  it('a layer option that is not a layer, or a class a config cannot name', () => {
    expect(() => new TimeDistributed({ layer: { className: 'NoSuch', config: {} }, name: 'td' })).toThrow(/^td: layer names the layer class "NoSuch", which is not one a wrapper can rebuild/);
    expect(() => new TimeDistributed({ layer: { className: 'TimeDistributed', config: { layer: { className: 'Dense', config: { units: 1 } } } }, name: 'td' })).toThrow(
      /A wrapper inside a wrapper cannot be rebuilt from its config/,
    );
    expect(() => new TimeDistributed({ layer: { forward: () => 1 } as never, name: 'td' })).toThrow(LayerwiseError);
    expect(() => new TimeDistributed({ name: 'td' } as never)).toThrow(/^td: the option layer .* is missing/);
  });

  it('forward before build, and inputs of another rank than built for', () => {
    const wrapper = new TimeDistributed({ layer: new Dense(2), name: 'td' });
    expect(() => wrapper.forward(inputs([2, 3, 4]), false)).toThrow(/^td: the layer is not built yet/);
    wrapper.build([3, 4]);
    expect(() => wrapper.forward(inputs([2, 12]), false)).toThrow(/^td: expected inputs \[batch, 3, 4\]/);
    expect(() => wrapper.forward(inputs([2, 3, 5]), false)).toThrow(/^td \(TimeDistributed\): dense_\d+: expected inputs with 4 features/);
  });
});

describe('one layer instance, directly in a model and inside its TimeDistributed', () => {
  it('is refused either way round, and the model is unchanged; pop frees the held layer', () => {
    const d = new Dense({ units: 3, name: 'd' });
    const model = new Sequential({ layers: [new Dense({ units: 3, inputShape: [3], name: 'first' }), d, new RepeatVector({ n: 2 })] });
    expect(() => model.add(new TimeDistributed({ layer: d, name: 'td' }))).toThrow(/td holds the layer d, which is already in this model: one instance would run in two places/);
    expect(model.layers.map((l) => l.name)).toEqual(['first', 'd', 'repeat_vector_1'].map((n, i) => (i === 2 ? model.layers[2].name : n)));
    const e = new Dense({ units: 3, name: 'e' });
    const other = new Sequential({ layers: [new RepeatVector({ n: 2, inputShape: [3] }), new TimeDistributed({ layer: e, name: 'tde' })] });
    expect(() => other.add(e)).toThrow(/the layer e is already in this model, held by a wrapper\. Create a new layer instead/);
    // Popped with its wrapper, the layer is no member any more: adding it fails on its shape alone (built per step, [3]).
    other.pop();
    expect(() => other.add(e)).toThrow(/e: already built for input shape/);
  });
});
