/** The bench's tables, as Markdown (printed as they are, and written into bench/RESULTS.md). */
import * as os from 'node:os';
import type { Peer } from '../run';
import type { ChildResult, Task } from './child';

export interface Settings {
  quick: boolean;
  warmup: number;
  segment: number;
  repeats: number;
  cap: number;
  inferSamples: number;
  gemmSizes: number[];
  trainSize: number;
}

export interface Measure {
  peer: Peer;
  task: Task;
  result: ChildResult;
}

export const median = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const fmt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const mb = (bytes: number): string => (bytes > 0 ? `${Math.round(bytes / 2 ** 20)}` : '-');
const ratio = (a: number, b: number): string => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : '-');

function spread(values: readonly number[]): string {
  if (values.length === 0) return '-';
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return `${fmt(median(values))} (${fmt(lo)}–${fmt(hi)}, n=${values.length})`;
}

function find(measures: Measure[], task: Task, id: string): Measure | undefined {
  return measures.find((m) => m.task === task && m.peer.id === id);
}

function valueOf(measures: Measure[], task: Task, id: string): number {
  const m = find(measures, task, id);
  return m && !m.result.error && m.result.values.length ? median(m.result.values) : 0;
}

function gemmOf(measures: Measure[], id: string, n: number): number {
  const v = find(measures, 'gemm', id)?.result.gemm?.[n];
  return v && v.length ? median(v) : 0;
}

const TITLES: Record<Exclude<Task, 'gemm'>, string> = {
  mlp: 'MLP 784-128-64-10 (ReLU, softmax), training, samples/s',
  cnn: 'CNN conv8 5x5 same, pool 2, conv16 5x5 same, pool 3, dense 10 softmax (ConvNetJS MNIST net), training, samples/s',
  infer: 'Inference: the CNN on the held-out digits, batch 32, samples/s',
};

function taskTable(measures: Measure[], task: Exclude<Task, 'gemm'>): string[] {
  const rows = measures.filter((m) => m.task === task);
  if (rows.length === 0) return [];
  const ours = valueOf(measures, task, 'layerwise');
  const training = task !== 'infer';
  const lines = [
    `### ${TITLES[task]}`,
    '',
    `| library | samples/s: median (min–max, segments) | layerwise ÷ this | ${training ? 'peak RSS MB | peak heap MB |' : ''}`,
    `|---|---|---|${training ? '---|---|' : ''}`,
  ];
  for (const m of rows) {
    const r = m.result;
    const cell = r.error ? `cannot run: ${r.error}` : spread(r.values);
    const note = r.note ? ` (${r.note})` : '';
    const mem = training ? ` ${r.error ? '-' : mb(r.peakRss)} | ${r.error ? '-' : mb(r.peakHeap)} |` : '';
    lines.push(`| ${m.peer.label}${note} | ${cell} | ${m.peer.id === 'layerwise' ? '1.00x' : ratio(ours, valueOf(measures, task, m.peer.id))} |${mem}`);
  }
  return [...lines, ''];
}

function gemmTable(measures: Measure[], sizes: number[]): string[] {
  const rows = measures.filter((m) => m.task === 'gemm');
  if (rows.length === 0) return [];
  const lines = [
    '### GEMM C = A · B, square n x n float32, GFLOPS: median (min–max)',
    '',
    `| library | ${sizes.map((n) => `n = ${n}`).join(' | ')} | layerwise ÷ this at ${sizes.includes(512) ? 512 : sizes[sizes.length - 1]} |`,
    `|---|${sizes.map(() => '---|').join('')}---|`,
  ];
  const at = sizes.includes(512) ? 512 : sizes[sizes.length - 1];
  for (const m of rows) {
    const cells = m.result.error ? sizes.map(() => '-') : sizes.map((n) => spread(m.result.gemm?.[n] ?? []).replace(/, n=\d+/, ''));
    lines.push(`| ${m.peer.label} | ${cells.join(' | ')} | ${m.peer.id === 'layerwise' ? '1.00x' : ratio(gemmOf(measures, 'layerwise', at), gemmOf(measures, m.peer.id, at))} |`);
  }
  lines.push(
    '',
    'TF.js is timed on `tf.matMul` with both operands already in its backend and the product left there (not read back); ' +
      "layerwise's `gemm` takes and returns plain Float32Arrays, so its times include copying them in and out of WebAssembly memory.",
    '',
  );
  return lines;
}

