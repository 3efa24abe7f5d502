import { KeyRegistry } from '../util/keys';
import { Adam } from './adam';
import type { Optimizer } from './optimizer';
import { SGD } from './sgd';

export { Optimizer, type OptimizerOptions } from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';

/** An optimizer key, with Keras's default settings (`'sgd'`, `'adam'`). */
export type OptimizerKey = 'sgd' | 'adam' | 'SGD' | 'Adam';

const registry = new KeyRegistry<() => Optimizer>('optimizer', { sgd: () => new SGD(), adam: () => new Adam() });

export function getOptimizer(spec: OptimizerKey | Optimizer, where = 'compile'): Optimizer {
  return typeof spec === 'string' ? registry.get(spec, where)() : spec;
}
