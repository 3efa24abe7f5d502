import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { historiesToSVG, History, plotHistories } from 'layerwise';
import { comparisonPanel, historyPanels } from '../../src/plot/series';
import { niceTicks, tickLabel } from '../../src/plot/ticks';

/** A History filled by hand, as `fit` would fill it. */
function historyOf(curves: Record<string, number[]>): History {
  const history = new History();
  const epochs = Object.values(curves)[0].length;
  for (let e = 0; e < epochs; e++) history.onEpochEnd(e, Object.fromEntries(Object.entries(curves).map(([k, v]) => [k, v[e]])));
  return history;
}

const run = historyOf({
  loss: [0.9, 0.6, 0.4, 0.3],
  accuracy: [0.5, 0.7, 0.8, 0.9],
  val_loss: [1, 0.7, 0.5, 0.45],
  val_accuracy: [0.5, 0.6, 0.75, 0.8],
  'dead/dense_1': [0.5, 0.25, 0.25, 0],
  'dead/dense_2': [1, 1, 1, 1],
});

type Node = Record<string, unknown>;

/** Parses SVG text, failing the test unless it is well-formed XML with an <svg> root. */
function parseSVG(svg: string): Node {
  expect(XMLValidator.validate(svg)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (name) => ['g', 'path', 'line', 'text'].includes(name) }).parse(svg);
  expect(doc.svg).toBeDefined();
  return doc.svg as Node;
}

const panelsOf = (svg: Node): Node[] => svg.g as Node[];
const textsOf = (panel: Node): string[] => (panel.text as unknown[]).map((t) => String(typeof t === 'object' ? (t as Node)['#text'] : t));

