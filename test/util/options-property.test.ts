/**
 * Every options object is checked once, where a constructor or factory receives it (util/options.ts,
 * and for layers the base constructor with the class's declared options). Property: for every layer
 * class, optimizer, callback, loss factory and initializer factory, random unknown keys (snake_case
 * twins of real ones included), values of the wrong type, values out of range and options that are
 * not an object always give a LayerwiseError naming the class (layers: the layer's automatic name,
 * which holds the class's snake_case name); never another error, never a silent success. Fixed seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CSVLogger,
  Dense,
  EarlyStopping,
  initializers,
  LambdaCallback,
  LayerwiseError,
  LearningRateScheduler,
  losses,
  ModelCheckpoint,
  ProgressLogger,
  ReduceLROnPlateau,
  SimpleRNN,
  TerminateOnNaN,
} from 'layerwise';
import { getActivation } from '../../src/activations/registry';
import { getConstraint } from '../../src/constraints';
import { getInitializer } from '../../src/initializers';
import { getRegularizer } from '../../src/regularizers';
import type { Layer } from '../../src/layers/layer';
import { toSnakeCase } from '../../src/layers/naming';
import type { OptionKind } from '../../src/layers/options';
import { LAYER_CLASSES } from '../../src/layers/registry';
import { OPTIMIZER_CLASSES } from '../../src/optim';
import { checkOptions, describeValue, nearestOption } from '../../src/util/options';

const SEED = 42;
const BASE_OPTIONS = ['name', 'inputShape', 'trainable'];

/** `kernelSize` → `kernel_size`: what a Keras user types. */
const snake = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The error `make` throws, which must be a LayerwiseError (nothing thrown, or another error, fails). */
function refusal(make: () => unknown): LayerwiseError {
  let error: unknown;
  try {
    make();
  } catch (e) {
    error = e;
  }
  if (!(error instanceof LayerwiseError)) {
    throw new Error(error === undefined ? 'expected a LayerwiseError, but nothing was thrown (a silent success)' : `expected a LayerwiseError, but got ${String(error)}`);
  }
  return error;
}

/** A copy of `options` with one more own key (defineProperty, so that "__proto__" stays a key). */
function withKey(options: object, key: string, value: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...options };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

const isPlainObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
const throws = (f: () => unknown): boolean => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

// Values right for no option of any kind, and the pieces of the wrong values below.
const fn = fc.constant(() => 1);
const plainObject = fc.dictionary(
  fc.string({ maxLength: 6 }).filter((k) => !['className', 'config', 'init', 'forward', 'write', '__proto__'].includes(k)),
  fc.integer(),
  { maxKeys: 3 },
);
const ints = fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 });
const nonInteger = fc.oneof(fc.double().filter((v) => !Number.isInteger(v)), fc.constant(NaN), fc.constant(Infinity));
const notNumber = fc.oneof(fc.string(), fc.boolean(), plainObject, ints, fn, fc.constant(NaN));
const notBoolean = fc.oneof(fc.string(), fc.double(), fc.integer({ min: 0, max: 1 }), plainObject, ints, fn, fc.constant(null));

/**
 * Values a layer option of a kind never takes (the oracle: each is wrong by construction). Null is
 * wrong except for the kinds where it means "absent" (optionalNumber, seed).
 */
