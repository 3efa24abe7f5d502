import type { Tensor } from '../../tensor/tensor';
import { LayerwiseError } from '../../util/errors';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, type Logs } from './base';
import { Monitored, type MonitorMode } from './monitor';

export interface EarlyStoppingOptions {
  /** The logged value to watch. Default `'val_loss'`. */
  monitor?: string;
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement after which training stops. Default 0. */
  patience?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracies, min otherwise). Default `'auto'`. */
  mode?: MonitorMode;
  /**
   * At the end of training, put back the weights of the best epoch (as Keras 3: whether training
   * stopped early or ran all its epochs). Default false: the last weights stay.
   */
  restoreBestWeights?: boolean;
}

/**
 * Stops training when the monitored value has not improved for `patience` epochs, with Keras's
 * semantics: the check runs at each epoch end, and never stops after the first epoch.
 */
export class EarlyStopping extends Callback {
  /** The options the constructor takes. */
  static readonly options: readonly string[] = ['monitor', 'minDelta', 'patience', 'mode', 'restoreBestWeights'];
  readonly monitor: Monitored;
  readonly patience: number;
  readonly restoreBestWeights: boolean;
  /** The best value seen so far. */
  best = Infinity;
  /** The epoch (from 0) with the best value. */
  bestEpoch = 0;
  /** The epoch (from 0) at which training was stopped; 0 if it was not. */
  stoppedEpoch = 0;
  /** Epochs since the last improvement. */
  wait = 0;
  private bestWeights?: Tensor[];

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const { monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', restoreBestWeights = false } = checkOptions<EarlyStoppingOptions>(
      'EarlyStopping',
      options,
      EarlyStopping.options,
      { example: `{ monitor: 'val_loss', patience: 3 }` },
    );
    this.monitor = new Monitored('EarlyStopping', monitor, mode, minDelta);
    if (!Number.isInteger(patience) || patience < 0) {
      throw new LayerwiseError(`EarlyStopping: patience must be a non-negative integer. Received: patience=${describeValue(patience)}.`);
    }
    if (typeof restoreBestWeights !== 'boolean') {
      throw new LayerwiseError(`EarlyStopping: restoreBestWeights must be true or false. Received: restoreBestWeights=${describeValue(restoreBestWeights)}.`);
    }
    this.patience = patience;
    this.restoreBestWeights = restoreBestWeights;
  }

  override onTrainBegin(): void {
    this.monitor.checkFit(this.params);
    this.best = this.monitor.worst;
    this.bestEpoch = 0;
    this.stoppedEpoch = 0;
    this.wait = 0;
    this.bestWeights = undefined;
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitor.read(logs);
    if (this.restoreBestWeights && !this.bestWeights) this.bestWeights = this.model.getWeights();
    this.wait++;
    if (this.monitor.improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = this.model.getWeights();
      this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override onTrainEnd(): void {
    if (this.restoreBestWeights && this.bestWeights) this.model.setWeights(this.bestWeights);
  }
}
