import { describe, expect, it } from 'vitest';
import { Callback, Dense, metrics, modelFromJSON, Sequential, serializeModel, tensor, type Logs } from 'layerwise';

const { Precision, Recall, AUC, F1Score, BinaryAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy } = metrics;

/** scikit-learn's definitions, from binarized predictions. */
function confusion(y: number[], hat: number[]): { tp: number; fp: number; fn: number } {
  let tp = 0, fp = 0, fn = 0;
  y.forEach((t, i) => {
    if (hat[i] && t) tp++;
    else if (hat[i]) fp++;
    else if (t) fn++;
  });
  return { tp, fp, fn };
}
const skPrecision = ({ tp, fp }: { tp: number; fp: number }) => (tp + fp ? tp / (tp + fp) : 0);
const skRecall = ({ tp, fn }: { tp: number; fn: number }) => (tp + fn ? tp / (tp + fn) : 0);
const skF1 = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }) => (2 * tp) / (2 * tp + fp + fn);
/** sklearn's roc_auc_score: the fraction of (positive, negative) pairs ranked right, ties counting half. */
function skRocAuc(y: number[], p: number[]): number {
  let wins = 0, pairs = 0;
  y.forEach((a, i) => y.forEach((b, j) => {
    if (a === 1 && b === 0) {
      pairs++;
      wins += p[i] > p[j] ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }));
  return wins / pairs;
}

function value(m: metrics.MetricObject, yTrue: number[] | number[][], yPred: number[] | number[][], batch?: number): number {
  m.resetState();
  const n = yTrue.length;
  const b = batch ?? n;
  for (let s = 0; s < n; s += b) m.updateState(yTrue.slice(s, s + b) as number[][], yPred.slice(s, s + b) as number[][]);
  return m.result();
}

const y8 = [1, 0, 1, 1, 0, 0, 1, 0];
const p8 = [0.9, 0.6, 0.4, 0.7, 0.2, 0.5, 0.51, 0.1];
const col = (a: number[]) => a.map((v) => [v]);

describe('Precision and Recall (Keras 3: y_pred > threshold, labels cast to bool)', () => {
  it('match hand-counted confusion: TP 3, FP 1, FN 1 at 0.5 (0.5 itself is not above)', () => {
    const hat = p8.map((p) => (p > 0.5 ? 1 : 0));
    expect(confusion(y8, hat)).toEqual({ tp: 3, fp: 1, fn: 1 });
    expect(value(new Precision(), col(y8), col(p8))).toBeCloseTo(skPrecision(confusion(y8, hat)), 12);
    expect(value(new Precision(), col(y8), col(p8))).toBe(0.75);
    expect(value(new Recall(), col(y8), col(p8))).toBe(0.75);
    expect(value(new Recall(), col(y8), col(p8))).toBeCloseTo(skRecall(confusion(y8, hat)), 12);
  });
  it('thresholds moves the cut: at 0.45, 0.5 is positive (FP 2)', () => {
    expect(value(new Precision({ thresholds: 0.45 }), col(y8), col(p8))).toBeCloseTo(3 / 5, 12);
    expect(value(new Precision({ thresholds: [0.45] }), col(y8), col(p8))).toBeCloseTo(3 / 5, 12);
    expect(value(new Recall({ thresholds: 0.8 }), col(y8), col(p8))).toBeCloseTo(1 / 4, 12);
  });
  it('classId reads one column', () => {
    const yt = [[1, 0], [0, 1], [1, 1], [0, 0]];
    const yp = [[0.9, 0.1], [0.8, 0.7], [0.2, 0.9], [0.1, 0.6]];
    // column 1: labels 0 1 1 0, outputs 0.1 0.7 0.9 0.6 → TP 2, FP 1, FN 0
    expect(value(new Precision({ classId: 1 }), yt, yp)).toBeCloseTo(2 / 3, 12);
    expect(value(new Recall({ classId: 1 }), yt, yp)).toBe(1);
    // all columns flattened: TP 3 (0.9, 0.7, 0.9), FP 2 (0.8, 0.6), FN 1 (0.2)
    expect(value(new Precision(), yt, yp)).toBeCloseTo(3 / 5, 12);
  });
  it('are 0 when nothing is predicted (or labelled) positive, as divide_no_nan', () => {
    expect(value(new Precision(), [[1], [0]], [[0.1], [0.2]])).toBe(0);
    expect(value(new Recall(), [[0], [0]], [[0.9], [0.2]])).toBe(0);
  });
});

describe('F1Score (Keras 3 FBetaScore, β = 1)', () => {
  // Keras's docstring example: per class [0.5, 0.8, 0.6667] at threshold 0.5.
  const yt = [[1, 1, 1], [1, 0, 0], [1, 1, 0]];
  const yp = [[0.2, 0.6, 0.7], [0.2, 0.6, 0.6], [0.6, 0.8, 0.0]];
  const column = (a: number[][], j: number) => a.map((r) => r[j]);
  const perClass = [0, 1, 2].map((j) => confusion(column(yt, j), column(yp, j).map((p) => (p > 0.5 ? 1 : 0))));
  it('macro: the mean of the per-class F1 (sklearn average="macro")', () => {
    expect(perClass.map(skF1).map((v) => +v.toFixed(4))).toEqual([0.5, 0.8, 0.6667]);
    const macro = perClass.map(skF1).reduce((a, b) => a + b) / 3;
    expect(value(new F1Score({ average: 'macro', threshold: 0.5 }), yt, yp)).toBeCloseTo(macro, 5);
  });
  it('micro: F1 of the counts summed over classes', () => {
    const sum = perClass.reduce((a, c) => ({ tp: a.tp + c.tp, fp: a.fp + c.fp, fn: a.fn + c.fn }));
    expect(value(new F1Score({ average: 'micro', threshold: 0.5 }), yt, yp)).toBeCloseTo(skF1(sum), 5);
  });
  it('weighted: weighted by support (true labels a class)', () => {
    const support = [3, 2, 1];
    const weighted = perClass.map(skF1).reduce((a, f, j) => a + (f * support[j]) / 6, 0);
    expect(value(new F1Score({ average: 'weighted', threshold: 0.5 }), yt, yp)).toBeCloseTo(weighted, 5);
  });
  it("threshold null: each row's highest outputs (ties all) are positive", () => {
    // rows → [0,0,1], [0,1,1] (a tie), [0,1,0]
    const hat = [[0, 0, 1], [0, 1, 1], [0, 1, 0]];
    const cls = [0, 1, 2].map((j) => confusion(column(yt, j), column(hat, j)));
    expect(value(new F1Score({ average: 'macro' }), yt, yp)).toBeCloseTo(cls.map(skF1).reduce((a, b) => a + b) / 3, 5);
  });
  it('binary (one column, average null): sklearn f1_score', () => {
    const hat = p8.map((p) => (p > 0.5 ? 1 : 0));
    expect(value(new F1Score({ threshold: 0.5 }), col(y8), col(p8))).toBeCloseTo(skF1(confusion(y8, hat)), 5);
  });
});

describe('AUC (Keras 3: 200 thresholds, −ε and 1 + ε at the ends)', () => {
  it("Keras's docstring case, 3 thresholds: ROC 0.75", () => {
    expect(value(new AUC({ numThresholds: 3 }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9])).toBeCloseTo(0.75, 12);
  });
  it('ROC by the trapezoid rule at thresholds [−ε, 0.5, 1 + ε] equals the hand sum', () => {
    // tp = [2,1,0], fp = [2,0,0], tn = [0,2,2], fn = [0,1,2]: TPR = [1, .5, 0], FPR = [1, 0, 0]
    const tpr = [1, 0.5, 0];
    const fpr = [1, 0, 0];
    const hand = (fpr[0] - fpr[1]) * (tpr[0] + tpr[1]) / 2 + (fpr[1] - fpr[2]) * (tpr[1] + tpr[2]) / 2;
    expect(value(new AUC({ numThresholds: 3 }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9])).toBeCloseTo(hand, 12);
  });
  it("ROC at 200 thresholds is sklearn's roc_auc_score when no bucket mixes classes", () => {
    const y = [0, 0, 1, 1, 0, 1, 0, 1];
    const p = [0.1, 0.4, 0.35, 0.8, 0.62, 0.55, 0.05, 0.93];
    expect(value(new AUC(), y, p)).toBeCloseTo(skRocAuc(y, p), 10);
    expect(value(new AUC(), y, p)).toBeCloseTo(13 / 16, 10);
  });
  it("PR with Keras's interpolation (Davis & Goadrich), by hand at 3 thresholds", () => {
    // tp = [2,1,0], fp = [2,0,0], fn = [0,1,2]; P = tp + fp = [4,1,0]
    // interval 1: slope 1/3, intercept 1 − 1/3, increment slope·(1 + intercept·ln(4/1)) / 2
    // interval 2: slope 1, intercept 0, P_B = 0 → ratio 1, increment 1·1 / 2
    const hand = ((1 / 3) * (1 + (2 / 3) * Math.log(4))) / 2 + 0.5;
    expect(value(new AUC({ numThresholds: 3, curve: 'PR' }), [0, 0, 1, 1], [0, 0.5, 0.3, 0.9])).toBeCloseTo(hand, 6);
    // (sklearn's average_precision_score, a step sum, would give 0.8333 here: Keras interpolates.)
  });
  it('PR of a perfect ranking is 1; curve accepts "pr"', () => {
    expect(value(new AUC({ curve: 'PR' }), [0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBeCloseTo(1, 10);
  });
  it('fromLogits applies a sigmoid', () => {
    const logits = [-2, 0.3, -0.5, 2];
    const probs = logits.map((z) => 1 / (1 + Math.exp(-z)));
    expect(value(new AUC({ fromLogits: true }), [0, 0, 1, 1], logits)).toBeCloseTo(value(new AUC(), [0, 0, 1, 1], probs), 10);
  });
  it('given thresholds (uneven) compare p > t', () => {
    // thresholds [−ε, 0.35, 1 + ε]: tp = [2, 1, 0], fp = [2, 1, 0]: TPR = FPR → 0.5
    expect(value(new AUC({ thresholds: [0.35] }), [0, 0, 1, 1], [0.1, 0.4, 0.3, 0.9])).toBeCloseTo(0.5, 12);
  });
});

describe('stateful metrics accumulate: batches of 1, 3 and all give the epoch value', () => {
  const n = 17;
  const y = Array.from({ length: n }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 0));
  const p = Array.from({ length: n }, (_, i) => ((i * 37) % 17) / 17);
  for (const make of [() => new AUC(), () => new AUC({ curve: 'PR' }), () => new Precision(), () => new Recall(), () => new F1Score({ threshold: 0.5 }), () => new BinaryAccuracy()]) {
    it(make().className + ' ' + make().name, () => {
      const whole = value(make(), col(y), col(p));
      expect(value(make(), col(y), col(p), 1)).toBeCloseTo(whole, 12);
      expect(value(make(), col(y), col(p), 3)).toBeCloseTo(whole, 12);
    });
  }
  it('in evaluate, whatever the batch size (not a mean of per-batch values)', () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [1], activation: 'sigmoid' })] });
    model.setWeights([tensor([3], [1, 1]), tensor([-1.5], [1])]);
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['auc', 'precision', 'recall', 'f1_score'] });
    const x = tensor(Float32Array.from(p), [n, 1]);
    const labels = tensor(Float32Array.from(y), [n, 1]);
    const all = model.evaluate(x, labels, { batchSize: n });
    const pred = Array.from(model.predict(x).data);
    expect(all.auc).toBeCloseTo(value(new AUC(), col(y), col(pred)), 12);
    expect(all.precision).toBeCloseTo(value(new Precision(), col(y), col(pred)), 12);
    expect(all.f1_score).toBeCloseTo(value(new F1Score({ threshold: 0.5 }), col(y), col(pred)), 12);
    for (const batchSize of [1, 3]) {
      const logs = model.evaluate(x, labels, { batchSize });
      for (const key of ['loss', 'auc', 'precision', 'recall', 'f1_score']) expect(logs[key]).toBeCloseTo(all[key], 6);
    }
  });
});

