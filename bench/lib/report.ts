/** The bench's tables, as Markdown (printed as they are, and written into bench/RESULTS.md). */
import * as os from 'node:os';
import type { Peer } from '../run';
import { SEQUENCES, type ChildResult, type Task } from './child';

export interface Settings {
  quick: boolean;
  warmup: number;
  segment: number;
  repeats: number;
  cap: number;
  inferSamples: number;
  gemmSizes: number[];
  sweepSizes: number[];
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

/** The tasks measured in samples/s, one table each. */
type RowTask = Exclude<Task, 'gemm' | 'sweep' | 'phases'>;

const TITLES: Record<RowTask, string> = {
  mlp: 'MLP 784-128-64-10 (ReLU, softmax), training, samples/s',
  cnn: 'CNN conv8 5x5 same, pool 2, conv16 5x5 same, pool 3, dense 10 softmax (ConvNetJS MNIST net), training, samples/s',
  lstm: 'LSTM(64) + Dense(10) softmax over sequences of 20 steps x 8 features, training, batch 32, samples/s',
  infer: 'Inference: the CNN on the held-out digits, batch 32, samples/s',
  'infer-mlp': 'Inference: the MLP on the held-out digits, batch 256, samples/s',
  'infer-cnn': 'Inference: the CNN on the held-out digits, batch 256, samples/s',
};

/** The better of PyTorch's two runs of a task (0 when neither ran), and its label. */
function bestPytorch(measures: Measure[], task: Task, key?: string): { value: number; threads: string } {
  const of = (id: string) => (key === undefined ? valueOf(measures, task, id) : sweepOf(measures, id, key));
  const one = of('pytorch-1t');
  const two = of('pytorch-2t');
  return two > one ? { value: two, threads: '2 threads' } : { value: one, threads: '1 thread' };
}

/** The line under a table: layerwise ÷ the better PyTorch, as shipped and on one thread. */
function pytorchLine(measures: Measure[], task: Task): string[] {
  const best = bestPytorch(measures, task);
  if (!(best.value > 0)) {
    const error = find(measures, task, 'pytorch-1t')?.result.error;
    return error ? [`PyTorch: ${error}.`, ''] : [];
  }
  const ours = valueOf(measures, task, 'layerwise');
  const single = valueOf(measures, task, 'layerwise-1t');
  return [
    `**layerwise ÷ the better PyTorch** (${best.threads}, ${fmt(best.value)} samples/s): ${ratio(ours, best.value)} as shipped` +
      (single > 0 ? `, ${ratio(single, best.value)} on 1 thread.` : '.'),
    '',
  ];
}

function taskTable(measures: Measure[], task: RowTask): string[] {
  const rows = measures.filter((m) => m.task === task);
  if (rows.length === 0) return [];
  const ours = valueOf(measures, task, 'layerwise');
  const training = !task.startsWith('infer');
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
  return [...lines, '', ...pytorchLine(measures, task)];
}

function sweepOf(measures: Measure[], id: string, key: string): number {
  const v = find(measures, 'sweep', id)?.result.sweep?.[key];
  return v && v.length ? median(v) : 0;
}

/** The MLP's batch-size sweep: one table for training, one for inference, samples/s by batch size. */
function sweepTables(measures: Measure[], sizes: number[]): string[] {
  const rows = measures.filter((m) => m.task === 'sweep');
  if (rows.length === 0) return [];
  const lines: string[] = [];
  for (const [mode, title] of [['train', 'training'], ['infer', 'inference']] as const) {
    lines.push(
      `### MLP ${title} by batch size, samples/s (median of segments)`,
      '',
      `| library | ${sizes.map((b) => `batch ${b}`).join(' | ')} |`,
      `|---|${sizes.map(() => '---|').join('')}`,
    );
    for (const m of rows) {
      const cells = m.result.error ? sizes.map(() => '-') : sizes.map((b) => fmt(sweepOf(measures, m.peer.id, `${mode}-${b}`)));
      lines.push(`| ${m.peer.label}${m.result.error ? ` (${m.result.error})` : ''} | ${cells.join(' | ')} |`);
    }
    const ratios = sizes.map((b) => ratio(sweepOf(measures, 'layerwise', `${mode}-${b}`), bestPytorch(measures, 'sweep', `${mode}-${b}`).value));
    const wasm = sizes.map((b) => ratio(sweepOf(measures, 'layerwise', `${mode}-${b}`), sweepOf(measures, 'tfjs-wasm', `${mode}-${b}`)));
    lines.push(`| **layerwise ÷ the better PyTorch** | ${ratios.join(' | ')} |`, `| **layerwise ÷ TF.js wasm** | ${wasm.join(' | ')} |`, '');
  }
  return lines;
}

/** The phases of the breakdown, in the order of a step. */
const PHASES = ['zero grads', 'forward', 'loss', 'backward', 'optimizer', 'sum', 'fit step'] as const;

/** One training step of layerwise at batch 32, by phase: microseconds per step (and the share of the phases' sum). */
function phasesTable(measures: Measure[]): string[] {
  const rows = measures.filter((m) => m.task === 'phases' && !m.result.error && m.result.phases);
  if (rows.length === 0) return [];
  const columns = rows.flatMap((m) => (['mlp', 'cnn'] as const).map((model) => ({ m, model })));
  const lines = [
    '### One training step at batch 32, by phase: microseconds per step (share of the phases)',
    '',
    `| phase | ${columns.map(({ m, model }) => `${model.toUpperCase()}, ${m.peer.label.replace(/^layerwise \((.*)\)$/, '$1')}`).join(' | ')} |`,
    `|---|${columns.map(() => '---|').join('')}`,
  ];
  const cell = (m: Measure, model: 'mlp' | 'cnn', phase: string): number => median(m.result.phases![model][phase] ?? [0]);
  for (const phase of [...PHASES.slice(0, 5), 'copies', ...PHASES.slice(5)]) {
    const cells = columns.map(({ m, model }) => {
      const us = cell(m, model, phase);
      const share = phase === 'fit step' ? '' : ` (${Math.round((100 * us) / cell(m, model, 'sum'))}%)`;
      return `${fmt(us)}${share}`;
    });
    const name = phase === 'copies' ? 'of which copies into and out of wasm memory' : phase === 'sum' ? 'sum of the phases' : phase === 'fit step' ? "fit's whole step" : phase;
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  lines.push(
    '',
    "Timed from the bench by calling each layer's forward and backward, the loss and the optimizer's step directly, as fit's step does; " +
      'the copies are the wasm kernels copying operands in and results out, within forward and backward. ' +
      "fit's whole step (from a fit run in the same process) adds what fit does around them: gathering the shuffled batch, keeping the weights for divergence, callbacks.",
    '',
  );
  return lines;
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

/** Issue 15's targets: against the better PyTorch, TF.js wasm and its memory. */
function pytorchTargets(measures: Measure[]): string[] {
  const v = (task: Task, id: string) => valueOf(measures, task, id);
  const rss = (task: Task, id: string) => {
    const m = find(measures, task, id);
    return m && !m.result.error ? m.result.peakRss : 0;
  };
  const rows: [string, number, number, number][] = [
    ['MLP training, batch 32 ≥ 1.0x PyTorch', v('mlp', 'layerwise'), bestPytorch(measures, 'mlp').value, 1],
    ['CNN training, batch 32 ≥ 0.8x PyTorch', v('cnn', 'layerwise'), bestPytorch(measures, 'cnn').value, 0.8],
    ['MLP inference, batch 256 ≥ 0.6x PyTorch', v('infer-mlp', 'layerwise'), bestPytorch(measures, 'infer-mlp').value, 0.6],
    ['CNN inference, batch 256 ≥ 1.0x PyTorch', v('infer-cnn', 'layerwise'), bestPytorch(measures, 'infer-cnn').value, 1],
    ['LSTM training ≥ 0.5x PyTorch', v('lstm', 'layerwise'), bestPytorch(measures, 'lstm').value, 0.5],
    ['MLP training ≥ 5x TF.js wasm', v('mlp', 'layerwise'), v('mlp', 'tfjs-wasm'), 5],
    ['CNN training ≥ 5x TF.js wasm (patched: transpose + conv)', v('cnn', 'layerwise'), Math.max(v('cnn', 'tfjs-wasm-convgrad'), v('cnn', 'tfjs-wasm')), 5],
    ['LSTM training ≥ 5x TF.js wasm', v('lstm', 'layerwise'), v('lstm', 'tfjs-wasm'), 5],
  ];
  const lines = [
    '### Targets (issue 15), from the medians above',
    '',
    '| target | measured (layerwise as shipped: 2 threads here) | met |',
    '|---|---|---|',
  ];
  for (const [what, ours, theirs, need] of rows) {
    if (!(ours > 0 && theirs > 0)) lines.push(`| ${what} | not measured | - |`);
    else lines.push(`| ${what} | ${(ours / theirs).toFixed(2)}x | ${ours / theirs >= need ? 'yes' : '**no**'} |`);
  }
  const sweep = sweepSizesOf(measures).map((b) => [sweepOf(measures, 'layerwise', `train-${b}`), sweepOf(measures, 'tfjs-wasm', `train-${b}`)]);
  if (sweep.length > 0 && sweep.every(([ours, theirs]) => ours > 0 && theirs > 0)) {
    const low = Math.min(...sweep.map(([ours, theirs]) => ours / theirs));
    lines.push(`| MLP training ≥ 5x TF.js wasm at every batch size of the sweep | lowest ${low.toFixed(2)}x | ${low >= 5 ? 'yes' : '**no**'} |`);
  }
  for (const task of ['mlp', 'cnn', 'lstm'] as const) {
    const theirs = task === 'cnn' ? rss('cnn', 'tfjs-wasm-convgrad') : rss(task, 'tfjs-wasm');
    const ours = rss(task, 'layerwise');
    if (ours > 0 && theirs > 0) lines.push(`| ${task.toUpperCase()} training peak RSS below TF.js wasm's | TF.js ${mb(theirs)} MB, layerwise ${mb(ours)} MB | ${ours < theirs ? 'yes' : '**no**'} |`);
  }
  return [...lines, ''];
}

/** The batch sizes the layerwise sweep measured. */
function sweepSizesOf(measures: Measure[]): number[] {
  const keys = Object.keys(find(measures, 'sweep', 'layerwise')?.result.sweep ?? {});
  return keys.filter((k) => k.startsWith('train-')).map((k) => Number(k.slice('train-'.length)));
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
    `Node ${process.version}, ${cpu}, ${os.cpus().length} cores. The JavaScript peers run on one thread (TF.js's wasm backend picks one in Node); ` +
      `layerwise's wasm kernels split the larger products and convolutions over worker threads, one per core, and PyTorch runs on 1 and 2 threads ` +
      `(torch.set_num_threads, OMP_NUM_THREADS and OPENBLAS_NUM_THREADS), so both are shown both ways; ratios to PyTorch are to the better of its two runs. ` +
      `MNIST: ${s.trainSize.toLocaleString('en-US')} training digits, batch 32 (the sweep: ${s.sweepSizes.join(', ')}), SGD lr 0.01 momentum 0.9, categorical cross-entropy; ` +
      `inference on ${s.inferSamples.toLocaleString('en-US')} held-out digits; the LSTM row on ${SEQUENCES.count.toLocaleString('en-US')} synthetic sequences of ${SEQUENCES.steps} steps x ${SEQUENCES.features} features (bench/lib/child.ts makeSequences). Each figure is the median of timed segments of at least ` +
      `${s.segment}s each (after ${s.warmup}s of warm-up), with the minimum and maximum; each library ran in its own process, one after ` +
      `another. Peak RSS is the process's maximum resident set (library, data and the training run); peak heap is the JS heap, ` +
      `sampled after every batch. The whole run took ${Math.round(seconds)}s.`,
    '',
  ];
  return [
    ...header,
    ...taskTable(measures, 'mlp'),
    ...taskTable(measures, 'cnn'),
    ...taskTable(measures, 'lstm'),
    ...taskTable(measures, 'infer'),
    ...taskTable(measures, 'infer-mlp'),
    ...taskTable(measures, 'infer-cnn'),
    ...sweepTables(measures, s.sweepSizes),
    ...phasesTable(measures),
    ...gemmTable(measures, s.gemmSizes),
    ...pytorchTargets(measures),
    ...targets(measures),
  ].join('\n');
}
