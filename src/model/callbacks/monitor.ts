import { LayerwiseError } from '../../util/errors';
import { describeValue } from '../../util/options';
import type { FitParams, Logs } from './base';

/** Whether the watched value should go down (`'min'`), up (`'max'`), or as its name says (`'auto'`). */
export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * The direction `'auto'` picks, as Keras: up for accuracies (`accuracy`, `val_accuracy`, `acc`),
 * down for everything else (losses, errors, `dead/<layer>`).
 */
export function autoMode(monitor: string): 'min' | 'max' {
  return /acc(uracy)?$/.test(monitor.replace(/^val_/, '')) ? 'max' : 'min';
}

/**
 * A logged value that a callback watches for improvement (EarlyStopping, ReduceLROnPlateau): which
 * entry, which direction, and the least change that counts.
 */
export class Monitored {
  readonly mode: 'min' | 'max';
  readonly minDelta: number;

  constructor(
    private readonly where: string,
    readonly name: string,
    mode: MonitorMode,
    minDelta: number,
  ) {
    if (typeof name !== 'string' || name === '') {
      throw new LayerwiseError(`${where}: monitor must be the name of a logged value, such as 'val_loss' or 'accuracy'. Received: monitor=${describeValue(name)}.`);
    }
    if (!['auto', 'min', 'max'].includes(mode)) {
      throw new LayerwiseError(`${where}: mode must be 'auto', 'min' or 'max'. Received: mode=${describeValue(mode)}.`);
    }
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) {
      throw new LayerwiseError(`${where}: minDelta must be a finite number. Received: minDelta=${describeValue(minDelta)}.`);
    }
    this.mode = mode === 'auto' ? autoMode(name) : mode;
    this.minDelta = Math.abs(minDelta);
  }

  /** The starting best: worse than any value. */
  get worst(): number {
    return this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Whether `current` beats `best` by more than `minDelta`. */
  improves(current: number, best: number): boolean {
    return this.mode === 'min' ? current < best - this.minDelta : current > best + this.minDelta;
  }

  /**
   * Throws, at `onTrainBegin`, when the watched value can never be logged in this fit: a `val_`
   * entry with no validation data (`params.validation` false). Nothing has trained yet then.
   */
  checkFit(params: FitParams): void {
    if (params.validation !== false || !this.name.startsWith('val_')) return;
    throw new LayerwiseError(
      `${this.where}: monitor "${this.name}" is a validation value, but this fit has no validation data, so it would never be logged. ` +
        `Pass validationData or validationSplit to fit, or monitor "${this.name.slice('val_'.length)}".`,
    );
  }

  /** The watched value from an epoch's logs; throws, listing what there is, when it is missing. */
  read(logs: Logs): number {
    const value = logs[this.name];
    if (value === undefined) {
      const hint = this.name.startsWith('val_') ? ' Entries starting with val_ need validationData or validationSplit in fit.' : '';
      throw new LayerwiseError(
        `${this.where}: monitor "${this.name}" is not in the logs, which hold ${Object.keys(logs).map((k) => `"${k}"`).join(', ')}.${hint}`,
      );
    }
    return value;
  }
}