describe('top-k accuracy (ties at the k-th value count as in, as in_top_k)', () => {
  const pred = [[0.1, 0.5, 0.5, 0.3]];
  it('one-hot labels', () => {
    const hot = (c: number) => [[0, 1, 2, 3].map((j) => (j === c ? 1 : 0))];
    expect(value(new TopKCategoricalAccuracy({ k: 1 }), hot(2), pred)).toBe(1);
    expect(value(new TopKCategoricalAccuracy({ k: 1 }), hot(1), pred)).toBe(1);
    expect(value(new TopKCategoricalAccuracy({ k: 2 }), hot(3), pred)).toBe(0);
    expect(value(new TopKCategoricalAccuracy({ k: 3 }), hot(3), pred)).toBe(1);
    expect(value(new TopKCategoricalAccuracy(), hot(0), pred)).toBe(1);
  });
  it('sparse labels, averaged over samples', () => {
    const preds = [[0.1, 0.5, 0.5, 0.3], [0.9, 0.05, 0.03, 0.02], [0.2, 0.2, 0.2, 0.4]];
    expect(value(new SparseTopKCategoricalAccuracy({ k: 1 }), [2, 1, 0], preds)).toBeCloseTo(1 / 3, 12);
    expect(value(new SparseTopKCategoricalAccuracy({ k: 2 }), [3, 1, 0], preds)).toBeCloseTo(2 / 3, 12);
  });
  it("keys: 'top_k_categorical_accuracy' and 'sparse_top_k_categorical_accuracy' (k = 5) in evaluate", () => {
    const model = new Sequential({ layers: [new Dense({ units: 6, inputShape: [2], activation: 'softmax' })] });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['sparse_top_k_categorical_accuracy'] });
    expect(model.evaluate([[1, 2], [3, 4]], [0, 5]).sparse_top_k_categorical_accuracy).toBeGreaterThanOrEqual(0.5);
  });
});

