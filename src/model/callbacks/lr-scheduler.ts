import { LayerwiseError } from '../../util/errors';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, type Logs } from './base';

/** The learning rate at each epoch from a function of the epoch (from 0) and the current rate. */
export type Schedule = (epoch: number, learningRate: number) => number;

/**
 * Sets the optimizer's learning rate at the start of each epoch to `schedule(epoch, lr)`, and logs
 * it as `learning_rate` at the epoch's end (as Keras). The number it sets replaces a learning rate
 * schedule the optimizer had (`lr` is then the schedule's rate for the epoch's first step).
 *
 *   new LearningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9))
 */
export class LearningRateScheduler extends Callback {
  /** The options the constructor takes, when it is given an object rather than the schedule itself. */
  static readonly options: readonly string[] = ['schedule'];
  readonly schedule: Schedule;

  /** `new LearningRateScheduler((epoch, lr) => ...)`, or `new LearningRateScheduler({ schedule })`. */
  constructor(schedule: Schedule | { schedule: Schedule }) {
    super();
    const given =
      typeof schedule === 'object' && schedule !== null && !Array.isArray(schedule)
        ? checkOptions<{ schedule?: unknown }>('LearningRateScheduler', schedule, LearningRateScheduler.options).schedule
        : schedule;
    if (typeof given !== 'function') {
      throw new LayerwiseError(`LearningRateScheduler: expected a function (epoch, learningRate) => learningRate, but received ${describeValue(given)}.`);
    }
    this.schedule = given as Schedule;
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.model.requireCompiled('LearningRateScheduler').optimizer;
    const lr = this.schedule(epoch, optimizer.learningRate);
    if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) {
      throw new LayerwiseError(`LearningRateScheduler: the schedule returned ${lr} for epoch ${epoch}; it must return a positive number.`);
    }
    optimizer.learningRate = lr;
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = this.model.requireCompiled('LearningRateScheduler').optimizer.learningRate;
  }
}