function wrongFor(kind: OptionKind): fc.Arbitrary<unknown> {
  const nul = kind === 'optionalNumber' || kind === 'seed' || kind === 'layer' || kind === 'noiseShape' ? [] : [fc.constant(null)];
  const junk = [fc.boolean(), plainObject, fn, ...nul];
  switch (kind) {
    case 'positiveInteger':
      return fc.oneof(...junk, fc.string(), nonInteger, fc.integer({ max: 0 }), ints);
    case 'integer':
    case 'axis':
    case 'seed':
      return fc.oneof(...junk, fc.string(), nonInteger, ints);
    case 'number':
    case 'optionalNumber':
      return fc.oneof(...junk, fc.string(), fc.constant(NaN), ints);
    case 'boolean':
      return notBoolean;
    case 'padding':
    case 'convPadding':
      return fc.oneof(...junk, fc.double(), ints, fc.string().filter((s) => !['valid', 'same', ...(kind === 'convPadding' ? ['causal'] : [])].includes(s)));
    case 'size1':
    case 'size2': {
      const rank = kind === 'size1' ? 1 : 2;
      const badEntry = fc.oneof(fc.integer({ max: 0 }), nonInteger, fc.string(), fc.constant(null));
      return fc.oneof(
        ...junk,
        fc.string(),
        nonInteger,
        fc.integer({ max: 0 }),
        fc.constant([]),
        fc.array(badEntry, { minLength: 1, maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank + 1, maxLength: rank + 2 }),
      );
    }
    case 'zeroPadding2d': {
      const badEntry = fc.oneof(fc.integer({ max: -1 }), nonInteger, fc.string(), fc.constant(null));
      return fc.oneof(
        ...junk,
        fc.string(),
        nonInteger,
        fc.integer({ max: -1 }),
        fc.array(badEntry, { minLength: 1, maxLength: 2 }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 3, maxLength: 4 }),
        fc.constantFrom([], [1], [[1], [1, 1]], [[1, 1, 1], [1, 1]], [[0, 0], [0, 0.5]]),
      );
    }
    case 'targetShape':
    case 'shape':
      return fc.oneof(...junk, fc.string(), fc.double(), fc.array(fc.oneof(fc.integer({ max: -2 }), fc.constant(0), nonInteger, fc.string()), { minLength: 1, maxLength: 3 }), fc.constant([-1, -1]));
    case 'activation':
      return fc.oneof(fc.boolean(), fn, fc.constant(null), fc.double(), ints, plainObject, fc.string().filter((s) => throws(() => getActivation(s))));
    case 'initializer':
      return fc.oneof(fc.boolean(), fn, fc.constant(null), fc.double(), ints, plainObject, fc.string().filter((s) => throws(() => getInitializer(s as 'zeros', 'test'))));
    // Null means "none" for these two.
    case 'regularizer':
      return fc.oneof(fc.boolean(), fn, fc.double(), ints, plainObject, fc.string().filter((s) => throws(() => getRegularizer(s as 'l2', 'test'))));
    case 'constraint':
      return fc.oneof(fc.boolean(), fn, fc.double(), ints, plainObject, fc.string().filter((s) => throws(() => getConstraint(s as 'nonNeg', 'test'))));
    case 'sides1d':
      return fc.oneof(...junk, fc.string(), nonInteger, fc.integer({ max: -1 }), fc.constantFrom([], [1], [1, 2, 3], [1, -1], [0.5, 1], [[1, 1], [1, 1]]));
    case 'axes':
      return fc.oneof(...junk, fc.string(), nonInteger, fc.constantFrom([], [1, 1], [1.5], ['1'], [null]));
    // Null means "none" here.
    case 'noiseShape':
      return fc.oneof(fc.boolean(), plainObject, fn, fc.string(), fc.double(), fc.constantFrom([], [null], [null, 0], [null, -1], [null, 1.5], [null, '2']));
    // A string outside the spec's choices is wrong too; the kind alone cannot know them.
    case 'choice':
      return fc.oneof(...junk, fc.double(), ints, fc.constant('not-a-choice'));
    // Null means "none" (a wrapper's optional backwardLayer); an object that only looks like a layer, or names no class, is wrong.
    case 'layer':
      return fc.oneof(fc.boolean(), fn, fc.double(), ints, plainObject, fc.string(), fc.constant({ forward: () => 1 }), fc.constant({ className: 'NoSuchLayer', config: {} }), fc.constant({ className: 'Dense', config: { units: -1 } }));
    // Null means "none" here; numbers that are not finite, or a list holding something else, are wrong.
    case 'numbers':
      return fc.oneof(fc.boolean(), plainObject, fn, fc.string(), fc.constant(NaN), fc.constant(Infinity), fc.constantFrom([NaN], ['1'], [null], [[1]]));
  }
}

/** Wrong values of the options every layer takes. */
const WRONG_BASE: Record<string, fc.Arbitrary<unknown>> = {
  name: fc.oneof(fc.double(), fc.boolean(), plainObject, ints, fn, fc.constant(''), fc.constant(null)),
  inputShape: fc.oneof(fc.string(), fc.double(), fc.boolean(), plainObject, fn, fc.constant(null), fc.constant([]), fc.array(fc.oneof(fc.integer({ max: 0 }), nonInteger, fc.string()), { minLength: 1, maxLength: 3 })),
  trainable: notBoolean,
};

