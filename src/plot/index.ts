import { nodeFs, nodePath, writeFileAtomic } from '../util/fs';
import { comparisonPanel, type Curves, type Panel } from './series';
import { panelsToSVG, type SVGOptions } from './svg';
import { terminalChart, type TerminalChartOptions } from './terminal';

export { historyPanels, comparisonPanel, type Panel, type Series, type Curves } from './series';
export { panelsToSVG, type SVGOptions } from './svg';
export { terminalChart, type TerminalChartOptions } from './terminal';

export interface PlotOptions extends SVGOptions, TerminalChartOptions {
  /** Write the charts as an SVG file to this path (folders are created) instead of drawing them in the terminal. */
  file?: string;
  /** Where the terminal chart's lines go. Default `console.log`. */
  printFn?: (line: string) => void;
}

function stdoutIsTTY(): boolean {
  return (globalThis as { process?: { stdout?: { isTTY?: boolean } } }).process?.stdout?.isTTY === true;
}

/**
 * Draws charts: into an SVG file when `file` is given (and returns the SVG), else as text for the
 * terminal, printed line by line (and returned). Terminal colors default to on when stdout is a
 * terminal.
 */
export function plotPanels(panels: readonly Panel[], { file, printFn = console.log, colors = stdoutIsTTY(), ...options }: PlotOptions = {}): string {
  if (file) {
    const svg = panelsToSVG(panels, options);
    nodeFs('plot').mkdirSync(nodePath('plot').dirname(file), { recursive: true });
    writeFileAtomic(file, svg, 'plot');
    return svg;
  }
  const text = [...(options.title ? [options.title] : []), ...panels.map((p) => terminalChart(p, { ...options, colors }))].join('\n\n');
  for (const line of text.split('\n')) printFn(line);
  return text;
}

export interface PlotHistoriesOptions extends PlotOptions {
  /** The logged value to compare. Default `'loss'`. */
  metric?: string;
}

/** A training run's curves: a `History` fits. */
export type Run = { readonly history: Curves };

function runsOf(runs: Record<string, Run>): Record<string, Curves> {
  return Object.fromEntries(Object.entries(runs).map(([label, run]) => [label, run.history]));
}

/**
 * Several runs on one chart, one line each (and their validation values dashed):
 *
 *   plotHistories({ relu: h1, leaky: h2 }, { file: 'out/loss.svg', metric: 'loss' })
 */
export function plotHistories(runs: Record<string, Run>, { metric = 'loss', ...options }: PlotHistoriesOptions = {}): string {
  return plotPanels([comparisonPanel(runsOf(runs), metric)], options);
}

/** The SVG of `plotHistories`, as a string (for a browser page, say). */
export function historiesToSVG(runs: Record<string, Run>, { metric = 'loss', ...options }: SVGOptions & { metric?: string } = {}): string {
  return panelsToSVG([comparisonPanel(runsOf(runs), metric)], options);
}