describe('charts of a History', () => {
  it('one panel per value with its val_ twin dashed beside it, and one for the dead/ group', () => {
    const panels = historyPanels(run.history);
    expect(panels.map((p) => [p.title, p.series.map((s) => `${s.name}:${s.color}${s.dashed ? ' dashed' : ''}`)])).toEqual([
      ['loss', ['loss:0', 'val_loss:0 dashed']],
      ['accuracy', ['accuracy:0', 'val_accuracy:0 dashed']],
      ['dead', ['dead/dense_1:0', 'dead/dense_2:1']],
    ]);
  });

  it('toSVG: well-formed XML, one <path> per series, axes with ticks and titles, a legend', () => {
    const svg = parseSVG(run.toSVG({ title: 'run & co' }));
    const panels = panelsOf(svg);
    expect(panels).toHaveLength(3);
    expect(panels.map((p) => (p.path as Node[]).length)).toEqual([2, 2, 2]);
    const [loss] = panels;
    const texts = textsOf(loss);
    // Tick labels: 0.2 to 1.0 in steps of 0.2 on y, epochs 1 to 4 on x; axis titles; legend entries.
    expect(texts).toEqual(['0.2', '0.4', '0.6', '0.8', '1.0', '1', '2', '3', '4', 'epoch', 'loss', 'loss', 'val_loss']);
    const paths = loss.path as Node[];
    expect(paths.map((p) => p['@stroke-dasharray'] !== undefined)).toEqual([false, true]);
    expect(paths.map((p) => p.title)).toEqual(['loss', 'val_loss']);
    // Four points each: M then three L.
    expect(paths.map((p) => String(p['@d']).match(/[ML]/g)!.join(''))).toEqual(['MLLL', 'MLLL']);
    expect((svg.text as unknown[])[0]).toMatchObject({ '#text': 'run & co' });
  });

  it('the y axis covers the data: the path stays inside the plot area', () => {
    const svg = parseSVG(historyOf({ loss: [5, -3, 12] }).toSVG());
    const [panel] = panelsOf(svg);
    const ys = String((panel.path as Node[])[0]['@d']).match(/[\d.]+(?=L|$)/g)!.map(Number);
    const [axisY] = (panel.line as Node[]).filter((l) => l['@x1'] === l['@x2'] && l['@y1'] !== l['@y2'] && Number(l['@y2']) - Number(l['@y1']) > 100);
    for (const y of ys) {
      expect(y).toBeGreaterThanOrEqual(Number(axisY['@y1']));
      expect(y).toBeLessThanOrEqual(Number(axisY['@y2']));
    }
    expect(textsOf(panel).slice(0, 5)).toEqual(['-5', '0', '5', '10', '15']);
  });

  it('a non-finite value breaks the line, which resumes after it', () => {
    const svg = parseSVG(historyOf({ loss: [1, NaN, 0.5, 0.4] }).toSVG());
    const d = String(((panelsOf(svg)[0].path as Node[])[0])['@d']);
    expect(d.match(/[ML]/g)!.join('')).toBe('MML');
  });

  it('plot({ file }) writes the SVG (creating folders) and returns it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'layerwise-plot-'));
    try {
      const file = join(dir, 'nested', 'curves.svg');
      const svg = run.plot({ file });
      expect(readFileSync(file, 'utf8')).toBe(svg);
      expect(svg).toBe(run.toSVG());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('plotHistories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-plot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const other = historyOf({ loss: [0.8, 0.8, 0.79, 0.79], accuracy: [0.5, 0.5, 0.5, 0.5] });

  it('puts one metric of several runs on one chart: one path per run, val_ dashed when present', () => {
    const file = join(dir, 'cmp.svg');
    const svg = plotHistories({ relu: other, leaky: run }, { file, metric: 'loss' });
    expect(readFileSync(file, 'utf8')).toBe(svg);
    const [panel] = panelsOf(parseSVG(svg));
    expect((panel.path as Node[]).map((p) => p.title)).toEqual(['relu', 'leaky', 'leaky (val)']);
    expect(textsOf(panel).slice(-5)).toEqual(['epoch', 'loss', 'relu', 'leaky', 'leaky (val)']);
    expect(historiesToSVG({ relu: other, leaky: run }, { metric: 'loss' })).toBe(svg);
  });

  it('names the run that lacks the metric', () => {
    expect(comparisonPanel({ a: run.history }, 'val_loss').series.map((s) => s.name)).toEqual(['a']);
    expect(() => plotHistories({ a: run, b: other }, { metric: 'mae', printFn: () => {} })).toThrow(
      /^plotHistories: the run "a" has no "mae"; it has "loss", "accuracy", "val_loss", /,
    );
  });
});

describe('terminal charts', () => {
  it('without colors: one chart per series on a shared scale, printed line by line and returned', () => {
    const lines: string[] = [];
    const text = historyOf({ loss: [0.9, 0.6, 0.4, 0.3], val_loss: [1, 0.7, 0.5, 0.45] }).plot({ printFn: (l) => lines.push(l), colors: false, rows: 5 });
    expect(lines.join('\n')).toBe(text);
    expect(text).not.toMatch(/\x1b\[/);
    const charts = text.split(/\n(?=val_loss)/);
    expect(charts[0].split('\n')[0]).toBe('loss');
    // The same y labels on both charts: from 1.0 down to 0.3, in 4 rows of 0.175.
    const labels = (chart: string): string[] => chart.split('\n').slice(1, 6).map((l) => l.slice(0, 10).trim());
    expect(labels(charts[0])).toEqual(['1.0', '0.8', '0.7', '0.5', '0.3']);
    expect(labels(charts[1])).toEqual(labels(charts[0]));
    expect(charts[0].split('\n')[6]).toBe(`${' '.repeat(12)}epoch 1 … 4`);
  });

  it('with colors: the series of a panel on one chart, with a colored legend', () => {
    const text = run.plot({ printFn: () => {}, colors: true });
    expect(text).toContain('\x1b[');
    expect(text).toMatch(/── loss\x1b\[0m? {3}|\x1b\[0m loss/);
    expect(text.split('\n').filter((l) => ['loss', 'accuracy', 'dead'].includes(l))).toEqual(['loss', 'accuracy', 'dead']);
  });

  it('resamples long runs to the width, and stops a line at its first non-finite value', () => {
    const long = historyOf({ loss: [...Array.from({ length: 500 }, (_, i) => 1 / (i + 1)), Infinity] });
    const text = long.plot({ printFn: () => {}, colors: false, columns: 40 });
    const rows = text.split('\n').slice(1, -1);
    expect(Math.max(...rows.map((r) => r.length))).toBeLessThanOrEqual(12 + 40);
    expect(text.split('\n')[0]).toBe('loss (Infinity from epoch 501 on, not drawn)');
  });
});

describe('ticks', () => {
  it('round steps of 1, 2 or 5 times a power of ten, covering the range', () => {
    expect(niceTicks(0.3, 1)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 1, 10)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(niceTicks(-3, 12)).toEqual([-5, 0, 5, 10, 15]);
    expect(niceTicks(1, 120, 6)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(niceTicks(0.5, 0.5)).toEqual([0.45, 0.5, 0.55]);
    expect(niceTicks(NaN, 1)).toEqual([0, 1]);
    expect([tickLabel(1, 0.1), tickLabel(0.25, 0.05), tickLabel(40, 20)]).toEqual(['1.0', '0.25', '40']);
  });
});
