import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import { Adadelta } from './adadelta';
import { Adagrad } from './adagrad';
import { Adam } from './adam';
import { Adamax } from './adamax';
import { AdamW } from './adamw';
import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { Optimizer, type OptimizerConfig } from './optimizer';
import { Nadam } from './nadam';
import { RMSprop } from './rmsprop';
import { SGD } from './sgd';

export { Optimizer, BASE_OPTIONS, type OptimizerOptions, type OptimizerConfig, type LearningRateSpec, type SavedSchedule } from './optimizer';
export type {
  LearningRateSchedule,
  ScheduleConfig,
  ExponentialDecayOptions,
  PiecewiseConstantDecayOptions,
  InverseTimeDecayOptions,
  PolynomialDecayOptions,
  CosineDecayOptions,
  CosineDecayRestartsOptions,
} from './schedules';
export { SGD, type SGDOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';
export { RMSprop, type RMSpropOptions } from './rmsprop';
export { Adagrad, type AdagradOptions } from './adagrad';
export { Adadelta, type AdadeltaOptions } from './adadelta';
export { Adamax, type AdamaxOptions } from './adamax';
export { Nadam, type NadamOptions } from './nadam';
export { AdamW, type AdamWOptions } from './adamw';

/** The constructor of an optimizer class, which rebuilds an optimizer from its `getConfig()`. */
export type OptimizerClass = (new (config?: OptimizerConfig) => Optimizer) & { readonly className: string; readonly options: readonly string[] };

/**
 * Every optimizer, by its key. One fixed map: a new optimizer is one file and one line here; keys,
 * class lookups by name (for saved files) and the `OptimizerKey` type all come from it.
 */
const OPTIMIZERS = {
  sgd: SGD,
  adam: Adam,
  rmsprop: RMSprop,
  adagrad: Adagrad,
  adadelta: Adadelta,
  adamax: Adamax,
  nadam: Nadam,
  adamw: AdamW,
} as const;

type Key = keyof typeof OPTIMIZERS;

/** An optimizer key, with Keras's default settings: `'sgd'`, `'adam'`, `'rmsprop'`, or the class name (`'RMSprop'`). */
export type OptimizerKey = Key | SnakeToCamel<Key> | (typeof OPTIMIZERS)[Key]['className'];

const CLASSES = Object.values(OPTIMIZERS) as readonly OptimizerClass[];
const registry = new KeyRegistry<OptimizerClass>('optimizer', OPTIMIZERS as unknown as Record<string, OptimizerClass>);

/** The optimizer classes by class name (`'RMSprop'`); a `Map`, so `__proto__` finds nothing. */
export const OPTIMIZER_CLASSES: ReadonlyMap<string, OptimizerClass> = new Map(CLASSES.map((c) => [c.className, c]));

export function getOptimizer(spec: OptimizerKey | Optimizer, where = 'compile'): Optimizer {
  if (typeof spec === 'string') return new (registry.get(spec, where))();
  if (spec instanceof Optimizer) return spec;
  const hint = typeof spec === 'function' ? ` Create an instance with new: new ${(spec as { name?: string }).name || 'SGD'}({ learningRate: 0.01 }).` : '';
  throw new LayerwiseError(`${where}: optimizer must be a key (${registry.keys().map((k) => `'${k}'`).join(', ')}) or an optimizer such as new SGD({ learningRate: 0.01 }), but received ${describeValue(spec)}.${hint}`);
}
