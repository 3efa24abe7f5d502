import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Callback,
  CSVLogger,
  datasets,
  Dense,
  EarlyStopping,
  fromArray,
  LambdaCallback,
  LayerwiseError,
  LearningRateScheduler,
  ModelCheckpoint,
  ProgressLogger,
  ReduceLROnPlateau,
  Sequential,
  setSeed,
  SGD,
  TerminateOnNaN,
  type Logs,
  type Tensor,
} from 'layerwise';
import { autoMode } from '../../src/model/callbacks/monitor';

function xorModel(learningRate = 0.1): Sequential {
  setSeed(4);
  const model = new Sequential({
    layers: [new Dense({ units: 4, inputShape: [2], activation: 'tanh' }), new Dense({ units: 1, activation: 'sigmoid' })],
  });
  model.compile({ optimizer: new SGD({ learningRate }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

const { x: X, y: Y } = datasets.xor();

/** Replaces the epoch's `loss` by a scripted value; placed before the callback under test. */
function scriptLoss(values: number[]): LambdaCallback {
  return new LambdaCallback({ onEpochEnd: (epoch, logs) => void (logs.loss = values[epoch]) });
}

/** Copies of the weights at the end of each epoch. */
function weightLog(model: Sequential): { callback: LambdaCallback; weights: Tensor[][] } {
  const weights: Tensor[][] = [];
  return { callback: new LambdaCallback({ onEpochEnd: () => void weights.push(model.getWeights()) }), weights };
}

describe('EarlyStopping', () => {
  it('stops once the monitored value has not improved for `patience` epochs, and restores the best weights', async () => {
    const model = xorModel();
    const log = weightLog(model);
    const stopper = new EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    // Best at epoch 1; epochs 2 and 3 do not improve: stop at epoch 3.
    const history = await model.fit(X, Y, { epochs: 10, verbose: 0, callbacks: [scriptLoss([1, 0.5, 0.6, 0.7, 0.4, 0.3]), log.callback, stopper] });
    expect(history.epoch).toEqual([0, 1, 2, 3]);
    expect(history.history.loss).toEqual([1, 0.5, 0.6, 0.7]);
    expect([stopper.stoppedEpoch, stopper.bestEpoch, stopper.best]).toEqual([3, 1, 0.5]);
    expect(model.getWeights()).toBeAllClose(log.weights[1], { rtol: 0, atol: 0 });
    expect(model.getWeights()).not.toBeAllClose(log.weights[3]);
  });

  it('without restoreBestWeights, keeps the last weights', async () => {
    const model = xorModel();
    const log = weightLog(model);
    await model.fit(X, Y, { epochs: 10, verbose: 0, callbacks: [scriptLoss([1, 0.5, 0.6, 0.7]), log.callback, new EarlyStopping({ monitor: 'loss', patience: 2 })] });
    expect(log.weights).toHaveLength(4);
    expect(model.getWeights()).toBeAllClose(log.weights[3], { rtol: 0, atol: 0 });
  });

  it('counts only changes larger than minDelta as improvements; patience 0 stops at the first epoch without one', async () => {
    const model = xorModel();
    const history = await model.fit(X, Y, {
      epochs: 10,
      verbose: 0,
      callbacks: [scriptLoss([1, 0.8, 0.75, 0.5]), new EarlyStopping({ monitor: 'loss', minDelta: 0.1 })],
    });
    expect(history.history.loss).toEqual([1, 0.8, 0.75]);
  });

  it("'max' mode, and 'auto' picks max for accuracies, min for the rest", async () => {
    expect(['accuracy', 'val_accuracy', 'acc', 'val_binary_accuracy'].map(autoMode)).toEqual(['max', 'max', 'max', 'max']);
    expect(['loss', 'val_loss', 'mse', 'val_mae', 'dead/dense_1'].map(autoMode)).toEqual(['min', 'min', 'min', 'min', 'min']);
    const model = xorModel();
    const script = new LambdaCallback({ onEpochEnd: (epoch, logs) => void (logs.score = [0.5, 0.6, 0.6, 0.9][epoch]) });
    const history = await model.fit(X, Y, { epochs: 4, verbose: 0, callbacks: [script, new EarlyStopping({ monitor: 'score', mode: 'max' })] });
    expect(history.history.score).toEqual([0.5, 0.6, 0.6]);
  });

  it('rejects a monitor that is not logged, naming what is', async () => {
    const model = xorModel();
    await expect(model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new EarlyStopping({ monitor: 'acc' })] })).rejects.toThrow(
      /^EarlyStopping: monitor "acc" is not in the logs, which hold "loss", "accuracy"\.$/,
    );
    // Without params.validation (a loop of one's own), a val_ entry missing at an epoch end says where val_ entries come from.
    const early = new EarlyStopping();
    expect(() => early.onEpochEnd(0, { loss: 1 })).toThrow(
      /^EarlyStopping: monitor "val_loss" is not in the logs, which hold "loss"\. Entries starting with val_ need validationData or validationSplit in fit\.$/,
    );
  });

  it('a val_ monitor in a fit without validation data fails at onTrainBegin, before any epoch trains', async () => {
    const message = (monitor: string, where: string) =>
      new RegExp(
        `^${where}: monitor "${monitor}" is a validation value, but this fit has no validation data, so it would never be logged\\. ` +
          `Pass validationData or validationSplit to fit, or monitor "${monitor.slice(4)}"\\.$`,
      );
    const cases: [EarlyStopping | ReduceLROnPlateau, string, string][] = [
      [new EarlyStopping(), 'val_loss', 'EarlyStopping'],
      [new ReduceLROnPlateau({ monitor: 'val_accuracy' }), 'val_accuracy', 'ReduceLROnPlateau'],
    ];
    for (const [callback, monitor, where] of cases) {
      callback.params = { epochs: 3, steps: 1, samples: 4, validation: false };
      expect(() => callback.onTrainBegin()).toThrow(message(monitor, where));
      callback.params = { epochs: 3, steps: 1, samples: 4, validation: true };
      expect(() => callback.onTrainBegin()).not.toThrow();
      callback.params = { epochs: 3, steps: 1, samples: 4 };
      expect(() => callback.onTrainBegin()).not.toThrow();
    }
    // In fit, before any epoch trains: fit passes params.validation.
    const model = xorModel();
    const before = model.getWeights().map((w) => Array.from(w.data));
    await expect(model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new EarlyStopping()] })).rejects.toThrow(
      /^EarlyStopping: monitor "val_loss" is a validation value, but this fit has no validation data/,
    );
    expect(model.optimizer!.iterations).toBe(0);
    expect(model.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  });

  it('checks its options', () => {
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/^EarlyStopping: patience must be a non-negative integer\. Received: patience=-1\.$/);
    expect(() => new EarlyStopping({ mode: 'up' as 'max' })).toThrow(/^EarlyStopping: mode must be 'auto', 'min' or 'max'\. Received: mode="up"\.$/);
  });
});

