import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Callback, datasets, Dense, LambdaCallback, ProgressLogger, Sequential, setSeed, SGD, type Logs, type ProgressSink } from 'layerwise';
import { formatDuration, formatLogs, formatPerStep, progressBar } from '../../src/model/progress';

/** A sink that records every write; `lines` splits the text on newlines. */
function recorder(isTTY: boolean, columns?: number): ProgressSink & { writes: string[]; text(): string } {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (t: string) => writes.push(t), text: () => writes.join('') };
}

/** A clock the test moves by hand. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 0;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * Drives a logger through the hooks `fit` calls, with the given batch losses, `ms` apart; like
 * `fit`, passes the epoch's running mean loss to onBatchEnd.
 */
function drive(logger: Callback, clock: ReturnType<typeof manualClock>, epochLosses: number[][], ms: number, samples = 8): void {
  logger.params = { epochs: epochLosses.length, steps: epochLosses[0].length, samples };
  void logger.onTrainBegin({});
  epochLosses.forEach((losses, epoch) => {
    void logger.onEpochBegin(epoch, {});
    losses.forEach((_, batch) => {
      clock.advance(ms);
      const soFar = losses.slice(0, batch + 1);
      void logger.onBatchEnd(batch, { batch, size: 2, loss: soFar.reduce((a, b) => a + b, 0) / soFar.length });
    });
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    void logger.onEpochEnd(epoch, { loss: mean, val_loss: mean / 2 });
  });
  void logger.onTrainEnd({});
}

