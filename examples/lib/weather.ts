/**
 * Seattle's daily weather, 2012-2015, as the npm package `vega-datasets` ships it (a CSV file in the
 * package, read offline), turned into windows for forecasting: the features of the last `window`
 * days as x [N, window, features], tomorrow's maximum temperature as y [N, 1]. Used by
 * examples/weather-lstm.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tensor, type Tensor } from 'layerwise';

/** One day of the file. */
export interface Day {
  /** `YYYY-MM-DD`. */
  date: string;
  year: number;
  /** 0 on January 1st. */
  dayOfYear: number;
  /** Millimetres. */
  precipitation: number;
  /** °C. */
  tempMax: number;
  /** °C. */
  tempMin: number;
  /** Metres per second. */
  wind: number;
}

/** The package's file; `vega-datasets` exports only its entry point, so the path goes from there. */
function csvPath(): string {
  return path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
}

function dayOfYear(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return (Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000;
}

/** Every day of seattle-weather.csv, in date order (1,461 days, 2012-01-01 to 2015-12-31). */
export function loadSeattleWeather(file = csvPath()): Day[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  const column = (name: string): number => {
    const i = header.split(',').indexOf(name);
    if (i < 0) throw new Error(`loadSeattleWeather: ${file} has no column "${name}"; its header is "${header}".`);
    return i;
  };
  const [date, precipitation, tempMax, tempMin, wind] = ['date', 'precipitation', 'temp_max', 'temp_min', 'wind'].map(column);
  return lines.map((line) => {
    const cells = line.split(',');
    return {
      date: cells[date],
      year: Number(cells[date].slice(0, 4)),
      dayOfYear: dayOfYear(cells[date]),
      precipitation: Number(cells[precipitation]),
      tempMax: Number(cells[tempMax]),
      tempMin: Number(cells[tempMin]),
      wind: Number(cells[wind]),
    };
  });
}

/** The features of a day, in this order; the season as a point on a circle, so December 31st is next to January 1st. */
export const FEATURES = ['temp_max', 'temp_min', 'precipitation', 'wind', 'season_sin', 'season_cos'] as const;

function features(day: Day): number[] {
  const angle = (2 * Math.PI * day.dayOfYear) / 365.25;
  return [day.tempMax, day.tempMin, day.precipitation, day.wind, Math.sin(angle), Math.cos(angle)];
}

/** Per-feature mean and standard deviation. */
export interface Scaler {
  mean: number[];
  std: number[];
}

/** The mean and standard deviation of each feature over `days` (the training days only, so nothing leaks from the test year). */
export function fitScaler(days: readonly Day[]): Scaler {
  const rows = days.map(features);
  const mean = FEATURES.map((_, f) => rows.reduce((s, r) => s + r[f], 0) / rows.length);
  const std = FEATURES.map((_, f) => Math.sqrt(rows.reduce((s, r) => s + (r[f] - mean[f]) ** 2, 0) / rows.length));
  return { mean, std };
}

/** Forecasting windows: x [N, window, features] standardised by `scaler`, y [N, 1] tomorrow's temp_max standardised likewise. */
export interface Windows {
  x: Tensor;
  y: Tensor;
  /** Tomorrow's temp_max in °C, one per window. */
  actual: number[];
  /** Today's temp_max in °C (the last day of the window): the persistence forecast. */
  today: number[];
  /** The date forecast, one per window. */
  dates: string[];
}

/**
 * One window per day `t` whose forecast day `t + 1` passes `keep`: days `t - window + 1 .. t` in, day
 * `t + 1`'s temp_max out. The window may reach back before the kept days (a forecast for January
 * 1st, 2015 reads the last days of 2014): those are inputs known on the day of the forecast.
 */
export function makeWindows(days: readonly Day[], window: number, scaler: Scaler, keep: (forecastDay: Day) => boolean): Windows {
  const F = FEATURES.length;
  const scaled = days.map((d) => features(d).map((v, f) => (v - scaler.mean[f]) / scaler.std[f]));
  const ends: number[] = [];
  for (let t = window - 1; t + 1 < days.length; t++) if (keep(days[t + 1])) ends.push(t);
  const x = new Float32Array(ends.length * window * F);
  const y = new Float32Array(ends.length);
  ends.forEach((t, n) => {
    for (let s = 0; s < window; s++) x.set(scaled[t - window + 1 + s], (n * window + s) * F);
    y[n] = scaled[t + 1][0];
  });
  return {
    x: tensor(x, [ends.length, window, F]),
    y: tensor(y, [ends.length, 1]),
    actual: ends.map((t) => days[t + 1].tempMax),
    today: ends.map((t) => days[t].tempMax),
    dates: ends.map((t) => days[t + 1].date),
  };
}

/** A standardised temp_max back in °C. */
export function toCelsius(scaler: Scaler, value: number): number {
  return value * scaler.std[0] + scaler.mean[0];
}

/** Mean absolute error, in the units of its arguments. */
export function meanAbsoluteError(predicted: readonly number[], actual: readonly number[]): number {
  return predicted.reduce((s, p, i) => s + Math.abs(p - actual[i]), 0) / predicted.length;
}