describe('TerminateOnNaN', () => {
  it('stops at the batch whose loss is NaN: no step after it, and the epoch still ends', async () => {
    const model = xorModel();
    const batches: string[] = [];
    const poison = new LambdaCallback({
      onBatchEnd: (batch, logs) => {
        batches.push(`${model.optimizer!.iterations}`);
        if (model.optimizer!.iterations === 6) logs.loss = NaN; // epoch 1, batch 1 with 4 batches an epoch
      },
    });
    const messages: string[] = [];
    const terminate = new TerminateOnNaN({ printFn: (m) => messages.push(m) });
    const history = await model.fit(X, Y, { epochs: 5, batchSize: 1, verbose: 0, callbacks: [poison, terminate] });
    expect(terminate.stoppedAt).toEqual({ epoch: 1, batch: 1 });
    expect(model.optimizer!.iterations).toBe(6);
    expect(batches).toHaveLength(6);
    expect(history.epoch).toEqual([0, 1]);
    expect(messages).toEqual(['Epoch 2, batch 1: invalid loss NaN, terminating training']);
  });

  it('a diverging run stops at its first non-finite batch loss, before the step that would poison the weights', async () => {
    // Since the built-in check (issue 11, item 8), fit itself stops with an error at the batch
    // whose loss or gradient is not finite, before TerminateOnNaN could see it; the weights stay
    // those of the last finite step.
    setSeed(1);
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: new SGD({ learningRate: 10 }), loss: 'meanSquaredError' });
    const x = fromArray([[100], [200], [300], [400]]);
    const losses: number[] = [];
    const record = new LambdaCallback({ onBatchEnd: (_batch, logs) => void losses.push(logs.loss) });
    const terminate = new TerminateOnNaN({ printFn: () => {} });
    const run = model.fit(x, x, { epochs: 50, batchSize: 1, shuffle: false, verbose: 0, callbacks: [record, terminate] });
    await expect(run).rejects.toThrow(/^sequential_\d+\.fit: training diverged at epoch \d+, batch \d+: the loss of this batch is (NaN|Infinity) \(the step before it was undone\)/);
    expect(losses.length).toBeGreaterThan(0);
    expect(losses.every(Number.isFinite)).toBe(true);
    // The step of the last recorded batch made the weights that diverged: it was undone.
    expect(model.optimizer!.iterations).toBe(losses.length - 1);
    expect(model.getWeights().every((w) => Array.from(w.data).every(Number.isFinite))).toBe(true);
    expect(terminate.stoppedAt).toBeUndefined();
  });
});

