import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import { Adam } from './adam';
import type { Optimizer, OptimizerConfig } from './optimizer';
import { RMSprop } from './rmsprop';
import { SGD } from './sgd';

export { Optimizer, type OptimizerOptions, type OptimizerConfig } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';
export { RMSprop, type RMSpropOptions } from './rmsprop';

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
} as const;

type Key = keyof typeof OPTIMIZERS;

/** An optimizer key, with Keras's default settings: `'sgd'`, `'adam'`, `'rmsprop'`, or the class name (`'RMSprop'`). */
export type OptimizerKey = Key | SnakeToCamel<Key> | (typeof OPTIMIZERS)[Key]['className'];

const CLASSES = Object.values(OPTIMIZERS) as readonly OptimizerClass[];
const registry = new KeyRegistry<OptimizerClass>('optimizer', OPTIMIZERS as unknown as Record<string, OptimizerClass>);

/** The optimizer classes by class name (`'RMSprop'`); a `Map`, so `__proto__` finds nothing. */
export const OPTIMIZER_CLASSES: ReadonlyMap<string, OptimizerClass> = new Map(CLASSES.map((c) => [c.className, c]));

export function getOptimizer(spec: OptimizerKey | Optimizer, where = 'compile'): Optimizer {
  return typeof spec === 'string' ? new (registry.get(spec, where))() : spec;
}
