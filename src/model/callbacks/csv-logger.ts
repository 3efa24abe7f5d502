import { nodeFs, writeFileAtomic } from '../../util/fs';
import { Callback, type Logs } from './base';

export interface CSVLoggerOptions {
  /** Between values. Default `','`. */
  separator?: string;
  /** Add to an existing file instead of replacing it (its header is kept). Default false. */
  append?: boolean;
}

/**
 * Writes one row per epoch to a CSV file: `epoch`, then the logged values in name order, as
 * Keras's CSVLogger. The file is rewritten atomically at each epoch end, so it is never half
 * written. Needs Node; `text` holds the same content in any environment.
 */
export class CSVLogger extends Callback {
  readonly separator: string;
  readonly append: boolean;
  /** The file's content so far. */
  text = '';
  private keys?: string[];

  constructor(readonly filename: string, { separator = ',', append = false }: CSVLoggerOptions = {}) {
    super();
    this.separator = separator;
    this.append = append;
  }

  override onTrainBegin(): void {
    this.keys = undefined;
    this.text = '';
    if (!this.append) return;
    const fs = nodeFs('CSVLogger');
    if (fs.existsSync(this.filename)) this.text = fs.readFileSync(this.filename, 'utf8');
    if (this.text && !this.text.endsWith('\n')) this.text += '\n';
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if (!this.keys) {
      this.keys = Object.keys(logs).sort();
      if (!this.text) this.text = ['epoch', ...this.keys].join(this.separator) + '\n';
    }
    const row = [String(epoch), ...this.keys.map((k) => (k in logs ? String(logs[k]) : ''))];
    this.text += row.join(this.separator) + '\n';
    writeFileAtomic(this.filename, this.text, 'CSVLogger');
  }
}
