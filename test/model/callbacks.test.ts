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
  LearningRateScheduler,
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
    await expect(model.fit(X, Y, { epochs: 2, verbose: 0, callbacks: [new EarlyStopping()] })).rejects.toThrow(
      /^EarlyStopping: monitor "val_loss" is not in the logs, which hold "loss", "accuracy"\. Entries starting with val_ need validationData or validationSplit in fit\.$/,
    );
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
      /^LambdaCallback: unknown hook "onEpochEnds"\. Known: "onTrainBegin", "onEpochBegin", "onBatchBegin", "onBatchEnd", "onEpochEnd", "onTrainEnd"\.$/,
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
