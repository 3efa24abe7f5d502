import { activationKeys, getActivation } from '../../activations/registry';
import { getConstraint, type ConstraintConfig } from '../../constraints';
import { getInitializer, type InitializerConfig } from '../../initializers';
import { getRegularizer, type RegularizerConfig } from '../../regularizers';
import type { LayerConfig } from '../../layers/layer';
import type { OptionKind, OptionSpec } from '../../layers/options';
import { LAYER_CLASSES } from '../../layers/registry';
import type { KerasObject } from './format';
import { LayerwiseError } from '../../util/errors';
import type { Field } from '../json';

/**
 * Layer configs between layerwise's form (`getConfig()`, camelCase) and Keras's (`class_name` and
 * a snake_case `config`, as TF.js and Keras write them), for every layer class alike: each class
 * declares its options and their kinds (`static options`, layers/options.ts), each option is
 * written under its snake_case name, and reading checks every value's kind before a constructor
 * sees it (constructors check the ranges). The exceptions are the two tables below.
 */

const num = (f: Field) => f.number();
/** An activation key the registry knows: built in, or added with `registerActivation` before loading. */
function key(f: Field): string {
  const name = f.string('an activation name (a string)');
  try {
    getActivation(name, 'load');
  } catch {
    f.error(
      `names the activation "${name}", which is not registered. If it is your own, call ` +
        `registerActivation('${name}', { fn, grad }) before loading the model. Known: ${activationKeys().join(', ')}.`,
    );
  }
  return name;
}

/** One positive integer, or a list of `rank` of them. */
function sizes(rank: number): (f: Field) => number | number[] {
  const expected = rank === 1 ? 'a positive integer or a list of one' : 'a positive integer or a pair of them';
  return (f) => {
    if (typeof f.value === 'number') return f.integer(1, expected);
    const p = f.integers(1, expected);
    if (p.length !== rank) f.fail(expected);
    return p;
  };
}

/** ZeroPadding2D's padding: n, [rows, cols] or [[top, bottom], [left, right]]. */
function zeroPadding(f: Field): unknown {
  if (typeof f.value === 'number') return f.integer(0);
  const parts = f.array('a non-negative integer, a pair, or a pair of pairs');
  if (parts.length !== 2) f.fail('a non-negative integer, a pair, or a pair of pairs');
  return parts.map((p) => {
    if (typeof p.value === 'number') return p.integer(0);
    const q = p.integers(0, 'a pair of non-negative integers');
    if (q.length !== 2) p.fail('a pair of non-negative integers');
    return q;
  });
}

/** [before, after]: two non-negative integers. */
function pairOfSides(f: Field): number[] {
  const sides = f.integers(0, 'a non-negative integer or a pair of them');
  if (sides.length !== 2) f.fail('a non-negative integer or a pair of them');
  return sides;
}

/** BatchNormalization's axis: an integer, or a list of one (Keras 3). */
function axis(f: Field): number {
  if (Array.isArray(f.value) && f.value.length === 1) return f.index(0).integer();
  return f.integer();
}

/**
 * Keras's VarianceScaling settings of the initializers layerwise names (TF.js writes these: its
 * `glorotNormal` default is `scale 1, fan_avg, normal`; layerwise's normal ones are truncated).
 */
const VARIANCE_SCALING: [scale: number, mode: string, uniform: boolean, className: string][] = [
  [1, 'fan_avg', true, 'GlorotUniform'],
  [1, 'fan_avg', false, 'GlorotNormal'],
  [2, 'fan_in', false, 'HeNormal'],
  [2, 'fan_in', true, 'HeUniform'],
  [1, 'fan_in', false, 'LecunNormal'],
  [1, 'fan_in', true, 'LecunUniform'],
];

/** The numeric settings an initializer config may hold. */
const INITIALIZER_SETTINGS = ['mean', 'stddev', 'minval', 'maxval', 'value', 'gain'];

