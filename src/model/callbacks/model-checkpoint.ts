import { LayerwiseError } from '../../util/errors';
import { nodeFs, nodePath } from '../../util/fs';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, type Logs } from './base';
import { Monitored, type MonitorMode } from './monitor';

export interface ModelCheckpointOptions {
  /**
   * The directory to save into, as `model.save` takes it. It may hold `{epoch}` (counted from 1, as
   * Keras) and logged values with Python's format specs: `'ckpt/{epoch:02d}-{val_loss:.4f}'`.
   */
  filepath: string;
  /** The logged value that decides the best epoch. Default `'val_loss'`. */
  monitor?: string;
  /** Save only when the monitored value improves on the best so far. Default false: every epoch. */
  saveBestOnly?: boolean;
  /** `'min'`, `'max'`, or `'auto'` (max for accuracies, min otherwise). Default `'auto'`. */
  mode?: MonitorMode;
}

const FIELD = /\{([A-Za-z_][A-Za-z0-9_/]*)(?::([^{}]*))?\}/g;
const SPEC = /^(0?)(\d*)(?:\.(\d+))?([dfe]?)$/;

/** A number as Python's `format(value, spec)` writes it, for the specs `d`, `f`, `e` with width and precision. */
function formatNumber(value: number, spec: string): string {
  const [, zero, width, precision, type] = SPEC.exec(spec)!;
  const digits = precision === undefined ? 6 : Number(precision);
  let text =
    type === 'd' ? String(Math.trunc(value))
    : type === 'f' ? value.toFixed(digits)
    : type === 'e' ? value.toExponential(digits).replace(/e([+-])(\d)$/, 'e$10$2')
    : String(value);
  if (width && text.length < Number(width)) {
    const sign = zero && text.startsWith('-') ? '-' : '';
    text = sign + text.slice(sign.length).padStart(Number(width) - sign.length, zero ? '0' : ' ');
  }
  return text;
}

/**
 * Saves the model during `fit`, as Keras's ModelCheckpoint: at the end of every epoch, or only when
 * the monitored value improves (`saveBestOnly`). Each save is atomic (see `model.save`), so a
 * crash during training never leaves a broken checkpoint. Needs Node.
 */
export class ModelCheckpoint extends Callback {
  /** The options the constructor takes. */
  static readonly options: readonly string[] = ['filepath', 'monitor', 'saveBestOnly', 'mode'];
  readonly filepath: string;
  readonly monitor: Monitored;
  readonly saveBestOnly: boolean;
  /** The best monitored value so far (with `saveBestOnly`). */
  best = Infinity;
  /** The directories saved into, in order. */
  readonly saved: string[] = [];

  /** `new ModelCheckpoint({ filepath: 'ckpt/{epoch}', saveBestOnly: true })`, or `new ModelCheckpoint('ckpt/{epoch}')` (Keras's first argument). */
  constructor(options: ModelCheckpointOptions | string) {
    super();
    const { filepath, monitor = 'val_loss', saveBestOnly = false, mode = 'auto' } = checkOptions<Partial<ModelCheckpointOptions>>(
      'ModelCheckpoint',
      options,
      ModelCheckpoint.options,
      { positional: 'filepath', example: `{ filepath: 'checkpoints/{epoch}' }` },
    );
    if (typeof filepath !== 'string' || filepath === '') {
      throw new LayerwiseError(`ModelCheckpoint: filepath must be a directory path, such as 'checkpoints/{epoch}'. Received: ${describeValue(filepath)}.`);
    }
    if (typeof saveBestOnly !== 'boolean') {
      throw new LayerwiseError(`ModelCheckpoint: saveBestOnly must be true or false. Received: saveBestOnly=${describeValue(saveBestOnly)}.`);
    }
    for (const [, , spec] of filepath.matchAll(FIELD)) {
      if (spec !== undefined && !SPEC.test(spec)) {
        throw new LayerwiseError(`ModelCheckpoint: the format spec "${spec}" in filepath is not supported. Use d, f or e with a width and a precision, such as {epoch:03d} or {val_loss:.4f}.`);
      }
    }
    this.filepath = filepath;
    this.monitor = new Monitored('ModelCheckpoint', monitor, mode, 0);
    this.saveBestOnly = saveBestOnly;
  }

  /**
   * Checks, before any epoch trains, what would otherwise fail at the first save: a `val_` monitor
   * (with `saveBestOnly`) in a fit without validation data, and a filepath that cannot be a
   * directory because it, or a directory it is in, is an existing file.
   */
  override onTrainBegin(): void {
    if (this.saveBestOnly) this.monitor.checkFit(this.params);
    this.checkFilepath();
    this.best = this.monitor.worst;
  }

  /**
   * Throws when the directory a save writes into (the filepath, or the directory of a filepath
   * ending in .json) or any directory above it is an existing file. Only the parts before the first
   * `{field}` are the same at every epoch, so only those are looked at.
   */
  private checkFilepath(): void {
    const fs = nodeFs('ModelCheckpoint');
    const path = nodePath('ModelCheckpoint');
    const plain = this.filepath.startsWith('file://') ? this.filepath.slice('file://'.length) : this.filepath;
    let dir = plain.endsWith('.json') ? path.dirname(plain) : plain;
    for (;;) {
      if (!dir.includes('{')) {
        const stat = fs.statSync(dir, { throwIfNoEntry: false });
        if (stat && !stat.isDirectory()) {
          throw new LayerwiseError(
            `ModelCheckpoint: filepath ${JSON.stringify(this.filepath)} needs ${JSON.stringify(dir)} to be a directory, as model.save writes ` +
              `model.json and weight files into one, but it is an existing file. Give a directory path, such as 'checkpoints/{epoch}'.`,
          );
        }
        if (stat) return;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return;
      dir = parent;
    }
  }

  /** The path for an epoch (from 0) and its logs: `{epoch}` counts from 1, as in Keras. */
  pathFor(epoch: number, logs: Logs): string {
    const values: Logs = { ...logs, epoch: epoch + 1 };
    return this.filepath.replace(FIELD, (_, name: string, spec = '') => {
      const value = Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
      if (value === undefined) {
        throw new LayerwiseError(
          `ModelCheckpoint: filepath names {${name}}, which is not in the logs (${Object.keys(values).map((k) => `"${k}"`).join(', ')}).`,
        );
      }
      return formatNumber(value, spec);
    });
  }

  override async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const current = this.monitor.read(logs);
      if (!this.monitor.improves(current, this.best)) return;
      this.best = current;
    }
    const path = this.pathFor(epoch, logs);
    await this.model.save(path);
    this.saved.push(path);
  }
}
