import { LayerwiseError } from '../../util/errors';
import { nodeFs, nodePath, writeFileAtomic } from '../../util/fs';
import { checkOptions, describeValue } from '../../util/options';
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
  /** The options the constructor takes (after the filename). */
  static readonly options: readonly string[] = ['separator', 'append'];
  readonly separator: string;
  readonly append: boolean;
  /** The file's content so far. */
  text = '';
  private keys?: string[];

  constructor(readonly filename: string, options: CSVLoggerOptions = {}) {
    super();
    if (typeof filename !== 'string' || filename === '') {
      throw new LayerwiseError(`CSVLogger: filename must be a file path, such as new CSVLogger('training.csv', { separator: ';' }). Received: ${describeValue(filename)}.`);
    }
    const { separator = ',', append = false } = checkOptions<CSVLoggerOptions>('CSVLogger', options, CSVLogger.options, { example: `{ separator: ';', append: true }` });
    if (typeof separator !== 'string' || separator === '' || /[\r\n]/.test(separator)) {
      throw new LayerwiseError(`CSVLogger: separator must be a non-empty string without line breaks, such as ',' or ';'. Received: separator=${describeValue(separator)}.`);
    }
    if (typeof append !== 'boolean') throw new LayerwiseError(`CSVLogger: append must be true or false. Received: append=${describeValue(append)}.`);
    this.separator = separator;
    this.append = append;
  }

  /** Checks, before any epoch trains, that the file can be written: not a directory, in a directory that exists (as Keras opens it here). */
  override onTrainBegin(): void {
    const fs = nodeFs('CSVLogger');
    const dir = nodePath('CSVLogger').dirname(this.filename);
    if (fs.statSync(this.filename, { throwIfNoEntry: false })?.isDirectory()) {
      throw new LayerwiseError(`CSVLogger: ${this.filename} is a directory; give the path of a file to write, such as ${JSON.stringify(nodePath('CSVLogger').join(this.filename, 'training.csv'))}.`);
    }
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new LayerwiseError(`CSVLogger: cannot write ${this.filename}: the directory ${dir} does not exist. Create it first.`);
    }
    this.keys = undefined;
    this.text = '';
    if (!this.append) return;
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
