import { activationKeys, getActivation } from '../activations/registry';
import { getInitializer, type InitializerConfig } from '../initializers';
import type { LayerConfig } from '../layers/layer';
import { LAYER_CLASSES } from '../layers/registry';
import type { KerasObject } from './format';
import { LayerwiseError } from '../util/errors';
import type { Field } from './json';

/**
 * Layer configs between layerwise's form (`getConfig()`, camelCase) and Keras's (`class_name` and
 * a snake_case `config`, as TF.js and Keras write them). Each class lists its options; reading
 * checks the type of every value before a constructor sees it (constructors check the ranges).
 */

/** How one layerwise option is written in a Keras config. */
interface Option {
  keras: string;
  /** Reads and type-checks the Keras value as the layerwise option. */
  read: (f: Field) => unknown;
  /** The Keras value of the layerwise one; default as is. */
  write?: (value: unknown) => unknown;
  /** The layer has no default for it. */
  required?: boolean;
}

interface LayerFormat {
  options: Record<string, Option>;
  /** Keras settings layerwise does not have, accepted only at the value that means "off". */
  fixed?: Record<string, unknown>;
  /** Writes `data_format: 'channels_last'` (Keras's image layers). */
  images?: boolean;
}

const posInt = (f: Field) => f.integer(1);
const bool = (f: Field) => f.boolean();
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
const padding = (f: Field) => f.oneOf(['valid', 'same'] as const);

/** One positive integer or a pair of them. */
function pair(f: Field): number | number[] {
  if (typeof f.value === 'number') return f.integer(1);
  const p = f.integers(1, 'a positive integer or a pair of them');
  if (p.length !== 2) f.fail('a positive integer or a pair of them');
  return p;
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
const INITIALIZER_SETTINGS = ['mean', 'stddev', 'minval', 'maxval', 'value'];

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
    f.get('class_name').fail('an initializer layerwise has (GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal, LecunUniform, RandomNormal, RandomUniform, Constant, Zeros, Ones, VarianceScaling)');
  }
  return result;
}

function writeInitializer(value: unknown): KerasObject {
  const spec = value as InitializerConfig;
  const resolved = typeof spec === 'string' ? getInitializer(spec, 'save') : spec;
  return { class_name: resolved.className, config: { ...resolved.config } };
}

const initializer = (keras: string): Option => ({ keras, read: readInitializer, write: writeInitializer });
const plain = (keras: string, read: (f: Field) => unknown): Option => ({ keras, read });
const required = (keras: string, read: (f: Field) => unknown): Option => ({ keras, read, required: true });

const NO_REGULARIZERS = {
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
};

const KERNEL: Record<string, Option> = {
  activation: plain('activation', key),
  useBias: plain('use_bias', bool),
  kernelInitializer: initializer('kernel_initializer'),
  biasInitializer: initializer('bias_initializer'),
};

const POOLING: LayerFormat = {
  options: { poolSize: plain('pool_size', pair), strides: plain('strides', pair), padding: plain('padding', padding) },
  images: true,
};

const GLOBAL_POOLING: LayerFormat = { options: {}, fixed: { keepdims: false }, images: true };

