import type { Panel, Series } from './series';
import { niceTicks, tickLabel } from './ticks';

export interface SVGOptions {
  /** A heading above the charts. */
  title?: string;
  /** Width in pixels. Default 720. */
  width?: number;
  /** Height of each chart in pixels. Default 280. */
  panelHeight?: number;
}

/** Tableau 10: distinct to most eyes. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const MARGIN = { left: 72, top: 16, bottom: 48 };
const LEGEND_ROW = 18;
/** Roughly the width of a character at font-size 12, to leave room for the legend's names. */
const CHAR_WIDTH = 7;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const px = (v: number): string => String(Math.round(v * 100) / 100);

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${attrs}/>`;
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ' ' + attrs : ''}>${escape(content)}</text>`;
}

/** Path data for a series; a non-finite value breaks the line, which resumes at the next finite one. */
function pathData(values: readonly number[], x: (i: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = 'M';
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      pen = 'M';
      return;
    }
    d += `${pen}${px(x(i))} ${px(y(v))}`;
    pen = 'L';
  });
  return d;
}

/** One chart: grid, axes with tick labels, axis titles, a path per series, the legend. */
function panelSVG(panel: Panel, top: number, width: number, height: number, legendWidth: number): string[] {
  const [left, right] = [MARGIN.left, width - legendWidth];
  const [plotTop, bottom] = [top + MARGIN.top, top + height - MARGIN.bottom];
  const finite = panel.series.flatMap((s) => s.values.filter(Number.isFinite));
  const yTicks = niceTicks(Math.min(...finite), Math.max(...finite));
  const [lo, hi] = [yTicks[0], yTicks[yTicks.length - 1]];
  const epochs = Math.max(1, ...panel.series.map((s) => s.values.length));
  const xTicks = niceTicks(1, Math.max(epochs, 2), 6).filter((t) => Number.isInteger(t) && t >= 1 && t <= epochs);
  const x = (i: number): number => left + (epochs === 1 ? 0 : (i / (epochs - 1)) * (right - left));
  const y = (v: number): number => bottom - ((v - lo) / (hi - lo)) * (bottom - plotTop);
  const out: string[] = [`<g class="panel">`];
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  for (const t of yTicks) {
    out.push(line(left, y(t), right, y(t), 'stroke="#e6e6e6"'));
    out.push(text(left - 6, y(t) + 4, tickLabel(t, yStep), 'text-anchor="end"'));
  }
  for (const t of xTicks) {
    out.push(line(x(t - 1), bottom, x(t - 1), bottom + 5, 'stroke="#333"'));
    out.push(text(x(t - 1), bottom + 18, String(t), 'text-anchor="middle"'));
  }
  out.push(line(left, plotTop, left, bottom, 'stroke="#333"'), line(left, bottom, right, bottom, 'stroke="#333"'));
  out.push(text((left + right) / 2, bottom + 38, 'epoch', 'text-anchor="middle"'));
  const yMid = (plotTop + bottom) / 2;
  out.push(text(18, yMid, panel.title, `text-anchor="middle" transform="rotate(-90 18 ${px(yMid)})"`));
  panel.series.forEach((s, i) => {
    out.push(`<path d="${pathData(s.values, x, y)}" ${stroke(s)} fill="none"><title>${escape(s.name)}</title></path>`);
    const ly = plotTop + 8 + i * LEGEND_ROW;
    out.push(line(right + 16, ly, right + 40, ly, stroke(s)), text(right + 46, ly + 4, s.name));
  });
  out.push('</g>');
  return out;
}

function stroke(s: Series): string {
  return `stroke="${PALETTE[s.color % PALETTE.length]}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}`;
}

/** A standalone SVG document with one chart per panel, stacked: readable in any browser or viewer. */
export function panelsToSVG(panels: readonly Panel[], { title, width = 720, panelHeight = 280 }: SVGOptions = {}): string {
  const head = title ? 32 : 0;
  const height = head + panels.length * panelHeight;
  const longest = Math.max(0, ...panels.flatMap((p) => p.series.map((s) => s.name.length)));
  const legendWidth = 60 + CHAR_WIDTH * longest;
  const body = panels.flatMap((panel, i) => panelSVG(panel, head + i * panelHeight, width, panelHeight, legendWidth));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...(title ? [text(width / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"')] : []),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
