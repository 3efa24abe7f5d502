/**
 * layerwise against TF.js (cpu and wasm backends), ConvNetJS and PyTorch (where Python has torch),
 * side by side: the same models on the same MNIST digits, each library measured in its own child
 * process (so that each training run's peak RSS is its own), one after another.
 *
 *   npm run bench              (about 20 minutes; writes the tables into bench/RESULTS.md)
 *   npm run bench -- --quick   (a minute or two; prints only)
 *
 * Options: --quick, --no-write (print only), --only mlp,cnn,infer,infer-mlp,infer-cnn,lstm,sweep,phases,gemm,
 * --peers layerwise,tfjs-wasm,pytorch-1t,..., --rounds N (each task's peers run N times, taking turns,
 * and each figure is the median over all their segments: steadier ratios on a busy machine).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { datasets } from '../src/index';
import { makeSequences, type ChildResult, type Task } from './lib/child';
import { renderReport, type Measure, type Settings } from './lib/report';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = !quick && !argv.includes('--no-write');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const peers = argv.includes('--peers') ? argv[argv.indexOf('--peers') + 1].split(',') : undefined;
const rounds = argv.includes('--rounds') ? Math.max(1, Number(argv[argv.indexOf('--rounds') + 1]) || 1) : 1;

const settings: Settings = quick
  ? { quick, warmup: 0.3, segment: 0.4, repeats: 3, cap: 2.5, inferSamples: 512, gemmSizes: [128, 512], sweepSizes: [1, 8, 32, 256, 512], trainSize: 8000 }
  : { quick, warmup: 1.5, segment: 2.5, repeats: 5, cap: 25, inferSamples: 2000, gemmSizes: [128, 256, 512, 1024], sweepSizes: [1, 8, 32, 256, 512], trainSize: 8000 };

/** Every task, in the order of the tables. */
const TASKS: Task[] = ['mlp', 'cnn', 'lstm', 'infer', 'infer-mlp', 'infer-cnn', 'sweep', 'phases', 'gemm'];
/** What PyTorch and TF.js wasm run: every row but the breakdown, which is layerwise's alone. */
const PEER_TASKS: Task[] = TASKS.filter((task) => task !== 'phases');

/** Who runs what: a peer is a child script and a variant of it. */
export interface Peer {
  id: string;
  label: string;
  script: 'layerwise' | 'tfjs' | 'convnetjs' | 'pytorch';
  variant: string;
  tasks: Task[];
  /** Measured in full runs only (not with --quick, which must stay within a minute or two): the slow JavaScript peers. */
  full?: boolean;
}

const PEERS: Peer[] = [
  { id: 'layerwise', label: 'layerwise (wasm kernels, 2 threads: the default here)', script: 'layerwise', variant: 'wasm', tasks: TASKS },
  { id: 'layerwise-1t', label: 'layerwise (wasm kernels, 1 thread)', script: 'layerwise', variant: 'wasm-1t', tasks: TASKS },
  { id: 'layerwise-js', label: 'layerwise (pure TS kernels)', script: 'layerwise', variant: 'js', tasks: ['mlp', 'cnn', 'infer', 'gemm'], full: true },
  { id: 'pytorch-1t', label: 'PyTorch, 1 thread', script: 'pytorch', variant: '1t', tasks: PEER_TASKS },
  { id: 'pytorch-2t', label: 'PyTorch, 2 threads', script: 'pytorch', variant: '2t', tasks: PEER_TASKS },
  { id: 'tfjs-cpu', label: 'TF.js 4.22 cpu', script: 'tfjs', variant: 'cpu', tasks: ['mlp', 'cnn', 'lstm', 'infer', 'gemm'], full: true },
  { id: 'tfjs-wasm', label: 'TF.js 4.22 wasm', script: 'tfjs', variant: 'wasm', tasks: PEER_TASKS },
  { id: 'tfjs-wasm-patched', label: 'TF.js 4.22 wasm, patched', script: 'tfjs', variant: 'wasm-patched', tasks: ['cnn'], full: true },
  { id: 'tfjs-wasm-convgrad', label: 'TF.js 4.22 wasm, patched', script: 'tfjs', variant: 'wasm-convgrad', tasks: ['cnn'] },
  { id: 'convnetjs', label: 'ConvNetJS 0.3', script: 'convnetjs', variant: 'default', tasks: ['mlp', 'cnn', 'infer'], full: true },
];

const root = path.resolve(__dirname, '..');
/** Inside node_modules, so that the bundles resolve TF.js and ConvNetJS from the project. */
const buildDir = path.join(root, 'node_modules', '.cache', 'layerwise-bench');