const FORMATS = new Map<string, LayerFormat>([
  ['Dense', { options: { units: required('units', posInt), ...KERNEL }, fixed: NO_REGULARIZERS }],
  [
    'Conv2D',
    {
      options: {
        filters: required('filters', posInt),
        kernelSize: required('kernel_size', pair),
        strides: plain('strides', pair),
        padding: plain('padding', padding),
        dilationRate: plain('dilation_rate', pair),
        ...KERNEL,
      },
      fixed: { ...NO_REGULARIZERS, groups: 1 },
      images: true,
    },
  ],
  ['MaxPooling2D', POOLING],
  ['AveragePooling2D', POOLING],
  ['GlobalAveragePooling2D', GLOBAL_POOLING],
  ['GlobalMaxPooling2D', GLOBAL_POOLING],
  ['Flatten', { options: {} }],
  ['Reshape', { options: { targetShape: required('target_shape', (f) => f.integers(-1, 'an array of positive integers and at most one -1')) } }],
  ['ZeroPadding2D', { options: { padding: plain('padding', zeroPadding) }, images: true }],
  ['Dropout', { options: { rate: required('rate', num), seed: plain('seed', (f) => f.optional((s) => s.integer())) }, fixed: { noise_shape: null } }],
  [
    'BatchNormalization',
    {
      options: {
        axis: plain('axis', axis),
        momentum: plain('momentum', num),
        epsilon: plain('epsilon', num),
        center: plain('center', bool),
        scale: plain('scale', bool),
        betaInitializer: initializer('beta_initializer'),
        gammaInitializer: initializer('gamma_initializer'),
        movingMeanInitializer: initializer('moving_mean_initializer'),
        movingVarianceInitializer: initializer('moving_variance_initializer'),
      },
      fixed: { beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null, renorm: false, synchronized: false },
    },
  ],
  ['PReLU', { options: { alphaInitializer: initializer('alpha_initializer') }, fixed: { alpha_regularizer: null, alpha_constraint: null, shared_axes: null } }],
  ['ReLU', { options: { maxValue: plain('max_value', (f) => f.optional(num)) }, fixed: { negative_slope: 0, threshold: 0 } }],
  ['LeakyReLU', { options: { alpha: plain('alpha', num) } }],
  ['ELU', { options: { alpha: plain('alpha', num) } }],
  ['Softmax', { options: { axis: plain('axis', (f) => f.integer()) } }],
  ['Activation', { options: { activation: required('activation', key) } }],
]);

/**
 * Options a Keras config cannot hold, kept in `userDefinedMetadata.layerwise.layerSettings`:
 * a layer's own seed, an activation key TF.js spells otherwise (`'silu'`, written `'swish'`), a
 * declared input shape past the first layer.
 */
const SETTINGS: Record<string, (f: Field) => unknown> = {
  activation: key,
  seed: (f) => f.integer(),
  inputShape: (f) => f.integers(1),
};

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
  const format = FORMATS.get(className)!;
  const out: Record<string, unknown> = {};
  const settings: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (name === 'name' || name === 'trainable' || value === undefined || (name === 'inputShape' && batchInputShape)) continue;
    const option = format.options[name];
    if (option) out[option.keras] = option.write ? option.write(value) : value;
    else if (Object.prototype.hasOwnProperty.call(SETTINGS, name)) settings[name] = value;
    else throw new LayerwiseError(`${config.name}: layerwise cannot save the option "${name}" of ${className}: the format does not know it.`);
  }
  // In TF.js's order: the layer's options, then the common ones.
  if (format.images) out.data_format = 'channels_last';
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

/** The per-sample shape from `[null, ...dims]`. */
function batchShape(config: Field): number[] | undefined {
  const f = config.get('batch_input_shape').absent ? config.get('batch_shape') : config.get('batch_input_shape');
  if (f.absent) return undefined;
  const dims = f.array('a batch shape [null, ...dims]');
  if (dims.length < 2 || dims[0].value !== null && !Number.isInteger(dims[0].value)) f.fail('a batch shape [null, ...dims]');
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
  const format = LAYER_CLASSES.has(className) ? FORMATS.get(className) : undefined;
  if (!format) return f.get('class_name').fail(`a layer class layerwise has (${[...LAYER_CLASSES.keys(), 'InputLayer'].join(', ')})`);
  const out: LayerConfig = { name, trainable: config.get('trainable').optional((t) => t.boolean()) ?? true };
  for (const [option, { keras, read, required }] of Object.entries(format.options)) {
    let value = config.get(keras);
    // Keras 3 calls LeakyReLU's alpha `negative_slope`.
    if (value.absent && className === 'LeakyReLU') value = config.get('negative_slope');
    if (!value.absent) out[option] = read(value);
    else if (required) value.fail(`set (${className} has no default for ${keras})`);
  }
  for (const [keras, off] of Object.entries(format.fixed ?? {})) {
    const value = config.get(keras);
    if (!value.absent && value.value !== off) value.fail(describeOff(off), `layerwise's ${className} has no ${keras}.`);
  }
  if (format.images) {
    const dataFormat = config.get('data_format');
    if (!dataFormat.absent && dataFormat.value !== 'channels_last') dataFormat.fail('"channels_last"', 'layerwise works on channels-last images only.');
  }
  if (inputShape) out.inputShape = inputShape;
  return { className, config: out, inputShape, field: f };
}

function describeOff(off: unknown): string {
  return off === null ? 'null' : JSON.stringify(off);
}
