import { describe, expect, it } from 'vitest';
import {
  Dense,
  ELU,
  Flatten,
  initializers,
  LeakyReLU,
  PReLU,
  ReLU,
  Sequential,
  setSeed,
  Softmax,
  tensor,
  type ActivationSpec,
  type DenseOptions,
  type Layer,
  type Tensor,
} from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';

const t = (values: number[], shape: number[]): Tensor => tensor(Float32Array.from(values), shape);

/** A Dense 4 → 3 built in a Sequential, with a fixed seed. */
function dense(activation?: ActivationSpec, extra: Partial<DenseOptions> = {}) {
  return (inputShape?: number[]) => new Dense({ units: 3, activation, seed: 5, inputShape, ...extra });
}

describe('Dense contract', () => {
  it('linear Dense 4 → 3: shapes, 15 parameters, config round trip, gradients', () => {
    const { layer, grad } = checkLayerContract({ make: dense(), inputShape: [4], outputShape: [3], params: 15 });
    expect(grad.kinks).toBe(0);
    expect(Object.keys(grad.paramErrors)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
  });

  it('built directly with layer.build as well as through a Sequential', () => {
    checkLayerContract({ make: dense('tanh'), inputShape: [5], outputShape: [3], params: 18, via: 'build' });
  });

  it('applies on the last axis of a rank-3 input: [batch, 3, 4] → [batch, 3, 2]', () => {
    const make = (inputShape?: number[]) => new Dense({ units: 2, activation: 'tanh', seed: 2, inputShape });
    const { layer, x, y } = checkLayerContract({ make, inputShape: [3, 4], outputShape: [3, 2], params: 10, batch: 2 });
    // The same as the layer applied to the 6 rows of 4 values one by one.
    const flat = buildLayer(make, [4]);
    flat.setWeights(layer.getWeights());
    expect(flat.forward(tensor(Float32Array.from(x.data), [6, 4]), false)).toBeAllClose(y, { rtol: 0, atol: 0 });
  });
});

describe('Dense with each activation given by key', () => {
  // Piecewise functions may see a pre-activation within ±h of a kink; the gradient check then
  // compares one-sided differences. Smooth functions must have none.
  const cases: [string, number][] = [
    ['linear', 0],
    ['relu', 2],
    ['leaky_relu', 2],
    ['leakyRelu', 2],
    ['LeakyReLU', 2],
    ['sigmoid', 0],
    ['tanh', 0],
    ['softmax', 0],
    ['elu', 2],
    ['selu', 2],
    ['gelu', 0],
    ['swish', 0],
    ['silu', 0],
    ['softplus', 0],
    ['softsign', 2],
    ['hard_sigmoid', 2],
    ['hardSigmoid', 2],
    ['relu6', 2],
  ];
  for (const [key, maxKinks] of cases) {
    it(`'${key}': contract and gradients for input, kernel and bias`, () => {
      const { layer, grad } = checkLayerContract({ make: dense(key), inputShape: [4], outputShape: [3], params: 15, batch: 4, maxKinks });
      expect(Object.keys(grad.paramErrors)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
      expect(layer.getConfig().activation).toBe(layer.activation.toConfig());
    });
  }

  it("the spellings 'leaky_relu', 'leakyRelu' and 'LeakyReLU' are one function (alpha 0.2, as Keras 3's key)", () => {
    const x = awayFromZero([4, 4], 3);
    const outputs = ['leaky_relu', 'leakyRelu', 'LeakyReLU', 'leaky-relu'].map((key) => {
      const layer = buildLayer(dense(key), [4]);
      expect(layer.getConfig().activation).toBe('leaky_relu');
      return Array.from(layer.forward(x, false).data);
    });
    for (const out of outputs) expect(out).toEqual(outputs[0]);
    // And the negative part has slope 0.2: kernel = identity, no bias.
    const identity = new Dense({ units: 2, activation: 'leaky_relu', inputShape: [2] });
    new Sequential({ layers: [identity] });
    identity.setWeights([t([1, 0, 0, 1], [2, 2]), t([0, 0], [2])]);
    expect(identity.forward(t([-2, 3], [1, 2]), false)).toBeAllClose([-0.4, 3]);
  });
});

describe('Dense with an activation given as a Layer instance', () => {
  const cases: [string, () => Layer, number, number][] = [
    ['new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }), 15, 2],
    ['new ReLU()', () => new ReLU(), 15, 2],
    ['new ReLU({ maxValue: 1 })', () => new ReLU({ maxValue: 1 }), 15, 3],
    ['new ELU({ alpha: 0.5 })', () => new ELU({ alpha: 0.5 }), 15, 2],
    ['new Softmax()', () => new Softmax(), 15, 0],
    ['new PReLU()', () => new PReLU(), 18, 2],
    ['new PReLU({ alphaInitializer: constant 0.25 })', () => new PReLU({ alphaInitializer: initializers.constant({ value: 0.25 }) }), 18, 2],
  ];
  for (const [label, make, params, maxKinks] of cases) {
    it(`${label}: contract and gradients for input, kernel, bias (and alpha)`, () => {
      const { layer, grad } = checkLayerContract({ make: dense(make()), inputShape: [4], outputShape: [3], params, batch: 4, maxKinks });
      const names = layer.params().map((p) => p.name);
      expect(Object.keys(grad.paramErrors)).toEqual(names);
      if (params === 18) expect(names).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`, `${layer.name}/p_re_lu/alpha`]);
    });
  }

  it('PReLU through Dense: alpha has one slope per unit, zeros by default, and its gradient is Σ dy · z over z ≤ 0', () => {
    const layer = buildLayer(dense(new PReLU()), [2]);
    layer.setWeights([t([1, 0, 0, 0, -1, 1], [2, 3]), t([0, 0, 0], [3]), t([0, 0, 0], [3])]);
    const [, , alpha] = layer.getWeights();
    expect(alpha.shape).toEqual([3]);
    expect(Array.from(alpha.data)).toEqual([0, 0, 0]);
    layer.setWeights([t([1, 0, 0, 0, -1, 1], [2, 3]), t([0, 0, 0], [3]), t([0.1, 0.2, 0.3], [3])]);
    // z = [x0, -x1, x1] for x = [-1, 2] and [3, -4]: z = [-1, -2, 2] and [3, 4, -4].
    const y = layer.forward(t([-1, 2, 3, -4], [2, 2]), true);
    expect(y).toBeAllClose([-0.1, -0.4, 2, 3, 4, -1.2]);
    for (const p of layer.params()) p.grad.data.fill(0);
    layer.backward(t([1, 1, 1, 1, 1, 1], [2, 3]));
    expect(layer.params()[2].grad).toBeAllClose([-1, -2, -4]);
  });

  it('a Layer instance that does not keep the shape is rejected when the Dense builds', () => {
    const layer = new Dense({ units: 2, activation: new Flatten(), name: 'dense_flat' });
    expect(() => layer.build([3, 4])).toThrow(/dense_flat: an activation layer must keep the shape of its input, but Flatten turns \(None, 3, 2\) into \(None, 6\)\. Add it to the model as a layer of its own instead\./);
    const widening = new Dense({ units: 2, activation: new Dense({ units: 5 }), name: 'dense_wide' });
    expect(() => widening.build([4])).toThrow(/dense_wide: .*Dense turns \(None, 2\) into \(None, 5\)/);
  });

  it('an object that is neither a key nor a Layer is rejected at construction', () => {
    expect(() => new Dense({ units: 2, activation: { alpha: 0.2 } as unknown as ActivationSpec, name: 'dense_obj' })).toThrow(
      /dense_obj: activation must be a string key or a Layer instance .* but received an object of class Object/,
    );
    expect(() => new Dense({ units: 2, activation: 3 as unknown as ActivationSpec, name: 'dense_num' })).toThrow(
      /^dense_num: activation must be an activation key \(such as 'relu'\) or a Layer instance \(such as new LeakyReLU\(0\.2\)\)\. Received: activation=3\.$/,
    );
  });
});

describe('Dense forward by hand', () => {
  // kernel [in = 2, units = 2] = [[1, 2], [3, 4]], bias [0.5, −1], x = [[1, −1], [2, 0.5]]:
  // x · kernel = [[1 − 3, 2 − 4], [2 + 1.5, 4 + 2]] = [[−2, −2], [3.5, 6]]; + bias = [[−1.5, −3], [4, 5]].
  const kernel = t([1, 2, 3, 4], [2, 2]);
  const bias = t([0.5, -1], [2]);
  const x = t([1, -1, 2, 0.5], [2, 2]);
  const cases: [string, ActivationSpec | undefined, number[]][] = [
    ['linear', undefined, [-1.5, -3, 4, 5]],
    ['relu', 'relu', [0, 0, 4, 5]],
    ['LeakyReLU 0.2 instance', new LeakyReLU({ alpha: 0.2 }), [-0.3, -0.6, 4, 5]],
    ['leaky_relu key (alpha 0.2)', 'leaky_relu', [-0.3, -0.6, 4, 5]],
    ['LeakyReLU instance, default alpha 0.3', new LeakyReLU(), [-0.45, -0.9, 4, 5]],
    ['ELU 0.5 instance', new ELU({ alpha: 0.5 }), [0.5 * Math.expm1(-1.5), 0.5 * Math.expm1(-3), 4, 5]],
    ['sigmoid', 'sigmoid', [-1.5, -3, 4, 5].map((z) => 1 / (1 + Math.exp(-z)))],
    ['softmax', 'softmax', [1 / (1 + Math.exp(-1.5)), 1 / (1 + Math.exp(1.5)), 1 / (1 + Math.exp(1)), 1 / (1 + Math.exp(-1))]],
  ];
  for (const [label, activation, expected] of cases) {
    it(label, () => {
      const layer = new Dense({ units: 2, activation, inputShape: [2] });
      new Sequential({ layers: [layer] });
      layer.setWeights([kernel, bias]);
      expect(layer.forward(x, false)).toBeAllClose(expected);
    });
  }

  it('useBias: false has only a kernel and computes x · kernel', () => {
    const layer = new Dense({ units: 2, useBias: false, inputShape: [2] });
    new Sequential({ layers: [layer] });
    expect(layer.countParams()).toBe(4);
    expect(layer.getWeights().map((w) => w.shape)).toEqual([[2, 2]]);
    expect(layer.getConfig().useBias).toBe(false);
    layer.setWeights([kernel]);
    expect(layer.forward(x, false)).toBeAllClose([-2, -2, 3.5, 6]);
    expect(() => layer.setWeights([kernel, bias])).toThrow(/setWeights expected 1 arrays \(kernel\) but received 2/);
  });

  it('useBias: false keeps the contract and its gradients', () => {
    const { layer, grad } = checkLayerContract({ make: dense('tanh', { useBias: false }), inputShape: [4], outputShape: [3], params: 12 });
    expect(Object.keys(grad.paramErrors)).toEqual([`${layer.name}/kernel`]);
  });

  it('backward by hand: dKernel = xᵀ · dz, dBias = Σ dz, dx = dz · kernelᵀ, accumulated over calls', () => {
    const layer = new Dense({ units: 2, inputShape: [2] });
    new Sequential({ layers: [layer] });
    layer.setWeights([kernel, bias]);
    layer.forward(x, true);
    const dy = t([1, 0, 0, 2], [2, 2]);
    const dx = layer.backward(dy);
    // dx = dy · kernelᵀ = [[1, 3], [4, 8]]; dKernel = xᵀ · dy = [[1, 4], [−1, 1]]; dBias = [1, 2].
    expect(dx).toBeAllClose([1, 3, 4, 8]);
    const [k, b] = layer.params();
    expect(k.grad).toBeAllClose([1, 4, -1, 1]);
    expect(b.grad).toBeAllClose([1, 2]);
    layer.forward(x, true);
    layer.backward(dy);
    expect(k.grad).toBeAllClose([2, 8, -2, 2]);
    expect(b.grad).toBeAllClose([2, 4]);
  });
});

describe('Dense weights', () => {
  it('getWeights gives copies of kernel [in, units] then bias [units]', () => {
    const layer = buildLayer(dense('relu'), [4]);
    const weights = layer.getWeights();
    expect(weights.map((w) => w.shape)).toEqual([[4, 3], [3]]);
    expect(layer.params().map((p) => p.name)).toEqual([`${layer.name}/kernel`, `${layer.name}/bias`]);
    weights[0].data.fill(42);
    expect(Array.from(layer.getWeights()[0].data)).not.toContain(42);
  });

  it('setWeights with a wrong count or shape names the layer and both shapes, and changes nothing', () => {
    const layer = new Dense({ units: 3, inputShape: [4], name: 'dense_sw', seed: 1 });
    new Sequential({ layers: [layer] });
    const before = layer.getWeights().map(bytesOf);
    expect(() => layer.setWeights([t(new Array(12).fill(1), [4, 3])])).toThrow(
      /^dense_sw: setWeights expected 2 arrays \(kernel, bias\) but received 1\.$/,
    );
    expect(() => layer.setWeights([t(new Array(12).fill(1), [3, 4]), t([1, 1, 1], [3])])).toThrow(
      /^dense_sw: weight 0 \(dense_sw\/kernel\) has shape \[4, 3\] but the array given has shape \[3, 4\]\.$/,
    );
    // The kernel is right but the bias is not: the kernel must not be written either.
    expect(() => layer.setWeights([t(new Array(12).fill(1), [4, 3]), t([1, 1, 1, 1], [4])])).toThrow(
      /dense_sw: weight 1 \(dense_sw\/bias\) has shape \[3\] but the array given has shape \[4\]/,
    );
    expect(layer.getWeights().map(bytesOf)).toEqual(before);
  });

  it('setWeights before build says how to fix it', () => {
    expect(() => new Dense({ units: 2, name: 'dense_unbuilt' }).setWeights([])).toThrow(/dense_unbuilt: cannot set weights before the layer is built/);
    expect(() => new Dense({ units: 2, name: 'dense_unbuilt2' }).forward(t([1], [1, 1]), false)).toThrow(/dense_unbuilt2: the layer is not built yet/);
  });
});

describe('Dense initializers', () => {
  it('default: glorotUniform kernel within ±√(6 / (in + out)), zero bias', () => {
    const layer = buildLayer((inputShape) => new Dense({ units: 30, inputShape, seed: 4 }), [20]);
    const [kernel, bias] = layer.getWeights();
    const limit = Math.sqrt(6 / 50);
    expect(Math.max(...Array.from(kernel.data, Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...Array.from(kernel.data, Math.abs))).toBeGreaterThan(0.9 * limit);
    expect(Array.from(bias.data).every((v) => v === 0)).toBe(true);
    // Keys are resolved at construction; the config holds the class name, as TF.js files do.
    expect(layer.getConfig()).toMatchObject({
      kernelInitializer: { className: 'GlorotUniform', config: { seed: null } },
      biasInitializer: { className: 'Zeros', config: {} },
    });
  });

  it('keys and objects, for kernel and bias', () => {
    const ones = buildLayer((inputShape) => new Dense({ units: 2, inputShape, kernelInitializer: 'ones', biasInitializer: 'ones' }), [3]);
    expect(ones.getWeights().map((w) => Array.from(w.data))).toEqual([[1, 1, 1, 1, 1, 1], [1, 1]]);
    const constant = buildLayer(
      (inputShape) => new Dense({ units: 2, inputShape, kernelInitializer: initializers.constant({ value: 0.5 }), biasInitializer: 'zeros' }),
      [3],
    );
    expect(Array.from(constant.getWeights()[0].data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(constant.getConfig().kernelInitializer).toEqual({ className: 'Constant', config: { value: 0.5 } });
    const he = buildLayer((inputShape) => new Dense({ units: 200, inputShape, kernelInitializer: 'he_normal', seed: 9 }), [100]);
    // He normal: truncated normal with standard deviation √(2 / fanIn) = √0.02 ≈ 0.1414.
    const k = Array.from(he.getWeights()[0].data);
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    expect(std).toBeGreaterThan(0.13);
    expect(std).toBeLessThan(0.153);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual((2 * Math.sqrt(0.02)) / 0.8796256610342398 + 1e-6);
  });

  it('a seeded Dense always gets the same weights; another seed gives others', () => {
    const make = (seed: number) => buildLayer((inputShape) => new Dense({ units: 8, inputShape, seed }), [6]).getWeights()[0];
    setSeed(1);
    const a = make(3);
    setSeed(2);
    const b = make(3);
    expect(bytesOf(a)).toEqual(bytesOf(b));
    expect(bytesOf(make(4))).not.toEqual(bytesOf(a));
  });

  it('without a seed, setSeed makes the weights reproducible', () => {
    const make = () => buildLayer((inputShape) => new Dense({ units: 8, inputShape }), [6]).getWeights()[0];
    setSeed(77);
    const a = make();
    const a2 = make();
    setSeed(77);
    const b = make();
    expect(bytesOf(b)).toEqual(bytesOf(a));
    expect(bytesOf(a2)).not.toEqual(bytesOf(a));
  });

  it('a seeded initializer object is reproducible on its own', () => {
    const make = () =>
      buildLayer((inputShape) => new Dense({ units: 4, inputShape, kernelInitializer: initializers.heNormal({ seed: 12 }) }), [4]).getWeights()[0];
    expect(bytesOf(make())).toEqual(bytesOf(make()));
  });

  it('an unknown initializer key fails naming the layer and the nearest key', () => {
    expect(() => new Dense({ units: 2, kernelInitializer: 'glorot_unifrom' as 'glorotUniform', name: 'dense_init' })).toThrow(/Unknown initializer "glorot_unifrom" in dense_init\. Did you mean "glorot_uniform"\?/);
  });
});

describe('Dense options are checked up front', () => {
  for (const units of [0, -1, 2.5, NaN, Infinity]) {
    it(`units=${units}`, () => {
      expect(() => new Dense({ units, name: 'dense_units' })).toThrow(
        new RegExp(`^dense_units: units must be a positive integer\\. Received: units=${units}\\.$`),
      );
    });
  }

  it('an unknown activation key names the layer and suggests the nearest', () => {
    expect(() => new Dense({ units: 2, activation: 'relu7', name: 'dense_act' })).toThrow(
      /^Unknown activation "relu7" in dense_act\. Did you mean "relu(6)?"\? Known: "linear", "relu", "leaky_relu",.*\.$/,
    );
  });

  it('gradients stay exact for a wider layer on a larger batch', () => {
    const layer = buildLayer((inputShape) => new Dense({ units: 7, activation: 'gelu', seed: 8, inputShape }), [9]);
    const r = gradCheckLayer(layer, awayFromZero([6, 9], 4));
    expect(r.maxError).toBeLessThan(1e-3);
    expect(r.kinks).toBe(0);
  });
});

describe('Dense rebuilt from its config', () => {
  type Options = DenseOptions;
  const rebuild = (layer: Dense) => {
    const { name: _name, ...config } = layer.getConfig();
    return new Dense(config as unknown as Options);
  };

  it('an activation given as a Layer instance is saved as { className, config } and rebuilt as that layer', () => {
    const layer = buildLayer(dense(new LeakyReLU({ alpha: 0.2 })), [4]);
    expect(layer.getConfig().activation).toEqual({ className: 'LeakyReLU', config: { name: `${layer.name}/leaky_re_lu`, trainable: true, alpha: 0.2 } });
    const copy = rebuild(layer);
    expect(copy.activation.layer).toBeInstanceOf(LeakyReLU);
    expect((copy.activation.layer as LeakyReLU).alpha).toBe(0.2);
    expect(copy.activation.layer!.name).toBe(`${copy.name}/leaky_re_lu`);
  });

  it('a PReLU activation with an initializer object keeps its initial alpha', () => {
    const layer = buildLayer(dense(new PReLU({ alphaInitializer: initializers.constant({ value: 0.25 }) })), [4]);
    expect(Array.from(layer.getWeights()[2].data)).toEqual([0.25, 0.25, 0.25]);
    const copy = rebuild(layer);
    copy.build([4]);
    expect(Array.from(copy.getWeights()[2].data)).toEqual([0.25, 0.25, 0.25]);
  });

  it('initializer objects are saved as { className, config } and rebuilt: a seeded one gives the same kernel', () => {
    const layer = buildLayer(
      (inputShape) => new Dense({ units: 5, inputShape, kernelInitializer: initializers.heNormal({ seed: 21 }), biasInitializer: initializers.constant({ value: 0.1 }) }),
      [3],
    );
    expect(layer.getConfig()).toMatchObject({
      kernelInitializer: { className: 'HeNormal', config: { seed: 21 } },
      biasInitializer: { className: 'Constant', config: { value: 0.1 } },
    });
    const copy = rebuild(layer);
    copy.build([3]);
    expect(copy.getWeights().map(bytesOf)).toEqual(layer.getWeights().map(bytesOf));
  });

  it('an unseeded initializer object rebuilt from its config draws from the global stream, as the original did', () => {
    setSeed(5);
    const layer = buildLayer((inputShape) => new Dense({ units: 5, inputShape, kernelInitializer: initializers.glorotNormal() }), [3]);
    expect(layer.getConfig().kernelInitializer).toEqual({ className: 'GlorotNormal', config: { seed: null } });
    const copy = rebuild(layer);
    setSeed(5);
    copy.build([3]);
    expect(bytesOf(copy.getWeights()[0])).toEqual(bytesOf(layer.getWeights()[0]));
    const another = rebuild(layer);
    another.build([3]);
    expect(bytesOf(another.getWeights()[0])).not.toEqual(bytesOf(layer.getWeights()[0]));
  });

  it('a config naming a class that is not an activation layer fails, naming the layer and the known classes', () => {
    expect(
      () => new Dense({ units: 2, name: 'dense_cfg', activation: { className: 'Conv2D', config: { name: 'c', trainable: true } } as unknown as ActivationSpec }),
    ).toThrow(/^dense_cfg: the activation config names the layer class "Conv2D", which is not an activation layer\. Known: "ReLU", "LeakyReLU", "ELU", "Softmax", "Activation", "PReLU"\.$/);
  });
});