describe('LearningRateScheduler', () => {
  it("sets the optimizer's rate at each epoch's start from (epoch, lr), and logs it", async () => {
    const model = xorModel(0.1);
    const seen: number[] = [];
    const record = new LambdaCallback({ onBatchEnd: () => void seen.push(model.optimizer!.learningRate) });
    const history = await model.fit(X, Y, {
      epochs: 3,
      batchSize: 2,
      verbose: 0,
      callbacks: [new LearningRateScheduler((epoch, lr) => (epoch === 0 ? lr : lr / 2)), record],
    });
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(history.history.learning_rate).toEqual([0.1, 0.05, 0.025]);
  });

  it('rejects a schedule that returns no positive number', async () => {
    const model = xorModel();
    const bad = new LearningRateScheduler(() => -1);
    await expect(model.fit(X, Y, { verbose: 0, callbacks: [bad] })).rejects.toThrow(
      /^LearningRateScheduler: the schedule returned -1 for epoch 0; it must return a positive number\.$/,
    );
    expect(() => new LearningRateScheduler(0.1 as never)).toThrow(/expected a function/);
  });
});

describe('ReduceLROnPlateau', () => {
  it('multiplies the rate by factor after patience epochs without improvement, with cooldown and floor minLr', async () => {
    const model = xorModel(0.1);
    const reduce = new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, cooldown: 1, minLr: 0.02 });
    const history = await model.fit(X, Y, { epochs: 9, verbose: 0, callbacks: [scriptLoss(Array(9).fill(1)), reduce] });
    // The rate used in each epoch: reduced after epochs 2, 4 and 6 (cooldown 1 makes the wait
    // restart one epoch later), then held at minLr.
    expect(history.history.learning_rate).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02]);
    expect(model.optimizer!.learningRate).toBe(0.02);
  });

  it('an improvement larger than minDelta resets the wait', async () => {
    const model = xorModel(0.1);
    const reduce = new ReduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 2, minDelta: 0.01 });
    const history = await model.fit(X, Y, { epochs: 6, verbose: 0, callbacks: [scriptLoss([1, 1, 0.9, 0.895, 0.9, 0.9]), reduce] });
    expect(history.history.learning_rate).toEqual([0.1, 0.1, 0.1, 0.1, 0.1, 0.05]);
  });

  it('checks its options', () => {
    expect(() => new ReduceLROnPlateau({ factor: 1 })).toThrow(/^ReduceLROnPlateau: factor must be in \(0, 1\)/);
    expect(() => new ReduceLROnPlateau({ cooldown: 0.5 })).toThrow(/^ReduceLROnPlateau: cooldown must be a non-negative integer/);
  });
});

