import { afterEach, describe, expect, it } from 'vitest';
import {
  Activation,
  activationKeys,
  activations,
  Dense,
  fromArray,
  getActivation,
  LayerwiseError,
  registerActivation,
  unregisterActivation,
  type ActivationFunction,
} from 'layerwise';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';

const BUILTIN_KEYS = [
  'linear', 'relu', 'leaky_relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu',
  'gelu', 'swish', 'silu', 'softplus', 'softsign', 'hard_sigmoid', 'relu6',
];

/** Every name a test here may register: removed after each test so no registration leaks. */
const REGISTERED_HERE = ['cube', 'double', 'my_act2'];

afterEach(() => {
  for (const name of REGISTERED_HERE) unregisterActivation(name);
});

const cube = { fn: (x: number) => x ** 3, grad: (x: number) => 3 * x * x };

describe('getActivation', () => {
  it('knows exactly the built-ins until something is registered', () => {
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
  });

  it('resolves Keras, TF.js and class-name spellings to the same function object', () => {
    const leaky = getActivation('leaky_relu');
    expect(getActivation('leakyRelu')).toBe(leaky);
    expect(getActivation('LeakyReLU')).toBe(leaky);
    expect(leaky.name).toBe('leaky_relu');

    const hard = getActivation('hard_sigmoid');
    expect(getActivation('hardSigmoid')).toBe(hard);
    expect(hard.name).toBe('hard_sigmoid');

    expect(getActivation('ReLU6')).toBe(getActivation('relu6'));
    expect(getActivation('ReLU')).toBe(getActivation('relu'));
    expect(getActivation('ReLU6')).not.toBe(getActivation('relu'));
  });

  it('gives each built-in key its own canonical name', () => {
    for (const key of BUILTIN_KEYS) expect(getActivation(key).name).toBe(key);
  });

  it('treats undefined as linear', () => {
    expect(getActivation(undefined)).toBe(getActivation('linear'));
    expect(getActivation(undefined)).toBe(activations.linear);
  });

  it('rejects an unknown key in a layer: names the layer, suggests the nearest key and lists the known ones', () => {
    const make = () => new Dense({ units: 2, activation: 'leaky_rleu', name: 'dense_7' });
    expect(make).toThrow(LayerwiseError);
    expect(make).toThrow(/Unknown activation "leaky_rleu" in dense_7\. Did you mean "leaky_relu"\? Known: .*"relu"/);
  });

  it('suggests nothing when no key is close', () => {
    let message = '';
    try {
      getActivation('zzzzzzzzzzzz', 'my_layer');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^Unknown activation "zzzzzzzzzzzz" in my_layer\. Known: "linear", "relu", /);
    expect(message).not.toMatch(/Did you mean/);
  });

  it('suggests a built-in for a near miss in another spelling', () => {
    expect(() => getActivation('hardSigmod', 'dense_1')).toThrow(/Did you mean "hard_sigmoid"\?/);
    expect(() => getActivation('geluu', 'dense_1')).toThrow(/Did you mean "gelu"\?/);
    expect(() => getActivation('ReLU_66', 'dense_1')).toThrow(/Did you mean "relu6"\?/);
  });

  it('counts two swapped letters as one edit', () => {
    expect(() => getActivation('gleu', 'dense_1')).toThrow(/Did you mean "gelu"\?/);
    expect(() => getActivation('sigmiod', 'dense_1')).toThrow(/Did you mean "sigmoid"\?/);
  });

  it('rejects a value that is not a string, naming the caller', () => {
    expect(() => getActivation(3 as unknown as string, 'dense_3')).toThrow(
      /dense_3: an activation must be a string key or a Layer instance, but received number\./,
    );
  });
});

