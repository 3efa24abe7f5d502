import { toSnakeCase } from '../../layers/naming';
import { getLoss, losses, type LossKey } from '../../losses';
import type { Loss } from '../../losses/losses';
import { checkMetric, isTfjsMetricKey, METRIC_CLASSES, MetricObject, type MetricSpec } from '../../metrics';
import { BASE_OPTIONS, OPTIMIZER_CLASSES, type OptimizerClass } from '../../optim';
import type { Optimizer, OptimizerConfig, SavedSchedule } from '../../optim/optimizer';
import type { ScheduleConfig } from '../../optim/schedules';
import { LayerwiseError } from '../../util/errors';
import type { Field } from '../json';
import type { CompileSettings } from '../model-parts';
import type { CompileMetadata, TrainingConfig } from './format';
import type { NamedParam } from './topology';
import type { NamedFloats, NamedValues, Weight } from './weights';

/**
 * Losses TF.js and Keras know by the same name and compute the same way. Not: hinge and squaredHinge
 * (TF.js's never map 0/1 labels to −1/1), kullbackLeiblerDivergence (TF.js weighs by the unclipped
 * label), huber, logCosh, cosineSimilarity and binaryFocalCrossentropy (TF.js has none by that name).
 */
const TFJS_LOSSES = new Set([
  'meanSquaredError',
  'meanAbsoluteError',
  'meanAbsolutePercentageError',
  'meanSquaredLogarithmicError',
  'categoricalHinge',
  'poisson',
  'binaryCrossentropy',
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
]);

/** The cross-entropies that take `fromLogits`, by the name their config gives. */
const WITH_LOGITS = new Map<string, (options: { fromLogits: boolean }) => Loss>([
  ['binaryCrossentropy', losses.binaryCrossentropy],
  ['binaryFocalCrossentropy', losses.binaryFocalCrossentropy],
  ['categoricalCrossentropy', losses.categoricalCrossentropy],
  ['sparseCategoricalCrossentropy', losses.sparseCategoricalCrossentropy],
]);

type TfjsOptimizer = TrainingConfig['optimizer_config'];

/**
 * TF.js's form of an optimizer, by layerwise's class name, where TF.js computes the same updates
 * (the format's exceptions; every other optimizer is written in layerwise's metadata only):
 * SGD with momentum is TF.js's `Momentum`; RMSprop is its `RMSProp` (its `decay` is `rho`), but
 * not centered, where TF.js subtracts epsilon under the square root; Adam without amsgrad; Adagrad
 * only at epsilon 1e-7, the one TF.js uses (it has no setting); Adamax with TF.js's `decay` 0.
 * Not Adadelta (TF.js divides by the previous step's accumulator), Nadam or AdamW (TF.js has
 * none), nor any optimizer that clips gradients or decays weights (TF.js's optimizers do neither).
 */
const TO_TFJS: Record<string, (config: Record<string, number | boolean>) => TfjsOptimizer | undefined> = {
  SGD: ({ learningRate, momentum, nesterov }): TfjsOptimizer =>
    (momentum as number) > 0
      ? { class_name: 'Momentum', config: { learningRate, momentum, useNesterov: nesterov } }
      : { class_name: 'SGD', config: { learningRate } },
  Adam: ({ learningRate, beta1, beta2, epsilon, amsgrad }) => (amsgrad ? undefined : { class_name: 'Adam', config: { learningRate, beta1, beta2, epsilon } }),
  RMSprop: ({ learningRate, rho, momentum, epsilon, centered }) =>
    centered ? undefined : { class_name: 'RMSProp', config: { learningRate, decay: rho, momentum, epsilon, centered } },
  Adagrad: ({ learningRate, initialAccumulatorValue, epsilon }) =>
    epsilon === 1e-7 ? { class_name: 'Adagrad', config: { learningRate, initialAccumulatorValue } } : undefined,
  Adamax: ({ learningRate, beta1, beta2, epsilon }) => ({ class_name: 'Adamax', config: { learningRate, beta1, beta2, epsilon, decay: 0 } }),
};

/**
 * TF.js's form of an optimizer's config, or undefined when TF.js would compute other updates: also
 * for a learning rate schedule (`learningRate: { className, config }`), which TF.js has none of.
 */
const toTfjs = (className: string, config: OptimizerConfig): TfjsOptimizer | undefined =>
  typeof config.learningRate !== 'number' || BASE_OPTIONS.some((name) => config[name] !== undefined && config[name] !== 0)
    ? undefined
    : TO_TFJS[className]?.(config as Record<string, number | boolean>);

/**
 * TF.js's optimizer names that layerwise reads as its own: the class, and config keys TF.js names
 * otherwise. Adagrad, Adadelta and Adamax are TF.js's names too (TF.js's Adamax `decay` and any
 * other key layerwise lacks are ignored).
 */
