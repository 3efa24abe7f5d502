import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { custom, isCustomLossSpec, type CustomLossSpec } from './custom';
import * as builtIn from './losses';
import type { Loss } from './losses';
import { registry, type LossKey } from './registry';

export type {
  Loss,
  LossConfig,
  CrossentropyOptions,
  SparseCrossentropyOptions,
  HuberOptions,
  CosineSimilarityOptions,
  BinaryFocalCrossentropyOptions,
} from './losses';
export type { CustomLossSpec } from './custom';
export type { LossKey } from './registry';

/** The loss factories (`losses.huber({ delta: 2 })`), `losses.custom({ name, fn, grad })` and `EPSILON`. */
export const losses = { ...builtIn, custom };

/**
 * Resolves a loss given by key, as an object (`losses.binaryCrossentropy({ fromLogits: true })`),
 * or as a custom loss's `{ name, fn, grad }`.
 */
export function getLoss(spec: LossKey | Loss | CustomLossSpec, where = 'compile'): Loss {
  if (typeof spec === 'string') return registry.get(spec, where)();
  if (isCustomLossSpec(spec)) return custom(spec);
  const loss = spec as Partial<Loss> | null;
  if (loss && typeof loss === 'object' && typeof loss.compute === 'function' && typeof loss.checkLabels === 'function' && typeof loss.getConfig === 'function') return spec as Loss;
  throw new LayerwiseError(
    `${where}: loss must be a key (such as 'meanSquaredError' or 'binaryCrossentropy'), a loss from losses (losses.categoricalCrossentropy({ fromLogits: true })) or a custom loss { name, fn, grad }, but received ${describeValue(spec)}.`,
  );
}
