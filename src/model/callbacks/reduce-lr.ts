import { LayerwiseError } from '../../util/errors';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, type Logs } from './base';
import { Monitored, type MonitorMode } from './monitor';

export interface ReduceLROnPlateauOptions {
  /** The logged value to watch. Default `'val_loss'`. */
  monitor?: string;
  /** The learning rate is multiplied by this, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement after which the rate is reduced. Default 10. */
  patience?: number;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracies, min otherwise). Default `'auto'`. */
  mode?: MonitorMode;
  /** The least change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs to wait after a reduction before counting again. Default 0. */
  cooldown?: number;
  /** The learning rate never goes below this. Default 0. */
  minLr?: number;
}

function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new LayerwiseError(`ReduceLROnPlateau: ${name} must be a non-negative integer. Received: ${name}=${describeValue(value)}.`);
  }
  return value;
}

/**
 * Multiplies the learning rate by `factor` when the monitored value has not improved for
 * `patience` epochs, with Keras's semantics (cooldown, floor `minLr`); logs `learning_rate`.
 */
export class ReduceLROnPlateau extends Callback {
  /** The options the constructor takes. */
  static readonly options: readonly string[] = ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr'];
  readonly monitor: Monitored;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  /** The best value seen so far. */
  best = Infinity;
  /** Epochs since the last improvement or reduction. */
  wait = 0;
  private cooldownCounter = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    const { monitor = 'val_loss', factor = 0.1, patience = 10, mode = 'auto', minDelta = 1e-4, cooldown = 0, minLr = 0 } = checkOptions<ReduceLROnPlateauOptions>(
      'ReduceLROnPlateau',
      options,
      ReduceLROnPlateau.options,
      { example: `{ monitor: 'val_loss', factor: 0.5, patience: 5 }` },
    );
    this.monitor = new Monitored('ReduceLROnPlateau', monitor, mode, minDelta);
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
      throw new LayerwiseError(`ReduceLROnPlateau: factor must be in (0, 1), as the rate is multiplied by it. Received: factor=${describeValue(factor)}.`);
    }
    if (typeof minLr !== 'number' || !(minLr >= 0) || !Number.isFinite(minLr)) {
      throw new LayerwiseError(`ReduceLROnPlateau: minLr must be a non-negative number. Received: minLr=${describeValue(minLr)}.`);
    }
    this.factor = factor;
    this.patience = checkCount('patience', patience);
    this.cooldown = checkCount('cooldown', cooldown);
    this.minLr = minLr;
  }

  override onTrainBegin(): void {
    this.monitor.checkFit(this.params);
    // As Keras, whose optimizer refuses a rate set over a schedule: reducing would end the schedule silently.
    const schedule = this.model?.optimizer?.schedule;
    if (schedule) {
      throw new LayerwiseError(
        `ReduceLROnPlateau: the optimizer's learning rate is a schedule (${schedule.className}), which the callback cannot reduce. Give the optimizer a number as its learningRate, or drop the callback.`,
      );
    }
    this.best = this.monitor.worst;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const optimizer = this.model.requireCompiled('ReduceLROnPlateau').optimizer;
    logs.learning_rate = optimizer.learningRate;
    const current = this.monitor.read(logs);
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.monitor.improves(current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0 && ++this.wait >= this.patience && optimizer.learningRate > this.minLr) {
      optimizer.learningRate = Math.max(optimizer.learningRate * this.factor, this.minLr);
      this.cooldownCounter = this.cooldown;
      this.wait = 0;
    }
  }
}