const FROM_TFJS: Record<string, { className: string; renames: Record<string, string> }> = {
  Momentum: { className: 'SGD', renames: { useNesterov: 'nesterov' } },
  RMSProp: { className: 'RMSprop', renames: { decay: 'rho' } },
  SGD: { className: 'SGD', renames: { useNesterov: 'nesterov' } },
  Adagrad: { className: 'Adagrad', renames: {} },
  Adadelta: { className: 'Adadelta', renames: {} },
  Adamax: { className: 'Adamax', renames: {} },
};

/** The compile settings in layerwise's metadata, and in TF.js's `trainingConfig` when TF.js can read them exactly. */
export function writeCompile({ optimizer, loss, metrics }: CompileSettings): { compile: CompileMetadata; trainingConfig?: TrainingConfig } {
  const { name, fromLogits = false, ...options } = loss.getConfig();
  const config = optimizer.getConfig();
  const compile: CompileMetadata = {
    // A scheduled learningRate is an object { className, config } (CompileMetadata's type, in format.ts, says numbers and booleans).
    optimizer: { className: optimizer.className, config },
    // Every option of the loss (huber's delta, labelSmoothing, ...), so that it comes back as it was.
    loss: { name, fromLogits, ...options },
    metrics: metrics.map(writeMetric),
  };
  const optimizerConfig = toTfjs(optimizer.className, config);
  // TF.js's trainingConfig names a loss only: a loss with options other than the defaults stays out of it.
  if (!optimizerConfig || !TFJS_LOSSES.has(name) || fromLogits || Object.keys(options).length > 0) return { compile };
  // Only the metric keys TF.js computes the same way (accuracies, mse, mae): not the stateful ones, objects or functions.
  const tfjsMetrics = metrics.filter((m): m is string => typeof m === 'string' && isTfjsMetricKey(m));
  return { compile, trainingConfig: { loss: toSnakeCase(name), metrics: tfjsMetrics.map(toSnakeCase), optimizer_config: optimizerConfig } };
}

/** A metric in layerwise's metadata: a key as given, an object by class name and config, a function by its name. */
function writeMetric(metric: MetricSpec): CompileMetadata['metrics'][number] {
  if (typeof metric === 'string') return metric;
  if (metric instanceof MetricObject) return { className: metric.className, config: metric.getConfig() };
  return { function: metric.name };
}

const COMPILE_HINT = 'To load the model without its compile settings, pass { compile: false } and call compile yourself.';

/** Runs `make`, adding the file and the field to a LayerwiseError it throws. */
function within<T>(field: Field, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof LayerwiseError) field.error(`cannot be used: ${error.message} ${COMPILE_HINT}`);
    throw error;
  }
}

/** `learning_rate` → `learningRate`, `beta_1` → `beta1`. */
const camelCase = (key: string): string => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * A learning rate schedule as layerwise's metadata writes it, `{ className, config }` (the
 * optimizer's constructor rebuilds it from the schedules by class name, and checks its options).
 */
function readSchedule(f: Field): SavedSchedule {
  f.object('a number or a learning rate schedule { className, config }');
  const className = f.get('className').string('a learning rate schedule class name');
  const config = f.get('config').object();
  return { className, config: config.value as ScheduleConfig };
}

/**
 * An optimizer from a class name and a config, for any optimizer of the registry: the options are
 * those its class declares (`options`), each a boolean where its default instance's `getConfig()`
 * or the file has one and a number otherwise (the learning rate a number or a schedule); null is an unset option (as Keras writes `clipnorm: None`); other
 * keys (TF.js's `name`, Keras's `decay`) are ignored, as Keras does.
 */
function readOptimizer(classNameField: Field, config: Field): Optimizer {
  const name = classNameField.string('an optimizer class name');
  const tfjs = Object.prototype.hasOwnProperty.call(FROM_TFJS, name) ? FROM_TFJS[name] : undefined;
  const Class: OptimizerClass | undefined = OPTIMIZER_CLASSES.get(tfjs?.className ?? name);
  if (!Class) {
    const known = [...new Set([...OPTIMIZER_CLASSES.keys(), ...Object.keys(FROM_TFJS)])];
    classNameField.fail(`an optimizer layerwise has (${known.join(', ')})`, COMPILE_HINT);
  }
  config.object();
  const defaults = new Class().getConfig();
  const options: OptimizerConfig = {};
  for (const key of config.keys()) {
    const option = tfjs?.renames[camelCase(key)] ?? camelCase(key);
    const field = config.get(key);
    if (!Class.options.includes(option) || field.absent) continue;
    // A boolean where the default instance has one, or where the file has one for an option the
    // default config leaves out (Adam's amsgrad): the constructor checks it is the right type.
    if (option === 'learningRate' && typeof field.value === 'object') options[option] = readSchedule(field);
    else options[option] = typeof defaults[option] === 'boolean' || typeof field.value === 'boolean' ? field.boolean() : field.number();
  }
  const Rebuilt = Class!;
      return within(config, () => new Rebuilt(options));
}