/** Reads a Keras initializer (`{ class_name, config }`) as layerwise's initializer config. */
function readInitializer(f: Field): InitializerConfig {
  f.object('an initializer ({ class_name, config })');
  let className = f.get('class_name').string('an initializer class name');
  const config = f.get('config');
  if (!config.absent) config.object();
  const out: Record<string, unknown> = { seed: config.get('seed').optional((s) => s.integer()) ?? null };
  if (className === 'VarianceScaling') {
    const scale = config.get('scale').number();
    const mode = config.get('mode').string();
    const distribution = config.get('distribution').oneOf(['uniform', 'normal', 'truncated_normal', 'truncatedNormal'] as const);
    const found = VARIANCE_SCALING.find(([s, m, u]) => s === scale && m === mode && u === (distribution === 'uniform'));
    if (!found) {
      f.fail(
        `a VarianceScaling layerwise has (${VARIANCE_SCALING.map(([s, m, u]) => `${s}/${m}/${u ? 'uniform' : 'normal'}`).join(', ')})`,
        'Other initializers only matter for new weights: change it in the source model and save it again.',
      );
    }
    className = found[3];
  }
  for (const name of INITIALIZER_SETTINGS) {
    const value = config.get(name).optional((v) => v.number());
    if (value !== undefined) out[name] = value;
  }
  if (className === 'Constant' && out.value === undefined) config.get('value').fail('a finite number (Constant needs a value)');
  const result = { className, config: out };
  try {
    getInitializer(result, 'load');
  } catch {
    f.get('class_name').fail('an initializer layerwise has (GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, RandomNormal, RandomUniform, Orthogonal, Constant, Zeros, Ones, VarianceScaling)');
  }
  return result;
}

function writeInitializer(value: unknown): KerasObject {
  const spec = value as InitializerConfig;
  const resolved = typeof spec === 'string' ? getInitializer(spec, 'save') : spec;
  return { class_name: resolved.className, config: { ...resolved.config } };
}

/** Reads a Keras regularizer: TF.js writes `{ class_name: 'L1L2', config: { l1, l2 } }`; Keras 3 also `'L1'` and `'L2'`. */
function readRegularizer(f: Field, classKey = 'class_name'): RegularizerConfig {
  f.object(`a regularizer ({ ${classKey}, config })`);
  const className = f.get(classKey).oneOf(['L1L2', 'L1', 'L2'] as const);
  const config = f.get('config');
  if (!config.absent) config.object();
  const out: Record<string, number> = {};
  for (const k of ['l1', 'l2']) {
    const v = config.get(k).optional((x) => x.number('a non-negative finite number'));
    if (v !== undefined) {
      if (v < 0) config.get(k).fail('a non-negative finite number');
      out[k] = v;
    }
  }
  const result = { className, config: out };
  getRegularizer(result, 'load');
  return result;
}

function writeRegularizer(value: unknown): KerasObject {
  const { className, config } = value as RegularizerConfig;
  return { class_name: className, config: { ...config } };
}

/** The settings of each constraint class, camelCase → snake_case. */
const CONSTRAINT_SETTINGS: Record<string, string[]> = {
  MaxNorm: ['maxValue', 'axis'],
  NonNeg: [],
  UnitNorm: ['axis'],
  MinMaxNorm: ['minValue', 'maxValue', 'rate', 'axis'],
};

/** Reads a Keras constraint (`{ class_name: 'MaxNorm', config: { max_value, axis } }`). */
function readConstraint(f: Field): ConstraintConfig {
  f.object('a constraint ({ class_name, config })');
  const className = f.get('class_name').oneOf(Object.keys(CONSTRAINT_SETTINGS));
  const config = f.get('config');
  if (!config.absent) config.object();
  const out: Record<string, unknown> = {};
  for (const name of CONSTRAINT_SETTINGS[className]) {
    const v = config.get(kerasName(name));
    if (v.absent) continue;
    out[name] = name === 'axis' ? (Array.isArray(v.value) ? v.array().map((a) => a.integer()) : v.integer()) : v.number();
  }
  const result = { className, config: out };
  try {
    getConstraint(result, 'load');
  } catch (e) {
    f.error(`is not a constraint layerwise can build: ${(e as Error).message}`);
  }
  return result;
}

function writeConstraint(value: unknown): KerasObject {
  const { className, config = {} } = value as ConstraintConfig;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) out[kerasName(k)] = v;
  return { class_name: className, config: out };
}

