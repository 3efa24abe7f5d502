import * as asciichart from 'asciichart';
import type { Panel, Series } from './series';
import { tickLabel } from './ticks';

export interface TerminalChartOptions {
  /** Columns for the curves (the y labels come on top of it). Default 60. */
  columns?: number;
  /** Rows of the chart. Default 10. */
  rows?: number;
  /** Draw the series in ANSI colors on one chart; without colors each series gets its own chart. */
  colors?: boolean;
}

const COLORS = [asciichart.blue, asciichart.yellow, asciichart.red, asciichart.cyan, asciichart.green, asciichart.magenta, asciichart.lightgray];

/** The values up to the first non-finite one, resampled to at most `width` points. */
function drawable(values: readonly number[], width: number): number[] {
  const end = values.findIndex((v) => !Number.isFinite(v));
  const finite = end < 0 ? [...values] : values.slice(0, end);
  if (finite.length <= width) return finite;
  return Array.from({ length: width }, (_, i) => finite[Math.round((i * (finite.length - 1)) / (width - 1))]);
}

function label(s: Series): string {
  const end = s.values.findIndex((v) => !Number.isFinite(v));
  return end < 0 ? s.name : `${s.name} (${s.values[end]} from epoch ${end + 1} on, not drawn)`;
}

/** The y range of the points; a flat line gets room around it, so that it is drawn mid-height. */
function range(points: number[][]): [number, number] {
  const [min, max] = [Math.min(...points.flat()), Math.max(...points.flat())];
  return min < max ? [min, max] : [min - (Math.abs(min) / 10 || 1), max + (Math.abs(max) / 10 || 1)];
}

/** asciichart's plot over [min, max] in `rows` rows, with y labels to the precision of a row. */
function chart(series: number[][], [min, max]: [number, number], rows: number, colors?: string[]): string {
  const height = Math.max(1, rows - 1);
  const format = (v: number): string => tickLabel(v, (max - min) / height).padStart(10);
  return asciichart.plot(series, { height, min, max, colors, format });
}

/** A line chart of one panel for the terminal (asciichart), with its title, legend and epoch range. */
export function terminalChart(panel: Panel, { columns = 60, rows = 10, colors = false }: TerminalChartOptions = {}): string {
  const epochs = Math.max(...panel.series.map((s) => s.values.length));
  const footer = `${' '.repeat(12)}epoch 1 … ${epochs}`;
  const drawn = panel.series.map((s) => ({ s, points: drawable(s.values, columns) })).filter((d) => d.points.length > 0);
  const missing = panel.series.filter((s) => !drawn.some((d) => d.s === s)).map((s) => `${s.name}: no finite value`);
  if (drawn.length === 0) return [panel.title, ...missing].join('\n');
  const yRange = range(drawn.map((d) => d.points));
  if (colors) {
    const palette = drawn.map((_, i) => COLORS[i % COLORS.length]);
    const legend = drawn.map(({ s }, i) => `${asciichart.colored('──', palette[i])} ${label(s)}`).join('   ');
    return [panel.title, chart(drawn.map((d) => d.points), yRange, rows, palette), footer, legend, ...missing].join('\n');
  }
  // Without colors the lines could not be told apart: one chart each, on the same scale.
  return [...drawn.flatMap(({ s, points }) => [label(s), chart([points], yRange, rows), footer]), ...missing].join('\n');
}
