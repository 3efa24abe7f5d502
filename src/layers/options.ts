/**
 * What a layer class declares about its options: their names and the kind of value each takes.
 * The layer owns these facts; formats read them to convert configs generically (`io/tfjs/`
 * writes each option under its snake_case name and checks each value's kind before a constructor
 * sees it), so adding a layer never means editing a format's list.
 */

/** The kind of value an option takes (each kind has one reader in a format). */
export type OptionKind =
  | 'positiveInteger'
  | 'integer'
  /** An integer, or a list of one (Keras 3 writes BatchNormalization's axis as a list). */
  | 'axis'
  | 'number'
  /** A finite number, or null / absent. */
  | 'optionalNumber'
  | 'boolean'
  /** An integer seed, or null / absent. */
  | 'seed'
  /** A key of the activation registry. */
  | 'activation'
  | 'initializer'
  /** A weight regularizer: a key ('l2'), `regularizers.l2(...)`, or a saved `{ className, config }`; null / absent for none. */
  | 'regularizer'
  /** A weight constraint: a key ('nonNeg'), `constraints.maxNorm(...)`, or a saved `{ className, config }`; null / absent for none. */
  | 'constraint'
  /** 'valid' or 'same'. */
  | 'padding'
  /** 'valid', 'same' or 'causal'. */
  | 'convPadding'
  /** One positive integer or a list of one (a 1-D size, stride or dilation). */
  | 'size1'
  /** One positive integer or a pair of them. */
  | 'size2'
  /** n, [rows, cols] or [[top, bottom], [left, right]]. */
  | 'zeroPadding2d'
  /** n or [before, after], non-negative integers (ZeroPadding1D's padding, Cropping1D's cropping). */
  | 'sides1d'
  /** An integer or a non-empty list of them (LayerNormalization's axes). */
  | 'axes'
  /** A shape with the batch first, whose entries are positive integers or null; null / absent for none (Dropout's noiseShape). */
  | 'noiseShape'
  /** Positive integers and at most one -1. */
  | 'targetShape'
  /** Positive integers (a per-sample shape). */
  | 'shape'
  /** One of the strings the option's spec lists in `choices` (`mergeMode: 'concat' | 'sum' | ...`). */
  | 'choice'
  /** A finite number or a list of them (Normalization's mean); null / absent for none. */
  | 'numbers'
  /** A nested layer (a wrapper's): a Layer instance, or a saved `{ className, config }`; null / absent for none. */
  | 'layer';

export interface OptionSpec {
  kind: OptionKind;
  /** The layer has no default for it. */
  required?: boolean;
  /**
   * Keras's config has no such option (a Dense's own `seed`): formats keep it in layerwise's
   * metadata, not in the Keras config.
   */
  layerwiseOnly?: boolean;
  /**
   * How messages describe the values it takes, when its kind says too little: Dropout's rate is
   * `'a number in [0, 1)'`. The constructor checks that range; the kind check only uses the words.
   */
  expected?: string;
  /** The strings a `'choice'` option takes. */
  choices?: readonly string[];
}

/** The options of a layer class (besides `name`, `trainable` and `inputShape`, which every layer has). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export const optional = (kind: OptionKind, expected?: string): OptionSpec => (expected === undefined ? { kind } : { kind, expected });
export const required = (kind: OptionKind, expected?: string): OptionSpec => ({ ...optional(kind, expected), required: true });
/** An option that takes one of `choices`: `choice(['nearest', 'bilinear'])`. */
export const choice = (choices: readonly string[]): OptionSpec => ({ kind: 'choice', choices, expected: describeChoices(choices) });