/** The loss factories by the name a loss's config gives (`'huber'` → `losses.huber`). */
function lossFactory(name: string): ((options: Record<string, unknown>) => Loss) | undefined {
  const factory = Object.prototype.hasOwnProperty.call(losses, name) ? (losses as Record<string, unknown>)[name] : undefined;
  return typeof factory === 'function' && name !== 'custom' ? (factory as (options: Record<string, unknown>) => Loss) : undefined;
}

/**
 * A loss from layerwise's metadata: its name and its options (as `getConfig` wrote them), each a
 * number, a boolean or a string, rebuilt by its factory, which checks them.
 */
function readLossConfig(f: Field): Loss {
  const name = f.get('name').string('a loss name');
  const options: Record<string, unknown> = {};
  for (const key of f.keys()) {
    if (key === 'name') continue;
    const value = f.get(key);
    if (value.absent) continue;
    if (typeof value.value !== 'number' && typeof value.value !== 'boolean' && typeof value.value !== 'string') value.fail('a number, a boolean or a string');
    options[key] = value.value;
  }
  const factory = lossFactory(name);
  // A name no factory has: a key in another spelling, or a custom loss (which cannot come back from a file).
  if (!factory) return readLoss(f.get('name'), options.fromLogits === true);
  // fromLogits: false is every loss's default, written for all of them; factories without the option refuse it.
  const withDefaults = Object.fromEntries(Object.entries(options).filter(([k, v]) => !(k === 'fromLogits' && v === false)));
  return within(f, () => factory(withDefaults));
}

function readLoss(name: Field, fromLogits: boolean): Loss {
  const loss = within(name, () => getLoss(name.string('a loss name') as LossKey, 'load'));
  if (!fromLogits) return loss;
  const make = WITH_LOGITS.get(loss.name);
  if (!make) name.fail('a cross-entropy when fromLogits is true');
  return make({ fromLogits });
}

/**
 * The metrics: keys (checked), metric objects rebuilt from their class name and config (which the
 * constructor checks). A metric function was saved by its name only: the file cannot bring it back,
 * so loading fails, saying to load with { compile: false } and compile again with the function.
 */
function readMetrics(f: Field): MetricSpec[] {
  // TF.js writes {} for a model compiled without metrics.
  if (f.absent || (typeof f.value === 'object' && !Array.isArray(f.value) && f.keys().length === 0)) return [];
  return f.array('an array of metric names').map((m): MetricSpec => {
    if (typeof m.value === 'object' && m.value !== null && !Array.isArray(m.value)) {
      m.object();
      const fn = m.get('function');
      if (!fn.absent) {
        const name = fn.string('a function name');
        m.error(`names the metric function ${name}, which a file cannot hold. ${COMPILE_HINT.replace('call compile yourself', `call compile yourself with ${name}`)}`);
      }
      const className = m.get('className').string('a metric class name');
      const Class = METRIC_CLASSES.get(className);
      if (!Class) m.get('className').fail(`a metric class layerwise has (${[...METRIC_CLASSES.keys()].join(', ')})`, COMPILE_HINT);
      const config = m.get('config').object();
      const options = Object.fromEntries(config.keys().filter((k) => !config.get(k).missing).map((k) => [k, config.get(k).value]));
      const Rebuilt = Class!;
      return within(config, () => new Rebuilt(options));
    }
    const name = m.string('a metric name');
    within(m, () => checkMetric(name));
    return name;
  });
}

/** Compile settings from layerwise's metadata. */
export function readCompileMetadata(f: Field): CompileSettings {
  f.object();
  const optimizer = f.get('optimizer').object();
  const loss = f.get('loss').object();
  return {
    optimizer: readOptimizer(optimizer.get('className'), optimizer.get('config')),
    loss: readLossConfig(loss),
    metrics: readMetrics(f.get('metrics')),
  };
}

/** Compile settings from TF.js's `trainingConfig` (a model TF.js saved). */
export function readTrainingConfig(f: Field): CompileSettings {
  f.object();
  for (const unsupported of ['loss_weights', 'weighted_metrics', 'sample_weight_mode']) {
    if (!f.get(unsupported).absent) f.get(unsupported).fail('null', `layerwise trains with one unweighted loss. ${COMPILE_HINT}`);
  }
  const optimizer = f.get('optimizer_config').object();
  return {
    optimizer: readOptimizer(optimizer.get('class_name'), optimizer.get('config')),
    loss: readLoss(f.get('loss'), false),
    metrics: readMetrics(f.get('metrics')),
  };
}

