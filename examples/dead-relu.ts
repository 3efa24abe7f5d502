/**
 * Dying ReLU, measured. The same deep, narrow net (8 Dense layers of 16 units) starts with a
 * harmful initialization, every bias at -1, and is trained twice: once with 'relu', once with
 * new LeakyReLU({ alpha: 0.2 }). A DeadUnitMonitor counts, per layer and per epoch, the dead units
 * (zero gradient on every sample: a ReLU whose input was never positive) and the inactive ones
 * (input never positive, but the gradient alive: a leaky unit on its negative side). Prints both
 * counts per layer and the accuracies, and writes both loss curves to examples/out/dead-relu.svg.
 *
 *   npx ts-node examples/dead-relu.ts            (full run)
 *   npx ts-node examples/dead-relu.ts --short    (a few seconds, for CI)
 */
import * as path from 'node:path';
import {
  Adam,
  DeadUnitMonitor,
  Dense,
  initializers,
  LambdaCallback,
  LeakyReLU,
  plotHistories,
  Rng,
  Sequential,
  setSeed,
  tensor,
  type ActivationSpec,
  type History,
  type Tensor,
} from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const epochs = short ? 30 : 120;
const DEPTH = 8;
const UNITS = 16;
const SVG = path.join(__dirname, 'out', 'dead-relu.svg');

/** 400 points uniform in [-2, 2]², labelled 1 where x₁·x₂ > 0: XOR of the signs. */
function quadrants(samples: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Rng(seed);
  const x = new Float32Array(samples * 2);
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    x[2 * i] = 4 * rng.uniform() - 2;
    x[2 * i + 1] = 4 * rng.uniform() - 2;
    y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0;
  }
  return { x: tensor(x, [samples, 2]), y: tensor(y, [samples, 1]) };
}

interface Run {
  history: History;
  monitor: DeadUnitMonitor;
  accuracy: number;
  layers: string[];
}

async function train(label: string, activation: () => ActivationSpec): Promise<Run> {
  setSeed(2);
  const { x, y } = quadrants(400, 3);
  const model = new Sequential();
  for (let i = 0; i < DEPTH; i++) {
    model.add(
      new Dense({
        units: UNITS,
        ...(i === 0 ? { inputShape: [2] } : {}),
        activation: activation(),
        kernelInitializer: 'heNormal',
        biasInitializer: initializers.constant({ value: -1 }),
      }),
    );
  }
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

  const monitor = new DeadUnitMonitor();
  const layers = model.layers.slice(0, DEPTH).map((l) => l.name);
  const report = new LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      if (epoch === 0 || (epoch + 1) % (epochs / 4) === 0) {
        const line = `  epoch ${String(epoch + 1).padStart(3)}/${epochs}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(3)}`;
        console.log(`${line}  dead units ${logs.dead_units}/${DEPTH * UNITS}, inactive ${logs.inactive_units}/${DEPTH * UNITS}`);
      }
    },
  });
  console.log(label);
  // The monitor comes before the reporter, so the reporter sees the entries it adds (dead_units, ...).
  const history = await model.fit(x, y, { epochs, batchSize: 16, verbose: 0, seed: 2, callbacks: [monitor, report] });
  return { history, monitor, accuracy: model.evaluate(x, y).accuracy, layers };
}

/** Dead and inactive units of one layer (or, with no index, of all) in one epoch: `dead / inactive`. */
function counts(run: Run, epoch: number, i?: number): string {
  const logs = run.history.history;
  if (i === undefined) return `${logs.dead_units[epoch]} / ${logs.inactive_units[epoch]}`;
  const name = run.layers[i];
  return `${Math.round(logs[`dead/${name}`][epoch] * UNITS)} / ${Math.round(logs[`inactive/${name}`][epoch] * UNITS)}`;
}

function table(relu: Run, leaky: Run): string[] {
  const last = epochs - 1;
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(16) : c.padStart(12))).join('');
  const epochCells = (i?: number): string[] => [counts(relu, 0, i), counts(relu, last, i), counts(leaky, 0, i), counts(leaky, last, i)];
  return [
    `Units per layer, dead / inactive, of ${UNITS} (of ${DEPTH * UNITS} in all):`,
    '  dead: zero gradient on every sample of the epoch (relu, input never positive)',
    '  inactive: input never positive, but the gradient alive (leaky, alpha times as large)',
    row(['', 'relu', '', 'LeakyReLU', '']),
    row(['layer', 'epoch 1', `epoch ${epochs}`, 'epoch 1', `epoch ${epochs}`]),
    ...relu.layers.map((_, i) => row([`dense ${i + 1}`, ...epochCells(i)])),
    row(['all units', ...epochCells()]),
    row(['accuracy', '', relu.accuracy.toFixed(3), '', leaky.accuracy.toFixed(3)]),
  ];
}

/** `units 3, 7` of one layer, `all 16`, or `none`. */
function which(units: number[]): string {
  return units.length === UNITS ? `all ${UNITS}` : units.length === 0 ? 'none' : `units ${units.join(', ')}`;
}

async function main(): Promise<void> {
  console.log(`XOR quadrants: 400 points, ${DEPTH} Dense layers of ${UNITS} units, biases initialized to -1, Adam 0.003, ${epochs} epochs${short ? ' (short mode)' : ''}`);
  const relu = await train("activation: 'relu'", () => 'relu');
  const leaky = await train('activation: new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }));
  console.log();
  for (const line of table(relu, leaky)) console.log(line);
  console.log();
  console.log("Which units are dead, and which inactive, in the last epoch (DeadUnitMonitor's dead and inactive):");
  relu.layers.forEach((name, i) => {
    const leakyName = leaky.layers[i];
    console.log(`  dense ${i + 1}: relu dead ${which(relu.monitor.dead[name])}; LeakyReLU dead ${which(leaky.monitor.dead[leakyName])}, inactive ${which(leaky.monitor.inactive[leakyName])}`);
  });
  console.log();
  const runs = { relu: relu.history, 'LeakyReLU(alpha=0.2)': leaky.history };
  plotHistories(runs, { metric: 'loss', rows: 8 });
  plotHistories(runs, { metric: 'loss', file: SVG, title: `Training loss: ${DEPTH} x Dense(${UNITS}), biases initialized to -1` });
  console.log(`\nLoss curves written to ${path.relative(process.cwd(), SVG)}`);

  // A leaky unit can be inactive, never dead (alpha is not 0); the ReLU net keeps its dead units.
  const reluDead = relu.history.history.dead_units[epochs - 1];
  const leakyDead = Math.max(...leaky.history.history.dead_units);
  const leakyInactiveFirst = leaky.history.history.inactive_units[0];
  if (reluDead === 0 || leakyDead > 0 || leakyInactiveFirst === 0 || leaky.accuracy < 0.95) {
    console.error(
      `expected dead ReLU units at the end, inactive but never dead LeakyReLU units in epoch 1, and LeakyReLU accuracy >= 0.95; ` +
        `got ${reluDead} dead ReLU units, ${leakyDead} dead and ${leakyInactiveFirst} inactive LeakyReLU units (accuracy ${leaky.accuracy.toFixed(3)})`,
    );
    process.exitCode = 1;
  }
}

void main();