/** The reader of each option kind: checks the Keras value's type and returns the layerwise value. */
const READERS: Record<OptionKind, (f: Field, spec: OptionSpec) => unknown> = {
  positiveInteger: (f) => f.integer(1),
  integer: (f) => f.integer(),
  axis,
  number: num,
  optionalNumber: num,
  boolean: (f) => f.boolean(),
  seed: (f) => f.integer(),
  activation: (f) => (typeof f.value === 'string' ? key(f) : readLayer(f)),
  initializer: readInitializer,
  regularizer: (f) => readRegularizer(f),
  constraint: readConstraint,
  padding: (f) => f.oneOf(['valid', 'same'] as const),
  convPadding: (f) => f.oneOf(['valid', 'same', 'causal'] as const),
  size1: sizes(1),
  size2: sizes(2),
  zeroPadding2d: zeroPadding,
  targetShape: (f) => f.integers(-1, 'an array of positive integers and at most one -1'),
  shape: (f) => f.integers(1),
  choice: (f, spec) => f.oneOf(spec.choices ?? []),
  sides1d: (f) => (typeof f.value === 'number' ? f.integer(0) : pairOfSides(f)),
  axes: (f) => (Array.isArray(f.value) ? f.integers(-Infinity, 'an integer or a list of integers') : f.integer()),
  noiseShape: (f) => f.array('a list of positive integers or null, batch first').map((d) => (d.value === null ? null : d.integer(1, 'a positive integer or null'))),
  numbers: (f) => (Array.isArray(f.value) ? f.array('a list of numbers').map((x) => x.number()) : f.number()),
  layer: readLayer,
};

/** Writers of the kinds whose Keras value differs from layerwise's; the rest are written as they are. */
const WRITERS: Partial<Record<OptionKind, (value: unknown) => unknown>> = { activation: writeActivation, initializer: writeInitializer, regularizer: writeRegularizer, constraint: writeConstraint };

/**
 * An activation option: a key as it is, or an activation layer (a recurrent layer's `new
 * LeakyReLU({ alpha: 0.2 })`, which only layerwise reads back) in Keras's form `{ class_name, config }`.
 */
function writeActivation(value: unknown): unknown {
  if (typeof value === 'string') return value;
  const { className, config } = value as { className: string; config: LayerConfig };
  const { json } = layerToKeras(className, config);
  delete json.config.dtype;
  return json;
}

/** A wrapper's nested layer (`{ class_name, config }`), read as any layer is, in layerwise's saved form `{ className, config }`. */
function readLayer(f: Field): { className: string; config: LayerConfig } {
  // Checked before reading on: a wrapper is never nested (which also bounds the recursion of a hostile file).
  const named = LAYER_CLASSES.get(String(f.get('class_name').value));
  if (named && isWrapper(named)) f.get('class_name').fail('a layer class other than a wrapper', 'A wrapper inside a wrapper cannot be rebuilt from its config.');
  const { className, config } = layerFromKeras(f);
  if (className === 'InputLayer') f.get('class_name').fail('a layer class other than InputLayer');
  const { inputShape: _ignored, ...rest } = config;
  return { className, config: rest as LayerConfig };
}

/** Whether a layer class holds another layer (takes an option of kind 'layer'). */
function isWrapper(layerClass: { options: Readonly<Record<string, OptionSpec>> }): boolean {
  return Object.values(layerClass.options).some((spec) => spec.kind === 'layer');
}

/**
 * A wrapper's nested layer in Keras's form, as TF.js writes it (the layer's config without a
 * dtype), and its options a Keras config cannot hold (its seed), which the wrapper's settings keep
 * under the option's name. A layer given as activation has no place in the nested config: saving
 * refuses it, naming the layer, and so does a wrapper inside a wrapper.
 */
function nestedToKeras(value: unknown): KerasLayer {
  const { className, config } = value as { className: string; config: LayerConfig };
  const where = `${config.name} (${className}, inside a wrapper)`;
  if (isWrapper(LAYER_CLASSES.get(className)!)) {
    throw new LayerwiseError(`${where}: layerwise cannot save a wrapper inside a wrapper (TF.js and Keras rebuild the inner one from its config). Save the layers unwrapped.`);
  }
  if (config.activation !== undefined && typeof config.activation !== 'string') {
    throw new LayerwiseError(`${where}: its activation is a layer, which the file cannot hold inside a wrapper. Give the activation as a key ('relu'), or as a layer after the wrapper.`);
  }
  const nested = layerToKeras(className, config);
  delete nested.json.config.dtype;
  return nested;
}

