import { describe, expect, it } from 'vitest';
import { Dense, initializers, LayerwiseError, Rng, type Initializer } from 'layerwise';
import { fans, getInitializer } from '../../src/initializers';

/** Sample mean and standard deviation, in float64. */
function moments(data: Float32Array): { mean: number; std: number } {
  let sum = 0;
  for (const v of data) sum += v;
  const mean = sum / data.length;
  let sq = 0;
  for (const v of data) sq += (v - mean) ** 2;
  return { mean, std: Math.sqrt(sq / data.length) };
}

function maxAbs(data: Float32Array): number {
  let m = 0;
  for (const v of data) m = Math.max(m, Math.abs(v));
  return m;
}

const sample = (init: Initializer, shape: number[], seed = 1) => init.init(shape, new Rng(seed)).data;

describe('fans', () => {
  it('of a dense kernel [in, out] are in and out', () => {
    expect(fans([3, 4])).toEqual({ fanIn: 3, fanOut: 4 });
  });

  it('of a conv kernel [kh, kw, in, out] multiply in and out by the receptive field kh · kw', () => {
    expect(fans([3, 3, 16, 32])).toEqual({ fanIn: 144, fanOut: 288 });
    expect(fans([5, 1, 2, 7])).toEqual({ fanIn: 10, fanOut: 35 });
    // A 1-D conv kernel [k, in, out].
    expect(fans([5, 8, 2])).toEqual({ fanIn: 40, fanOut: 10 });
  });

  it('of a vector or a scalar, as Keras', () => {
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([])).toEqual({ fanIn: 1, fanOut: 1 });
  });
});

describe('variance-scaling initializers', () => {
  it('glorotUniform stays within sqrt(6 / (fanIn + fanOut)) and fills the range', () => {
    for (const shape of [
      [200, 300],
      [3, 3, 16, 32],
    ]) {
      const { fanIn, fanOut } = fans(shape);
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const data = sample(initializers.glorotUniform(), shape);
      expect(data.length).toBe(shape.reduce((a, b) => a * b, 1));
      // Values drawn below the limit in float64 cannot round above its float32 neighbour.
      expect(maxAbs(data)).toBeLessThanOrEqual(Math.fround(limit));
      expect(maxAbs(data)).toBeGreaterThan(0.99 * limit);
      const { mean, std } = moments(data);
      // U(−l, l) has standard deviation l / sqrt(3); over ≥ 4608 samples, within 3%.
      expect(Math.abs(mean)).toBeLessThan(0.05 * limit);
      expect(std).toBeGreaterThan(0.97 * (limit / Math.sqrt(3)));
      expect(std).toBeLessThan(1.03 * (limit / Math.sqrt(3)));
    }
  });

  it('heNormal has standard deviation sqrt(2 / fanIn), truncated at two of its pre-truncation deviations', () => {
    const shape = [400, 100];
    const expectedStd = Math.sqrt(2 / 400);
    const data = sample(initializers.heNormal(), shape);
    const { mean, std } = moments(data);
    // 40k samples: the sample deviation's relative error is about 1 / sqrt(2 · 40000) = 0.35%, the
    // mean's standard error 0.5% of the deviation; allow several of each.
    expect(Math.abs(std / expectedStd - 1)).toBeLessThan(0.02);
    expect(Math.abs(mean)).toBeLessThan(0.025 * expectedStd);
    // Keras draws from a normal of deviation sqrt(2 / fanIn) / 0.8796 truncated to ±2 of it.
    expect(maxAbs(data)).toBeLessThanOrEqual((2 * expectedStd) / 0.8796256610342398 + 1e-7);
    expect(maxAbs(data)).toBeGreaterThan((1.9 * expectedStd) / 0.8796256610342398);
  });

  it('heNormal of a conv kernel uses fanIn = kh · kw · in', () => {
    const data = sample(initializers.heNormal(), [3, 3, 64, 32]);
    expect(Math.abs(moments(data).std / Math.sqrt(2 / (3 * 3 * 64)) - 1)).toBeLessThan(0.03);
  });

  it('glorotNormal, heUniform, lecunNormal and lecunUniform use their own scales', () => {
    const shape = [300, 200];
    // glorotNormal: sqrt(2 / (fanIn + fanOut)); lecunNormal: sqrt(1 / fanIn).
    expect(moments(sample(initializers.glorotNormal(), shape)).std / Math.sqrt(2 / 500)).toBeCloseTo(1, 1);
    expect(moments(sample(initializers.lecunNormal(), shape)).std / Math.sqrt(1 / 300)).toBeCloseTo(1, 1);
    // heUniform: limit sqrt(6 / fanIn); lecunUniform: limit sqrt(3 / fanIn).
    const he = sample(initializers.heUniform(), shape);
    expect(maxAbs(he)).toBeLessThanOrEqual(Math.fround(Math.sqrt(6 / 300)));
    expect(maxAbs(he)).toBeGreaterThan(0.99 * Math.sqrt(6 / 300));
    const lecun = sample(initializers.lecunUniform(), shape);
    expect(maxAbs(lecun)).toBeLessThanOrEqual(Math.fround(Math.sqrt(3 / 300)));
    expect(maxAbs(lecun)).toBeGreaterThan(0.99 * Math.sqrt(3 / 300));
  });

  it('report their Keras class names', () => {
    expect(initializers.glorotUniform().className).toBe('GlorotUniform');
    expect(initializers.heNormal().className).toBe('HeNormal');
    expect(initializers.lecunUniform().className).toBe('LecunUniform');
  });
});