describe('binary accuracy', () => {
  it('threshold', () => {
    const y = [[0], [1], [0]];
    const p = [[0.2], [0.6], [0.8]];
    expect(value(new BinaryAccuracy(), y, p)).toBeCloseTo(2 / 3, 12);
    expect(value(new BinaryAccuracy({ threshold: 0.7 }), y, p)).toBeCloseTo(1 / 3, 12);
    expect(value(new BinaryAccuracy({ threshold: 0.9 }), y, p)).toBeCloseTo(2 / 3, 12);
  });
});

describe('errors', () => {
  const model = () => new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: 'sigmoid' })] });
  it('unknown keys name the nearest', () => {
    expect(() => model().compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['presicion'] })).toThrow(/Unknown metric "presicion" in compile\. Did you mean "precision"\?/);
    expect(() => model().compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['f1score'] })).not.toThrow();
    expect(() => model().compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['top_k_categorical_acuracy'] })).toThrow(/Did you mean "top_k_categorical_accuracy"/);
  });
  it('bad options', () => {
    expect(() => new AUC({ curv: 'PR' } as never)).toThrow(/"curv" is not an option of AUC\. Did you mean "curve"\?/);
    expect(() => new AUC({ numThresholds: 1 })).toThrow(/numThresholds must be an integer > 1/);
    expect(() => new AUC({ curve: 'PRC' as never })).toThrow(/curve must be 'ROC' or 'PR'/);
    expect(() => new AUC({ thresholds: [0.2, 1.5] })).toThrow(/thresholds must be a number in \[0, 1\]/);
    expect(() => new Precision({ thresholds: [0.3, 0.5] })).toThrow(/thresholds must be one number/);
    expect(() => new Precision({ thresholds: 1.5 })).toThrow(/thresholds must be a number in \[0, 1\]/);
    expect(() => new Recall({ classId: -1 })).toThrow(/classId must be a non-negative integer/);
    expect(() => new F1Score({ average: 'mean' as never })).toThrow(/average must be null, 'micro', 'macro' or 'weighted'/);
    expect(() => new F1Score({ threshold: 0 })).toThrow(/threshold must be a number in \(0, 1\]/);
    expect(() => new TopKCategoricalAccuracy({ k: 0 })).toThrow(/k must be a positive integer/);
    expect(() => new BinaryAccuracy({ treshold: 0.5 } as never)).toThrow(/Did you mean "threshold"/);
  });
  it('metrics that cannot read the output fail before training, the model unchanged', async () => {
    const m = new Sequential({ layers: [new Dense({ units: 3, inputShape: [2], activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [new F1Score()] });
    const before = m.getWeights().map((w) => Array.from(w.data));
    await expect(m.fit([[1, 2]], [[0, 0, 1]], { verbose: 0 })).rejects.toThrow(/average null gives one F1 score a class.*Give average: 'macro'/);
    expect(m.getWeights().map((w) => Array.from(w.data))).toEqual(before);
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: [new Precision({ classId: 3 })] });
    await expect(m.fit([[1, 2]], [[0, 0, 1]], { verbose: 0 })).rejects.toThrow(/classId=3 but the output has 3 columns/);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['auc'] });
    expect(() => m.evaluate([[1, 2]], [2])).toThrow(/metric "auc": reads one label per output value/);
  });
  it('a function needs a name; other values are refused', () => {
    expect(() => model().compile({ optimizer: 'sgd', loss: 'mse', metrics: [(a: Float32Array, b: Float32Array) => a[0] - b[0]] })).toThrow(/a metric function needs a name/);
    expect(() => model().compile({ optimizer: 'sgd', loss: 'mse', metrics: [3 as never] })).toThrow(/metrics must be keys \(strings\) such as 'accuracy'\. Received: 3\. A metric may also be a metric object/);
  });
});

