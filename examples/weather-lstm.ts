/**
 * Tomorrow's maximum temperature in Seattle from the last 14 days of real weather: the daily
 * records 2012-2015 that the npm package `vega-datasets` ships (seattle-weather.csv, read offline).
 * Each day gives six features: temp_max, temp_min, precipitation, wind, and the season as sine and
 * cosine of the day of the year; they are standardised with the means and deviations of the
 * training years alone. Training forecasts the days of 2012-2014 (the latest fifth of them, in
 * date order, held out for the validation curves); the test forecasts every day of 2015.
 *
 * Four forecasts, scored by their mean absolute error on 2015 in °C:
 *   - persistence: tomorrow = today (no learning at all, and hard to beat a day ahead);
 *   - Dense: Flatten + Dense(1), a linear model of the window's 84 numbers;
 *   - LSTM(32) + Dense(1);
 *   - GRU(32) + Dense(1).
 * Each learned model trains from three seeds (one in short mode): the table gives the mean and the
 * range, so that a win smaller than the seed-to-seed spread reads as what it is. The summary says
 * plainly which forecast wins. Writes the loss curves and the 2015 forecasts (of the first seed) to
 * examples/out/weather-loss.svg and examples/out/weather-2015.svg. Seeds are fixed: the numbers
 * repeat from run to run.
 *
 *   npx ts-node examples/weather-lstm.ts            (full run)
 *   npx ts-node examples/weather-lstm.ts --short    (one seed, a few epochs, for CI)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Adam, Dense, Flatten, GRU, historiesToSVG, LSTM, plotHistories, Sequential, setSeed, type History, type Layer } from 'layerwise';
import { FEATURES, fitScaler, loadSeattleWeather, makeWindows, meanAbsoluteError, toCelsius, type Windows } from './lib/weather';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const WINDOW = 14;
const UNITS = 32;
const EPOCHS = short ? 3 : 40;
const SEEDS = short ? [0] : [0, 1, 2];
const TEST_YEAR = 2015;
const OUT = path.join(__dirname, 'out');

/** The layers of each learned model, built afresh after setSeed. */
const MODELS: Record<string, () => Layer[]> = {
  'Dense (linear)': () => [new Flatten({ inputShape: [WINDOW, FEATURES.length] }), new Dense({ units: 1 })],
  LSTM: () => [new LSTM({ units: UNITS, inputShape: [WINDOW, FEATURES.length] }), new Dense({ units: 1 })],
  GRU: () => [new GRU({ units: UNITS, inputShape: [WINDOW, FEATURES.length] }), new Dense({ units: 1 })],
};