/** What each layer class needs, and numbers of the right type but out of range for its options. */
const LAYERS: Record<string, { valid: Record<string, unknown>; outOfRange?: Record<string, unknown[]> }> = {
  Dense: { valid: { units: 2 } },
  Conv2D: { valid: { filters: 1, kernelSize: 1 }, outOfRange: { kernelSize: [[1, 0], [1, 2, 3]], strides: [[1, 1, 1]], dilationRate: [[0, 1]] } },
  Conv1D: { valid: { filters: 1, kernelSize: 1 }, outOfRange: { kernelSize: [[1, 1]], strides: [[2, 2]], dilationRate: [[1, 1]] } },
  Conv2DTranspose: { valid: { filters: 1, kernelSize: 1 }, outOfRange: { kernelSize: [[1, 0]], strides: [[1, 1, 1]], dilationRate: [[0, 1]], outputPadding: [-1, [0, 1], [1, 1, 1]] } },
  DepthwiseConv2D: { valid: { kernelSize: 1 }, outOfRange: { kernelSize: [[1, 0]], strides: [[1]], dilationRate: [[1, 2, 3]] } },
  SeparableConv2D: { valid: { filters: 1, kernelSize: 1 }, outOfRange: { kernelSize: [[0, 1]], strides: [[1, 1, 1]], dilationRate: [[1, -1]] } },
  MaxPooling1D: { valid: {}, outOfRange: { poolSize: [[2, 2]], strides: [[1, 1]] } },
  AveragePooling1D: { valid: {}, outOfRange: { poolSize: [[2, 2]] } },
  GlobalAveragePooling1D: { valid: {} },
  GlobalMaxPooling1D: { valid: {} },
  MaxPooling2D: { valid: {}, outOfRange: { poolSize: [[2, 2, 2]], strides: [[1]] } },
  AveragePooling2D: { valid: {}, outOfRange: { poolSize: [[2, 0]] } },
  GlobalAveragePooling2D: { valid: {} },
  GlobalMaxPooling2D: { valid: {} },
  Flatten: { valid: {} },
  Reshape: { valid: { targetShape: [1] }, outOfRange: { targetShape: [[2, -3], [-1, 0]] } },
  ZeroPadding2D: { valid: {}, outOfRange: { padding: [-1, [1, -1], [[0, 0], [0, -2]]] } },
  Dropout: { valid: { rate: 0.5 }, outOfRange: { rate: [1, -0.1, 1.5, Infinity, -Infinity] } },
  Embedding: { valid: { inputDim: 4, outputDim: 2 }, outOfRange: { inputLength: [0, -1, 1.5, Infinity] } },
  Permute: { valid: { dims: [1] }, outOfRange: { dims: [[2], [1, 1], [0, 1], [2, 3]] } },
  RepeatVector: { valid: { n: 2 } },
  Rescaling: { valid: { scale: 2 }, outOfRange: { scale: [Infinity, -Infinity], offset: [Infinity] } },
  Normalization: { valid: {}, outOfRange: { axis: [0], mean: [[], 1] } },
  SpatialDropout1D: { valid: { rate: 0.5 }, outOfRange: { rate: [1, -0.1, Infinity] } },
  SpatialDropout2D: { valid: { rate: 0.5 }, outOfRange: { rate: [1, -0.1, Infinity] } },
  GaussianDropout: { valid: { rate: 0.5 }, outOfRange: { rate: [1, -0.1, Infinity] } },
  AlphaDropout: { valid: { rate: 0.5 }, outOfRange: { rate: [1, -0.1, Infinity] } },
  GaussianNoise: { valid: { stddev: 0.1 }, outOfRange: { stddev: [-0.1, Infinity, -Infinity] } },
  LayerNormalization: { valid: {}, outOfRange: { epsilon: [0, -1, Infinity] } },
  UpSampling1D: { valid: {} },
  UpSampling2D: { valid: {}, outOfRange: { size: [[2, 0], [1, 2, 3]] } },
  ZeroPadding1D: { valid: {}, outOfRange: { padding: [-1, [1, -1]] } },
  Cropping1D: { valid: {}, outOfRange: { cropping: [-1, [0, -2]] } },
  Cropping2D: { valid: {}, outOfRange: { cropping: [-1, [1, -1], [[0, 0], [0, -2]]] } },
  BatchNormalization: { valid: {}, outOfRange: { momentum: [1, -0.5, Infinity], epsilon: [0, -1, Infinity] } },
  ReLU: { valid: {}, outOfRange: { maxValue: [0, -1, -Infinity] } },
  LeakyReLU: { valid: {}, outOfRange: { alpha: [Infinity, -Infinity] } },
  ELU: { valid: {}, outOfRange: { alpha: [Infinity, -Infinity] } },
  Softmax: { valid: {}, outOfRange: { axis: [0] } },
  Activation: { valid: { activation: 'relu' } },
  PReLU: { valid: {} },
  SimpleRNN: { valid: { units: 2 }, outOfRange: { dropout: [1, -0.1, Infinity], recurrentDropout: [1, -0.5] } },
  LSTM: { valid: { units: 2 }, outOfRange: { dropout: [1, -0.1, Infinity], recurrentDropout: [1, -0.5] } },
  GRU: { valid: { units: 2 }, outOfRange: { dropout: [1, -0.1, Infinity], recurrentDropout: [1, -0.5] } },
  Bidirectional: { valid: { layer: new SimpleRNN(1) }, outOfRange: { layer: [new Dense(1), { className: 'Dense', config: { units: 1 } }] } },
  TimeDistributed: { valid: { layer: new Dense(1) }, outOfRange: { layer: [{ className: 'Bidirectional', config: {} }, { className: 'Dense', config: { units: 0 } }] } },
};

type LayerCtor = (new (options?: unknown) => Layer) & {
  className: string;
  options: Record<string, { kind: OptionKind }>;
  positional?: string;
  aliases: Record<string, string>;
};
const layerClass = (name: string): LayerCtor => LAYER_CLASSES.get(name) as unknown as LayerCtor;