/** `'a', 'b' or 'c'`. */
export function describeChoices(choices: readonly string[]): string {
  const quoted = choices.map((c) => `'${c}'`);
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}` : quoted.join('');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);

/**
 * Whether a value given to a constructor has the JavaScript type of its kind, with what the
 * messages call it. Kinds whose values have a structure (sizes, paddings, shapes) are checked here
 * for their type only (a number or an array); their constructors check the structure and the
 * ranges, with messages of the same form.
 */
export const KINDS: Readonly<Record<OptionKind, { test: (value: unknown) => boolean; expected: string; nullable?: boolean }>> = {
  positiveInteger: { test: (v) => Number.isInteger(v) && (v as number) > 0, expected: 'a positive integer' },
  integer: { test: Number.isInteger, expected: 'an integer' },
  axis: { test: Number.isInteger, expected: 'an integer' },
  number: { test: isNumber, expected: 'a number' },
  optionalNumber: { test: isNumber, expected: 'a number or null', nullable: true },
  boolean: { test: (v) => typeof v === 'boolean', expected: 'true or false' },
  seed: { test: Number.isInteger, expected: 'an integer seed or null', nullable: true },
  activation: {
    // A key, a Layer instance, or a saved { className, config }: ActivationSlot tells them apart.
    test: (v) => typeof v === 'string' || isObject(v),
    expected: `an activation key (such as 'relu') or a Layer instance (such as new LeakyReLU(0.2))`,
  },
  initializer: {
    test: (v) => typeof v === 'string' || (isObject(v) && (typeof v.init === 'function' || (typeof v.className === 'string' && (v.config === undefined || isObject(v.config))))),
    expected: `an initializer key (such as 'heNormal') or an initializer (such as initializers.heNormal({ seed: 1 }))`,
  },
  regularizer: {
    test: (v) => typeof v === 'string' || (isObject(v) && (typeof v.apply === 'function' || typeof v.className === 'string')),
    expected: `a regularizer key ('l1', 'l2', 'l1_l2'), a regularizer (such as regularizers.l2({ l2: 0.01 })) or null`,
    nullable: true,
  },
  constraint: {
    test: (v) => typeof v === 'string' || (isObject(v) && (typeof v.apply === 'function' || typeof v.className === 'string')),
    expected: `a constraint key (such as 'nonNeg'), a constraint (such as constraints.maxNorm({ maxValue: 2 })) or null`,
    nullable: true,
  },
  padding: { test: (v) => v === 'valid' || v === 'same', expected: `'valid' or 'same'` },
  convPadding: { test: (v) => v === 'valid' || v === 'same' || v === 'causal', expected: `'valid', 'same' or 'causal'` },
  size1: { test: (v) => typeof v === 'number' || Array.isArray(v), expected: 'a positive integer or a list of one' },
  size2: { test: (v) => typeof v === 'number' || Array.isArray(v), expected: 'a positive integer or a pair of them' },
  zeroPadding2d: { test: (v) => typeof v === 'number' || Array.isArray(v), expected: 'non-negative integers' },
  sides1d: { test: (v) => typeof v === 'number' || Array.isArray(v), expected: 'non-negative integers' },
  axes: { test: (v) => Number.isInteger(v) || Array.isArray(v), expected: 'an integer or a list of distinct integers' },
  noiseShape: { test: Array.isArray, expected: 'a list of positive integers or null, batch first', nullable: true },
  targetShape: { test: Array.isArray, expected: 'positive integers with at most one -1' },
  shape: { test: Array.isArray, expected: 'a list of positive integers' },
  // The spec's choices are checked with it (layer.ts, `checkLayerOptions`).
  choice: { test: (v) => typeof v === 'string', expected: 'one of the listed strings' },
  // The constructor checks that the numbers are finite.
  numbers: { test: (v) => typeof v === 'number' || Array.isArray(v), expected: 'a number or a list of numbers', nullable: true },
  // An instance (told by its methods: this file cannot import Layer) or a saved form; the wrapper checks which.
  layer: {
    test: (v) => isObject(v) && (typeof v.forward === 'function' || (typeof v.className === 'string' && isObject(v.config))),
    expected: 'a Layer instance (such as new LSTM({ units: 8 })) or a saved { className, config }',
    nullable: true,
  },
};

/** A value of each kind, for the examples messages give: `new Conv2D({ filters: 8, kernelSize: 3 })`. */
export const KIND_EXAMPLES: Readonly<Record<OptionKind, string>> = {
  positiveInteger: '8',
  integer: '-1',
  axis: '-1',
  number: '0.5',
  optionalNumber: '6',
  boolean: 'true',
  seed: '42',
  activation: `'relu'`,
  initializer: `'heNormal'`,
  regularizer: `'l2'`,
  constraint: `'nonNeg'`,
  padding: `'same'`,
  convPadding: `'same'`,
  size1: '3',
  size2: '3',
  zeroPadding2d: '1',
  sides1d: '1',
  axes: '-1',
  noiseShape: '[null, 1, null]',
  targetShape: '[7, 7, 1]',
  shape: '[28, 28, 1]',
  choice: `'concat'`,
  numbers: '[0, 1]',
  layer: 'new LSTM({ units: 8 })',
};
