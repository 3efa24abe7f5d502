import { LayerwiseError } from '../../util/errors';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, type Logs } from './base';

export interface TerminateOnNaNOptions {
  /** Where the message goes when training stops; default `console.warn`. */
  printFn?: (line: string) => void;
}

/**
 * Stops training, as Keras's, at the batch whose logged loss is NaN or infinite, and lets `fit`
 * resolve. Since `fit` checks the loss itself (it stops with an error and undoes the step that
 * diverged before any callback sees a non-finite loss), this callback only acts on a loss that
 * another callback made non-finite in the batch logs; it is kept for Keras scripts that add it.
 */
export class TerminateOnNaN extends Callback {
  /** The options the constructor takes. */
  static readonly options: readonly string[] = ['printFn'];
  /** Where training stopped, if it did: the epoch and the batch, from 0. */
  stoppedAt?: { epoch: number; batch: number };
  private readonly printFn: (line: string) => void;
  private epoch = 0;

  constructor(options: TerminateOnNaNOptions = {}) {
    super();
    const { printFn = console.warn } = checkOptions<TerminateOnNaNOptions>('TerminateOnNaN', options, TerminateOnNaN.options, { example: '{ printFn: console.log }' });
    if (typeof printFn !== 'function') {
      throw new LayerwiseError(`TerminateOnNaN: printFn must be a function (line) => void, such as console.log. Received: printFn=${describeValue(printFn)}.`);
    }
    this.printFn = printFn;
  }

  override onTrainBegin(): void {
    this.stoppedAt = undefined;
  }

  override onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    const { loss } = logs;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.stoppedAt = { epoch: this.epoch, batch };
    this.model.stopTraining = true;
    this.printFn(`Epoch ${this.epoch + 1}, batch ${batch}: invalid loss ${loss}, terminating training`);
  }
}