class BatchLogs extends Callback {
  readonly batches: Logs[] = [];
  override onBatchEnd(_batch: number, logs: Logs): void {
    this.batches.push({ ...logs });
  }
}

function data(n: number, seed: number): { x: number[][]; y: number[][] } {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 12.9898 + seed) * 2;
    const b = Math.cos(i * 78.233 + seed) * 2;
    x.push([a, b]);
    y.push([a + 0.5 * b + 0.3 * Math.sin(i * 3.1 + seed) > 0 ? 1 : 0]);
  }
  return { x, y };
}

describe('in fit', () => {
  it("metrics: ['auc', 'precision'] logs auc, precision and their val_ twins; batch logs the running value", async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: 'sigmoid', kernelInitializer: 'zeros' })] });
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['auc', 'precision'] });
    const train = data(40, 1);
    const val = data(20, 2);
    const logger = new BatchLogs();
    const history = await model.fit(train.x, train.y, { epochs: 3, batchSize: 8, shuffle: false, validationData: [val.x, val.y], verbose: 0, callbacks: [logger] });
    expect(Object.keys(history.history).sort()).toEqual(['auc', 'loss', 'precision', 'val_auc', 'val_loss', 'val_precision']);
    expect(history.history.auc).toHaveLength(3);
    // val_ uses a fresh state: the last epoch's equals evaluate on the validation data with the final weights.
    const evaluated = model.evaluate(val.x, val.y);
    expect(history.history.val_auc[2]).toBeCloseTo(evaluated.auc, 12);
    expect(history.history.val_precision[2]).toBeCloseTo(evaluated.precision, 12);
    // The epoch's last batch log holds the epoch value (state reset at each epoch start).
    expect(logger.batches).toHaveLength(15);
    expect(logger.batches[4].auc).toBe(history.history.auc[0]);
    expect(logger.batches[9].auc).toBe(history.history.auc[1]);
    expect(history.history.auc.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("a function metric is averaged over samples: ['accuracy', myFn, new metrics.AUC()]", async () => {
    function absError(yTrue: Float32Array, yPred: Float32Array): number {
      return Math.abs(yTrue[0] - yPred[0]);
    }
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2], activation: 'sigmoid' })] });
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['accuracy', absError, new AUC({ curve: 'PR', name: 'pr_auc' }), 'mae'] });
    const { x, y } = data(13, 3);
    const history = await model.fit(x, y, { epochs: 1, batchSize: 5, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['absError', 'accuracy', 'loss', 'mae', 'pr_auc']);
    const logs = model.evaluate(x, y, { batchSize: 4 });
    expect(logs.absError).toBeCloseTo(logs.mae, 6);
  });
});

