/**
 * Training on a file too big to load: a synthetic regression problem (y = a noisy function of 8
 * features) is written to a CSV on disk, streaming, then a small MLP trains on it with
 * `model.fitDataset` from an async generator function that reads the file line by line
 * (node:readline over a read stream) and yields batches of 256 as typed arrays. The function is
 * called once an epoch, so each epoch reopens the file: only one batch is ever in memory. The
 * last rows of the file are held out and evaluated the same way, with `evaluateDataset`. Prints the
 * file's size next to the process's peak RSS, and the losses against predicting the mean.
 *
 *   npx ts-node examples/streamed.ts            (4,000,000 rows, about 290 MB of CSV, under a minute)
 *   npx ts-node examples/streamed.ts --short    (20,000 rows, a few seconds, for CI)
 */
import { createReadStream, createWriteStream, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Adam, Callback, Dense, Sequential, setSeed, tensor, type Batch, type Logs } from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const rows = short ? 20_000 : 4_000_000;
const heldOut = short ? 2_000 : 200_000; // the last rows of the file, never trained on
const trainRows = rows - heldOut;
const epochs = short ? 2 : 3;
const batchSize = 256;
const features = 8;
const file = join(__dirname, 'out', `streamed-${process.pid}.csv`);

/** Peak resident set size, sampled (and the kernel's own maximum, which is what we report). */
let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
};
const sampler = setInterval(sampleRss, 50);
sampler.unref();

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** mulberry32: a small seeded generator, so the file is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The target: a smooth nonlinear function of the 8 features in [-1, 1], plus noise. */
function target(x: number[], noise: number): number {
  return Math.sin(2 * x[0]) + x[1] * x[2] + 0.5 * x[3] * x[3] - 0.3 * x[4] + 0.4 * Math.cos(3 * x[5]) * x[6] + 0.2 * x[7] + noise;
}

/**
 * Writes the CSV in chunks of 10,000 lines, waiting for 'drain' when the stream's buffer is full:
 * never more than one chunk in memory. Returns the held-out rows' label mean and variance (the
 * loss of predicting the mean) and the training rows' mean (the baseline's prediction).
 */
async function writeCsv(): Promise<{ trainMean: number; baseline: number }> {
  mkdirSync(join(__dirname, 'out'), { recursive: true });
  const out = createWriteStream(file);
  const rand = rng(42);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  out.write(`${Array.from({ length: features }, (_, i) => `x${i}`).join(',')},y\n`);
  let trainSum = 0;
  const held: number[] = []; // only the held-out labels, for the baseline (200,000 numbers at most)
  const x = new Array<number>(features);
  for (let start = 0; start < rows; start += 10_000) {
    let chunk = '';
    for (let r = start; r < Math.min(rows, start + 10_000); r++) {
      for (let j = 0; j < features; j++) x[j] = rand() * 2 - 1;
      const y = target(x, 0.1 * gauss());
      if (r < trainRows) trainSum += y;
      else held.push(y);
      chunk += `${x.map((v) => v.toFixed(5)).join(',')},${y.toFixed(5)}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const trainMean = trainSum / trainRows;
  const baseline = held.reduce((s, y) => s + (y - trainMean) ** 2, 0) / held.length;
  return { trainMean, baseline };
}

/**
 * The dataset: an async generator function over rows [from, to) of the file. fitDataset calls it
 * once an epoch, so each epoch opens a fresh read stream. Each batch is two Float32Arrays.
 */
function csvBatches(from: number, to: number): () => AsyncGenerator<Batch> {
  return async function* () {
    const lines = createInterface({ input: createReadStream(file, { highWaterMark: 1 << 16 }), crlfDelay: Infinity });
    let xs = new Float32Array(batchSize * features);
    let ys = new Float32Array(batchSize);
    let n = 0;
    let row = -1; // -1 is the header
    try {
      for await (const line of lines) {
        if (row++ < 0) continue;
        if (row - 1 < from) continue;
        if (row - 1 >= to) break;
        const cells = line.split(',');
        for (let j = 0; j < features; j++) xs[n * features + j] = Number(cells[j]);
        ys[n] = Number(cells[features]);
        if (++n === batchSize) {
          yield { xs: tensor(xs, [n, features]), ys: tensor(ys, [n, 1]) };
          xs = new Float32Array(batchSize * features);
          ys = new Float32Array(batchSize);
          n = 0;
        }
      }
      if (n > 0) yield { xs: tensor(xs.subarray(0, n * features), [n, features]), ys: tensor(ys.subarray(0, n), [n, 1]) };
    } finally {
      lines.close();
    }
  };
}

/** Prints the running loss every `every` batches, with the RSS. */
class Progress extends Callback {
  private started = Date.now();
  constructor(private readonly every: number) {
    super();
  }

  override onBatchEnd(batch: number, logs: Logs): void {
    if ((batch + 1) % this.every === 0) {
      sampleRss();
      console.log(`    batch ${String(batch + 1).padStart(5)}  loss ${logs.loss.toFixed(4)}  rss ${mb(process.memoryUsage().rss)}`);
    }
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    console.log(`  epoch ${epoch + 1}/${this.params.epochs}  loss ${logs.loss.toFixed(4)}  (${((Date.now() - this.started) / 1000).toFixed(1)}s)`);
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`Streamed CSV: ${rows.toLocaleString('en-US')} rows of 8 features (${heldOut.toLocaleString('en-US')} held out), batches of ${batchSize}, ${epochs} epochs${short ? ' (short mode)' : ''}`);
  sampleRss();
  const rssBefore = process.memoryUsage().rss;
  const { baseline } = await writeCsv();
  const size = statSync(file).size;
  console.log(`wrote ${file}: ${mb(size)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  try {
    setSeed(7);
    const model = new Sequential();
    model.add(new Dense({ units: 64, inputShape: [features], activation: 'relu' }));
    model.add(new Dense({ units: 32, activation: 'relu' }));
    model.add(new Dense({ units: 1 }));
    model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'meanSquaredError' });
    const batchesPerEpoch = Math.ceil(trainRows / batchSize);
    const trainStart = Date.now();
    const history = await model.fitDataset(csvBatches(0, trainRows), {
      epochs,
      verbose: 0,
      callbacks: [new Progress(Math.max(1, Math.floor(batchesPerEpoch / 4)))],
    });
    const trainSeconds = (Date.now() - trainStart) / 1000;
    const { loss } = await model.evaluateDataset(csvBatches(trainRows, rows));
    sampleRss();
    const finalLoss = history.history.loss[history.history.loss.length - 1];
    console.log(`train loss ${finalLoss.toFixed(4)} (last epoch)  held-out loss ${loss.toFixed(4)}  predicting the mean: ${baseline.toFixed(4)}  (noise floor 0.0100)`);
    console.log(`file ${mb(size)}  peak RSS ${mb(peakRss)} (${mb(rssBefore)} before writing, most of it ts-node and the TypeScript compiler: +${mb(peakRss - rssBefore)})  training ${trainSeconds.toFixed(1)}s, ${((Date.now() - started) / 1000).toFixed(1)}s in all`);
    if (!(loss < 0.5 * baseline)) {
      console.error(`held-out loss ${loss.toFixed(4)} is not below half the baseline ${baseline.toFixed(4)}: the model did not learn`);
      if (!short) process.exitCode = 1;
    }
  } finally {
    unlinkSync(file);
  }
}

void main();
