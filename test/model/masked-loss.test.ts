/**
 * The loss of a sequence output after an Embedding with maskZero is the mean over the real steps,
 * padded steps adding nothing, as Keras 3's `apply_mask` makes it (each valid step weighted
 * total / valid). The reference is computed here from the unmasked per-step losses.
 */
import { describe, expect, it } from 'vitest';
import { Dense, Embedding, initializers, LSTM, Sequential, SGD, TimeDistributed } from 'layerwise';

function model(): Sequential {
  const m = new Sequential({
    layers: [
      new Embedding({ inputDim: 6, outputDim: 3, maskZero: true, inputShape: [4], embeddingsInitializer: initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: 1 }) }),
      new LSTM({ units: 3, returnSequences: true, seed: 2 }),
      new TimeDistributed({ layer: new Dense({ units: 1, seed: 3 }) }),
    ],
  });
  m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
  return m;
}

// Two sequences, the second padded at its last two steps.
const x = [[1, 2, 3, 4], [5, 1, 0, 0]];
const y = [[[0.5], [0.1], [-0.3], [0.2]], [[0.4], [-0.2], [9], [9]]];

describe('a mask on the output weighs the loss (Keras 3)', () => {
  it('evaluate: the mean squared error over the six real steps; the padded steps (labels 9) count for nothing', () => {
    const m = model();
    const pred = m.predict(x);
    const mask = [1, 1, 1, 1, 1, 1, 0, 0];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += mask[i] * (pred.data[i] - y[Math.floor(i / 4)][i % 4][0]) ** 2;
    const loss = m.evaluate(x, y).loss;
    expect(loss).toBeCloseTo(sum / 6, 6);
    // The labels at padded steps do not matter.
    const other = y.map((s, i) => s.map((step, t) => (i === 1 && t >= 2 ? [-100] : step)));
    expect(m.evaluate(x, other).loss).toBeCloseTo(loss, 6);
    expect(m.testOnBatch(x, other)).toBeCloseTo(loss, 6);
  });

  it('training: the gradient ignores the labels at padded steps (the same step for any padded labels)', async () => {
    const a = model();
    const b = model();
    b.setWeights(a.getWeights());
    const other = y.map((s, i) => s.map((step, t) => (i === 1 && t >= 2 ? [-100] : step)));
    const la = a.trainOnBatch(x, y) as number;
    const lb = b.trainOnBatch(x, other) as number;
    expect(lb).toBeCloseTo(la, 6);
    a.getWeights().forEach((w, i) => expect(Array.from(w.data)).toEqual(Array.from(b.getWeights()[i].data)));
  });

  it('sample weights multiply the mask: a sample of weight 0 leaves only the other sample\'s steps, still divided by all real steps', () => {
    const m = model();
    const pred = m.predict(x);
    let sum = 0;
    for (let t = 0; t < 4; t++) sum += (pred.data[t] - y[0][t][0]) ** 2;
    expect(m.evaluate(x, y, {}).loss).toBeGreaterThan(0);
    expect(m.testOnBatch(x, y, { sampleWeight: [1, 0] })).toBeCloseTo(sum / 6, 6);
  });
});