/** A case for the property: a class, what it receives, why it is wrong, what the message must hold. */
interface Case {
  owner: string;
  what: string;
  make: () => unknown;
  /** Regular expressions the message must match, besides naming the owner. */
  mentions: RegExp[];
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The cases of one owner. `known` are the keys it takes (aliases included); `wrong` maps each of
 * its options to wrong values; `valid` is an options object it accepts; `bare` gives values that are
 * not an options object (or are a wrong bare value for a positional option).
 */
function casesOf(
  owner: string,
  make: (options: unknown) => unknown,
  known: readonly string[],
  valid: Record<string, unknown>,
  wrong: Record<string, fc.Arbitrary<unknown>>,
  outOfRange: Record<string, unknown[]>,
  bare: fc.Arbitrary<unknown>,
): fc.Arbitrary<Case> {
  const twins = known.map(snake).filter((k) => !known.includes(k));
  const unknownKey = fc
    .oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom(...twins, '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'lr', 'verbose', 'dtype'))
    .filter((k) => !known.includes(k));
  const arbitraries: fc.Arbitrary<Case>[] = [
    fc.tuple(unknownKey, fc.jsonValue()).map(([key, value]) => ({
      owner,
      what: `unknown key ${JSON.stringify(key)}`,
      make: () => make(withKey(valid, key, value)),
      mentions: [new RegExp(`"${escape(key)}" is not an option of ${owner}\\.`)],
    })),
    bare.map((value): Case => ({ owner, what: `bare ${describeValue(value)}`, make: () => make(value), mentions: [] })),
  ];
  const options = Object.keys(wrong);
  if (options.length) {
    arbitraries.push(
      fc.constantFrom(...options).chain((option) =>
        wrong[option].map((value) => ({ owner, what: `${option}=${describeValue(value)}`, make: () => make(withKey(valid, option, value)), mentions: [] })),
      ),
    );
  }
  const ranges = Object.entries(outOfRange);
  if (ranges.length) {
    arbitraries.push(
      fc.constantFrom(...ranges).chain(([option, values]) =>
        fc.constantFrom(...values).map((value) => ({ owner, what: `${option}=${describeValue(value)}`, make: () => make(withKey(valid, option, value)), mentions: [new RegExp(option)] })),
      ),
    );
  }
  return fc.oneof(...arbitraries);
}

function layerCases(className: string): fc.Arbitrary<Case> {
  const cls = layerClass(className);
  const { valid, outOfRange = {} } = LAYERS[className];
  const wrong: Record<string, fc.Arbitrary<unknown>> = { ...WRONG_BASE };
  for (const [option, spec] of Object.entries(cls.options)) wrong[option] = wrongFor(spec.kind);
  const positional = cls.positional;
  // A bare value is the positional option's (null included: ReLU(null) is Keras's ReLU(None)); a
  // class instance is a bare value too, never an options object.
  const bare = positional
    ? fc.oneof(wrongFor(cls.options[positional].kind).filter((v) => !isPlainObject(v)), fc.constant(new Map()))
    : fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), ints, fn, fc.constant(new Map()), fc.constant(new Dense(1)));
  const known = [...Object.keys(cls.options), ...BASE_OPTIONS, ...Object.keys(cls.aliases)];
  return casesOf(className, (options) => new cls(options), known, valid, wrong, outOfRange, bare);
}

/** Checks one case: a LayerwiseError naming the owner (for a layer, its automatic name). */
function check(c: Case, names: (owner: string) => RegExp): void {
  const error = refusal(c.make);
  expect(error.message, c.what).toMatch(names(c.owner));
  for (const re of c.mentions) expect(error.message, c.what).toMatch(re);
}

/** A layer's automatic name: `leaky_re_lu_3` for LeakyReLU (the tests give none). */
const autoName = (className: string): RegExp => new RegExp(`(^|[\\s"])${toSnakeCase(className)}_\\d+[:.\\s]`);
/** Other owners start their messages with their name: `SGD: ...`. */
const ownName = (owner: string): RegExp => new RegExp(`^${owner}: `);

