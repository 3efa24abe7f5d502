import { LayerwiseError } from '../util/errors';
import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import { describeValue } from '../util/options';
import * as losses from './losses';
import type { Loss } from './losses';

export type { Loss, CrossentropyOptions } from './losses';
export { losses };

const BY_KEY = {
  mean_squared_error: losses.meanSquaredError,
  mse: losses.meanSquaredError,
  mean_absolute_error: losses.meanAbsoluteError,
  mae: losses.meanAbsoluteError,
  binary_crossentropy: () => losses.binaryCrossentropy(),
  categorical_crossentropy: () => losses.categoricalCrossentropy(),
  sparse_categorical_crossentropy: () => losses.sparseCategoricalCrossentropy(),
} as const;

/**
 * A loss key in TF.js camelCase, Keras snake_case or class-name spelling
 * (`'binaryCrossentropy'`, `'binary_crossentropy'`, `'BinaryCrossentropy'`).
 */
export type LossKey = keyof typeof BY_KEY | SnakeToCamel<keyof typeof BY_KEY> | Capitalize<SnakeToCamel<keyof typeof BY_KEY>>;

const registry = new KeyRegistry<() => Loss>('loss', BY_KEY);

/** Resolves a loss given by key or as an object (`losses.binaryCrossentropy({ fromLogits: true })`). */
export function getLoss(spec: LossKey | Loss, where = 'compile'): Loss {
  if (typeof spec === 'string') return registry.get(spec, where)();
  const loss = spec as Partial<Loss> | null;
  if (loss && typeof loss === 'object' && typeof loss.compute === 'function' && typeof loss.checkLabels === 'function' && typeof loss.getConfig === 'function') return spec;
  throw new LayerwiseError(
    `${where}: loss must be a key (such as 'meanSquaredError' or 'binaryCrossentropy') or a loss from losses (losses.categoricalCrossentropy({ fromLogits: true })), but received ${describeValue(spec)}.`,
  );
}
