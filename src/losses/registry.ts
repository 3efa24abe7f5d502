import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import type { Loss } from './core';
import * as losses from './losses';

/** Every loss by key: Keras 3's snake_case names and aliases; the camelCase and class-name spellings resolve to the same. */
const BY_KEY = {
  mean_squared_error: losses.meanSquaredError,
  mse: losses.meanSquaredError,
  mean_absolute_error: losses.meanAbsoluteError,
  mae: losses.meanAbsoluteError,
  mean_absolute_percentage_error: losses.meanAbsolutePercentageError,
  mape: losses.meanAbsolutePercentageError,
  mean_squared_logarithmic_error: losses.meanSquaredLogarithmicError,
  msle: losses.meanSquaredLogarithmicError,
  huber: () => losses.huber(),
  huber_loss: () => losses.huber(),
  log_cosh: losses.logCosh,
  hinge: losses.hinge,
  squared_hinge: losses.squaredHinge,
  categorical_hinge: losses.categoricalHinge,
  kl_divergence: losses.kullbackLeiblerDivergence,
  kld: losses.kullbackLeiblerDivergence,
  kullback_leibler_divergence: losses.kullbackLeiblerDivergence,
  poisson: losses.poisson,
  cosine_similarity: () => losses.cosineSimilarity(),
  binary_crossentropy: () => losses.binaryCrossentropy(),
  binary_focal_crossentropy: () => losses.binaryFocalCrossentropy(),
  categorical_crossentropy: () => losses.categoricalCrossentropy(),
  sparse_categorical_crossentropy: () => losses.sparseCategoricalCrossentropy(),
} as const;

/**
 * A loss key in TF.js camelCase, Keras snake_case or class-name spelling
 * (`'binaryCrossentropy'`, `'binary_crossentropy'`, `'BinaryCrossentropy'`).
 */
export type LossKey = keyof typeof BY_KEY | SnakeToCamel<keyof typeof BY_KEY> | Capitalize<SnakeToCamel<keyof typeof BY_KEY>>;

export const registry = new KeyRegistry<() => Loss>('loss', BY_KEY);