describe('checkOptions', () => {
  const known = ['units', 'activation', 'kernelSize', 'learningRate'];

  it('returns a copy with aliases resolved; undefined is no options', () => {
    const given = { units: 2, slope: 0.2 };
    const out = checkOptions<Record<string, unknown>>('Owner', given, [...known, 'alpha'], { aliases: { slope: 'alpha' } });
    expect(out).toEqual({ units: 2, alpha: 0.2 });
    expect(out).not.toBe(given);
    expect(checkOptions('Owner', undefined, known)).toEqual({});
  });

  it('an unknown key fails naming the owner, the nearest known key and the known keys', () => {
    expect(() => checkOptions('Conv2D', { kernel_size: 3 }, known, { where: 'conv2d_7' })).toThrow(
      /^conv2d_7: "kernel_size" is not an option of Conv2D\. Did you mean "kernelSize"\? Its options: units, activation, kernelSize, learningRate\.$/,
    );
    expect(() => checkOptions('SGD', { lr: 0.1 }, known)).toThrow(/^SGD: "lr" is not an option of SGD\. Did you mean "learningRate"\?/);
    expect(() => checkOptions('Owner', { zzz: 1 }, known)).toThrow(/^Owner: "zzz" is not an option of Owner\. Its options: /);
    expect(() => checkOptions('zeros', { seed: 1 }, [])).toThrow(/^zeros: "seed" is not an option of zeros\. It takes no options\.$/);
    // An undefined value is still a key given by mistake.
    expect(() => checkOptions('Owner', { activaton: undefined }, known)).toThrow(/Did you mean "activation"\?/);
  });

  it('keys that are not data stay keys: __proto__, constructor, toString', () => {
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => checkOptions('Owner', withKey({}, key, 1), known)).toThrow(new RegExp(`"${escape(key)}" is not an option of Owner`));
    }
    expect(Object.getPrototypeOf(checkOptions('Owner', { units: 1 }, known))).toBe(Object.prototype);
  });

  it('an alias and its option given together fail', () => {
    expect(() => checkOptions('LeakyReLU', { alpha: 0.1, negativeSlope: 0.2 }, ['alpha'], { aliases: { negativeSlope: 'alpha' } })).toThrow(
      /^LeakyReLU: "negativeSlope" and "alpha" are the same option; give one of them\.$/,
    );
  });

  it('a bare value is the positional option; without one, anything but an object fails with an example', () => {
    expect(checkOptions('Dense', 8, known, { positional: 'units' })).toEqual({ units: 8 });
    expect(checkOptions('Reshape', [7, 7], ['targetShape'], { positional: 'targetShape' })).toEqual({ targetShape: [7, 7] });
    // Anything but a plain object is a bare value then, for the owner to check as that option.
    expect(checkOptions('Dense', null, known, { positional: 'units' })).toEqual({ units: null });
    expect(checkOptions('Dense', new Map(), known, { positional: 'units' })).toEqual({ units: new Map() });
    expect(() => checkOptions('Dense', null, known, { example: '{ units: 8 }' })).toThrow(/^Dense: expected an options object such as \{ units: 8 \}, but received null\.$/);
    expect(() => checkOptions('Dense', new Map(), known, { example: '{ units: 8 }' })).toThrow(/^Dense: expected an options object such as \{ units: 8 \}, but received an object of class Map\.$/);
    expect(checkOptions('Owner', Object.create(null), known)).toEqual({});
    expect(() => checkOptions('Conv2D', 32, known, { example: '{ filters: 8, kernelSize: 3 }' })).toThrow(
      /^Conv2D: expected an options object such as \{ filters: 8, kernelSize: 3 \}, but received 32\.$/,
    );
    expect(() => checkOptions('Owner', class Foo {}, known)).toThrow(/received the function Foo \(a class or function, not an instance\)/);
    expect(() => checkOptions('Owner', [1], known)).toThrow(/received \[1\]\./);
  });
});

describe('nearestOption and describeValue', () => {
  it('finds the same key in another spelling, an abbreviation, or the nearest by edits', () => {
    const candidates = ['learningRate', 'momentum', 'stddev', 'seed', 'kernelSize', 'kernelInitializer', 'activation'];
    expect(nearestOption('learning_rate', candidates)).toBe('learningRate');
    expect(nearestOption('LEARNING-RATE', candidates)).toBe('learningRate');
    expect(nearestOption('lr', candidates)).toBe('learningRate');
    expect(nearestOption('std', candidates)).toBe('stddev');
    expect(nearestOption('mom', candidates)).toBe('momentum');
    expect(nearestOption('activaton', candidates)).toBe('activation');
    // "kernel" abbreviates two options: no guess from that; the edit distance decides, or nothing.
    expect(nearestOption('kernel', candidates)).not.toBe('kernelInitializer');
    expect(nearestOption('zzzzzz', candidates)).toBeUndefined();
  });

  it('renders values short and safe', () => {
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(-Infinity)).toBe('-Infinity');
    expect(describeValue('3')).toBe('"3"');
    expect(describeValue(undefined)).toBe('missing');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 2])).toBe('[1,2]');
    expect(describeValue(new Map())).toBe('an object of class Map');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue({ a: 'x'.repeat(100) })).toMatch(/^\{"a":"x+\.\.\.$/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });
});

describe('layer constructors: every class of the registry', () => {
  it('the tables cover every layer class, and its valid options construct it', () => {
    expect(Object.keys(LAYERS).sort()).toEqual([...LAYER_CLASSES.keys()].sort());
    for (const name of LAYER_CLASSES.keys()) expect(() => new (layerClass(name))(LAYERS[name].valid), name).not.toThrow();
  });

  it('a snake_case twin of any option (Keras spelling) fails, suggesting the option', () => {
    for (const name of LAYER_CLASSES.keys()) {
      const cls = layerClass(name);
      for (const option of [...Object.keys(cls.options), ...BASE_OPTIONS]) {
        if (snake(option) === option) continue;
        expect(() => new cls(withKey(LAYERS[name].valid, snake(option), 1)), `${name} ${option}`).toThrow(
          new RegExp(`^${toSnakeCase(name)}_\\d+: "${snake(option)}" is not an option of ${name}\\. Did you mean "${option}"\\?`),
        );
      }
    }
  });

  for (const name of LAYER_CLASSES.keys()) {
    it(`property, ${name}: unknown keys, wrong types, out-of-range values, non-objects → a LayerwiseError naming the layer`, () => {
      fc.assert(
        fc.property(layerCases(name), (c) => check(c, autoName)),
        { seed: SEED, numRuns: 250 },
      );
    });
  }
});