function targets(measures: Measure[]): string[] {
  const v = (task: Task, id: string) => valueOf(measures, task, id);
  const rss = (id: string) => {
    const m = find(measures, 'cnn', id);
    return m && !m.result.error ? m.result.peakRss : 0;
  };
  const patchedRss = ['tfjs-wasm-patched', 'tfjs-wasm-convgrad'].map(rss).filter((r) => r > 0);
  const lowestRss = patchedRss.length ? Math.min(...patchedRss) : 0;
  const rows: [string, number, number, number][] = [
    // [what, ours, theirs, required ratio]
    ['MLP training ≥ 1.5x TF.js wasm', v('mlp', 'layerwise'), v('mlp', 'tfjs-wasm'), 1.5],
    ['MLP training ≥ 5x TF.js cpu', v('mlp', 'layerwise'), v('mlp', 'tfjs-cpu'), 5],
    ['CNN training ≥ 1.0x TF.js wasm patched (the faster patch)', v('cnn', 'layerwise'), Math.max(v('cnn', 'tfjs-wasm-patched'), v('cnn', 'tfjs-wasm-convgrad')), 1],
    ['CNN training ≥ 5x ConvNetJS', v('cnn', 'layerwise'), v('cnn', 'convnetjs'), 5],
    ['GEMM 512 ≥ 0.7x TF.js wasm', gemmOf(measures, 'layerwise', 512), gemmOf(measures, 'tfjs-wasm', 512), 0.7],
    ['Inference ≥ 1.0x TF.js wasm', v('infer', 'layerwise'), v('infer', 'tfjs-wasm'), 1],
    // Lower is better: compare theirs / ours against 1.
    ['CNN training peak RSS below TF.js wasm patched (the lower of the two)', lowestRss, rss('layerwise'), 1],
  ];
  // The same ratios for layerwise on one thread, as every peer runs.
  const single: number[] = [
    v('mlp', 'layerwise-1t'),
    v('mlp', 'layerwise-1t'),
    v('cnn', 'layerwise-1t'),
    v('cnn', 'layerwise-1t'),
    gemmOf(measures, 'layerwise-1t', 512),
    v('infer', 'layerwise-1t'),
  ];
  const lines = [
    '### Targets (issue 6), from the medians above',
    '',
    '| target | measured (layerwise as shipped: 2 threads here) | met | layerwise on 1 thread |',
    '|---|---|---|---|',
  ];
  rows.forEach(([what, ours, theirs, need], i) => {
    const rss = what.includes('RSS');
    if (!(ours > 0 && theirs > 0)) {
      lines.push(`| ${what} | not measured | - | - |`);
      return;
    }
    const measured = rss ? `TF.js ${mb(ours)} MB, layerwise ${mb(theirs)} MB` : `${(ours / theirs).toFixed(2)}x`;
    const met = rss ? ours > theirs : ours / theirs >= need;
    const one = rss || !(single[i] > 0) ? '' : `${(single[i] / theirs).toFixed(2)}x (${single[i] / theirs >= need ? 'met' : '**not met**'})`;
    lines.push(`| ${what} | ${measured} | ${met ? 'yes' : '**no**'} | ${one} |`);
  });
  return [...lines, ''];
}

export function renderReport(measures: Measure[], s: Settings, seconds: number): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    `## Run of ${new Date().toISOString().slice(0, 10)}${s.quick ? ' (--quick: short segments, not for quoting)' : ''}`,
    '',
    `Node ${process.version}, ${cpu}, ${os.cpus().length} cores. Every peer runs on one thread (TF.js's wasm backend picks one in Node); ` +
      `layerwise's wasm kernels split the larger products and convolutions over worker threads, one per core, so it is shown both ways. ` +
      `MNIST: ${s.trainSize.toLocaleString('en-US')} training digits, batch 32, SGD lr 0.01 momentum 0.9, categorical cross-entropy; ` +
      `inference on ${s.inferSamples.toLocaleString('en-US')} held-out digits. Each figure is the median of timed segments of at least ` +
      `${s.segment}s each (after ${s.warmup}s of warm-up), with the minimum and maximum; each library ran in its own process, one after ` +
      `another. Peak RSS is the process's maximum resident set (library, data and the training run); peak heap is the JS heap, ` +
      `sampled after every batch. The whole run took ${Math.round(seconds)}s.`,
    '',
  ];
  return [
    ...header,
    ...taskTable(measures, 'mlp'),
    ...taskTable(measures, 'cnn'),
    ...taskTable(measures, 'infer'),
    ...gemmTable(measures, s.gemmSizes),
    ...targets(measures),
  ].join('\n');
}
