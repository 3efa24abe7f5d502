import { describe, expect, it } from 'vitest';
import { Callback, datasets, LayerwiseError, type Logs } from 'layerwise';
import { X, Y, xorModel } from './helpers';

const weightsOf = (m: ReturnType<typeof xorModel>) => m.getWeights().map((w) => Array.from(w.data));
const X8 = [...X, ...X];
const Y8 = [...Y, ...Y];

class Recorder extends Callback {
  calls: string[] = [];
  override onEpochBegin(e: number) { this.calls.push(`epochBegin ${e}`); }
  override onEpochEnd(e: number, logs: Logs) { this.calls.push(`epochEnd ${e} ${Object.keys(logs).sort().join(',')}`); }
  override onBatchBegin(b: number) { this.calls.push(`batchBegin ${b}`); }
  override onBatchEnd(b: number) { this.calls.push(`batchEnd ${b}`); }
  override onTrainBegin() { this.calls.push('trainBegin'); }
  override onTrainEnd() { this.calls.push('trainEnd'); }
}

describe('fitDataset', () => {
  it('over fromArrays(x, y).batch(n) equals fit without shuffling, bit for bit, with the same hooks', async () => {
    const a = xorModel();
    const b = xorModel();
    const ra = new Recorder();
    const rb = new Recorder();
    const ha = await a.fit(X8, Y8, { epochs: 3, batchSize: 3, shuffle: false, verbose: 0, validationData: [X, Y], validationBatchSize: 32, callbacks: [ra] });
    const hb = await b.fitDataset(datasets.fromArrays(X8, Y8).batch(3), { epochs: 3, verbose: 0, validationData: [X, Y], callbacks: [rb] });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(hb.history).toEqual(ha.history);
    expect(rb.calls).toEqual(ra.calls);
    expect(b.evaluate(X, Y)).toEqual(a.evaluate(X, Y));
  });

  it('takes an async generator function, and a one-shot generator with batchesPerEpoch', async () => {
    const a = xorModel();
    await a.fit(X, Y, { epochs: 2, batchSize: 2, shuffle: false, verbose: 0 });
    const b = xorModel();
    await b.fitDataset(async function* () {
      yield { xs: X.slice(0, 2), ys: Y.slice(0, 2) };
      yield { xs: X.slice(2), ys: Y.slice(2) };
    }, { epochs: 2, verbose: 0 });
    expect(weightsOf(b)).toEqual(weightsOf(a));
    const c = xorModel();
    function* forever() {
      for (;;) for (let i = 0; i < 4; i += 2) yield { xs: X.slice(i, i + 2), ys: Y.slice(i, i + 2) };
    }
    await c.fitDataset(forever(), { epochs: 2, batchesPerEpoch: 2, verbose: 0 });
    expect(weightsOf(c)).toEqual(weightsOf(a));
  });

  it('refuses a one-shot iterable without batchesPerEpoch before training', async () => {
    const m = xorModel();
    const before = weightsOf(m);
    function* gen() { yield { xs: X, ys: Y }; }
    await expect(m.fitDataset(gen(), { verbose: 0 })).rejects.toThrow(/one-shot iterable.*batchesPerEpoch/);
    expect(weightsOf(m)).toEqual(before);
  });

  it('a bad batch or a throwing generator names the batch; the weights are those after the last good step', async () => {
    for (const bad of [
      { xs: [[0, 0, 0]], ys: [[0]] },
      { xs: [[NaN, 0]], ys: [[0]] },
    ]) {
      const ref = xorModel();
      ref.trainOnBatch(X, Y);
      const m = xorModel();
      const run = m.fitDataset(function* () {
        yield { xs: X, ys: Y };
        yield bad;
      }, { epochs: 1, verbose: 0 });
      await expect(run).rejects.toThrow(LayerwiseError);
      await expect(run).rejects.toThrow(/fitDataset: batch 2 of epoch 1: /);
      expect(weightsOf(m)).toEqual(weightsOf(ref));
    }
    const ref = xorModel();
    ref.trainOnBatch(X, Y);
    const m = xorModel();
    const run = m.fitDataset(async function* () {
      yield { xs: X, ys: Y };
      throw new Error('disk gone');
    }, { verbose: 0 });
    await expect(run).rejects.toThrow(/fitDataset: batch 2 of epoch 1: the dataset threw: disk gone/);
    expect(weightsOf(m)).toEqual(weightsOf(ref));
  });

  it('shuffles reproducibly, a fresh order each epoch', () => {
    const order = (d: datasets.ArrayDataset) => Array.from((([...d][0].ys) as unknown as { data: Float32Array }).data);
    const again = datasets.fromArrays([[0], [1], [2], [3], [4], [5]], [0, 1, 2, 3, 4, 5]).shuffle(7).batch(6);
    const first = order(again);
    const second = order(again);
    expect(first).not.toEqual(second);
    expect([...first].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const third = datasets.fromArrays([[0], [1], [2], [3], [4], [5]], [0, 1, 2, 3, 4, 5]).shuffle(7).batch(6);
    expect(order(third)).toEqual(first);
  });
});

describe('evaluateDataset', () => {
  it('equals evaluate over the same batches', async () => {
    const m = xorModel();
    await m.fit(X, Y, { epochs: 2, verbose: 0 });
    expect(await m.evaluateDataset(datasets.fromArrays(X8, Y8).batch(3))).toEqual(m.evaluate(X8, Y8, { batchSize: 3 }));
  });
});