const OPTIMIZER_WRONG: Record<string, fc.Arbitrary<unknown>> = {
  learningRate: notNumber,
  momentum: notNumber,
  beta1: notNumber,
  beta2: notNumber,
  epsilon: notNumber,
  rho: notNumber,
  initialAccumulatorValue: notNumber,
  clipnorm: notNumber,
  clipvalue: notNumber,
  globalClipnorm: notNumber,
  weightDecay: notNumber,
  nesterov: notBoolean,
  centered: notBoolean,
  amsgrad: notBoolean,
};
const OPTIMIZER_RANGES: Record<string, Record<string, unknown[]>> = {
  SGD: { learningRate: [0, -1, Infinity], momentum: [1, -0.1, Infinity] },
  Adam: { learningRate: [0, -1e-3], beta1: [1, -0.1], beta2: [1.5], epsilon: [0, -1, Infinity] },
  RMSprop: { learningRate: [-0.5, Infinity], rho: [1, -1], momentum: [1, -0.5], epsilon: [-1, Infinity], clipnorm: [0, -1, Infinity], weightDecay: [-0.1, Infinity] },
  Adagrad: { learningRate: [0], initialAccumulatorValue: [-0.1, Infinity], epsilon: [-1, Infinity], clipvalue: [0, -2], globalClipnorm: [0, Infinity] },
  Adadelta: { learningRate: [-1], rho: [1, -0.5], epsilon: [0, -1], clipnorm: [-1], weightDecay: [-1] },
  Adamax: { learningRate: [Infinity], beta1: [1], beta2: [-0.1, 2], epsilon: [0, Infinity], clipvalue: [Infinity] },
  Nadam: { learningRate: [0], beta1: [1.1], beta2: [1], epsilon: [-1e-7], globalClipnorm: [-0.5] },
  AdamW: { learningRate: [0], beta1: [1], beta2: [1], epsilon: [0], weightDecay: [-0.004, NaN, Infinity], clipnorm: [0] },
};