describe('CSVLogger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-csv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a header (epoch, then the names in order) and one row per epoch', async () => {
    const file = join(dir, 'log.csv');
    const model = xorModel();
    const logger = new CSVLogger(file);
    const history = await model.fit(X, Y, { epochs: 3, verbose: 0, validationData: [X, Y], callbacks: [logger] });
    const h = history.history;
    const rows = [0, 1, 2].map((e) => [e, h.accuracy[e], h.loss[e], h.val_accuracy[e], h.val_loss[e]].join(','));
    expect(readFileSync(file, 'utf8')).toBe(['epoch,accuracy,loss,val_accuracy,val_loss', ...rows, ''].join('\n'));
    expect(logger.text).toBe(readFileSync(file, 'utf8'));
  });

  it('with append, adds rows to an existing file and keeps its header; without, replaces it', async () => {
    const file = join(dir, 'append.csv');
    writeFileSync(file, 'epoch;loss\n0;9');
    const model = xorModel();
    const history = await model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new CSVLogger(file, { append: true, separator: ';' })] });
    const rows = history.history.loss.map((loss, e) => `${e};${history.history.accuracy[e]};${loss}`);
    expect(readFileSync(file, 'utf8')).toBe(['epoch;loss', '0;9', ...rows, ''].join('\n'));
    await model.fit(X, Y, { epochs: 1, verbose: 0, callbacks: [new CSVLogger(file)] });
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('epoch,accuracy,loss');
  });
});

describe('LambdaCallback', () => {
  it('calls the functions given, in the order of a run', async () => {
    const calls: string[] = [];
    const model = xorModel();
    const lambda = new LambdaCallback({
      onTrainBegin: () => void calls.push('trainBegin'),
      onEpochBegin: (epoch) => void calls.push(`epochBegin ${epoch}`),
      onBatchBegin: (batch) => void calls.push(`batchBegin ${batch}`),
      onBatchEnd: (batch, logs) => void calls.push(`batchEnd ${batch} ${Object.keys(logs).join(',')}`),
      onEpochEnd: (epoch) => void calls.push(`epochEnd ${epoch}`),
      onTrainEnd: () => void calls.push('trainEnd'),
    });
    await model.fit(X, Y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [lambda] });
    expect(calls).toEqual([
      'trainBegin',
      'epochBegin 0',
      'batchBegin 0',
      'batchEnd 0 batch,size,loss,accuracy',
      'batchBegin 1',
      'batchEnd 1 batch,size,loss,accuracy',
      'epochEnd 0',
      'trainEnd',
    ]);
  });

  it('rejects an unknown hook, listing the known ones', () => {
    expect(() => new LambdaCallback({ onEpochEnds: () => {} } as never)).toThrow(
      /^LambdaCallback: "onEpochEnds" is not an option of LambdaCallback\. Did you mean "onEpochEnd"\? Its options: onTrainBegin, onEpochBegin, onBatchBegin, onBatchEnd, onEpochEnd, onTrainEnd\.$/,
    );
  });
});

describe('callbacks in fit', () => {
  it('values a callback adds at epoch end reach History and the progress line (they run after the user callbacks)', async () => {
    class AddsExtra extends Callback {
      override onEpochEnd(epoch: number, logs: Logs): void {
        logs.extra = epoch + 0.5;
      }
    }
    const lines: string[] = [];
    const progress = new ProgressLogger({ sink: { write: (t) => lines.push(t) }, clock: () => 0 });
    const model = xorModel();
    // The logger comes first in the list, and still runs after AddsExtra.
    const history = await model.fit(X, Y, { epochs: 2, callbacks: [progress, new AddsExtra()] });
    expect(history.history.extra).toEqual([0.5, 1.5]);
    expect(lines.map((l) => l.match(/extra: .*$/m)?.[0])).toEqual(['extra: 0.5000', 'extra: 1.5000']);
  });

  it("batch logs hold the epoch's running means: the last batch's are the epoch's", async () => {
    const model = xorModel();
    const last: Logs[] = [];
    const record = new LambdaCallback({ onBatchEnd: (batch, logs) => void (batch === 1 && last.push({ ...logs })) });
    const history = await model.fit(X, Y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [record] });
    expect(last).toEqual([0, 1].map((e) => ({ batch: 1, size: 2, loss: history.history.loss[e], accuracy: history.history.accuracy[e] })));
  });

  it('stopTraining set in onBatchEnd stops after that batch', async () => {
    const model = xorModel();
    const stop = new LambdaCallback({ onBatchEnd: (batch) => void (batch === 1 && (model.stopTraining = true)) });
    const history = await model.fit(X, Y, { epochs: 3, batchSize: 1, verbose: 0, callbacks: [stop] });
    expect(model.optimizer!.iterations).toBe(2);
    expect(history.epoch).toEqual([0]);
  });

  it('rejects something that is not a Callback', async () => {
    const model = xorModel();
    await expect(model.fit(X, Y, { verbose: 0, callbacks: [{ onEpochEnd() {} } as never] })).rejects.toThrow(
      /^fit: callbacks\[0\] is not a Callback\. Extend Callback, or use new LambdaCallback/,
    );
  });
});