/** The optimizer's state arrays, named after the weights they belong to and the optimizer's slot names (`dense_1/kernel/m`). */
export function writeOptimizerState(optimizer: Optimizer, params: readonly NamedParam[]): NamedFloats[] {
  const names = optimizer.slotNames();
  return params.flatMap(({ param, name }) =>
    (optimizer.getSlots(param) ?? []).map((values, i) => ({ name: `${name}/${names[i]}`, shape: param.value.shape, values })),
  );
}

/**
 * Restores the optimizer's state arrays. Every state weight must belong to a weight of the model
 * and have its shape; a weight without state has not taken a step yet.
 */
export function restoreOptimizerState(optimizer: Optimizer, params: readonly NamedParam[], state: Map<string, Weight>, field: Field): void {
  const names = optimizer.slotNames();
  let used = 0;
  for (const { param, name } of params) {
    const slots = names.map((slot) => state.get(`${name}/${slot}`));
    const found = slots.filter((s) => s !== undefined).length;
    if (found === 0) continue;
    const bad = slots.findIndex((s) => !s || s.spec.shape.join() !== param.value.shape.join());
    if (bad >= 0) {
      field.error(
        `must hold ${names.map((s) => `"${name}/${s}"`).join(' and ')} of shape [${param.value.shape.join(', ')}], ` +
          `but ${slots[bad] ? `"${name}/${names[bad]}" has shape [${slots[bad]!.spec.shape.join(', ')}]` : `"${name}/${names[bad]}" is missing`}.`,
      );
    }
    optimizer.setSlots(param, slots.map((s) => s!.values));
    used += found;
  }
  if (used !== state.size) {
    const known = new Set(params.flatMap(({ name }) => names.map((s) => `${name}/${s}`)));
    const stray = [...state.keys()].find((k) => !known.has(k));
    field.error(`names the state "${stray}", which belongs to no weight of the model (a ${optimizer.className} keeps ${names.join(', ') || 'no state'}).`);
  }
}

/** One of TF.js's optimizer state arrays for a weight: its name suffix, and its values from layerwise's slots. */
interface TfjsSlot {
  suffix: string;
  values: (slots: readonly Float32Array[], learningRate: number) => Float32Array;
}

/**
 * TF.js's optimizer state in layerwise's terms, for the optimizers whose `trainingConfig` TF.js
 * reads (`TO_TFJS`): each TF.js array from layerwise's slots. TF.js's Momentum accumulates
 * a = m·a + g and steps w −= lr·a, where Keras's velocity is v = m·v − lr·g: a = −v / lr. Adam's
 * moments are Keras's. RMSProp keeps its moments even without momentum (zeros then).
 */
const TFJS_SLOTS: Record<string, (config: Record<string, number | boolean>) => TfjsSlot[] | undefined> = {
  SGD: ({ momentum }) => ((momentum as number) > 0 ? [{ suffix: 'momentum', values: ([v], lr) => v.map((x) => -x / lr) }] : []),
  Adam: ({ amsgrad }) => (amsgrad ? undefined : [{ suffix: 'm', values: ([m]) => m }, { suffix: 'v', values: ([, v]) => v }]),
  RMSprop: ({ momentum, centered }) =>
    centered
      ? undefined
      : [
          { suffix: 'rms', values: ([ms]) => ms },
          { suffix: 'momentum', values: (slots) => ((momentum as number) > 0 ? slots[1] : new Float32Array(slots[0].length)) },
        ],
};

/**
 * The optimizer's state as TF.js keeps its own (`group: 'optimizer'` in the weights manifest, which
 * `tf.loadLayersModel` hands to the optimizer it builds from `trainingConfig`): the step count as
 * an int32, then each kind of array for every trainable weight in the model's order. Undefined
 * when TF.js would not continue with the same updates (no `trainingConfig` is written, or a
 * weight has no state yet): TF.js then starts its optimizer afresh.
 */
export function writeTfjsOptimizerState(optimizer: Optimizer, trainable: readonly NamedParam[]): NamedValues[] | undefined {
  const config = optimizer.getConfig();
  if (!toTfjs(optimizer.className, config)) return undefined;
  const kinds = TFJS_SLOTS[optimizer.className]?.(config as Record<string, number | boolean>);
  const slots = trainable.map(({ param }) => optimizer.getSlots(param));
  if (!kinds || slots.some((s) => s === undefined && optimizer.slotNames().length > 0)) return undefined;
  const learningRate = config.learningRate as number;
  return [
    { name: 'iter', shape: [], values: new Int32Array([optimizer.iterations]), group: 'optimizer' },
    ...kinds.flatMap(({ suffix, values }) =>
      trainable.map(({ param, name }, i) => ({ name: `${name}/${suffix}`, shape: param.value.shape, values: values(slots[i] ?? [], learningRate), group: 'optimizer' as const })),
    ),
  ];
}