describe('optimizer constructors: every class of OPTIMIZER_CLASSES', () => {
  it('the tables cover every optimizer and its options', () => {
    expect(Object.keys(OPTIMIZER_RANGES).sort()).toEqual([...OPTIMIZER_CLASSES.keys()].sort());
    for (const cls of OPTIMIZER_CLASSES.values()) for (const option of cls.options) expect(OPTIMIZER_WRONG, `${cls.className}.${option}`).toHaveProperty(option);
  });

  it('property: unknown keys, wrong types, out-of-range values, non-objects → a LayerwiseError naming the optimizer', () => {
    const cases = fc.constantFrom(...OPTIMIZER_CLASSES.values()).chain((cls) => {
      const wrong = Object.fromEntries(cls.options.map((o) => [o, OPTIMIZER_WRONG[o]]));
      // A bare value is the learning rate (new SGD(0.1)): wrong ones are of the wrong type or not positive.
      const bare = fc.oneof(fc.string(), fc.boolean(), fc.constant(null), ints, fn, fc.double({ max: 0 }), fc.constant(NaN));
      return casesOf(cls.className, (options) => new cls(options as never), cls.options, {}, wrong, OPTIMIZER_RANGES[cls.className], bare);
    });
    fc.assert(
      fc.property(cases, (c) => check(c, ownName)),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('loss and initializer factories', () => {
  const number = fc.oneof(notNumber, fc.constant(null), fc.constant(Infinity), fc.constant(-Infinity));
  const seed = fc.oneof(fc.string(), fc.boolean(), plainObject, ints, fn, nonInteger);
  interface Factory {
    make: (options: unknown) => unknown;
    known: string[];
    wrong: Record<string, fc.Arbitrary<unknown>>;
    outOfRange?: Record<string, unknown[]>;
    valid?: Record<string, unknown>;
    /** The factory takes a bare value for this option (constant(0.1)). */
    positional?: boolean;
  }
  const crossentropy = (make: (o: never) => unknown, smoothing = true): Factory => ({
    make: (o) => make(o as never),
    known: smoothing ? ['fromLogits', 'labelSmoothing'] : ['fromLogits'],
    wrong: smoothing ? { fromLogits: notBoolean, labelSmoothing: number } : { fromLogits: notBoolean },
    outOfRange: smoothing ? { labelSmoothing: [-0.1, 1.5] } : undefined,
  });
  const noOptions = (make: (o: never) => unknown): Factory => ({ make: (o) => make(o as never), known: [], wrong: {} });
  const seeded = (make: (o: never) => unknown): Factory => ({ make: (o) => make(o as never), known: ['seed'], wrong: { seed } });
  const FACTORIES: Record<string, Factory> = {
    meanSquaredError: { make: (o) => losses.meanSquaredError(o as never), known: [], wrong: {} },
    meanAbsoluteError: { make: (o) => losses.meanAbsoluteError(o as never), known: [], wrong: {} },
    binaryCrossentropy: crossentropy(losses.binaryCrossentropy),
    categoricalCrossentropy: crossentropy(losses.categoricalCrossentropy),
    sparseCategoricalCrossentropy: crossentropy(losses.sparseCategoricalCrossentropy, false),
    meanAbsolutePercentageError: noOptions(losses.meanAbsolutePercentageError),
    meanSquaredLogarithmicError: noOptions(losses.meanSquaredLogarithmicError),
    logCosh: noOptions(losses.logCosh),
    hinge: noOptions(losses.hinge),
    squaredHinge: noOptions(losses.squaredHinge),
    categoricalHinge: noOptions(losses.categoricalHinge),
    kullbackLeiblerDivergence: noOptions(losses.kullbackLeiblerDivergence),
    poisson: noOptions(losses.poisson),
    huber: { make: (o) => losses.huber(o as never), known: ['delta'], wrong: { delta: number }, outOfRange: { delta: [0, -1] } },
    cosineSimilarity: { make: (o) => losses.cosineSimilarity(o as never), known: ['axis'], wrong: { axis: fc.oneof(notNumber, nonInteger, fc.constant(null)) }, outOfRange: { axis: [0] } },
    binaryFocalCrossentropy: {
      make: (o) => losses.binaryFocalCrossentropy(o as never),
      known: ['gamma', 'alpha', 'applyClassBalancing', 'fromLogits', 'labelSmoothing'],
      wrong: { gamma: number, alpha: number, applyClassBalancing: notBoolean, fromLogits: notBoolean, labelSmoothing: number },
      outOfRange: { gamma: [-1], alpha: [-0.5, 2], labelSmoothing: [-0.1, 1.5] },
    },
    custom: {
      make: (o) => losses.custom(o as never),
      known: ['name', 'fn', 'grad'],
      valid: { name: 'myLoss', fn: () => 0, grad: () => undefined },
      wrong: { name: fc.oneof(fc.double(), fc.boolean(), plainObject, ints, fn, fc.constant(null), fc.constant(''), fc.constant('mse')), fn: fc.oneof(fc.string(), fc.double(), plainObject, fc.constant(null)), grad: fc.oneof(fc.string(), fc.double(), plainObject, fc.constant(null)) },
    },
    glorotUniform: seeded(initializers.glorotUniform),
    glorotNormal: seeded(initializers.glorotNormal),
    heNormal: seeded(initializers.heNormal),
    heUniform: seeded(initializers.heUniform),
    lecunNormal: seeded(initializers.lecunNormal),
    lecunUniform: seeded(initializers.lecunUniform),
    randomNormal: { make: (o) => initializers.randomNormal(o as never), known: ['mean', 'stddev', 'seed'], wrong: { mean: number, stddev: number, seed }, outOfRange: { stddev: [-1, -1e-9] } },
    randomUniform: { make: (o) => initializers.randomUniform(o as never), known: ['minval', 'maxval', 'seed'], wrong: { minval: number, maxval: number, seed }, outOfRange: { minval: [1, 10] } },
    orthogonal: { make: (o) => initializers.orthogonal(o as never), known: ['gain', 'seed'], wrong: { gain: number, seed } },
    constant: { make: (o) => initializers.constant(o as never), known: ['value'], wrong: { value: number }, valid: { value: 1 }, positional: true },
    zeros: { make: (o) => initializers.zeros(o as never), known: [], wrong: {} },
    ones: { make: (o) => initializers.ones(o as never), known: [], wrong: {} },
  };

  it('the table covers every loss and initializer factory', () => {
    const exported = [...Object.keys(losses), ...Object.keys(initializers)].filter((k) => k !== 'EPSILON').sort();
    expect(Object.keys(FACTORIES).sort()).toEqual(exported);
  });

  it('property: unknown keys, wrong types, out-of-range values, non-objects → a LayerwiseError naming the factory', () => {
    const cases = fc.constantFrom(...Object.entries(FACTORIES)).chain(([name, f]) => {
      const bare = f.positional ? fc.oneof(fc.string(), fc.boolean(), fc.constant(null), ints, fn, fc.constant(NaN)) : fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), ints, fn);
      return casesOf(name, f.make, f.known, f.valid ?? {}, f.wrong, f.outOfRange ?? {}, bare);
    });
    fc.assert(
      fc.property(cases, (c) => check(c, ownName)),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('callback constructors', () => {
  const nonEmptyString = fc.oneof(fc.double(), fc.boolean(), plainObject, ints, fn, fc.constant(null), fc.constant(''));
  const notFunction = fc.oneof(fc.string(), fc.double(), fc.boolean(), plainObject, ints, fc.constant(null));
  const mode = fc.oneof(fc.double(), fc.boolean(), plainObject, fc.constant(null), fc.string().filter((s) => !['auto', 'min', 'max'].includes(s)));
  const integer = fc.oneof(notNumber, nonInteger, fc.constant(null));
  const number = fc.oneof(notNumber, fc.constant(null));
  interface CallbackCase {
    cls: { name: string; options: readonly string[] };
    make: (options: unknown) => unknown;
    valid: Record<string, unknown>;
    wrong: Record<string, fc.Arbitrary<unknown>>;
    outOfRange: Record<string, unknown[]>;
    bare: fc.Arbitrary<unknown>;
  }
  const notObject = fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), ints, fn);
  const monitored = { monitor: nonEmptyString, mode, minDelta: number };
  const CALLBACKS: CallbackCase[] = [
    {
      cls: EarlyStopping,
      make: (o) => new EarlyStopping(o as never),
      valid: {},
      wrong: { ...monitored, patience: integer, restoreBestWeights: notBoolean },
      outOfRange: { patience: [-1, 1.5], minDelta: [Infinity, NaN] },
      bare: notObject,
    },
    {
      cls: ReduceLROnPlateau,
      make: (o) => new ReduceLROnPlateau(o as never),
      valid: {},
      wrong: { ...monitored, factor: number, patience: integer, cooldown: integer, minLr: number },
      outOfRange: { factor: [0, 1, 2, -0.5], patience: [-1], cooldown: [-2, 0.5], minLr: [-1, Infinity] },
      bare: notObject,
    },
    {
      cls: ModelCheckpoint,
      make: (o) => new ModelCheckpoint(o as never),
      valid: { filepath: 'checkpoints/{epoch}' },
      wrong: { filepath: nonEmptyString, monitor: nonEmptyString, mode, saveBestOnly: notBoolean },
      outOfRange: { filepath: ['x/{loss:>10s}', 'x/{epoch:q}'] },
      // A bare value is the filepath: a wrong one is not a non-empty string.
      bare: fc.oneof(fc.double(), fc.boolean(), fc.constant(null), fc.constant(''), ints, fn),
    },
    {
      cls: LearningRateScheduler,
      make: (o) => new LearningRateScheduler(o as never),
      valid: { schedule: () => 0.1 },
      wrong: { schedule: notFunction },
      outOfRange: {},
      // The schedule itself is the usual argument: anything but a function or an options object fails.
      bare: fc.oneof(fc.double(), fc.string(), fc.boolean(), fc.constant(null), ints),
    },
    {
      cls: CSVLogger,
      make: (o) => new CSVLogger('training.csv', o as never),
      valid: {},
      wrong: { separator: nonEmptyString, append: notBoolean },
      outOfRange: { separator: ['\n', ';\r\n'] },
      bare: notObject,
    },
    {
      cls: LambdaCallback,
      make: (o) => new LambdaCallback(o as never),
      valid: {},
      wrong: Object.fromEntries(LambdaCallback.options.map((hook) => [hook, notFunction.filter((v) => v !== undefined)])),
      outOfRange: {},
      bare: notObject,
    },
    { cls: TerminateOnNaN, make: (o) => new TerminateOnNaN(o as never), valid: {}, wrong: { printFn: notFunction }, outOfRange: {}, bare: notObject },
    {
      cls: ProgressLogger,
      make: (o) => new ProgressLogger(o as never),
      valid: { sink: { write: () => true } },
      wrong: {
        verbose: fc.oneof(notNumber, fc.constant(null), fc.integer().filter((v) => v !== 1 && v !== 2)),
        sink: fc.oneof(fc.double(), fc.string(), fc.boolean(), plainObject, ints, fn, fc.constant(null)),
        clock: notFunction,
        interval: number,
      },
      outOfRange: { interval: [-1, -Infinity] },
      bare: notObject,
    },
  ];

  it('the tables cover every option of each callback', () => {
    for (const c of CALLBACKS) {
      expect(Object.keys(c.wrong).sort(), c.cls.name).toEqual([...c.cls.options].sort());
      expect(() => c.make(c.valid), c.cls.name).not.toThrow();
    }
  });

  it('property: unknown keys, wrong types, out-of-range values, non-objects → a LayerwiseError naming the callback', () => {
    const cases = fc.constantFrom(...CALLBACKS).chain((c) => casesOf(c.cls.name, c.make, c.cls.options, c.valid, c.wrong, c.outOfRange, c.bare));
    fc.assert(
      fc.property(cases, (c) => check(c, ownName)),
      { seed: SEED, numRuns: 800 },
    );
  });

  it('a CSVLogger filename that is not a path fails at once', () => {
    for (const filename of [undefined, '', 5, { filename: 'a.csv' }]) {
      expect(() => new CSVLogger(filename as never)).toThrow(/^CSVLogger: filename must be a file path, such as new CSVLogger\('training\.csv', \{ separator: ';' \}\)\. Received: /);
    }
  });
});