/** A forecast's test MAE (°C) per seed, and the first seed's forecasts and curves. */
interface Scored {
  name: string;
  maes: number[];
  /** °C, one per day of the test year. */
  predicted: number[];
  history?: History;
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

async function trainOnce(name: string, seed: number, train: Windows, test: Windows): Promise<{ predicted: Float32Array; history: History }> {
  setSeed(seed);
  const model = new Sequential();
  for (const layer of MODELS[name]()) model.add(layer);
  model.compile({ optimizer: new Adam({ learningRate: 0.003 }), loss: 'meanSquaredError', metrics: ['mae'] });
  const history = await model.fit(train.x, train.y, { epochs: EPOCHS, batchSize: 32, validationSplit: 0.2, verbose: 0, seed: seed + 1 });
  return { predicted: model.predict(test.x).data, history };
}

async function trainSeeds(name: string, train: Windows, test: Windows, celsius: (v: number) => number): Promise<Scored> {
  const started = Date.now();
  const runs: { predicted: Float32Array; history: History }[] = [];
  for (const seed of SEEDS) runs.push(await trainOnce(name, seed, train, test));
  const forecasts = runs.map((r) => Array.from(r.predicted, celsius));
  console.log(`  trained ${name} ${SEEDS.length}x in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return { name, maes: forecasts.map((f) => meanAbsoluteError(f, test.actual)), predicted: forecasts[0], history: runs[0].history };
}

async function main(): Promise<void> {
  const days = loadSeattleWeather();
  const scaler = fitScaler(days.filter((d) => d.year < TEST_YEAR));
  const trainSet = makeWindows(days, WINDOW, scaler, (d) => d.year < TEST_YEAR);
  const testSet = makeWindows(days, WINDOW, scaler, (d) => d.year === TEST_YEAR);
  const celsius = (v: number): number => toCelsius(scaler, v);
  console.log(
    `Seattle weather: ${days.length} days (${days[0].date} to ${days[days.length - 1].date}); ` +
      `${trainSet.dates.length} training windows of ${WINDOW} days x ${FEATURES.length} features (forecasts ${trainSet.dates[0]} to ${trainSet.dates[trainSet.dates.length - 1]}, ` +
      `the last 20% for validation), ${testSet.dates.length} test forecasts in ${TEST_YEAR}; ` +
      `Adam 0.003, batch 32, ${EPOCHS} epochs, seeds ${SEEDS.join(', ')}${short ? ' (short mode)' : ''}`,
  );

  const persistence = testSet.today;
  const scored: Scored[] = [{ name: 'persistence (tomorrow = today)', maes: [meanAbsoluteError(persistence, testSet.actual)], predicted: persistence }];
  for (const name of Object.keys(MODELS)) scored.push(await trainSeeds(name, trainSet, testSet, celsius));

  console.log(`\ntest MAE on every day of ${TEST_YEAR} (°C)${SEEDS.length > 1 ? `, mean and range over ${SEEDS.length} seeds` : ''}:`);
  for (const s of scored) {
    const range = s.maes.length > 1 ? `  (${Math.min(...s.maes).toFixed(3)} to ${Math.max(...s.maes).toFixed(3)})` : '';
    console.log(`  ${s.name.padEnd(32)}${mean(s.maes).toFixed(3).padStart(7)}${range}`);
  }
  console.log(`\n${verdict(scored)}`);

  const lossFile = path.join(OUT, 'weather-loss.svg');
  const curves = Object.fromEntries(scored.flatMap((s) => (s.history ? [[s.name, s.history]] : [])));
  plotHistories(curves, { metric: 'loss', file: lossFile, title: `Training and validation loss (MSE of standardised temp_max), ${WINDOW}-day windows` });
  const forecastFile = path.join(OUT, `weather-${TEST_YEAR}.svg`);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(forecastFile, forecastChart(testSet.actual, scored));
  console.log(`\nLoss curves written to ${path.relative(process.cwd(), lossFile)}, the ${TEST_YEAR} forecasts to ${path.relative(process.cwd(), forecastFile)}`);

  if (!short) {
    const missed = scored.filter((s) => !(mean(s.maes) < 3));
    if (missed.length > 0) {
      console.error(`a forecast missed badly: ${missed.map((s) => `${s.name} MAE ${mean(s.maes).toFixed(2)}`).join(', ')} (expected under 3 °C)`);
      process.exitCode = 1;
    }
  }
}

/** How much lower `a`'s mean MAE is than `b`'s, and the larger of their seed-to-seed ranges. */
function gapOf(a: Scored, b: Scored): { gap: number; spread: number } {
  return { gap: mean(b.maes) - mean(a.maes), spread: Math.max(...[a, b].map((s) => Math.max(...s.maes) - Math.min(...s.maes))) };
}

/** `a` against `b` in words: which is lower on average, by how much, and whether that is more than the seeds' spread. */
function compare(a: Scored, b: Scored): string {
  const { gap, spread } = gapOf(a, b);
  const noise = SEEDS.length > 1 && Math.abs(gap) <= spread ? ', less than the spread between seeds' : '';
  return `${gap > 0 ? 'beats' : 'loses to'} ${b.name} by ${Math.abs(gap).toFixed(3)} °C${noise}`;
}

/** Which forecast wins, and whether the recurrent nets beat the cheaper ones by more than chance; said as it is. */
function verdict(scored: readonly Scored[]): string {
  const [persistence, dense, ...recurrent] = scored;
  const best = scored.reduce((a, b) => (mean(b.maes) < mean(a.maes) ? b : a));
  const lines = [`Best on average: ${best.name}, ${mean(best.maes).toFixed(3)} °C.`];
  for (const r of recurrent) lines.push(`${r.name} ${compare(r, persistence)}, and ${compare(r, dense)}.`);
  const clearWinners = recurrent.filter((r) => [persistence, dense].every((b) => gapOf(r, b).gap > gapOf(r, b).spread));
  if (best === persistence) lines.push('No learned model beats "tomorrow = today" here: the recurrent nets do not earn their keep on this data.');
  else if (best === dense) lines.push('The linear Dense model of the flattened window wins: the recurrence does not earn its keep on this data.');
  else if (SEEDS.length === 1) lines.push('(One seed in short mode: the full run trains three and says whether the margins exceed the spread between them.)');
  else if (clearWinners.length === 0) lines.push('A recurrent net comes out ahead on average, but by less than the spread between seeds: on this data it does not clearly earn its keep.');
  else lines.push(`${clearWinners.map((r) => r.name).join(' and ')} beat both baselines by more than the spread between seeds: here the recurrence earns its keep.`);
  return lines.join('\n');
}

/** The actual temp_max of every test day, and each forecast, as a line chart (one x step a day). */
function forecastChart(actual: readonly number[], forecasts: readonly Scored[]): string {
  const runs = Object.fromEntries([['actual', { history: { temp_max: actual } }], ...forecasts.map((f) => [f.name, { history: { temp_max: f.predicted } }])]);
  // historiesToSVG labels its x axis "epoch"; here one step is a day.
  return historiesToSVG(runs, { metric: 'temp_max', title: `Tomorrow's temp_max in Seattle, ${TEST_YEAR}: actual and forecast (°C)`, width: 1100 }).replace(
    '>epoch</text>',
    `>day of ${TEST_YEAR}</text>`,
  );
}

void main();