describe('callback options are checked when the callback is made', () => {
  it('unknown keys fail, naming the callback and the option meant', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new EarlyStopping({ restore_best_weights: true } as never), /^EarlyStopping: "restore_best_weights" is not an option of EarlyStopping\. Did you mean "restoreBestWeights"\? Its options: monitor, minDelta, patience, mode, restoreBestWeights\.$/],
      [() => new EarlyStopping({ baseline: 0.5 } as never), /^EarlyStopping: "baseline" is not an option of EarlyStopping\./],
      [() => new ReduceLROnPlateau({ min_lr: 1e-4 } as never), /^ReduceLROnPlateau: "min_lr" is not an option of ReduceLROnPlateau\. Did you mean "minLr"\?/],
      [() => new TerminateOnNaN({ verbose: 1 } as never), /^TerminateOnNaN: "verbose" is not an option of TerminateOnNaN\. Its options: printFn\.$/],
      [() => new CSVLogger('log.csv', { sep: ';' } as never), /^CSVLogger: "sep" is not an option of CSVLogger\. Did you mean "separator"\?/],
      [() => new LearningRateScheduler({ schedule: () => 0.1, verbose: 1 } as never), /^LearningRateScheduler: "verbose" is not an option of LearningRateScheduler\. Its options: schedule\.$/],
      [() => new ProgressLogger({ verbosity: 2 } as never), /^ProgressLogger: "verbosity" is not an option of ProgressLogger\. Did you mean "verbose"\?/],
      [() => new LambdaCallback((() => {}) as never), /^LambdaCallback: expected an options object such as \{ onEpochEnd: \(epoch, logs\) => \.\.\. \}, but received a function\.$/],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(LayerwiseError);
      expect(make).toThrow(message);
    }
  });

  it('values of the wrong type fail, where they used to pass through (strings compared as numbers, truthy flags)', () => {
    expect(() => new ReduceLROnPlateau({ factor: '0.5' } as never)).toThrow(/^ReduceLROnPlateau: factor must be in \(0, 1\), as the rate is multiplied by it\. Received: factor="0\.5"\.$/);
    expect(() => new ReduceLROnPlateau({ minLr: '0' } as never)).toThrow(/^ReduceLROnPlateau: minLr must be a non-negative number\. Received: minLr="0"\.$/);
    expect(() => new EarlyStopping({ restoreBestWeights: 'yes' } as never)).toThrow(/^EarlyStopping: restoreBestWeights must be true or false\. Received: restoreBestWeights="yes"\.$/);
    expect(() => new EarlyStopping({ monitor: 5 } as never)).toThrow(/^EarlyStopping: monitor must be the name of a logged value, such as 'val_loss' or 'accuracy'\. Received: monitor=5\.$/);
    expect(() => new CSVLogger('log.csv', { append: 1 } as never)).toThrow(/^CSVLogger: append must be true or false\. Received: append=1\.$/);
    expect(() => new TerminateOnNaN({ printFn: 'log' } as never)).toThrow(/^TerminateOnNaN: printFn must be a function/);
    expect(() => new ProgressLogger({ interval: '10' } as never)).toThrow(/^ProgressLogger: interval must be a non-negative number of milliseconds\. Received: "10"\.$/);
    expect(() => new ProgressLogger({ sink: console.log } as never)).toThrow(/^ProgressLogger: sink must be an object with a write\(text\) method/);
    expect(() => new LambdaCallback({ onEpochEnd: 'print' } as never)).toThrow(/^LambdaCallback: onEpochEnd must be a function\. Received: onEpochEnd="print"\.$/);
  });

  it('the schedule may come in an options object; the filepath bare, as in Keras', () => {
    const schedule = (_epoch: number, lr: number) => lr;
    expect(new LearningRateScheduler({ schedule }).schedule).toBe(schedule);
    expect(() => new LearningRateScheduler({} as never)).toThrow(/^LearningRateScheduler: expected a function \(epoch, learningRate\) => learningRate, but received missing\.$/);
    expect(new ModelCheckpoint('checkpoints/{epoch}').filepath).toBe('checkpoints/{epoch}');
    expect(() => new (ModelCheckpoint as unknown as new () => ModelCheckpoint)()).toThrow(/^ModelCheckpoint: filepath must be a directory path, such as 'checkpoints\/\{epoch\}'\. Received: missing\.$/);
  });
});

