import type { Sequential } from '../sequential';

/** Named numbers reported by training: `loss`, metrics, `val_` entries, and what callbacks add. */
export type Logs = Record<string, number>;

/** The settings `fit` runs with, as callbacks see them. */
export interface FitParams {
  epochs: number;
  /** Batches per epoch. */
  steps: number;
  /** Training samples (validation excluded). */
  samples: number;
  /**
   * Whether fit has validation data (`validationData` or `validationSplit`), so that epoch logs hold
   * `val_` entries: callbacks that watch one check it at `onTrainBegin`, before any epoch trains.
   * Undefined when the caller does not say; a `val_` entry missing from the logs then fails at the
   * first epoch end.
   */
  validation?: boolean;
}

/**
 * Hooks into `fit`. Override the ones you need. Batch logs hold `batch`, `size` (its samples) and,
 * as in Keras 3, the means of the loss and metrics over the epoch so far; epoch logs hold the
 * epoch's means and the `val_` entries, and a callback may
 * add entries to them in `onEpochEnd` (see `fitCallbacks` for the order that makes them reach the
 * progress line and the History).
 *
 * Set `this.model.stopTraining = true` to stop: `fit` checks it after every batch, as Keras does,
 * and then ends the epoch (`onEpochEnd` with the means so far) and the training.
 */
export abstract class Callback {
  /** The model being trained; set by `fit` before `onTrainBegin`. */
  model!: Sequential;
  /** The settings `fit` runs with. */
  params: FitParams = { epochs: 0, steps: 0, samples: 0 };

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

/** The name of a hook of `Callback`. */
export type Hook = 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';

/** Every hook, in the order of a training run. */
export const HOOKS: readonly Hook[] = ['onTrainBegin', 'onEpochBegin', 'onBatchBegin', 'onBatchEnd', 'onEpochEnd', 'onTrainEnd'];