describe('randomNormal and randomUniform initializers', () => {
  it('randomNormal has the given mean and deviation; Keras defaults 0 and 0.05', () => {
    const init = initializers.randomNormal({ mean: 1, stddev: 0.1 });
    const { mean, std } = moments(sample(init, [100, 100]));
    expect(mean).toBeCloseTo(1, 2);
    expect(std).toBeCloseTo(0.1, 2);
    expect(initializers.randomNormal().config).toEqual({ mean: 0, stddev: 0.05, seed: null });
  });

  it('randomUniform stays in [minval, maxval]; Keras defaults ±0.05', () => {
    const data = sample(initializers.randomUniform({ minval: 2, maxval: 3 }), [50, 50]);
    expect(Math.min(...data)).toBeGreaterThanOrEqual(2);
    expect(Math.max(...data)).toBeLessThanOrEqual(3);
    expect(initializers.randomUniform().config).toEqual({ minval: -0.05, maxval: 0.05, seed: null });
  });
});

describe('seeds', () => {
  it('an initializer with a seed gives the same values whatever generator it is handed', () => {
    const init = initializers.glorotUniform({ seed: 3 });
    const a = init.init([4, 5], new Rng(1)).data;
    expect(init.init([4, 5], new Rng(2)).data).toStrictEqual(a);
    expect(initializers.glorotUniform({ seed: 3 }).init([4, 5], new Rng(99)).data).toStrictEqual(a);
    expect(initializers.glorotUniform({ seed: 4 }).init([4, 5], new Rng(1)).data).not.toEqual(a);
    expect(init.config).toEqual({ seed: 3 });
  });

  it('an initializer without a seed draws from the generator it is handed', () => {
    const init = initializers.heNormal();
    expect(init.init([6, 6], new Rng(5)).data).toStrictEqual(init.init([6, 6], new Rng(5)).data);
    expect(init.init([6, 6], new Rng(5)).data).not.toEqual(init.init([6, 6], new Rng(6)).data);
    expect(init.config).toEqual({ seed: null });
  });

  it('every random initializer is reproducible by seed', () => {
    const makers = [
      initializers.glorotUniform,
      initializers.glorotNormal,
      initializers.heNormal,
      initializers.heUniform,
      initializers.lecunNormal,
      initializers.lecunUniform,
      initializers.randomNormal,
      initializers.randomUniform,
    ];
    for (const make of makers) {
      expect(make({ seed: 11 }).init([3, 4], new Rng(0)).data).toStrictEqual(make({ seed: 11 }).init([3, 4], new Rng(1)).data);
    }
  });

  it('Dense with a seed builds the same kernel twice', () => {
    const a = new Dense({ units: 3, seed: 42 });
    const b = new Dense({ units: 3, seed: 42 });
    a.build([4]);
    b.build([4]);
    expect(a.getWeights()[0].data).toStrictEqual(b.getWeights()[0].data);
  });
});

