import { describe, expect, it } from 'vitest';
import {
  Activation,
  Adam,
  Dense,
  ELU,
  Flatten,
  initializers,
  LeakyReLU,
  PReLU,
  randomUniform,
  ReLU,
  Rng,
  Sequential,
  setSeed,
  Softmax,
  tensor,
  type Layer,
  type Tensor,
} from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';

const t = (values: number[], shape: number[]): Tensor => tensor(Float32Array.from(values), shape);

describe('activation layers: contract and gradients', () => {
  // [label, factory taking the options an activation layer accepts, per-sample shape, params, kinks allowed]
  const cases: [string, (inputShape?: number[]) => Layer, number[], number, number][] = [
    ['ReLU', (inputShape) => new ReLU({ inputShape }), [5], 0, 0],
    ['ReLU({ maxValue: 1 })', (inputShape) => new ReLU({ maxValue: 1, inputShape }), [5], 0, 2], // inputs may fall within h of the cap
    ['LeakyReLU()', (inputShape) => new LeakyReLU({ inputShape }), [5], 0, 0],
    ['LeakyReLU({ alpha: 0.2 })', (inputShape) => new LeakyReLU({ alpha: 0.2, inputShape }), [2, 3], 0, 0],
    ['ELU()', (inputShape) => new ELU({ inputShape }), [5], 0, 0],
    ['ELU({ alpha: 0.5 })', (inputShape) => new ELU({ alpha: 0.5, inputShape }), [5], 0, 0],
    ['Softmax()', (inputShape) => new Softmax({ inputShape }), [5], 0, 0],
    ['Softmax({ axis: 1 }) on [3, 4]', (inputShape) => new Softmax({ axis: 1, inputShape }), [3, 4], 0, 0],
    ['Activation tanh', (inputShape) => new Activation({ activation: 'tanh', inputShape }), [5], 0, 0],
    ['Activation leakyRelu', (inputShape) => new Activation({ activation: 'leakyRelu', inputShape }), [5], 0, 0],
    ['Activation gelu', (inputShape) => new Activation({ activation: 'gelu', inputShape }), [5], 0, 0],
    ['PReLU() on [5]', (inputShape) => new PReLU({ inputShape }), [5], 5, 0],
    ['PReLU() on [2, 3]', (inputShape) => new PReLU({ inputShape }), [2, 3], 6, 0],
    ['PReLU(alpha ~ U(0, 0.5))', (inputShape) => new PReLU({ inputShape, alphaInitializer: initializers.randomUniform({ minval: 0, maxval: 0.5, seed: 3 }) }), [4], 4, 0],
  ];
  for (const [label, make, inputShape, params, maxKinks] of cases) {
    it(label, () => {
      // awayFromZero keeps inputs ≥ 0.1 from the kink at 0, more than the step h = 1e-2.
      const { layer, grad } = checkLayerContract({ make, inputShape, outputShape: inputShape, params, batch: 4, maxKinks });
      if (params > 0) {
        expect(Object.keys(grad.paramErrors)).toEqual([`${layer.name}/alpha`]);
        expect(layer.getWeights()[0].shape).toEqual(inputShape);
      }
    });
  }
});

