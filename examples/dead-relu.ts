/**
 * Dying ReLU, measured. The same deep, narrow net (8 Dense layers of 16 units) starts with a
 * harmful initialization, every bias at -1, and is trained twice: once with 'relu', once with
 * new LeakyReLU({ alpha: 0.2 }). A DeadUnitMonitor counts, per layer and per epoch, the units
 * whose input was never positive on any sample. Prints the table of dead fractions and the
 * accuracies, and writes both loss curves to examples/out/dead-relu.svg.
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
  const deadCount = (logs: Record<string, number>): number => layers.reduce((n, name) => n + Math.round(logs[`dead/${name}`] * UNITS), 0);
  const report = new LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      if (epoch === 0 || (epoch + 1) % (epochs / 4) === 0) {
        const line = `  epoch ${String(epoch + 1).padStart(3)}/${epochs}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(3)}`;
        console.log(`${line}  dead units ${deadCount(logs)}/${DEPTH * UNITS}`);
      }
    },
  });
  console.log(label);
  // The monitor comes before the reporter, so the reporter sees the dead/<layer> entries it adds.
  const history = await model.fit(x, y, { epochs, batchSize: 16, verbose: 0, seed: 2, callbacks: [monitor, report] });
  return { history, monitor, accuracy: model.evaluate(x, y).accuracy, layers };
}

function table(relu: Run, leaky: Run): string[] {
  const last = epochs - 1;
  const cell = (run: Run, i: number, epoch: number): string => run.history.history[`dead/${run.layers[i]}`][epoch].toFixed(2);
  const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(12) : c.padStart(14))).join('');
  const total = (run: Run, epoch: number): string =>
    `${run.layers.reduce((n, name) => n + Math.round(run.history.history[`dead/${name}`][epoch] * UNITS), 0)}/${DEPTH * UNITS}`;
  return [
    'Fraction of dead units per layer (never active on any sample of the epoch):',
    row(['', 'relu', '', 'LeakyReLU', '']),
    row(['layer', 'epoch 1', `epoch ${epochs}`, 'epoch 1', `epoch ${epochs}`]),
    ...relu.layers.map((_, i) => row([`dense ${i + 1}`, cell(relu, i, 0), cell(relu, i, last), cell(leaky, i, 0), cell(leaky, i, last)])),
    row(['all units', total(relu, 0), total(relu, last), total(leaky, 0), total(leaky, last)]),
    row(['accuracy', '', relu.accuracy.toFixed(3), '', leaky.accuracy.toFixed(3)]),
  ];
}

async function main(): Promise<void> {
  console.log(`XOR quadrants: 400 points, ${DEPTH} Dense layers of ${UNITS} units, biases initialized to -1, Adam 0.003, ${epochs} epochs${short ? ' (short mode)' : ''}`);
  const relu = await train("activation: 'relu'", () => 'relu');
  const leaky = await train('activation: new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }));
  console.log();
  for (const line of table(relu, leaky)) console.log(line);
  console.log();
  console.log("Which ReLU units are dead at the end (DeadUnitMonitor's dead):");
  relu.layers.forEach((name, i) => {
    const dead = relu.monitor.dead[name];
    console.log(`  dense ${i + 1}: ${dead.length === UNITS ? `all ${UNITS}` : dead.length === 0 ? 'none' : `units ${dead.join(', ')}`}`);
  });
  console.log();
  const runs = { relu: relu.history, 'LeakyReLU(alpha=0.2)': leaky.history };
  plotHistories(runs, { metric: 'loss', rows: 8 });
  plotHistories(runs, { metric: 'loss', file: SVG, title: `Training loss: ${DEPTH} x Dense(${UNITS}), biases initialized to -1` });
  console.log(`\nLoss curves written to ${path.relative(process.cwd(), SVG)}`);

  const leakyDead = leaky.layers.reduce((n, name) => n + leaky.monitor.dead[name].length, 0);
  const reluDead = relu.layers.reduce((n, name) => n + relu.monitor.dead[name].length, 0);
  if (reluDead === 0 || leakyDead > 0 || leaky.accuracy < 0.95) {
    console.error(`expected dead ReLU units and none with LeakyReLU (accuracy >= 0.95); got ${reluDead} and ${leakyDead} (accuracy ${leaky.accuracy.toFixed(3)})`);
    process.exitCode = 1;
  }
}

void main();
