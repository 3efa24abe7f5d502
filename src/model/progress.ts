import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';
import { Callback, type Logs } from './callbacks/base';

/** Where progress text goes: `process.stderr` fits, and so does any object with `write`. */
export interface ProgressSink {
  write(text: string): unknown;
  /** A terminal: the bar may be redrawn in place with carriage returns. */
  readonly isTTY?: boolean;
  /** The terminal's width; a redrawn line is cut to fit in it. */
  readonly columns?: number;
}

export interface ProgressLoggerOptions {
  /**
   * 1: `Epoch 3/10`, then a bar redrawn in place, ending in the epoch's values (on a terminal
   * only; elsewhere as 2). 2: one line per epoch. Default 1.
   */
  verbose?: 1 | 2;
  /** Default `process.stderr` in Node, `console.log` (one line per epoch) in a browser. */
  sink?: ProgressSink;
  /** The time in milliseconds, for elapsed time, ETA and the throttle. Default `performance.now`. */
  clock?: () => number;
  /** The least time between two redraws of the bar, in milliseconds. Default 50, as Keras. */
  interval?: number;
}

/** `process.stderr` where there is one; otherwise `console.log`, one line per write. */
export function defaultSink(): ProgressSink {
  const stderr = (globalThis as { process?: { stderr?: ProgressSink } }).process?.stderr;
  if (stderr && typeof stderr.write === 'function') return stderr;
  return { write: (text) => console.log(text.replace(/\n$/, '')), isTTY: false };
}

const systemClock = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

const BAR_WIDTH = 30;

/** `loss: 0.4321 - accuracy: 0.8750`: 4 decimals, or the exponent form below 1e-3, as Keras. */
export function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k}: ${Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3)}`)
    .join(' - ');
}

/** Whole seconds, as Keras: `7s`, `1:02`, `1:02:03`. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const [h, m] = [Math.floor(s / 3600), Math.floor(s / 60) % 60];
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Time per step, as Keras 3: `2s/step`, `31ms/step`, `450us/step`. */
export function formatPerStep(ms: number): string {
  if (ms >= 1000 || ms === 0) return `${Math.round(ms / 1000)}s/step`;
  return ms >= 1 ? `${Math.round(ms)}ms/step` : `${Math.round(ms * 1000)}us/step`;
}

/** `12/32 [==========>...................]`, as Keras's Progbar. */
export function progressBar(done: number, total: number): string {
  const filled = Math.floor((BAR_WIDTH * done) / total);
  const head = filled === 0 ? '' : '='.repeat(filled - 1) + (done < total ? '>' : '=');
  return `${String(done).padStart(String(total).length)}/${total} [${head}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

function parts(...texts: string[]): string {
  return texts.filter(Boolean).join(' - ');
}

/**
 * Keras-style progress of `fit`; `fit` adds one for `verbose` 1 or 2 unless one is among its
 * callbacks. On a terminal with verbose 1:
 *
 *   Epoch 3/10
 *   12/32 [==========>...................] - 0s - ETA: 1s - loss: 0.4321 - accuracy: 0.8750
 *
 * redrawn in place at most every `interval` ms (across epochs too: short epochs do not each get
 * a first draw), and at the epoch's end
 *
 *   32/32 [==============================] - 1s 31ms/step - loss: 0.4012 - accuracy: 0.8750 - val_loss: ...
 *
 * Otherwise (verbose 2, or a sink that is not a terminal: CI, pipes, files, the browser console)
 * one line per epoch and no carriage returns:
 *
 *   Epoch 3/10 - 32/32 - 1s 31ms/step - loss: 0.4012 - accuracy: 0.8750 - val_loss: ...
 */
export class ProgressLogger extends Callback {
  /** The options the constructor takes. */
  static readonly options: readonly string[] = ['verbose', 'sink', 'clock', 'interval'];
  readonly verbose: 1 | 2;
  readonly interval: number;
  private readonly sink: ProgressSink;
  private readonly clock: () => number;
  private redraw = false;
  /** `Epoch 3/10`: on a terminal, written on a line of its own with the epoch's first draw. */
  private header = '';
  private epochStart = 0;
  private lastDraw = -Infinity;
  private drawnWidth = 0;
  private seen = 0;

  constructor(options: ProgressLoggerOptions = {}) {
    super();
    const { verbose = 1, sink = defaultSink(), clock = systemClock, interval = 50 } = checkOptions<ProgressLoggerOptions>(
      'ProgressLogger',
      options,
      ProgressLogger.options,
      { example: '{ verbose: 2 }' },
    );
    if (verbose !== 1 && verbose !== 2) throw new LayerwiseError(`ProgressLogger: verbose must be 1 or 2. Received: verbose=${describeValue(verbose)}.`);
    if (typeof interval !== 'number' || !(interval >= 0)) {
      throw new LayerwiseError(`ProgressLogger: interval must be a non-negative number of milliseconds. Received: ${describeValue(interval)}.`);
    }
    if (typeof sink !== 'object' || sink === null || typeof sink.write !== 'function') {
      throw new LayerwiseError(`ProgressLogger: sink must be an object with a write(text) method, such as process.stdout. Received: sink=${describeValue(sink)}.`);
    }
    if (typeof clock !== 'function') {
      throw new LayerwiseError(`ProgressLogger: clock must be a function returning milliseconds, such as () => performance.now(). Received: clock=${describeValue(clock)}.`);
    }
    this.verbose = verbose;
    this.interval = interval;
    this.sink = sink;
    this.clock = clock;
  }

  override onTrainBegin(): void {
    this.redraw = this.verbose === 1 && this.sink.isTTY === true;
    this.lastDraw = -Infinity;
  }

  override onEpochBegin(epoch: number): void {
    this.epochStart = this.clock();
    this.header = `Epoch ${epoch + 1}/${this.params.epochs}`;
    this.drawnWidth = 0;
    this.seen = 0;
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    this.seen = batch + 1;
    if (!this.redraw) return;
    const now = this.clock();
    if (now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const elapsed = now - this.epochStart;
    const eta = (elapsed / this.seen) * (this.params.steps - this.seen);
    const { batch: _batch, size: _size, ...means } = logs;
    this.draw(parts(progressBar(this.seen, this.params.steps), formatDuration(elapsed), `ETA: ${formatDuration(eta)}`, formatLogs(means)));
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    const now = this.clock();
    const elapsed = now - this.epochStart;
    const timing = `${formatDuration(elapsed)} ${formatPerStep(elapsed / Math.max(this.seen, 1))}`;
    if (!this.redraw) {
      this.sink.write(parts(this.header, `${this.seen}/${this.params.steps}`, timing, formatLogs(logs)) + '\n');
      return;
    }
    this.draw(parts(progressBar(this.seen, this.params.steps), timing, formatLogs(logs)), true);
    this.lastDraw = now;
  }

  /**
   * Rewrites the current line, in one write: the epoch's header if not yet shown, a carriage
   * return, the text (cut to the terminal's width so that it never wraps), and spaces over what is
   * left of the previous text. The final draw ends the line.
   */
  private draw(line: string, final = false): void {
    const columns = this.sink.columns;
    const text = !final && columns && line.length >= columns ? line.slice(0, columns - 1) : line;
    const pad = ' '.repeat(Math.max(0, this.drawnWidth - text.length));
    this.drawnWidth = final ? 0 : text.length;
    this.sink.write(`${this.header && this.header + '\n'}\r${text}${pad}${final ? '\n' : ''}`);
    this.header = '';
  }
}
