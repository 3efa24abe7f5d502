import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dense, LambdaCallback, loadModel, ModelCheckpoint, Sequential, setSeed, SGD, datasets, type Tensor } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { tempDir } from '../io/helpers';

const dir = tempDir('layerwise-checkpoint-');
const { x, y } = datasets.xor();

function model(): Sequential {
  setSeed(4);
  const m = new Sequential({ layers: [new Dense({ units: 4, inputShape: [2], activation: 'tanh' }), new Dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: new SGD({ learningRate: 0.5, momentum: 0.5 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** Replaces the epoch's `loss` by a scripted value; placed before the checkpoint. */
const scriptLoss = (values: number[]) => new LambdaCallback({ onEpochEnd: (epoch, logs) => void (logs.loss = values[epoch]) });

describe('ModelCheckpoint', () => {
  it('saves every epoch to a path with {epoch} and logged values formatted as Keras does', async () => {
    const m = model();
    const checkpoint = new ModelCheckpoint({ filepath: join(dir, 'every', '{epoch:02d}-{loss:.3f}') });
    await m.fit(x, y, { epochs: 3, verbose: 0, callbacks: [scriptLoss([0.5, 0.25, 0.125]), checkpoint] });
    expect(readdirSync(join(dir, 'every')).sort()).toEqual(['01-0.500', '02-0.250', '03-0.125']);
    expect(checkpoint.saved).toEqual(['01-0.500', '02-0.250', '03-0.125'].map((d) => join(dir, 'every', d)));
    // The last checkpoint is the trained model, compiled and with its optimizer state.
    const last = await loadModel(checkpoint.saved[2]);
    expect(bytesOf(last.predict(x) as Tensor)).toEqual(bytesOf(m.predict(x) as Tensor));
    expect(last.optimizer!.iterations).toBe(m.optimizer!.iterations);
  });

  it('with saveBestOnly, saves only the epochs that improve on the best, in the mode asked', async () => {
    const m = model();
    const best = new ModelCheckpoint({ filepath: join(dir, 'best-{epoch}'), monitor: 'loss', saveBestOnly: true });
    await m.fit(x, y, { epochs: 5, verbose: 0, callbacks: [scriptLoss([0.6, 0.4, 0.5, 0.3, 0.35]), best] });
    expect(best.saved.map((p) => p.slice(dir.length + 1))).toEqual(['best-1', 'best-2', 'best-4']);
    expect(best.best).toBe(0.3);

    const max = new ModelCheckpoint({ filepath: join(dir, 'max'), monitor: 'loss', saveBestOnly: true, mode: 'max' });
    await model().fit(x, y, { epochs: 3, verbose: 0, callbacks: [scriptLoss([0.6, 0.4, 0.7]), max] });
    expect(max.saved).toHaveLength(2);
    // Without {epoch}, one directory holds the best model: the save replaced it atomically.
    expect(readdirSync(join(dir, 'max')).filter((f) => f.endsWith('.bin'))).toHaveLength(2);
  });

  it('monitors accuracy upwards in auto mode, and reads val_ entries', async () => {
    const m = model();
    const checkpoint = new ModelCheckpoint({ filepath: join(dir, 'acc-{epoch}-{val_accuracy:.2f}'), monitor: 'val_accuracy', saveBestOnly: true });
    expect(checkpoint.monitor.mode).toBe('max');
    await m.fit(x, y, { epochs: 2, verbose: 0, validationData: [x, y], callbacks: [checkpoint] });
    expect(checkpoint.saved[0]).toMatch(/acc-1-\d\.\d\d$/);
  });

  it('fails helpfully on a name the logs lack and on an unsupported format', async () => {
    const m = model();
    await expect(m.fit(x, y, { epochs: 1, verbose: 0, callbacks: [new ModelCheckpoint({ filepath: join(dir, '{val_loss}') })] })).rejects.toThrow(
      /ModelCheckpoint: filepath names \{val_loss\}, which is not in the logs \("loss", "accuracy", "epoch"\)/,
    );
    expect(() => new ModelCheckpoint({ filepath: 'x/{loss:>10s}' })).toThrow(/ModelCheckpoint: the format spec ">10s" in filepath is not supported/);
    expect(() => new ModelCheckpoint({ filepath: '' })).toThrow(/ModelCheckpoint: filepath must be a directory path/);
  });

  it('formats like Python: zero padding, precision, exponent', () => {
    const c = new ModelCheckpoint({ filepath: '{epoch:03d}/{a:.2f}/{b:e}/{c:.1e}/{d:8.3f}/{e:06.2f}' });
    expect(c.pathFor(6, { a: 0.12345, b: 0.000123, c: 12345, d: 3.14159, e: -1.5 })).toBe('007/0.12/1.230000e-04/1.2e+04/   3.142/-01.50');
  });
});