/** camelCase to Keras's snake_case: `kernelInitializer` → `kernel_initializer`, `poolSize` → `pool_size`. */
export function kerasName(option: string): string {
  return option.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Keras names an option otherwise than snake_case does: Keras 3 calls LeakyReLU's alpha `negative_slope` (read, never written). */
const KERAS_ALIASES: Record<string, Record<string, string>> = { LeakyReLU: { alpha: 'negative_slope' } };

/**
 * Keras settings whose null is not "the default" (a null Keras option is read as unset elsewhere)
 * but a value layerwise lacks: refused with the reason.
 */
const NULL_REFUSED: Record<string, Record<string, [expected: string, why: string]>> = {
  Bidirectional: { merge_mode: ['one of "concat", "sum", "mul", "ave"', "Keras's None returns the two directions apart, which needs two outputs; a layerwise Sequential has one."] },
};

/**
 * Keras settings layerwise does not have, accepted only at the value that means "off", wherever
 * they appear (a layer's own options of the same name take precedence).
 */
const FIXED: Record<string, unknown> = {
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
  beta_regularizer: null,
  gamma_regularizer: null,
  beta_constraint: null,
  gamma_constraint: null,
  alpha_regularizer: null,
  alpha_constraint: null,
  shared_axes: null,
  noise_shape: null,
  rms_scaling: false,
  return_state: false,
  stateful: false,
  unroll: false,
  time_major: false,
  groups: 1,
  renorm: false,
  synchronized: false,
  keepdims: false,
  negative_slope: 0,
  threshold: 0,
};

/**
 * Options a Keras config cannot hold, kept in `userDefinedMetadata.layerwise.layerSettings`:
 * a layer's own seed, an activation key TF.js spells otherwise (`'silu'`, written `'swish'`), a
 * declared input shape past the first layer.
 */
const SETTINGS: Record<string, (f: Field) => unknown> = {
  activation: key,
  seed: (f) => f.integer(),
  inputShape: (f) => f.integers(1),
  /** TF.js 4.22 cannot build a layer with one ("not supported yet"): kept here, in layerwise's form. */
  activityRegularizer: readActivityRegularizer,
  /** The settings of a wrapper's nested layers (see `nestedToKeras`), merged into them by `withSettings`. */
  layer: (f) => readSettings(f.object()),
  backwardLayer: (f) => readSettings(f.object()),
};

/** The settings of a wrapper's nested layers, by option. */
const NESTED_SETTINGS = new Set(['layer', 'backwardLayer']);

/** A read config with the recorded settings: a nested layer's (a wrapper's) go into its own config. */
export function withSettings(config: LayerConfig, settings: Record<string, unknown>): LayerConfig {
  const out: LayerConfig = { ...config };
  for (const [name, value] of Object.entries(settings)) {
    const nested = out[name] as { className: string; config: LayerConfig } | undefined;
    out[name] = NESTED_SETTINGS.has(name) && nested !== undefined ? { ...nested, config: withSettings(nested.config, value as Record<string, unknown>) } : value;
  }
  return out;
}

/** An activity regularizer as layerwise records it: `{ className: 'L1L2', config: { l1, l2 } }`. */
function readActivityRegularizer(f: Field): RegularizerConfig {
  return readRegularizer(f, 'className');
}

/** Checks and reads the settings recorded for a layer. */
export function readSettings(f: Field): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of f.keys()) {
    const read = Object.prototype.hasOwnProperty.call(SETTINGS, name) ? SETTINGS[name] : undefined;
    if (!read) return f.get(name).error(`is not a setting layerwise records (${Object.keys(SETTINGS).join(', ')}).`);
    out[name] = read(f.get(name));
  }
  return out;
}

/** A layer in Keras's form, and the options that had to stay out of it. */
export interface KerasLayer {
  json: KerasObject;
  settings: Record<string, unknown>;
}

/**
 * Writes a layerwise config in Keras's form. `inputShape` goes to `batch_input_shape` when given
 * (the model's first layer); options without a Keras counterpart go to `settings`.
 */
export function layerToKeras(className: string, config: LayerConfig, batchInputShape?: readonly number[]): KerasLayer {
  const layerClass = LAYER_CLASSES.get(className)!;
  const out: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name === 'name' || name === 'trainable' || value === undefined || (name === 'inputShape' && batchInputShape)) continue;
    const spec = Object.prototype.hasOwnProperty.call(layerClass.options, name) ? layerClass.options[name] : undefined;
    if (spec?.kind === 'layer') {
      const nested = nestedToKeras(value);
      out[kerasName(name)] = nested.json;
      if (Object.keys(nested.settings).length > 0) settings[name] = nested.settings;
    } else if (spec && !spec.layerwiseOnly) out[kerasName(name)] = WRITERS[spec.kind]?.(value) ?? value;
    else if (Object.prototype.hasOwnProperty.call(SETTINGS, name)) settings[name] = value;
    else throw new LayerwiseError(`${config.name}: layerwise cannot save the option "${name}" of ${className}: the format does not know it.`);
  }
  // In TF.js's order: the layer's options, then the common ones.
  if (layerClass.channelsLast) out.data_format = 'channels_last';
  out.name = config.name;
  out.trainable = config.trainable;
  if (batchInputShape) out.batch_input_shape = [null, ...batchInputShape];
  out.dtype = 'float32';
  return { json: { class_name: className, config: out }, settings };
}

