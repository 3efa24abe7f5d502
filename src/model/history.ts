import { Callback, type Logs } from './callbacks';

/** What `fit` returns, as in Keras: per-epoch values of the loss and metrics, `val_` entries included. */
export class History extends Callback {
  /** Epoch indices, from 0. */
  readonly epoch: number[] = [];
  /** For each logged name (`loss`, `accuracy`, `val_loss`, ...), its value at each epoch. */
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }
}
