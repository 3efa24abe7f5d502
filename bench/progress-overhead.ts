/**
 * What the progress bar costs, on small, fast nets where per-batch costs show most. Two measures:
 * - the time spent inside ProgressLogger's hooks (drawing to a terminal-like sink that writes to
 *   /dev/null), less the timing's own cost (the same wrapper around a callback that does nothing),
 *   as a share of fit's time;
 * - fit's median time with and without the logger, runs alternated.
 *
 *   npx ts-node bench/progress-overhead.ts
 */
import * as fs from 'node:fs';
import { Callback, datasets, Dense, ProgressLogger, Sequential, SGD, setSeed, type Logs } from 'layerwise';

const devNull = fs.openSync('/dev/null', 'w');

/** Runs measured: hidden units, batch size, epochs and spiral points per class. */
const RUNS = [
  { units: 16, batchSize: 8, epochs: 100, perClass: 200 }, // 1 ms epochs: the per-epoch line shows
  { units: 16, batchSize: 8, epochs: 5, perClass: 4000 }, // long epochs: the throttled redraws show
  { units: 32, batchSize: 32, epochs: 100, perClass: 200 },
];
type Run = (typeof RUNS)[number];

/** Forwards fit's hooks to `inner`, adding up the time they take. */
class Timed extends Callback {
  spent = 0;

  constructor(readonly inner: Callback) {
    super();
  }

  private time(run: () => void): void {
    const start = performance.now();
    run();
    this.spent += performance.now() - start;
  }

  override onTrainBegin(logs: Logs): void {
    Object.assign(this.inner, { model: this.model, params: this.params });
    this.time(() => this.inner.onTrainBegin(logs));
  }
  override onEpochBegin(epoch: number, logs: Logs): void {
    this.time(() => this.inner.onEpochBegin(epoch, logs));
  }
  override onBatchEnd(batch: number, logs: Logs): void {
    this.time(() => this.inner.onBatchEnd(batch, logs));
  }
  override onEpochEnd(epoch: number, logs: Logs): void {
    this.time(() => this.inner.onEpochEnd(epoch, logs));
  }
}

const terminal = (): ProgressLogger => new ProgressLogger({ sink: { isTTY: true, columns: 120, write: (t: string) => fs.writeSync(devNull, t) } });

async function fit({ units, batchSize, epochs, perClass }: Run, callbacks: Callback[]): Promise<number> {
  setSeed(1);
  const { x, y } = datasets.spirals({ samples: perClass, seed: 3 });
  const model = new Sequential();
  model.add(new Dense({ units, inputShape: [2], activation: 'relu' }));
  model.add(new Dense({ units, activation: 'relu' }));
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const start = performance.now();
  await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks });
  return performance.now() - start;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  for (const run of RUNS) {
    const steps = Math.ceil((2 * run.perClass) / run.batchSize);
    const [inLogger, inNoop, plain, logged]: number[][] = [[], [], [], []];
    for (let i = 0; i < 9; i++) {
      const logger = new Timed(terminal());
      const total = await fit(run, [logger]);
      inLogger.push((100 * logger.spent) / total);
      const noop = new Timed(new (class extends Callback {})());
      const noopTotal = await fit(run, [noop]);
      inNoop.push((100 * noop.spent) / noopTotal);
      plain.push(await fit(run, []));
      logged.push(await fit(run, [terminal()]));
    }
    const [a, b] = [median(plain), median(logged)];
    console.log(
      `Dense(${run.units}) x2, batch ${run.batchSize}, ${run.epochs} epochs of ${steps} batches: in the logger ${median(inLogger).toFixed(2)}% of fit ` +
        `(the timing alone ${median(inNoop).toFixed(2)}%); fit ${a.toFixed(0)} ms without, ${b.toFixed(0)} ms with (${((100 * (b - a)) / a).toFixed(1)}%)`,
    );
  }
}

void main();