describe('constant, zeros, ones', () => {
  it('fill the shape with their value', () => {
    const c = initializers.constant({ value: 0.5 });
    const t = c.init([2, 3], new Rng(0));
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    expect(c.className).toBe('Constant');
    expect(c.config).toEqual({ value: 0.5 });
    expect(Array.from(initializers.zeros().init([4], new Rng(0)).data)).toEqual([0, 0, 0, 0]);
    expect(Array.from(initializers.ones().init([2, 2], new Rng(0)).data)).toEqual([1, 1, 1, 1]);
    expect(initializers.zeros().className).toBe('Zeros');
    expect(initializers.ones().className).toBe('Ones');
  });

  it('are used by Dense when given by key', () => {
    const dense = new Dense({ units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros' });
    dense.build([3]);
    const [kernel, bias] = dense.getWeights();
    expect(Array.from(kernel.data)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(Array.from(bias.data)).toEqual([0, 0]);
  });
});

describe('getInitializer', () => {
  it('resolves Keras, TF.js and class-name spellings', () => {
    expect(getInitializer('he_normal', 'dense_1').className).toBe('HeNormal');
    expect(getInitializer('heNormal', 'dense_1').className).toBe('HeNormal');
    expect(getInitializer('HeNormal' as 'heNormal', 'dense_1').className).toBe('HeNormal');
    expect(getInitializer('glorot_uniform', 'dense_1').className).toBe('GlorotUniform');
    expect(getInitializer('glorotUniform', 'dense_1').className).toBe('GlorotUniform');
    expect(getInitializer('random_normal', 'dense_1').className).toBe('RandomNormal');
    expect(getInitializer('zeros', 'dense_1').className).toBe('Zeros');
  });

  it('returns an initializer object unchanged', () => {
    const init = initializers.constant({ value: 2 });
    expect(getInitializer(init, 'dense_1')).toBe(init);
  });

  it('rejects an unknown key, naming the layer and suggesting the nearest', () => {
    expect(() => getInitializer('he_normall' as 'he_normal', 'dense_3')).toThrow(LayerwiseError);
    expect(() => getInitializer('he_normall' as 'he_normal', 'dense_3')).toThrow(
      /^Unknown initializer "he_normall" in dense_3\. Did you mean "he_normal"\? Known: .*"glorot_uniform"/,
    );
    // Layers check their initializers when constructed, not when built.
    expect(() => new Dense({ units: 2, kernelInitializer: 'glorot_unifrom' as 'glorot_uniform', name: 'dense_8' })).toThrow(
      /Unknown initializer "glorot_unifrom" in dense_8\. Did you mean "glorot_uniform"\?/,
    );
  });
});

describe('initializer options are checked', () => {
  it('unknown keys fail, naming the initializer and the option meant', () => {
    expect(() => initializers.randomNormal({ std: 1 } as never)).toThrow(LayerwiseError);
    expect(() => initializers.randomNormal({ std: 1 } as never)).toThrow(/^randomNormal: "std" is not an option of randomNormal\. Did you mean "stddev"\? Its options: mean, stddev, seed\.$/);
    expect(() => initializers.randomUniform({ min_val: -1 } as never)).toThrow(/^randomUniform: "min_val" is not an option of randomUniform\. Did you mean "minval"\?/);
    expect(() => initializers.heNormal({ seeds: 1 } as never)).toThrow(/^heNormal: "seeds" is not an option of heNormal\. Did you mean "seed"\?/);
    expect(() => initializers.zeros({ seed: 1 } as never)).toThrow(/^zeros: "seed" is not an option of zeros\. It takes no options\.$/);
    expect(() => initializers.ones({ value: 2 } as never)).toThrow(/^ones: "value" is not an option of ones\./);
  });

  it('values are checked: a seed an integer or null, settings finite, stddev not negative, minval not above maxval', () => {
    expect(() => initializers.glorotUniform({ seed: '1' } as never)).toThrow(/^glorotUniform: seed must be an integer or null\. Received: seed="1"\.$/);
    expect(() => initializers.randomNormal({ mean: NaN })).toThrow(/^randomNormal: mean must be a finite number\. Received: mean=NaN\.$/);
    expect(() => initializers.randomNormal({ stddev: -1 })).toThrow(/^randomNormal: stddev must be a non-negative number\. Received: stddev=-1\.$/);
    expect(() => initializers.randomUniform({ minval: 1, maxval: 0 })).toThrow(/^randomUniform: minval must not be above maxval\. Received: minval=1, maxval=0\.$/);
    expect(initializers.heNormal({ seed: null }).config).toEqual({ seed: null });
  });

  it('constant takes its value bare or in an object, and needs one', () => {
    expect(initializers.constant(0.5).config).toEqual({ value: 0.5 });
    expect(initializers.constant({ value: 0.5 }).config).toEqual({ value: 0.5 });
    expect(() => (initializers.constant as () => Initializer)()).toThrow(/^constant: the option value \(a finite number\) is missing\. Write, for example, initializers\.constant\(\{ value: 0\.1 \}\)\.$/);
    expect(() => initializers.constant('1' as never)).toThrow(/^constant: value must be a finite number\. Received: value="1"\.$/);
  });

  it('getInitializer refuses what is neither a key, an initializer nor a config (no raw TypeError)', () => {
    for (const spec of [{}, null, 5, { className: 3 }, { className: 'Zeros', config: [] }]) {
      expect(() => getInitializer(spec as never, 'dense_9')).toThrow(/^dense_9: an initializer must be a key \(such as 'heNormal'\), an initializer .* or its config \{ className, config \}\. Received: /);
    }
    // A saved config rebuilds, a seed of null meaning none, for the initializers with and without a seed.
    expect(getInitializer({ className: 'Zeros', config: { seed: null } }, 'dense_9').className).toBe('Zeros');
    expect(getInitializer({ className: 'Constant', config: { value: 2 } }, 'dense_9').config).toEqual({ value: 2 });
    expect(getInitializer({ className: 'RandomNormal', config: { mean: 1, stddev: 0.5, seed: 3 } }, 'dense_9').config).toEqual({ mean: 1, stddev: 0.5, seed: 3 });
    expect(() => getInitializer({ className: 'RandomNormal', config: { std: 1 } }, 'dense_9')).toThrow(/^randomNormal: "std" is not an option of randomNormal\./);
  });

  it('a Dense built with each initializer object rebuilds from its config', () => {
    for (const init of [initializers.constant(0.25), initializers.zeros(), initializers.randomUniform({ minval: 0, maxval: 1, seed: 2 })]) {
      const { name: _name, ...config } = new Dense({ units: 2, kernelInitializer: init }).getConfig();
      expect(() => new Dense(config as never)).not.toThrow();
    }
  });
});

describe("Keras's short initializer names", () => {
  it("'uniform' is RandomUniform(-0.05, 0.05) and 'normal' RandomNormal(0, 0.05), as in Keras (Embedding's default is 'uniform')", () => {
    expect(getInitializer('uniform', 'test').className).toBe('RandomUniform');
    expect(getInitializer('uniform', 'test').config).toMatchObject({ minval: -0.05, maxval: 0.05 });
    expect(getInitializer('normal', 'test').className).toBe('RandomNormal');
    expect(getInitializer('normal', 'test').config).toMatchObject({ mean: 0, stddev: 0.05 });
  });
});