describe('saving', () => {
  it('keys as given, metric objects by class and config come back', () => {
    const model = new Sequential({ layers: [new Dense({ units: 2, inputShape: [2], activation: 'sigmoid' })] });
    const objects = [new AUC({ curve: 'PR', numThresholds: 50 }), new Precision({ thresholds: 0.3, classId: 1, name: 'p1' }), new F1Score({ average: 'micro', threshold: 0.5 }), new TopKCategoricalAccuracy({ k: 1 }), new BinaryAccuracy({ threshold: 0.2 }), new AUC({ thresholds: [0.2, 0.7] })];
    model.compile({ optimizer: 'sgd', loss: 'binaryCrossentropy', metrics: ['auc', 'accuracy', ...objects] });
    const { modelJSON, weightData } = serializeModel(model);
    const text = JSON.stringify(modelJSON);
    // TF.js's trainingConfig names only the metrics TF.js computes the same way.
    expect(modelJSON.trainingConfig?.metrics).toEqual(['accuracy']);
    const copy = modelFromJSON(text, weightData);
    const got = copy.compileSettings!.metrics;
    expect(got.slice(0, 2)).toEqual(['auc', 'accuracy']);
    got.slice(2).forEach((m, i) => {
      expect(m).toBeInstanceOf(metrics.MetricObject);
      const o = m as metrics.MetricObject;
      expect([o.className, o.getConfig()]).toEqual([objects[i].className, objects[i].getConfig()]);
    });
  });
  it('a function is saved by its name; loading fails saying so, unless compile: false', () => {
    function myScore(yTrue: Float32Array, yPred: Float32Array): number {
      return yTrue[0] * yPred[0];
    }
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae', myScore] });
    const { modelJSON, weightData } = serializeModel(model);
    const text = JSON.stringify(modelJSON);
    expect(text).toContain('{"function":"myScore"}');
    expect(() => modelFromJSON(text, weightData)).toThrow(/names the metric function myScore, which a file cannot hold\. .*\{ compile: false \}/);
    expect(modelFromJSON(text, weightData, { compile: false }).compileSettings).toBeUndefined();
  });
  it('a saved metric object with a bad config fails naming the field', () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, inputShape: [2] })] });
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: [new AUC()] });
    const { modelJSON, weightData } = serializeModel(model);
    const text = JSON.stringify(modelJSON).replace('"numThresholds":200', '"numThresholds":1');
    expect(() => modelFromJSON(text, weightData)).toThrow(/numThresholds must be an integer > 1/);
    const unknown = JSON.stringify(modelJSON).replace('"className":"AUC"', '"className":"AUCC"');
    expect(() => modelFromJSON(unknown, weightData)).toThrow(/a metric class layerwise has/);
  });
});
