import type { Sequential } from './sequential';

/** Named numbers reported by training: `loss`, metrics, `val_` entries. */
export type Logs = Record<string, number>;

/**
 * Hooks into `fit`. Override the ones you need; set `this.model.stopTraining = true` to stop
 * after the current epoch.
 */
export abstract class Callback {
  /** The model being trained; set by `fit` before `onTrainBegin`. */
  model!: Sequential;
  /** The settings `fit` runs with. */
  params: { epochs: number; steps: number; samples: number } = { epochs: 0, steps: 0, samples: 0 };

  onTrainBegin(_logs: Logs): void | Promise<void> {}
  onTrainEnd(_logs: Logs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs: Logs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: Logs): void | Promise<void> {}
  onBatchBegin(_batch: number, _logs: Logs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Logs): void | Promise<void> {}
}

type Hook = 'onTrainBegin' | 'onTrainEnd' | 'onEpochBegin' | 'onEpochEnd' | 'onBatchBegin' | 'onBatchEnd';

/** Calls a hook on every callback, in order, awaiting each. */
export async function notify(callbacks: readonly Callback[], hook: Hook, ...args: [Logs] | [number, Logs]): Promise<void> {
  for (const callback of callbacks) {
    await (callback[hook] as (...a: unknown[]) => void | Promise<void>)(...args);
  }
}
