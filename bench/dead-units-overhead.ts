/**
 * What DeadUnitMonitor costs: fit time of an 8 x Dense(32) ReLU net on 400 spiral points, with and
 * without the monitor, runs alternated, median of each.
 *
 *   npx ts-node bench/dead-units-overhead.ts
 */
import { datasets, DeadUnitMonitor, Dense, Sequential, SGD, setSeed, type Callback } from 'layerwise';

const { x, y } = datasets.spirals({ samples: 200, seed: 3 });

async function timeFit(callbacks: Callback[], batchSize: number): Promise<number> {
  setSeed(1);
  const model = new Sequential();
  for (let i = 0; i < 8; i++) model.add(new Dense({ units: 32, activation: 'relu', ...(i === 0 ? { inputShape: [2] } : {}) }));
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.01 }), loss: 'binaryCrossentropy' });
  const start = performance.now();
  await model.fit(x, y, { epochs: 40, batchSize, verbose: 0, seed: 1, callbacks });
  return performance.now() - start;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function main(): Promise<void> {
  for (const batchSize of [8, 32]) {
    await timeFit([], batchSize); // warm-up
    const [plain, watched]: number[][] = [[], []];
    for (let i = 0; i < 9; i++) {
      plain.push(await timeFit([], batchSize));
      watched.push(await timeFit([new DeadUnitMonitor()], batchSize));
    }
    const [a, b] = [median(plain), median(watched)];
    console.log(`batch ${batchSize}: without ${a.toFixed(0)} ms, with DeadUnitMonitor ${b.toFixed(0)} ms: overhead ${((100 * (b - a)) / a).toFixed(1)}%`);
  }
}

void main();