function xorModel(): Sequential {
  setSeed(1);
  const model = new Sequential({
    layers: [new Dense({ units: 4, inputShape: [2], activation: 'relu' }), new Dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('formatting, as Keras', () => {
  it('durations in whole seconds, then m:ss and h:mm:ss', () => {
    expect([0, 999, 59_999, 62_000, 3_723_000].map(formatDuration)).toEqual(['0s', '0s', '59s', '1:02', '1:02:03']);
  });

  it('time per step in s, ms or us', () => {
    expect([2500, 31.4, 12.5, 0.45, 0].map(formatPerStep)).toEqual(['3s/step', '31ms/step', '13ms/step', '450us/step', '0s/step']);
  });

  it('the bar: 30 columns, an arrow while running, the step count padded to the total', () => {
    expect(progressBar(0, 32)).toBe(' 0/32 [..............................]');
    expect(progressBar(12, 32)).toBe('12/32 [==========>...................]');
    expect(progressBar(32, 32)).toBe('32/32 [==============================]');
  });

  it('values with 4 decimals, tiny ones in exponent form', () => {
    expect(formatLogs({ loss: 0.43214, accuracy: 0.875, tiny: 0.00012346, zero: 0, bad: NaN })).toBe(
      'loss: 0.4321 - accuracy: 0.8750 - tiny: 1.235e-4 - zero: 0.0000 - bad: NaN',
    );
  });
});

describe('ProgressLogger, not on a terminal', () => {
  it('writes exactly one line per epoch and no carriage return, for verbose 1 and 2 alike', () => {
    for (const verbose of [1, 2] as const) {
      const sink = recorder(false);
      const clock = manualClock();
      drive(new ProgressLogger({ verbose, sink, clock: clock.now }), clock, [[0.8, 0.6, 0.4, 0.2], [0.3, 0.1, 0.2, 0.2]], 25);
      expect(sink.writes).toEqual([
        'Epoch 1/2 - 4/4 - 0s 25ms/step - loss: 0.5000 - val_loss: 0.2500\n',
        'Epoch 2/2 - 4/4 - 0s 25ms/step - loss: 0.2000 - val_loss: 0.1000\n',
      ]);
    }
  });

  it('through fit: the lines carry the values History records, val_ entries included', async () => {
    const model = xorModel();
    const { x, y } = datasets.xor();
    const sink = recorder(false);
    let t = 0;
    const logger = new ProgressLogger({ sink, clock: () => (t += 50) });
    const history = await model.fit(x, y, { epochs: 3, batchSize: 2, validationData: [x, y], callbacks: [logger] });
    const h = history.history;
    const f = (v: number): string => v.toFixed(4);
    expect(sink.text().split('\n')).toEqual([
      ...[0, 1, 2].map(
        (e) =>
          `Epoch ${e + 1}/3 - 2/2 - 0s 25ms/step - loss: ${f(h.loss[e])} - accuracy: ${f(h.accuracy[e])} - ` +
          `val_loss: ${f(h.val_loss[e])} - val_accuracy: ${f(h.val_accuracy[e])}`,
      ),
      '',
    ]);
  });

  it('shows the steps reached when training stopped inside an epoch', async () => {
    const model = xorModel();
    const { x, y } = datasets.xor();
    const sink = recorder(false);
    const stop = new LambdaCallback({ onBatchEnd: (batch) => void (batch === 2 && (model.stopTraining = true)) });
    await model.fit(x, y, { epochs: 5, batchSize: 1, callbacks: [stop, new ProgressLogger({ sink, clock: () => 0 })] });
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]).toMatch(/^Epoch 1\/5 - 3\/4 - 0s 0s\/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$/);
  });
});

/** The writes of a logger on a 200-column terminal, driven through `epochLosses` with batches `ms` apart. */
function onTerminal(interval: number, epochLosses: number[][], ms: number): string[] {
  const sink = recorder(true, 200);
  const clock = manualClock();
  drive(new ProgressLogger({ sink, clock: clock.now, interval }), clock, epochLosses, ms);
  return sink.writes;
}

/** The writes on a terminal of `columns`: one batch of `steps`, `ms` long, with its logs, then the epoch's end. */
function oneBatch(columns: number, steps: number, batchLogs: Logs, epochLogs: Logs, ms: number): string[] {
  const sink = recorder(true, columns);
  const clock = manualClock();
  const logger: Callback = new ProgressLogger({ sink, clock: clock.now, interval: 0 });
  logger.params = { epochs: 1, steps, samples: steps };
  void logger.onTrainBegin({});
  void logger.onEpochBegin(0, {});
  clock.advance(ms);
  void logger.onBatchEnd(0, { batch: 0, size: 1, ...batchLogs });
  void logger.onEpochEnd(0, epochLogs);
  return sink.writes;
}

describe('ProgressLogger, on a terminal', () => {
  it('prints the epoch, redraws the bar in place with elapsed time, ETA and running means, and ends with the epoch values', () => {
    expect(onTerminal(0, [[0.8, 0.6, 0.4, 0.2]], 500)).toEqual([
      'Epoch 1/1\n\r1/4 [======>.......................] - 0s - ETA: 1s - loss: 0.8000',
      '\r2/4 [==============>...............] - 1s - ETA: 1s - loss: 0.7000',
      '\r3/4 [=====================>........] - 1s - ETA: 0s - loss: 0.6000',
      '\r4/4 [==============================] - 2s - ETA: 0s - loss: 0.5000',
      '\r4/4 [==============================] - 2s 500ms/step - loss: 0.5000 - val_loss: 0.2500\n',
    ]);
  });

  it('throttles: redraws at most once per interval, then always draws the epoch end', () => {
    // 20 batches 10 ms apart, interval 50 ms: draws after batches 1, 6, 11 and 16, then the final line.
    const writes = onTerminal(50, [Array.from({ length: 20 }, () => 0.5)], 10);
    expect(writes.map((w) => w.slice(w.indexOf('\r') + 1, w.indexOf('\r') + 6))).toEqual([' 1/20', ' 6/20', '11/20', '16/20', '20/20']);
    expect(writes[0]).toMatch(/^Epoch 1\/1\n\r/);
    expect(writes.at(-1)).toMatch(/\n$/);
  });

  it('throttles across epochs: a short epoch shows its header with its final line', () => {
    // Epochs of 2 batches 10 ms apart, interval 50 ms: epoch 1 draws its first batch, epoch 2 none.
    expect(onTerminal(50, [[0.5, 0.5], [0.4, 0.4]], 10)).toEqual([
      'Epoch 1/2\n\r1/2 [==============>...............] - 0s - ETA: 0s - loss: 0.5000',
      '\r2/2 [==============================] - 0s 10ms/step - loss: 0.5000 - val_loss: 0.2500\n',
      'Epoch 2/2\n\r2/2 [==============================] - 0s 10ms/step - loss: 0.4000 - val_loss: 0.2000\n',
    ]);
  });

  it('cuts a redrawn line to the terminal width and blanks what a longer previous line left', () => {
    const [first, final] = oneBatch(40, 100, { loss: 0.5, accuracy: 0.25 }, { x: 1 }, 1);
    expect(first).toBe('Epoch 1/1\n\r' + '  1/100 [..............................] - 0s - ETA: 0s - loss: 0.5000 - accuracy: 0.2500'.slice(0, 39));
    // The final line is written once and may wrap.
    expect(final).toBe('\r  1/100 [..............................] - 0s 1ms/step - x: 1.0000\n');
  });

  it('pads a shorter redraw with spaces over the previous one', () => {
    const [running, final] = oneBatch(200, 2, { loss: 1234.5 }, {}, 0);
    const text = '1/2 [==============>...............] - 0s 0s/step';
    expect(running).toBe('Epoch 1/1\n\r1/2 [==============>...............] - 0s - ETA: 0s - loss: 1234.5000');
    const width = running.length - 'Epoch 1/1\n\r'.length;
    expect(final).toBe(`\r${text}${' '.repeat(width - text.length)}\n`);
  });
});

describe('fit and verbose', () => {
  afterEach(() => vi.restoreAllMocks());

  it('verbose 0 writes nothing to stderr or the console', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const log = vi.spyOn(console, 'log');
    const model = xorModel();
    const { x, y } = datasets.xor();
    await model.fit(x, y, { epochs: 2, verbose: 0, validationData: [x, y] });
    expect(stderr).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('a ProgressLogger among the callbacks replaces the default one', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const sink = recorder(false);
    const model = xorModel();
    const { x, y } = datasets.xor();
    await model.fit(x, y, { epochs: 2, callbacks: [new ProgressLogger({ sink })] });
    expect(stderr).not.toHaveBeenCalled();
    expect(sink.writes).toHaveLength(2);
  });

  it('the default logger writes to process.stderr, one line per epoch when it is not a terminal', async () => {
    const writes: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => writes.push(String(text)) > 0);
    const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    try {
      const model = xorModel();
      const { x, y } = datasets.xor();
      await model.fit(x, y, { epochs: 3, batchSize: 1 });
    } finally {
      if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
      else delete (process.stderr as { isTTY?: boolean }).isTTY;
    }
    expect(writes.map((w) => w.replace(/ - \d+s [\s\S]*/, ''))).toEqual(['Epoch 1/3 - 4/4', 'Epoch 2/3 - 4/4', 'Epoch 3/3 - 4/4']);
    expect(writes.every((w) => w.endsWith('\n'))).toBe(true);
    expect(writes.join('')).not.toContain('\r');
  });

  it('rejects a verbose other than 0, 1 or 2', async () => {
    const model = xorModel();
    const { x, y } = datasets.xor();
    await expect(model.fit(x, y, { verbose: 3 as 1 })).rejects.toThrow(/^fit: verbose must be 0, 1 or 2\. Received: verbose=3\.$/);
  });
});
