/**
 * Accuracy lies on imbalanced data. From real MNIST digits (the `mnist` package, offline) a binary
 * problem "is it an 8?" is made with 5% positives: all other digits are negatives, 8s are
 * subsampled to 5% of the samples, in training and test alike. A majority-class "model" that always
 * says no already scores 95% accuracy with a recall of 0. The same small net (a logistic regression
 * on the 784 pixels) is trained twice, without and with `classWeight: { 0: 1, 1: 19 }` (19 = 95/5,
 * so both classes weigh the same in the loss), and scored on the held-out digits with accuracy,
 * precision, recall and AUC (`metrics: ['accuracy', 'precision', 'recall', new metrics.AUC()]`).
 * The full run exits 1 if classWeight does not raise recall.
 *
 *   npx ts-node examples/imbalanced.ts            (full run)
 *   npx ts-node examples/imbalanced.ts --short    (a few seconds, for CI)
 */
import { clone, datasets, Dense, metrics, Rng, Sequential, SGD, setSeed, tensor, type Tensor } from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const [trainSize, testSize, epochs] = short ? [2000, 1000, 2] : [8000, 2000, 10];
const POSITIVE = 8;
const POSITIVE_FRACTION = 0.05;
/** 19 = 95 / 5: both classes weigh the same in the loss. */
const CLASS_WEIGHT = { 0: 1, 1: 19 };
const PIXELS = 28 * 28;

/** Flat pixels [N, 784] and 0/1 labels [N, 1] with 5% positives: every negative, enough positives. */
function imbalanced(part: datasets.Dataset, seed: number): { x: Tensor; y: Tensor; positives: number } {
  const pixels = clone(part.x).data;
  const labels = clone(part.y).data;
  const negatives: number[] = [];
  const positives: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === POSITIVE ? positives : negatives).push(i);
  const keep = Math.round((negatives.length * POSITIVE_FRACTION) / (1 - POSITIVE_FRACTION));
  const rng = new Rng(seed);
  // A seeded partial Fisher-Yates shuffle picks `keep` of the positives.
  for (let i = 0; i < keep; i++) {
    const j = i + Math.floor(rng.uniform() * (positives.length - i));
    [positives[i], positives[j]] = [positives[j], positives[i]];
  }
  const rows = [...negatives, ...positives.slice(0, keep)].sort((a, b) => a - b);
  const x = new Float32Array(rows.length * PIXELS);
  const y = new Float32Array(rows.length);
  rows.forEach((row, i) => {
    x.set(pixels.subarray(row * PIXELS, (row + 1) * PIXELS), i * PIXELS);
    y[i] = labels[row] === POSITIVE ? 1 : 0;
  });
  return { x: tensor(x, [rows.length, PIXELS]), y: tensor(y, [rows.length, 1]), positives: keep };
}

type Scores = { accuracy: number; precision: number; recall: number; auc: number };

async function train(train: { x: Tensor; y: Tensor }, test: { x: Tensor; y: Tensor }, classWeight?: Record<number, number>): Promise<Scores> {
  setSeed(0);
  const model = new Sequential();
  model.add(new Dense({ units: 1, inputShape: [PIXELS], activation: 'sigmoid' }));
  model.compile({
    optimizer: new SGD({ learningRate: 0.01 }),
    loss: 'binaryCrossentropy',
    metrics: ['accuracy', 'precision', 'recall', new metrics.AUC()],
  });
  await model.fit(train.x, train.y, { epochs, batchSize: 32, verbose: 0, seed: 1, ...(classWeight ? { classWeight } : {}) });
  const { accuracy, precision, recall, auc } = model.evaluate(test.x, test.y);
  return { accuracy, precision, recall, auc };
}

async function main(): Promise<void> {
  const data = await datasets.loadMnist({ trainSize, testSize, seed: 0, labels: 'sparse' });
  const trainSet = imbalanced(data.train, 1);
  const testSet = imbalanced(data.test, 2);
  const trainN = trainSet.y.shape[0];
  const testN = testSet.y.shape[0];
  console.log(
    `MNIST "is it an ${POSITIVE}?": ${trainN} training digits (${trainSet.positives} positives, ${((100 * trainSet.positives) / trainN).toFixed(1)}%), ` +
      `${testN} held out (${testSet.positives} positives); Dense(1, sigmoid) on the pixels, SGD 0.01, ${epochs} epochs${short ? ' (short mode)' : ''}`,
  );

  // The majority class, always "no": accuracy is the share of negatives, and nothing is found.
  const majority: Scores = { accuracy: 1 - testSet.positives / testN, precision: 0, recall: 0, auc: 0.5 };
  const plain = await train(trainSet, testSet);
  const weighted = await train(trainSet, testSet, CLASS_WEIGHT);

  console.log();
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(11))).join('');
  console.log(row(['held out', 'accuracy', 'precision', 'recall', 'AUC']));
  const line = (label: string, s: Scores): void => console.log(row([label, s.accuracy.toFixed(3), s.precision.toFixed(3), s.recall.toFixed(3), s.auc.toFixed(3)]));
  line('always "no" (majority class)', majority);
  line('no classWeight', plain);
  line(`classWeight { 0: 1, 1: ${CLASS_WEIGHT[1]} }`, weighted);
  console.log(
    `\nAccuracy ${majority.accuracy.toFixed(3)} needs no model at all. classWeight moves recall ${plain.recall.toFixed(3)} -> ${weighted.recall.toFixed(3)} ` +
      `(${weighted.recall >= plain.recall ? '+' : ''}${(weighted.recall - plain.recall).toFixed(3)}), precision ${plain.precision.toFixed(3)} -> ${weighted.precision.toFixed(3)}, ` +
      `accuracy ${plain.accuracy.toFixed(3)} -> ${weighted.accuracy.toFixed(3)}.`,
  );

  if (!short && !(weighted.recall > plain.recall)) {
    console.error(`expected classWeight to raise recall; got ${plain.recall.toFixed(3)} without and ${weighted.recall.toFixed(3)} with it`);
    process.exitCode = 1;
  }
}

void main();