describe('activation layers by hand', () => {
  const x = t([-2, -0.5, 0, 0.5, 3], [1, 5]);

  it('ReLU, capped ReLU, LeakyReLU, ELU', () => {
    expect(buildLayer((s) => new ReLU({ inputShape: s }), [5]).forward(x, false)).toBeAllClose([0, 0, 0, 0.5, 3]);
    expect(buildLayer((s) => new ReLU({ maxValue: 1, inputShape: s }), [5]).forward(x, false)).toBeAllClose([0, 0, 0, 0.5, 1]);
    expect(buildLayer((s) => new LeakyReLU({ alpha: 0.2, inputShape: s }), [5]).forward(x, false)).toBeAllClose([-0.4, -0.1, 0, 0.5, 3]);
    expect(buildLayer((s) => new LeakyReLU({ inputShape: s }), [5]).forward(x, false)).toBeAllClose([-0.6, -0.15, 0, 0.5, 3]);
    expect(buildLayer((s) => new ELU({ alpha: 0.5, inputShape: s }), [5]).forward(x, false)).toBeAllClose([
      0.5 * Math.expm1(-2), 0.5 * Math.expm1(-0.5), 0, 0.5, 3,
    ]);
  });

  it('LeakyReLU backward: slope 1 above 0, alpha at and below 0', () => {
    const layer = buildLayer((s) => new LeakyReLU({ alpha: 0.2, inputShape: s }), [5]);
    layer.forward(x, true);
    expect(layer.backward(t([1, 1, 1, 1, 1], [1, 5]))).toBeAllClose([0.2, 0.2, 0.2, 1, 1]);
  });

  it('Softmax: rows sum to 1, stable at logits of ±1e4, along the axis asked for', () => {
    const s = buildLayer((inputShape) => new Softmax({ inputShape }), [3]);
    const e = [Math.exp(-1), 1, Math.exp(1)];
    const sum = e[0] + e[1] + e[2];
    expect(s.forward(t([0, 1, 2, 1e4, 0, -1e4], [2, 3]), false)).toBeAllClose([...e.map((v) => v / sum), 1, 0, 0]);
    // axis 1 of [batch, 2, 2] normalizes down the columns of each sample.
    const columns = buildLayer((inputShape) => new Softmax({ axis: 1, inputShape }), [2, 2]);
    const half = 1 / (1 + Math.exp(-2));
    expect(columns.forward(t([0, 1, 2, 1], [1, 2, 2]), false)).toBeAllClose([1 - half, 0.5, half, 0.5]);
  });

  it('PReLU: alpha is one slope per value of a sample, zeros at first (so it starts as ReLU)', () => {
    // Typed as the base: PReLU declares forward(x) without the training flag.
    const layer: Layer = buildLayer((inputShape) => new PReLU({ inputShape }), [2, 3]);
    const [alpha] = layer.getWeights();
    expect(alpha.shape).toEqual([2, 3]);
    expect(Array.from(alpha.data)).toEqual([0, 0, 0, 0, 0, 0]);
    const input = t([-1, 2, -3, 4, -5, 6, 1, -2, 3, -4, 5, -6], [2, 2, 3]);
    expect(layer.forward(input, false)).toBeAllClose([0, 2, 0, 4, 0, 6, 1, 0, 3, 0, 5, 0]);
    layer.setWeights([t([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3])]);
    expect(layer.forward(input, true)).toBeAllClose([-0.1, 2, -0.9, 4, -2.5, 6, 1, -0.4, 3, -1.6, 5, -3.6]);
    layer.params()[0].grad.data.fill(0);
    const dx = layer.backward(t(new Array(12).fill(1), [2, 2, 3]));
    expect(dx).toBeAllClose([0.1, 1, 0.3, 1, 0.5, 1, 1, 0.2, 1, 0.4, 1, 0.6]);
    // dAlpha = Σ over the batch of dy · x where x ≤ 0.
    expect(layer.params()[0].grad).toBeAllClose([-1, -2, -3, -4, -5, -6]);
  });

  it('PReLU gradient check w.r.t. input and alpha at non-zero alpha', () => {
    const layer = buildLayer((inputShape) => new PReLU({ inputShape, alphaInitializer: initializers.constant({ value: 0.25 }) }), [6]);
    expect(Array.from(layer.getWeights()[0].data)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
    const r = gradCheckLayer(layer, awayFromZero([5, 6], 8));
    expect(r.maxError).toBeLessThan(1e-3);
    expect(r.kinks).toBe(0);
    expect(r.paramErrors[`${layer.name}/alpha`]).toBeLessThan(1e-3);
  });
});

describe("'leaky_relu' and LeakyReLU share their maths", () => {
  it("'leaky_relu', new LeakyReLU(0.2) and Activation('leaky_relu') give identical outputs and gradients (alpha 0.2, Keras 3's key; the layer's default is Keras 3's 0.3)", () => {
    const x = randomUniform([6, 4], -3, 3, new Rng(4));
    const dy = randomUniform([6, 4], -1, 1, new Rng(5));
    const run = (layer: Layer) => {
      const built = buildLayer(() => layer, [4], 'build');
      const y = Array.from(built.forward(x, true).data);
      const dx = Array.from(built.backward(dy).data);
      return { y, dx };
    };
    const byKey = run(new Activation({ activation: 'leaky_relu' }));
    const byClass = run(new LeakyReLU(0.2));
    expect(byClass).toEqual(byKey);
    expect(new LeakyReLU().alpha).toBe(0.3);
    // Through Dense with the same kernel, too.
    const withKey = buildLayer((s) => new Dense({ units: 3, activation: 'leaky_relu', seed: 1, inputShape: s }), [4]);
    const withLayer = buildLayer((s) => new Dense({ units: 3, activation: new LeakyReLU(0.2), seed: 1, inputShape: s }), [4]);
    expect(bytesOf(withLayer.forward(x, false))).toEqual(bytesOf(withKey.forward(x, false)));
  });

  it('in a Sequential, Dense → LeakyReLU({ alpha: 0.2 }) equals Dense with that activation', async () => {
    const model = new Sequential();
    model.add(new Dense({ units: 4, inputShape: [3], seed: 2 }));
    model.add(new LeakyReLU({ alpha: 0.2 }));
    const fused = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3], seed: 2, activation: new LeakyReLU({ alpha: 0.2 }) })] });
    const x = awayFromZero([5, 3], 9);
    const y = model.predict(x);
    expect(y.shape).toEqual([5, 4]);
    expect(bytesOf(y)).toEqual(bytesOf(fused.predict(x)));
    expect(Array.from(y.data).some((v) => v < 0)).toBe(true);
    expect(model.countParams()).toBe(16);
  });
});

