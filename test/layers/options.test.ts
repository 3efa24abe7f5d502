/**
 * Layer options are checked once, in the base constructor, against what each class declares
 * (`static options`, `positional`, `aliases`): unknown keys with the nearest known one, values of
 * the wrong kind, missing required options, bare values, and sizes too large to allocate. The
 * property test over every class is in test/util/options-property.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  Activation,
  AveragePooling1D,
  BatchNormalization,
  Conv1D,
  Conv2D,
  Dense,
  Dropout,
  ELU,
  Flatten,
  Layer,
  LayerwiseError,
  LeakyReLU,
  MaxPooling1D,
  MaxPooling2D,
  PReLU,
  ReLU,
  Reshape,
  Sequential,
  Softmax,
  ZeroPadding2D,
  type LayerConfig,
  type LayerOptions,
  type OptionSpecs,
  type Tensor,
} from 'layerwise';

describe('unknown options fail, naming the class and the nearest known option', () => {
  it("the issue's examples", () => {
    expect(() => new Conv2D({ filters: 8, kernel_size: 3, name: 'c' } as never)).toThrow(
      /^c: "kernel_size" is not an option of Conv2D\. Did you mean "kernelSize"\? Its options: filters, kernelSize, strides, padding, dilationRate, activation, useBias, kernelInitializer, biasInitializer, seed, kernelRegularizer, biasRegularizer, activityRegularizer, kernelConstraint, biasConstraint, name, inputShape, trainable\.$/,
    );
    expect(() => new Dense({ units: 8, activaton: 'relu' } as never)).toThrow(/^dense_\d+: "activaton" is not an option of Dense\. Did you mean "activation"\?/);
    expect(() => new LeakyReLU({ negative_slope: 0.2 } as never)).toThrow(/^leaky_re_lu_\d+: "negative_slope" is not an option of LeakyReLU\. Did you mean "negativeSlope"\?/);
    // max_value is Keras's snake_case, not another name: it is refused, pointing at maxValue.
    expect(() => new ReLU({ max_value: 6 } as never)).toThrow(/^re_lu_\d+: "max_value" is not an option of ReLU\. Did you mean "maxValue"\?/);
    expect(() => new Dense({ units: 8, input_shape: [4] } as never)).toThrow(/"input_shape" is not an option of Dense\. Did you mean "inputShape"\?/);
  });

  it('Keras settings layerwise does not have are refused, not ignored', () => {
    expect(() => new Dense({ units: 8, loraRank: 4 } as never)).toThrow(/"loraRank" is not an option of Dense\./);
    expect(() => new BatchNormalization({ renorm: true } as never)).toThrow(/"renorm" is not an option of BatchNormalization\./);
    expect(() => new Flatten({ dataFormat: 'channels_last' } as never)).toThrow(/^flatten_\d+: "dataFormat" is not an option of Flatten\. Its options: name, inputShape, trainable\.$/);
  });
});

describe('aliases: Keras 3 names for the same option', () => {
  it("LeakyReLU's negativeSlope is alpha, saved as alpha", () => {
    const layer = new LeakyReLU({ negativeSlope: 0.2 } as never);
    expect(layer.alpha).toBe(0.2);
    expect(layer.getConfig()).toMatchObject({ alpha: 0.2 });
    expect(layer.getConfig()).not.toHaveProperty('negativeSlope');
    expect(() => new LeakyReLU({ alpha: 0.1, negativeSlope: 0.2, name: 'lr2' } as never)).toThrow(
      /^lr2: "negativeSlope" and "alpha" are the same option; give one of them\.$/,
    );
    expect(() => new LeakyReLU({ negativeSlope: 'x' } as never)).toThrow(/^leaky_re_lu_\d+: alpha must be a finite number\. Received: alpha="x"\.$/);
  });
});

describe("a bare value is Keras's first argument where that is natural", () => {
  it('Dense(8), Dropout(0.5), ReLU(6), LeakyReLU(0.2), ELU(0.5), Softmax(1), Activation, Reshape, ZeroPadding2D, poolings', () => {
    expect(new Dense(8).units).toBe(8);
    expect(new Dropout(0.5).rate).toBe(0.5);
    expect(new ReLU(6).maxValue).toBe(6);
    expect(new LeakyReLU(0.2).alpha).toBe(0.2);
    expect(new ELU(0.5).alpha).toBe(0.5);
    expect(new Softmax(1).axis).toBe(1);
    expect(new Activation('tanh').activation).toBe('tanh');
    expect(new Reshape([7, 7, 1]).targetShape).toEqual([7, 7, 1]);
    expect(new ZeroPadding2D([1, 2]).padding).toEqual([[1, 1], [2, 2]]);
    expect(new MaxPooling2D(3).poolSize).toEqual([3, 3]);
    expect(new MaxPooling2D([2, 3]).poolSize).toEqual([2, 3]);
    expect(new AveragePooling1D(4).poolSize).toEqual([4]);
    // The bare form is the options form: same config.
    const { name: _a, ...bare } = new Dense(8).getConfig();
    const { name: _b, ...full } = new Dense({ units: 8 }).getConfig();
    expect(bare).toEqual(full);
  });

  it('a bare value of the wrong type is checked as that option', () => {
    expect(() => new Dense('8' as never)).toThrow(/^dense_\d+: units must be a positive integer\. Received: units="8"\.$/);
    expect(() => new Dropout(1)).toThrow(/^dropout_\d+: rate must be a number in \[0, 1\)\. Received: rate=1\.$/);
    expect(() => new ReLU(-1)).toThrow(/^re_lu_\d+: maxValue must be a positive number\. Received: maxValue=-1\.$/);
    expect(() => new Activation(new ReLU() as never)).toThrow(
      /^activation_\d+: activation must be an activation key \(such as 'relu'\)\. Received: activation=an object of class ReLU\. Add a layer to the model as a layer of its own\.$/,
    );
    expect(() => new Dense(null as never)).toThrow(/^dense_\d+: units must be a positive integer\. Received: units=null\.$/);
    expect(() => new Dense(Dense as never)).toThrow(/^dense_\d+: units must be a positive integer\. Received: units=the function Dense \(a class or function, not an instance\)\.$/);
    // null is Keras's None: ReLU(null) has no cap.
    expect(new ReLU(null as never).maxValue).toBeUndefined();
  });

  it('classes without one say how to write their options', () => {
    expect(() => new Conv2D(32 as never)).toThrow(/^conv2d_\d+: expected an options object such as \{ filters: 8, kernelSize: 3 \}, but received 32\.$/);
    expect(() => new Conv1D([16, 3] as never)).toThrow(/^conv1d_\d+: expected an options object such as \{ filters: 8, kernelSize: 3 \}, but received \[16,3\]\.$/);
    expect(() => new BatchNormalization(0.9 as never)).toThrow(/^batch_normalization_\d+: expected an options object such as \{ axis: -1 \}, but received 0\.9\.$/);
    expect(() => new PReLU('zeros' as never)).toThrow(/^p_re_lu_\d+: expected an options object such as \{ alphaInitializer: 'heNormal' \}, but received "zeros"\.$/);
    expect(() => new Flatten(new Dense(2) as never)).toThrow(/^flatten_\d+: expected an options object such as \{ name: 'my_flatten' \}, but received an object of class Dense\.$/);
  });
});

describe('required options and values of the wrong kind', () => {
  it('a missing required option says which and how to write it (no raw TypeError)', () => {
    expect(() => new (Dense as unknown as new () => Dense)()).toThrow(LayerwiseError);
    expect(() => new (Dense as unknown as new () => Dense)()).toThrow(
      /^dense_\d+: the option units \(a positive integer\) is missing: Dense has no default for it\. Write, for example, new Dense\(\{ units: 8 \}\)\.$/,
    );
    expect(() => new Conv2D({ filters: 8 } as never)).toThrow(/^conv2d_\d+: the option kernelSize \(a positive integer or a pair of them\) is missing: Conv2D has no default for it\. Write, for example, new Conv2D\(\{ filters: 8, kernelSize: 3 \}\)\.$/);
    expect(() => new Reshape({} as never)).toThrow(/the option targetShape \(positive integers with at most one -1\) is missing: Reshape/);
    expect(() => new Activation({} as never)).toThrow(/the option activation \(an activation key \(such as 'relu'\)\) is missing/);
    expect(() => new Dropout({ rate: undefined } as never)).toThrow(/the option rate \(a number in \[0, 1\)\) is missing/);
  });

  it('each value is checked against its kind, naming the layer and the option', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new Dense({ units: 8, useBias: 'yes', name: 'd' } as never), /^d: useBias must be true or false\. Received: useBias="yes"\.$/],
      [() => new Dense({ units: 8, seed: 1.5, name: 'd' }), /^d: seed must be an integer seed or null\. Received: seed=1\.5\.$/],
      [() => new Dense({ units: 8, kernelInitializer: 5, name: 'd' } as never), /^d: kernelInitializer must be an initializer key \(such as 'heNormal'\) or an initializer .* Received: kernelInitializer=5\.$/],
      [() => new Dense({ units: 8, kernelInitializer: {}, name: 'd' } as never), /^d: kernelInitializer must be an initializer key .* Received: kernelInitializer=\{\}\.$/],
      [() => new Dense({ units: 8, activation: null, name: 'd' } as never), /^d: activation must be an activation key .* Received: activation=null\.$/],
      [() => new Dense({ units: 8, activation: LeakyReLU, name: 'd' } as never), /Received: activation=the function LeakyReLU \(a class or function, not an instance\)\.$/],
      [() => new BatchNormalization({ center: 1, name: 'bn' } as never), /^bn: center must be true or false\. Received: center=1\.$/],
      [() => new BatchNormalization({ axis: 1.5, name: 'bn' }), /^bn: axis must be an integer\. Received: axis=1\.5\.$/],
      [() => new BatchNormalization({ epsilon: Infinity, name: 'bn' }), /^bn: epsilon must be finite\. Received: epsilon=Infinity\.$/],
      [() => new Conv2D({ filters: 8, kernelSize: 3, padding: 1, name: 'c' } as never), /^c: padding must be 'valid' or 'same'\. Received: padding=1\.$/],
      [() => new MaxPooling1D({ poolSize: '2', name: 'p' } as never), /^p: poolSize must be a positive integer or a list of one\. Received: poolSize="2"\.$/],
      [() => new Reshape({ targetShape: 4, name: 'r' } as never), /^r: targetShape must be positive integers with at most one -1\. Received: targetShape=4\.$/],
      [() => new Softmax({ axis: '1', name: 's' } as never), /^s: axis must be a non-zero integer \(axis 0 is the batch\)\. Received: axis="1"\.$/],
      [() => new ReLU({ maxValue: 'six', name: 'r' } as never), /^r: maxValue must be a positive number\. Received: maxValue="six"\.$/],
      [() => new Activation({ activation: new ReLU(), name: 'a' } as never), /^a: activation must be an activation key \(such as 'relu'\)\. Received: activation=an object of class ReLU\. Add a layer to the model as a layer of its own\.$/],
      [() => new Dense({ units: 8, name: 5 } as never), /^dense_\d+: name must be a non-empty string\. Received: name=5\.$/],
      [() => new Dense({ units: 8, name: '' }), /^dense_\d+: name must be a non-empty string\. Received: name=""\.$/],
      [() => new Dense({ units: 8, trainable: 'no', name: 'd' } as never), /^d: trainable must be true or false\. Received: trainable="no"\.$/],
      [() => new Dense({ units: 8, inputShape: '4', name: 'd' } as never), /^d: inputShape must be a non-empty array of positive integers .* Received: "4"\.$/],
      [() => new ZeroPadding2D({ padding: [1, 2, 3], name: 'z' } as never), /^z: padding must be non-negative integers\. Received: padding=\[1,2,3\]\.$/],
      [() => new ZeroPadding2D({ padding: [[1, 1, 1], [0, 0]], name: 'z' } as never), /^z: padding must be non-negative integers\. Received: padding=\[\[1,1,1\],\[0,0\]\]\.$/],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(LayerwiseError);
      expect(make).toThrow(message);
    }
  });

  it("null means absent where Keras's None does: a seed, ReLU's maxValue", () => {
    expect(new Dense({ units: 2, seed: null } as never).getConfig()).not.toHaveProperty('seed');
    expect(new Dropout({ rate: 0.1, seed: null } as never).seed).toBeUndefined();
    expect(new ReLU({ maxValue: null } as never).maxValue).toBeUndefined();
  });
});

describe('sizes too large to allocate fail at build, naming the layer and the size', () => {
  it('units: 1e9 fails before any weight is allocated; the layer stays unbuilt and the model empty', () => {
    const layer = new Dense({ units: 1e9, inputShape: [4], name: 'huge' });
    const model = new Sequential();
    expect(() => model.add(layer)).toThrow(
      /^huge: the weight kernel would have shape \[4, 1000000000\], 4000000000 values, more than the 2\^28 \(268435456\) layerwise allows in one weight\. Check the layer's sizes \(units, filters, kernelSize\) and its input shape\.$/,
    );
    expect(layer.built).toBe(false);
    expect(layer.params()).toEqual([]);
    expect(model.layers).toEqual([]);
  });

  it('a huge kernel, input or output of any layer', () => {
    expect(() => new Conv2D({ filters: 1e6, kernelSize: 32, name: 'c' }).build([64, 64, 3])).toThrow(/^c: the weight kernel would have shape \[32, 32, 3, 1000000\], 3072000000 values, more than the 2\^28/);
    expect(() => new PReLU({ name: 'p' }).build([1e5, 1e4])).toThrow(/^p: the weight alpha would have shape \[100000, 10000\]/);
    expect(() => new ZeroPadding2D({ padding: 1e5, name: 'z' }).build([2, 2, 1])).toThrow(/^z: its output for input \(None, 2, 2, 1\) would hold 40000800004 values a sample, more than the 2\^28 \(268435456\) layerwise allows\./);
    expect(() => new Flatten({ name: 'f' }).build([1e5, 1e5])).toThrow(/^f: its output for input \(None, 100000, 100000\) would hold 10000000000 values a sample/);
    const dense = new Dense({ units: 1, name: 'd' });
    // The kernel [1, 1] is small, but the output has 1e9 values a sample: nothing is added.
    expect(() => dense.build([1e5, 1e4, 1])).toThrow(/^d: its output for input \(None, 100000, 10000, 1\) would hold 1000000000 values a sample/);
    expect(dense.built).toBe(false);
    expect(dense.params()).toEqual([]);
  });

  it('a size at the limit is not refused by the check', () => {
    expect(() => new Dense({ units: 4 }).build([2 ** 26])).not.toThrow();
  });
});

describe('a layer class of your own declares its options the same way', () => {
  class Scale extends Layer {
    static override readonly className = 'Scale';
    static override readonly options: OptionSpecs = { factor: { kind: 'number', required: true } };
    static override readonly positional = 'factor';
    readonly factor: number;
    constructor(options: (LayerOptions & { factor: number }) | number) {
      super(options as LayerOptions);
      this.factor = (this.given as { factor: number }).factor;
    }
    forward(x: Tensor): Tensor {
      return x;
    }
    backward(dy: Tensor): Tensor {
      return dy;
    }
    override getConfig(): LayerConfig {
      return { ...super.getConfig(), factor: this.factor };
    }
  }

  it('checked against its static options, by new.target', () => {
    expect(new Scale(2).factor).toBe(2);
    expect(new Scale({ factor: 3, name: 's' }).factor).toBe(3);
    expect(() => new Scale({ factor: 2, facter: 3 } as never)).toThrow(/^scale_\d+: "facter" is not an option of Scale\. Did you mean "factor"\?/);
    expect(() => new Scale({ factor: 'x' } as never)).toThrow(/^scale_\d+: factor must be a number\. Received: factor="x"\.$/);
  });
});
