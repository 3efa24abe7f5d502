/**
 * layerwise against TF.js (cpu and wasm backends) and ConvNetJS, side by side: the same models on
 * the same MNIST digits, each library measured in its own child process (so that each training
 * run's peak RSS is its own), one after another.
 *
 *   npm run bench              (about 5 minutes; writes the tables into bench/RESULTS.md)
 *   npm run bench -- --quick   (under a minute; prints only)
 *
 * Options: --quick, --no-write (print only), --only mlp,cnn,infer,gemm, --peers layerwise,tfjs-wasm,...
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { datasets } from '../src/index';
import type { ChildResult, Task } from './lib/child';
import { renderReport, type Measure, type Settings } from './lib/report';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const write = !quick && !argv.includes('--no-write');
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
const peers = argv.includes('--peers') ? argv[argv.indexOf('--peers') + 1].split(',') : undefined;

const settings: Settings = quick
  ? { quick, warmup: 0.3, segment: 0.4, repeats: 3, cap: 2.5, inferSamples: 500, gemmSizes: [128, 512], trainSize: 8000 }
  : { quick, warmup: 1.5, segment: 2.5, repeats: 5, cap: 25, inferSamples: 2000, gemmSizes: [128, 256, 512, 1024], trainSize: 8000 };

/** Who runs what: a peer is a child script and a variant of it. */
export interface Peer {
  id: string;
  label: string;
  script: 'layerwise' | 'tfjs' | 'convnetjs';
  variant: string;
  tasks: Task[];
  /** Measured in full runs only (not with --quick, which must stay under a minute). */
  full?: boolean;
}

const PEERS: Peer[] = [
  { id: 'layerwise', label: 'layerwise (wasm kernels, 2 threads: the default here)', script: 'layerwise', variant: 'wasm', tasks: ['mlp', 'cnn', 'infer', 'gemm'] },
  { id: 'layerwise-1t', label: 'layerwise (wasm kernels, 1 thread)', script: 'layerwise', variant: 'wasm-1t', tasks: ['mlp', 'cnn', 'infer', 'gemm'] },
  { id: 'layerwise-js', label: 'layerwise (pure TS kernels)', script: 'layerwise', variant: 'js', tasks: ['mlp', 'cnn', 'infer', 'gemm'], full: true },
  { id: 'tfjs-cpu', label: 'TF.js 4.22 cpu', script: 'tfjs', variant: 'cpu', tasks: ['mlp', 'cnn', 'infer', 'gemm'] },
  { id: 'tfjs-wasm', label: 'TF.js 4.22 wasm', script: 'tfjs', variant: 'wasm', tasks: ['mlp', 'cnn', 'infer', 'gemm'] },
  { id: 'tfjs-wasm-patched', label: 'TF.js 4.22 wasm, patched', script: 'tfjs', variant: 'wasm-patched', tasks: ['cnn'] },
  { id: 'tfjs-wasm-convgrad', label: 'TF.js 4.22 wasm, patched', script: 'tfjs', variant: 'wasm-convgrad', tasks: ['cnn'] },
  { id: 'convnetjs', label: 'ConvNetJS 0.3', script: 'convnetjs', variant: 'default', tasks: ['mlp', 'cnn', 'infer'] },
];

const root = path.resolve(__dirname, '..');
/** Inside node_modules, so that the bundles resolve TF.js and ConvNetJS from the project. */
const buildDir = path.join(root, 'node_modules', '.cache', 'layerwise-bench');

async function writeData(dir: string): Promise<void> {
  const { train, test } = await datasets.loadMnist({ trainSize: settings.trainSize, testSize: 2000, seed: 0 });
  for (const [part, d] of [['train', train], ['test', test]] as const) {
    fs.writeFileSync(path.join(dir, `${part}-x.f32`), Buffer.from(d.x.data.buffer, d.x.data.byteOffset, d.x.data.byteLength));
    fs.writeFileSync(path.join(dir, `${part}-y.f32`), Buffer.from(d.y.data.buffer, d.y.data.byteOffset, d.y.data.byteLength));
  }
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

function runChild(peer: Peer, task: Task, dataDir: string): ChildResult {
  const args = [
    path.join(buildDir, `${peer.script}.js`),
    '--task', task, '--variant', peer.variant, '--data', dataDir,
    '--warmup', String(settings.warmup), '--segment', String(settings.segment), '--repeats', String(settings.repeats),
    '--cap', String(settings.cap), '--infer-samples', String(settings.inferSamples), '--gemm-sizes', settings.gemmSizes.join(','),
  ];
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: (settings.cap * 4 + 120) * 1000, maxBuffer: 64 << 20 });
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

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-bench-'));
  try {
    process.stderr.write(`bench${quick ? ' --quick' : ''}: writing MNIST to ${dataDir}, bundling the peers\n`);
    await Promise.all([writeData(dataDir), bundle()]);
    const measures: Measure[] = [];
    for (const task of ['mlp', 'cnn', 'infer', 'gemm'] as Task[]) {
      if (only && !only.includes(task)) continue;
      for (const peer of PEERS) {
        if (!peer.tasks.includes(task) || (peers && !peers.includes(peer.id)) || (quick && peer.full)) continue;
        measures.push({ peer, task, result: runChild(peer, task, dataDir) });
      }
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