describe('callbacks check what a fit needs at onTrainBegin, before any epoch trains', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-begin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Fits with `callback` expecting `message` before the first step; the weights stay as they were. */
  async function refusedAtBegin(callback: Callback, message: RegExp): Promise<void> {
    const model = xorModel();
    const before = model.getWeights().map((w) => Array.from(w.data));
    const epochs: number[] = [];
    const watch = new LambdaCallback({ onEpochBegin: (epoch) => void epochs.push(epoch) });
    await expect(model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [callback, watch] })).rejects.toThrow(message);
    expect(epochs).toEqual([]);
    expect(model.optimizer!.iterations).toBe(0);
    expect(model.getWeights().map((w) => Array.from(w.data))).toEqual(before);
  }

  it('ModelCheckpoint: a filepath that is an existing file, or inside one', async () => {
    const file = join(dir, 'taken');
    writeFileSync(file, 'not a directory');
    await refusedAtBegin(
      new ModelCheckpoint({ filepath: file, monitor: 'loss' }),
      /^ModelCheckpoint: filepath ".*taken" needs ".*taken" to be a directory, as model\.save writes model\.json and weight files into one, but it is an existing file\. Give a directory path, such as 'checkpoints\/\{epoch\}'\.$/,
    );
    await refusedAtBegin(new ModelCheckpoint(join(file, 'ckpt-{epoch}')), /^ModelCheckpoint: filepath ".*taken.ckpt-\{epoch\}" needs ".*taken" to be a directory/);
  });

  it('ModelCheckpoint: an existing directory, a new one, or a model.json path are fine', () => {
    writeFileSync(join(dir, 'model.json'), '{}');
    for (const filepath of [dir, join(dir, 'new', '{epoch}'), join(dir, 'model.json'), `file://${dir}`]) {
      const checkpoint = new ModelCheckpoint(filepath);
      checkpoint.params = { epochs: 1, steps: 1, samples: 4, validation: false };
      expect(() => checkpoint.onTrainBegin(), filepath).not.toThrow();
    }
  });

  it('ModelCheckpoint: saveBestOnly on a val_ monitor without validation data', () => {
    const checkpoint = new ModelCheckpoint({ filepath: join(dir, '{epoch}'), saveBestOnly: true });
    checkpoint.params = { epochs: 1, steps: 1, samples: 4, validation: false };
    expect(() => checkpoint.onTrainBegin()).toThrow(/^ModelCheckpoint: monitor "val_loss" is a validation value, but this fit has no validation data/);
    // Without saveBestOnly the monitor is not read: nothing to refuse.
    const every = new ModelCheckpoint({ filepath: join(dir, '{epoch}') });
    every.params = checkpoint.params;
    expect(() => every.onTrainBegin()).not.toThrow();
  });

  it('CSVLogger: a filename that is a directory, or in a directory that does not exist', async () => {
    await refusedAtBegin(new CSVLogger(dir), /^CSVLogger: .* is a directory; give the path of a file to write, such as ".*training\.csv"\.$/);
    await refusedAtBegin(new CSVLogger(join(dir, 'missing', 'log.csv')), /^CSVLogger: cannot write .*log\.csv: the directory .*missing does not exist\. Create it first\.$/);
  });
});