describe('one Layer instance passed as activation to two layers', () => {
  it('each layer gets its own copy; the instance is not built or changed', () => {
    const leaky = new LeakyReLU({ alpha: 0.2 });
    const config = leaky.getConfig();
    const a = new Dense({ units: 4, activation: leaky, inputShape: [3], seed: 1 });
    const b = new Dense({ units: 4, activation: leaky, seed: 2 });
    const model = new Sequential({ layers: [a, b] });
    expect(a.activation.layer).not.toBe(leaky);
    expect(b.activation.layer).not.toBe(leaky);
    expect(a.activation.layer).not.toBe(b.activation.layer);
    expect(a.activation.layer).toBeInstanceOf(LeakyReLU);
    expect((a.activation.layer as LeakyReLU).alpha).toBe(0.2);
    expect(a.activation.layer!.name).toBe(`${a.name}/leaky_re_lu`);
    expect(b.activation.layer!.name).toBe(`${b.name}/leaky_re_lu`);
    expect(leaky.built).toBe(false);
    expect(leaky.getConfig()).toEqual(config);
    // Both layers work: the output is the hand composition of the two.
    const x = awayFromZero([4, 3], 2);
    const leakyOf = (z: number) => (z > 0 ? z : 0.2 * z);
    const manual = (layer: Dense, input: number[][]) => {
      const [k, bias] = layer.getWeights();
      return input.map((row) => Array.from({ length: 4 }, (_, j) => leakyOf(row.reduce((s, v, i) => s + v * k.data[i * 4 + j], bias.data[j]))));
    };
    const rows = Array.from({ length: 4 }, (_, r) => Array.from(x.data.subarray(r * 3, r * 3 + 3)));
    expect(model.predict(x)).toBeAllClose(manual(b, manual(a, rows)).flat(), { rtol: 1e-5, atol: 1e-6 });
  });

  it('PReLU copies learn separate alphas, and the instance keeps none', async () => {
    setSeed(5);
    const prelu = new PReLU();
    const model = new Sequential({
      layers: [
        new Dense({ units: 4, activation: prelu, inputShape: [2], seed: 11 }),
        new Dense({ units: 4, activation: prelu, seed: 12 }),
        new Dense({ units: 1, seed: 13 }),
      ],
    });
    const names = model.params().map((p) => p.name);
    const alphaNames = names.filter((n) => n.endsWith('/alpha'));
    expect(alphaNames).toEqual([`${model.layers[0].name}/p_re_lu/alpha`, `${model.layers[1].name}/p_re_lu/alpha`]);
    expect(model.countParams()).toBe(12 + 4 + 20 + 4 + 5);
    expect(prelu.built).toBe(false);
    expect(prelu.params()).toEqual([]);

    const x = randomUniform([64, 2], -1, 1, new Rng(1));
    const y = tensor(Float32Array.from({ length: 64 }, (_, i) => Math.abs(x.data[2 * i]) - x.data[2 * i + 1]), [64, 1]);
    model.compile({ optimizer: new Adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    const history = await model.fit(x, y, { epochs: 30, batchSize: 16, verbose: 0 });
    expect(history.history.loss[29]).toBeLessThan(history.history.loss[0]);

    const alphas = model.params().filter((p) => p.name.endsWith('/alpha')).map((p) => Array.from(p.value.data));
    expect(alphas).toHaveLength(2);
    expect(alphas[0].some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(alphas[1].some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(alphas[0]).not.toEqual(alphas[1]);
    expect(prelu.built).toBe(false);
    expect(prelu.params()).toEqual([]);
  });

  it('a layer that does not keep the shape is rejected as an activation, and the model is unchanged', () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [3, 4], name: 'dense_ok' })] });
    const before = model.getWeights().map(bytesOf);
    expect(() => model.add(new Dense({ units: 2, activation: new Flatten(), name: 'dense_flat_act' }))).toThrow(
      /^dense_flat_act: an activation layer must keep the shape of its input, but Flatten turns \(None, 3, 2\) into \(None, 6\)\. Add it to the model as a layer of its own instead\.$/,
    );
    expect(model.layers.map((l) => l.name)).toEqual(['dense_ok']);
    expect(model.getWeights().map(bytesOf)).toEqual(before);
    // As a layer of its own it is fine.
    model.add(new Flatten());
    expect(model.outputShape).toEqual([6]);
  });
});