/** A layer read from a Keras config: its class, its layerwise config, its declared input shape. */
export interface ReadLayer {
  className: string;
  config: LayerConfig;
  /** The per-sample input shape from `batch_input_shape` (or Keras 3's `batch_shape`). */
  inputShape?: number[];
  /** Where it is in the file, for errors. */
  field: Field;
}

/**
 * The per-sample shape from `[null, ...dims]`. A shape of unknown dimensions (TF.js writes
 * `[null, null]` on every Embedding, for ids of any length) declares none: past the first layer it
 * says nothing, and a first layer without a known shape fails where the model needs one.
 */
function batchShape(config: Field): number[] | undefined {
  const f = config.get('batch_input_shape').absent ? config.get('batch_shape') : config.get('batch_input_shape');
  if (f.absent) return undefined;
  const dims = f.array('a batch shape [null, ...dims]');
  if (dims.length < 2 || dims[0].value !== null && !Number.isInteger(dims[0].value)) f.fail('a batch shape [null, ...dims]');
  if (dims.slice(1).some((d) => d.value === null)) return undefined;
  return dims.slice(1).map((d) => d.integer(1, 'a positive integer (a known dimension)'));
}

/** Only float32 layers: `dtype` may be absent, `'float32'`, or Keras 3's float32 policy. */
function checkDtype(config: Field): void {
  const f = config.get('dtype');
  if (f.absent || f.value === 'float32') return;
  if (f.get('config').get('name').value === 'float32') return;
  f.fail('"float32"', 'layerwise computes in float32 only.');
}

/** Reads one layer of a Keras Sequential config (`{ class_name, config }`). */
export function layerFromKeras(f: Field): ReadLayer {
  f.object('a layer ({ class_name, config })');
  const className = f.get('class_name').string('a layer class name');
  const config = f.get('config').object();
  const name = config.get('name').string('a layer name');
  if (!/^[A-Za-z0-9_.-][A-Za-z0-9_.\-/]*$/.test(name) || name.length > 256) config.get('name').fail('a layer name (letters, digits, "_", ".", "-")');
  checkDtype(config);
  const inputShape = batchShape(config);
  if (className === 'InputLayer') {
    if (!inputShape) config.fail('an InputLayer config with batch_input_shape');
    return { className, config: { name, trainable: true }, inputShape, field: f };
  }
  const layerClass = LAYER_CLASSES.get(className);
  if (!layerClass) return f.get('class_name').fail(`a layer class layerwise has (${[...LAYER_CLASSES.keys(), 'InputLayer'].join(', ')})`);
  const out: LayerConfig = { name, trainable: config.get('trainable').optional((t) => t.boolean()) ?? true };
  const read = new Set<string>();
  for (const [option, spec] of Object.entries(layerClass.options)) {
    const { kind, required, layerwiseOnly } = spec;
    if (layerwiseOnly) continue;
    let keras = kerasName(option);
    const alias = KERAS_ALIASES[className]?.[option];
    if (config.get(keras).absent && alias !== undefined) keras = alias;
    read.add(keras);
    const value = config.get(keras);
    if (!value.absent) out[option] = READERS[kind](value, spec);
    else if (required) value.fail(`set (${className} has no default for ${keras})`);
  }
  for (const [keras, [expected, why]] of Object.entries(NULL_REFUSED[className] ?? {})) {
    if (config.get(keras).value === null) config.get(keras).fail(expected, why);
  }
  for (const keras of config.keys()) {
    if (read.has(keras) || !Object.prototype.hasOwnProperty.call(FIXED, keras)) continue;
    const value = config.get(keras);
    const off = FIXED[keras];
    if (!value.absent && value.value !== off) value.fail(describeOff(off), `layerwise's ${className} has no ${keras}.`);
  }
  if (layerClass.channelsLast) {
    const dataFormat = config.get('data_format');
    if (!dataFormat.absent && dataFormat.value !== 'channels_last') dataFormat.fail('"channels_last"', 'layerwise works on channels-last images only.');
  }
  if (inputShape) out.inputShape = inputShape;
  return { className, config: out, inputShape, field: f };
}

function describeOff(off: unknown): string {
  return off === null ? 'null' : JSON.stringify(off);
}