describe('registerActivation', () => {
  it('makes an element-wise activation usable by key in Dense', () => {
    const registered = registerActivation('cube', cube);
    expect(registered.name).toBe('cube');
    expect(activationKeys()).toEqual([...BUILTIN_KEYS, 'cube']);
    expect(getActivation('cube')).toBe(registered);
    expect(getActivation('Cube')).toBe(registered);

    const dense = new Dense({ units: 2, activation: 'cube' });
    dense.build([2]);
    dense.setWeights([
      fromArray([
        [1, 2],
        [0.5, -1],
      ]),
      fromArray([0, 1]),
    ]);
    // z = [1, 2] · [[1, 2], [0.5, −1]] + [0, 1] = [2, 1]; y = z³ = [8, 1].
    // z = [−1, 0] · kernel + bias = [−1, −1]; y = [−1, −1].
    const y = dense.forward(fromArray([[1, 2], [-1, 0]]), false);
    expect(Array.from(y.data)).toEqual([8, 1, -1, -1]);
    expect(dense.getConfig().activation).toBe('cube');
  });

  it('passes the numeric gradient check, alone and inside Dense', () => {
    registerActivation('cube', cube);
    // Tolerance: |numeric − analytic| ≤ 1e-3 · max(1, |analytic|), the helper's float32 bound;
    // the cube's truncation error h² = 1e-4 is well inside it.
    const layer = new Activation({ activation: 'cube' });
    layer.build([5]);
    expect(gradCheckLayer(layer, awayFromZero([3, 5], 2)).maxError).toBeLessThan(1e-3);

    const dense = new Dense({ units: 3, activation: 'cube', seed: 4 });
    dense.build([4]);
    const result = gradCheckLayer(dense, awayFromZero([5, 4], 3, -1, 1));
    expect(Object.keys(result.paramErrors)).toEqual([`${dense.name}/kernel`, `${dense.name}/bias`]);
    expect(result.maxError).toBeLessThan(1e-3);
  });

  it('accepts a full { forward, backward } definition', () => {
    const doubled = registerActivation('double', {
      forward(x, y) {
        for (let i = 0; i < y.length; i++) y[i] = 2 * x[i];
      },
      backward(_x, _y, dy, dx) {
        for (let i = 0; i < dx.length; i++) dx[i] = 2 * dy[i];
      },
    });
    expect(doubled.name).toBe('double');
    expect(doubled.config).toEqual({});
    const layer = new Activation({ activation: 'double' });
    expect(Array.from(layer.forward(fromArray([[1, -3]]), false).data)).toEqual([2, -6]);
    expect(Array.from(layer.backward(fromArray([[0.5, 1]])).data)).toEqual([1, 2]);
  });

  it('rejects a definition without functions', () => {
    expect(() => registerActivation('double', {} as unknown as ActivationFunction)).toThrow(
      /registerActivation\("double"\): expected \{ fn, grad \} or \{ forward, backward \} functions\./,
    );
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
  });

  it('rejects the name of a built-in, in any spelling, without suggesting to unregister it', () => {
    expect(() => registerActivation('relu', cube)).toThrow(/registerActivation: "relu" is already taken by the built-in activation "relu"\. Choose another name\./);
    for (const name of ['LeakyRelu', 'leakyRelu', 'leaky_relu', 'LEAKY_RELU']) {
      expect(() => registerActivation(name, cube)).toThrow(/"[A-Za-z_]+" is already taken by the built-in activation "leaky_relu"/);
      expect(() => registerActivation(name, cube)).not.toThrow(/unregisterActivation/);
    }
    expect(() => registerActivation('Hard_Sigmoid', cube)).toThrow(/taken by the built-in activation "hard_sigmoid"/);
    // The built-in is unchanged.
    expect(getActivation('leaky_relu')).toBe(getActivation('LeakyReLU'));
    expect(getActivation('leaky_relu').config).toEqual({ alpha: 0.2 });
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
  });

  it('rejects a name already registered, in any spelling, and says how to free it', () => {
    registerActivation('cube', cube);
    expect(() => registerActivation('Cube', cube)).toThrow(
      /registerActivation: "Cube" is already taken by the activation "cube"\. Choose another name, or call unregisterActivation\("cube"\) first\./,
    );
  });

  it('rejects invalid names', () => {
    for (const name of ['', '1cube', 'my cube', 'cube!', 'my-act', '_act']) {
      expect(() => registerActivation(name, cube)).toThrow(
        /registerActivation: the name must start with a letter and hold only letters, digits and "_"\. Received: ".*"\./,
      );
    }
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
  });

  it('accepts letters, digits and underscores', () => {
    expect(registerActivation('my_act2', cube).name).toBe('my_act2');
    expect(getActivation('myAct2')).toBe(getActivation('my_act2'));
  });
});

describe('unregisterActivation', () => {
  it('removes a registered key, which is then unknown again', () => {
    registerActivation('cube', cube);
    expect(unregisterActivation('cube')).toBe(true);
    expect(unregisterActivation('cube')).toBe(false);
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
    expect(() => getActivation('cube', 'dense_9')).toThrow(/Unknown activation "cube" in dense_9\./);
    // The name is free again.
    expect(registerActivation('cube', cube).name).toBe('cube');
  });

  it('cannot remove a built-in', () => {
    expect(unregisterActivation('relu')).toBe(false);
    expect(unregisterActivation('LeakyReLU')).toBe(false);
    expect(getActivation('relu').name).toBe('relu');
    expect(activationKeys()).toEqual(BUILTIN_KEYS);
  });
});