describe('activation layer options are checked up front', () => {
  it('LeakyReLU and ELU alpha must be finite numbers', () => {
    expect(() => new LeakyReLU({ alpha: NaN, name: 'lr' })).toThrow(/^lr: alpha must be a finite number\. Received: alpha=NaN\.$/);
    expect(() => new ELU({ alpha: Infinity, name: 'elu_x' })).toThrow(/^elu_x: alpha must be a finite number\. Received: alpha=Infinity\.$/);
  });

  it('ReLU maxValue must be positive', () => {
    expect(() => new ReLU({ maxValue: 0, name: 'relu_x' })).toThrow(/^relu_x: maxValue must be a positive number\. Received: maxValue=0\.$/);
  });

  it('Softmax axis: not the batch, and within the input rank', () => {
    expect(() => new Softmax({ axis: 0, name: 'sm0' })).toThrow(/^sm0: axis must be a non-zero integer \(axis 0 is the batch\)\. Received: axis=0\.$/);
    expect(() => new Softmax({ axis: 1.5, name: 'sm1' })).toThrow(/axis must be a non-zero integer/);
    expect(() => new Softmax({ axis: 2, name: 'sm2' }).build([4])).toThrow(/^sm2: axis 2 is out of range for inputs of rank 2 \(batch included\)\. Use -1 for the last axis\.$/);
  });

  it('Activation with an unknown key suggests the nearest', () => {
    expect(() => new Activation({ activation: 'tanhh', name: 'act_x' })).toThrow(/^Unknown activation "tanhh" in act_x\. Did you mean "tanh"\? Known: /);
  });
});
