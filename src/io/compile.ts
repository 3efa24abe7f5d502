import { toSnakeCase } from '../layers/naming';
import { getLoss, losses, type LossKey } from '../losses';
import type { Loss } from '../losses/losses';
import type { Compiled, CompileOptions } from '../model/sequential';
import { checkMetric } from '../model/metrics';
import { Adam } from '../optim/adam';
import type { Optimizer } from '../optim/optimizer';
import { SGD } from '../optim/sgd';
import { LayerwiseError } from '../util/errors';
import type { CompileMetadata, TrainingConfig } from './format';
import type { Field } from './json';
import type { NamedParam } from './topology';
import type { NamedValues, Weight } from './weights';

/** Losses TF.js and Keras know by the same name. */
const TFJS_LOSSES = new Set(['meanSquaredError', 'meanAbsoluteError', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy']);

/** The cross-entropies that take `fromLogits`, by the name their config gives. */
const WITH_LOGITS = new Map<string, (options: { fromLogits: boolean }) => Loss>([
  ['binaryCrossentropy', losses.binaryCrossentropy],
  ['categoricalCrossentropy', losses.categoricalCrossentropy],
  ['sparseCategoricalCrossentropy', losses.sparseCategoricalCrossentropy],
]);

/** The compile settings in layerwise's metadata, and in TF.js's `trainingConfig` when TF.js can read them exactly. */
export function writeCompile({ optimizer, loss, metrics }: Compiled): { compile: CompileMetadata; trainingConfig?: TrainingConfig } {
  const { name, fromLogits = false } = loss.getConfig();
  const compile: CompileMetadata = {
    optimizer: { className: optimizer.className, config: optimizer.getConfig() },
    loss: { name, fromLogits },
    metrics: [...metrics],
  };
  const optimizerConfig = tfjsOptimizer(optimizer);
  if (!optimizerConfig || !TFJS_LOSSES.has(name) || fromLogits) return { compile };
  return { compile, trainingConfig: { loss: toSnakeCase(name), metrics: metrics.map(toSnakeCase), optimizer_config: optimizerConfig } };
}

/** TF.js's name and config of an optimizer: SGD with momentum is its `Momentum` (the same updates). */
function tfjsOptimizer(optimizer: Optimizer): TrainingConfig['optimizer_config'] | undefined {
  if (optimizer instanceof SGD) {
    return optimizer.momentum > 0
      ? { class_name: 'Momentum', config: { learningRate: optimizer.learningRate, momentum: optimizer.momentum, useNesterov: optimizer.nesterov } }
      : { class_name: 'SGD', config: { learningRate: optimizer.learningRate } };
  }
  if (optimizer instanceof Adam) {
    const { learningRate, beta1, beta2, epsilon } = optimizer;
    return { class_name: 'Adam', config: { learningRate, beta1, beta2, epsilon } };
  }
  return undefined;
}

/** An option under any of its spellings (`learningRate`, `learning_rate`), or undefined. */
function option<T>(config: Field, names: string[], read: (f: Field) => T): T | undefined {
  const found = names.map((n) => config.get(n)).find((f) => !f.absent);
  return found && read(found);
}

const num = (f: Field) => f.number();

/** The optimizers a file may name: layerwise's and TF.js's names for them. */
const OPTIMIZERS = new Map<string, (config: Field) => Optimizer>([
  ['SGD', (c) => new SGD({ learningRate: option(c, ['learningRate', 'learning_rate'], num), momentum: option(c, ['momentum'], num), nesterov: option(c, ['nesterov', 'useNesterov', 'use_nesterov'], (f) => f.boolean()) })],
  ['Momentum', (c) => new SGD({ learningRate: option(c, ['learningRate', 'learning_rate'], num), momentum: option(c, ['momentum'], num) ?? 0, nesterov: option(c, ['useNesterov', 'use_nesterov', 'nesterov'], (f) => f.boolean()) })],
  ['Adam', (c) => new Adam({ learningRate: option(c, ['learningRate', 'learning_rate'], num), beta1: option(c, ['beta1', 'beta_1'], num), beta2: option(c, ['beta2', 'beta_2'], num), epsilon: option(c, ['epsilon'], num) })],
]);

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

function readOptimizer(className: Field, config: Field): Optimizer {
  const make = OPTIMIZERS.get(className.string('an optimizer class name'));
  if (!make) className.fail(`an optimizer layerwise has (${[...OPTIMIZERS.keys()].join(', ')})`, COMPILE_HINT);
  config.object();
  return within(config, () => make(config));
}

function readLoss(name: Field, fromLogits: boolean): Loss {
  const loss = within(name, () => getLoss(name.string('a loss name') as LossKey, 'load'));
  if (!fromLogits) return loss;
  const make = WITH_LOGITS.get(loss.name);
  if (!make) name.fail('a cross-entropy when fromLogits is true');
  return make({ fromLogits });
}

function readMetrics(f: Field): string[] {
  // TF.js writes {} for a model compiled without metrics.
  if (f.absent || (typeof f.value === 'object' && !Array.isArray(f.value) && f.keys().length === 0)) return [];
  return f.array('an array of metric names').map((m) => {
    const name = m.string('a metric name');
    within(m, () => checkMetric(name));
    return name;
  });
}

/** Compile settings from layerwise's metadata. */
export function readCompileMetadata(f: Field): CompileOptions {
  f.object();
  const optimizer = f.get('optimizer').object();
  const loss = f.get('loss').object();
  return {
    optimizer: readOptimizer(optimizer.get('className'), optimizer.get('config')),
    loss: readLoss(loss.get('name'), loss.get('fromLogits').optional((b) => b.boolean()) ?? false),
    metrics: readMetrics(f.get('metrics')),
  };
}

/** Compile settings from TF.js's `trainingConfig` (a model TF.js saved). */
export function readTrainingConfig(f: Field): CompileOptions {
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

/** Keras's names of the state arrays (`dense_1/kernel/momentum`); others are numbered. */
const SLOT_NAMES = new Map([
  ['SGD', ['momentum']],
  ['Adam', ['m', 'v']],
]);

function slotNames(optimizer: Optimizer): string[] {
  return Array.from({ length: optimizer.slotCount }, (_, i) => SLOT_NAMES.get(optimizer.className)?.[i] ?? `slot_${i}`);
}

/** The optimizer's state arrays, named after the weights they belong to. */
export function writeOptimizerState(optimizer: Optimizer, params: readonly NamedParam[]): NamedValues[] {
  const names = slotNames(optimizer);
  return params.flatMap(({ param, name }) =>
    (optimizer.getSlots(param) ?? []).map((values, i) => ({ name: `${name}/${names[i]}`, shape: param.value.shape, values })),
  );
}

/**
 * Restores the optimizer's state arrays. Every state weight must belong to a weight of the model
 * and have its shape; a weight without state has not taken a step yet.
 */
export function restoreOptimizerState(optimizer: Optimizer, params: readonly NamedParam[], state: Map<string, Weight>, field: Field): void {
  const names = slotNames(optimizer);
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