async function writeData(dir: string): Promise<void> {
  const { train, test } = await datasets.loadMnist({ trainSize: settings.trainSize, testSize: 2000, seed: 0 });
  const seq = makeSequences();
  for (const [part, x, y] of [['train', train.x.data, train.y.data], ['test', test.x.data, test.y.data], ['seq', seq.x, seq.y]] as const) {
    fs.writeFileSync(path.join(dir, `${part}-x.f32`), Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    fs.writeFileSync(path.join(dir, `${part}-y.f32`), Buffer.from(y.buffer, y.byteOffset, y.byteLength));
  }
}

/** How to get PyTorch where it is missing (the table says so). */
export const PYTORCH_INSTALL = 'apt-get install python3-torch libopenblas0-pthread';

/** The first Python that imports torch: Debian's /usr/bin/python3 (where apt installs python3-torch), then python3 on PATH. */
function findPython(): string | undefined {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return undefined;
}

async function bundle(): Promise<void> {
  fs.mkdirSync(buildDir, { recursive: true });
  await build({
    entryPoints: ['layerwise', 'tfjs', 'convnetjs'].map((name) => path.join(root, 'bench', 'peers', `${name}.ts`)),
    outdir: buildDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}

function runChild(peer: Peer, task: Task, dataDir: string, python: string | undefined): ChildResult {
  if (peer.script === 'pytorch' && !python) return { values: [], peakRss: 0, peakHeap: 0, error: `not installed (${PYTORCH_INSTALL})` };
  const args = [
    '--task', task, '--variant', peer.variant, '--data', dataDir,
    '--warmup', String(settings.warmup), '--segment', String(settings.segment), '--repeats', String(settings.repeats),
    '--cap', String(settings.cap), '--infer-samples', String(settings.inferSamples), '--gemm-sizes', settings.gemmSizes.join(','),
    '--sweep-sizes', settings.sweepSizes.join(','),
  ];
  // PyTorch's thread count, for every pool it may use (OpenMP, OpenBLAS, MKL).
  const threads = peer.variant === '2t' ? '2' : '1';
  const env = peer.script === 'pytorch' ? { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, MKL_NUM_THREADS: threads } : process.env;
  const [command, script] = peer.script === 'pytorch' ? [python!, path.join(root, 'bench', 'peers', 'pytorch.py')] : [process.execPath, path.join(buildDir, `${peer.script}.js`)];
  const options: SpawnSyncOptions = { cwd: root, env, encoding: 'utf8', timeout: (settings.cap * 4 + 120) * 1000, maxBuffer: 64 << 20 };
  const started = performance.now();
  const child = spawnSync(command, [script, ...args], options) as ReturnType<typeof spawnSync> & { stdout: string; stderr: string };
  const line = child.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (!line) {
    const why = child.error?.message ?? (child.stderr || '').trim().split('\n').slice(-3).join(' ') ?? `exit ${child.status}`;
    process.stderr.write(`  ${peer.label} ${task}: failed (${seconds}s): ${why}\n`);
    return { values: [], peakRss: 0, peakHeap: 0, error: `child failed: ${why.slice(0, 200)}` };
  }
  const result = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
  process.stderr.write(`  ${peer.label} ${task}: ${result.error ?? 'ok'} (${seconds}s)\n`);
  return result;
}

/** The segments of each key over several rounds' records (undefined when the first round has none). */
function joinSegments(records: (Record<string, number[]> | undefined)[]): Record<string, number[]> | undefined {
  const first = records[0];
  return first && Object.fromEntries(Object.keys(first).map((key) => [key, records.flatMap((r) => r?.[key] ?? [])]));
}

/** One result from a peer's rounds: every segment of every round, the highest peaks; the first error when a round failed. */
function mergeRounds(results: ChildResult[]): ChildResult {
  const failed = results.find((r) => r.error);
  if (failed || results.length === 1) return failed ?? results[0];
  const models = Object.keys(results[0].phases ?? {});
  return {
    ...results[0],
    values: results.flatMap((r) => r.values),
    gemm: joinSegments(results.map((r) => r.gemm)),
    sweep: joinSegments(results.map((r) => r.sweep)),
    phases: results[0].phases && Object.fromEntries(models.map((model) => [model, joinSegments(results.map((r) => r.phases?.[model]))!])),
    peakRss: Math.max(...results.map((r) => r.peakRss)),
    peakHeap: Math.max(...results.map((r) => r.peakHeap)),
  };
}

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-'));
  try {
    process.stderr.write(`bench${quick ? ' --quick' : ''}: writing MNIST to ${dataDir}, bundling the peers\n`);
    await Promise.all([writeData(dataDir), bundle()]);
    const python = findPython();
    process.stderr.write(python ? `PyTorch: ${python}\n` : `PyTorch: not installed (${PYTORCH_INSTALL})\n`);
    const measures: Measure[] = [];
    for (const task of TASKS) {
      if (only && !only.includes(task)) continue;
      const runs = PEERS.filter((peer) => peer.tasks.includes(task) && (!peers || peers.includes(peer.id)) && !(quick && peer.full));
      const results = runs.map((): ChildResult[] => []);
      // Round by round, so that every peer of a task sees the same weather.
      for (let round = 0; round < rounds; round++) runs.forEach((peer, i) => results[i].push(runChild(peer, task, dataDir, python)));
      runs.forEach((peer, i) => measures.push({ peer, task, result: mergeRounds(results[i]) }));
    }
    const seconds = (performance.now() - started) / 1000;
    const text = renderReport(measures, settings, seconds);
    process.stdout.write(`\n${text}\n`);
    if (write) {
      const file = path.join(root, 'bench', 'RESULTS.md');
      const begin = '<!-- bench:begin (written by npm run bench) -->';
      const end = '<!-- bench:end -->';
      const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${begin}\n${end}\n`;
      const [head, rest] = old.includes(begin) ? old.split(begin) : [old + '\n', `\n${end}`];
      const tail = rest.includes(end) ? rest.slice(rest.indexOf(end) + end.length) : '';
      fs.writeFileSync(file, `${head}${begin}\n${text}\n${end}${tail}`);
      process.stderr.write(`wrote ${path.relative(root, file)}\n`);
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
