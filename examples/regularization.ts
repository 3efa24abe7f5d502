/**
 * Over-fitting, and three ways to fight it. The same too-big MLP (two Dense layers of 256 units on
 * flattened 28x28 digits) learns from only 500 real MNIST digits (the `mnist` package, offline) and
 * is validated on 1,000 others after every epoch, four ways: plain; with an L2 penalty on every
 * kernel (`kernelRegularizer: regularizers.l2({ l2 })`); with Dropout (0.2 on the input, 0.5 after each hidden layer); and
 * with EarlyStopping({ restoreBestWeights: true }). Prints where each validation curve ends (and the
 * best epoch EarlyStopping restored), and writes the four validation-loss curves to
 * examples/out/regularization.svg. Seeds are fixed: the numbers repeat from run to run.
 *
 *   npx ts-node examples/regularization.ts            (full run)
 *   npx ts-node examples/regularization.ts --short    (a few seconds, for CI)
 */
import * as path from 'node:path';
import {
  Adam,
  datasets,
  Dense,
  Dropout,
  EarlyStopping,
  Flatten,
  plotHistories,
  regularizers,
  Sequential,
  setSeed,
  type Callback,
  type History,
} from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const [trainSize, valSize, epochs] = short ? [200, 200, 8] : [500, 1000, 40];
const UNITS = 256;
const L2 = 3e-3;
const DROPOUT = 0.5;
const INPUT_DROPOUT = 0.2;
const PATIENCE = 5;
const SVG = path.join(__dirname, 'out', 'regularization.svg');

type Variant = 'plain' | 'l2' | 'dropout' | 'early';

interface Run {
  label: string;
  history: History;
  /** The validation cross-entropy (no L2 penalty) and accuracy of the weights the model ends with (for EarlyStopping: the restored ones). */
  final: { crossentropy: number; accuracy: number };
  epochsRun: number;
  bestEpoch?: number;
}

async function train(variant: Variant, label: string, data: datasets.MnistData): Promise<Run> {
  setSeed(0);
  const kernelRegularizer = variant === 'l2' ? regularizers.l2({ l2: L2 }) : undefined;
  const model = new Sequential();
  model.add(new Flatten({ inputShape: [28, 28, 1] }));
  if (variant === 'dropout') model.add(new Dropout({ rate: INPUT_DROPOUT, seed: 9 }));
  for (let i = 0; i < 2; i++) {
    model.add(new Dense({ units: UNITS, activation: 'relu', ...(kernelRegularizer ? { kernelRegularizer } : {}) }));
    if (variant === 'dropout') model.add(new Dropout({ rate: DROPOUT, seed: 10 + i }));
  }
  model.add(new Dense({ units: 10, activation: 'softmax', ...(kernelRegularizer ? { kernelRegularizer } : {}) }));
  model.compile({ optimizer: new Adam({ learningRate: 0.001 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'categorical_crossentropy'] });

  const early = variant === 'early' ? new EarlyStopping({ monitor: 'val_loss', patience: PATIENCE, restoreBestWeights: true }) : undefined;
  const callbacks: Callback[] = early ? [early] : [];
  const history = await model.fit(data.train.x, data.train.y, {
    epochs,
    batchSize: 32,
    verbose: 0,
    seed: 1,
    validationData: [data.test.x, data.test.y],
    callbacks,
  });
  const { categorical_crossentropy: crossentropy, accuracy } = model.evaluate(data.test.x, data.test.y);
  return {
    label,
    history,
    final: { crossentropy, accuracy },
    epochsRun: history.history.val_loss.length,
    ...(early ? { bestEpoch: early.bestEpoch + 1 } : {}),
  };
}

function minimum(values: number[]): { value: number; epoch: number } {
  let epoch = 0;
  values.forEach((v, i) => {
    if (v < values[epoch]) epoch = i;
  });
  return { value: values[epoch], epoch: epoch + 1 };
}

async function main(): Promise<void> {
  const data = await datasets.loadMnist({ trainSize, testSize: valSize, seed: 0 });
  console.log(
    `MNIST: ${trainSize} training digits, ${valSize} for validation; Flatten, 2 x Dense(${UNITS}, relu), Dense(10, softmax); ` +
      `Adam 0.001, batch 32, up to ${epochs} epochs${short ? ' (short mode)' : ''}`,
  );
  const variants: [Variant, string][] = [
    ['plain', 'plain'],
    ['l2', `L2 ${L2} on the kernels`],
    ['dropout', `Dropout ${INPUT_DROPOUT} on the input, ${DROPOUT} hidden`],
    ['early', `EarlyStopping (patience ${PATIENCE}, restoreBestWeights)`],
  ];
  const runs: Run[] = [];
  for (const [variant, label] of variants) {
    const started = Date.now();
    const run = await train(variant, label, data);
    runs.push(run);
    console.log(`  trained "${label}": ${run.epochsRun} epochs in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  console.log();
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(48) : c.padStart(i >= 3 ? 16 : 11))).join('');
  console.log(row(['', 'epochs', 'train acc', 'min val_xent', '(epoch)', 'final val_xent', 'final val_acc']));
  for (const run of runs) {
    const h = run.history.history;
    const best = minimum(h.val_categorical_crossentropy);
    const trainAcc = h.accuracy[h.accuracy.length - 1];
    console.log(
      row([
        run.label,
        String(run.epochsRun),
        trainAcc.toFixed(3),
        best.value.toFixed(4),
        String(best.epoch),
        run.final.crossentropy.toFixed(4),
        run.final.accuracy.toFixed(3),
      ]),
    );
  }
  const early = runs[3];
  console.log(
    `\nEarlyStopping: best val_loss at epoch ${early.bestEpoch}, stopped after epoch ${early.epochsRun}; ` +
      `its final figures are those of the restored epoch-${early.bestEpoch} weights.`,
  );
  console.log(
    '(val_xent: the validation cross-entropy, the categorical_crossentropy metric; val_loss adds the L2 penalty, as in Keras 3. ' +
      'final: model.evaluate on the validation digits with the weights the model ends with.)',
  );

  const curves = Object.fromEntries(runs.map((r) => [r.label, r.history]));
  plotHistories(curves, { metric: 'val_categorical_crossentropy', file: SVG, title: `Validation cross-entropy: 2 x Dense(${UNITS}) on ${trainSize} MNIST digits` });
  console.log(`\nValidation cross-entropy curves written to ${path.relative(process.cwd(), SVG)}`);

  // The point of the example: the plain net over-fits (its validation cross-entropy ends well above
  // its minimum), and each remedy ends with a lower one than the plain net.
  if (!short) {
    const plain = runs[0];
    const plainBest = minimum(plain.history.history.val_categorical_crossentropy).value;
    const failures: string[] = [];
    if (!(plain.final.crossentropy > plainBest * 1.1)) failures.push(`plain final val_xent ${plain.final.crossentropy.toFixed(4)} is not 10% above its minimum ${plainBest.toFixed(4)}`);
    for (const run of runs.slice(1)) {
      if (!(run.final.crossentropy < plain.final.crossentropy)) failures.push(`"${run.label}" final val_xent ${run.final.crossentropy.toFixed(4)} is not below plain's ${plain.final.crossentropy.toFixed(4)}`);
    }
    if (failures.length > 0) {
      console.error(`expected over-fitting, and each remedy to end lower: ${failures.join('; ')}`);
      process.exitCode = 1;
    }
  }
}

void main();
