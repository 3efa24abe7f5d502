/**
 * Worker threads that run parts of a wasm kernel over the same shared memory: the main thread
 * posts each worker one call (an export of the shared module and its arguments) through a shared
 * control block, runs its own part, and waits for theirs. Parts always split a kernel's output
 * (rows or columns of a product, positions of a convolution), never a sum, so every value is
 * computed exactly as on one thread: the same bits whatever the number of threads.
 *
 * Node only: worker_threads is loaded at call time through `process.getBuiltinModule` (no static
 * import reaches a browser bundle). Elsewhere, or with LAYERWISE_THREADS=1, everything runs on
 * the calling thread.
 */

/** The exports a worker may be asked to run. */
export const THREAD_EXPORTS = ['conv_forward', 'gemm', 'conv_dk', 'col2im'] as const;
export type ThreadExport = (typeof THREAD_EXPORTS)[number];

/** One part of a kernel: an export and its arguments. */
export type Part = [ThreadExport, number[]];

/** Control block, in int32s: the job's sequence number, the export, the argument count, status, the sequence done. */
const SEQ = 0;
const FN = 1;
const ARGC = 2;
const STATUS = 3;
const DONE = 4;
const ARGS_BYTE_OFFSET = 64;
/** Polls of the control block before a thread sleeps (about a millisecond). */
const SPIN = 200_000;
const MAX_ARGS = 24;

/** The worker's code: instantiate the shared module on the shared memory, then serve calls forever. */
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('worker_threads');
const { module, memory, control, names } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
let seen = 0;
for (;;) {
  // Spin a little before sleeping: kernels come in quick succession during training, and waking
  // a sleeping thread costs tens of microseconds (more in a virtual machine).
  for (let spin = 0; spin < ${SPIN} && Atomics.load(ctl, ${SEQ}) === seen; spin++);
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  try {
    exports[names[ctl[${FN}]]](...Array.from(args.subarray(0, ctl[${ARGC}])));
    ctl[${STATUS}] = 0;
  } catch (error) {
    ctl[${STATUS}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

interface NodeWorker {
  unref(): void;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface WorkerThreadsModule {
  Worker: new (code: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}
interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  env?: Record<string, string | undefined>;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** Threads to use, the calling one included: LAYERWISE_THREADS, else the cores available (at most 4). */
export function threadCount(): number {
  const proc = nodeProcess();
  const asked = Number(proc?.env?.LAYERWISE_THREADS);
  if (Number.isInteger(asked) && asked >= 1) return Math.min(asked, 8);
  const os = proc?.getBuiltinModule?.('os') as { availableParallelism?: () => number } | undefined;
  return Math.max(1, Math.min(4, os?.availableParallelism?.() ?? 1));
}

class Helper {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private seq = 0;
  failed = false;

  constructor(threads: WorkerThreadsModule, module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + 8 * MAX_ARGS);
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, names: THREAD_EXPORTS } });
    worker.on('error', () => (this.failed = true));
    // A worker waiting for work must not keep the process alive.
    worker.unref();
  }

  post([name, args]: Part): void {
    this.args.set(args);
    this.ctl[FN] = THREAD_EXPORTS.indexOf(name);
    this.ctl[ARGC] = args.length;
    Atomics.store(this.ctl, SEQ, ++this.seq);
    Atomics.notify(this.ctl, SEQ);
  }

  /**
   * Waits for the posted call; false when it failed, or when the worker gave no sign of life for
   * 30 seconds (it never started, say): the worker is then marked failed and no longer used.
   */
  wait(): boolean {
    const started = Date.now();
    for (let spin = 0; spin < SPIN && Atomics.load(this.ctl, DONE) !== this.seq; spin++);
    while (Atomics.load(this.ctl, DONE) !== this.seq) {
      if (this.failed || Date.now() - started > 30_000) {
        this.failed = true;
        return false;
      }
      Atomics.wait(this.ctl, DONE, this.seq - 1, 100);
    }
    return this.ctl[STATUS] === 0;
  }
}

/** The calling thread plus `threads − 1` workers, started on first use. */
export class ThreadPool {
  private helpers?: Helper[];

  constructor(
    readonly threads: number,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly exports: Record<ThreadExport, (...args: number[]) => void>,
  ) {}

  /** Runs the parts, the first on this thread and one on each worker, and returns when all are done. */
  run(parts: Part[]): void {
    const helpers = parts.length > 1 ? this.start().filter((helper) => !helper.failed) : [];
    const posted = helpers.slice(0, parts.length - 1);
    posted.forEach((helper, i) => helper.post(parts[i + 1]));
    for (const [name, args] of parts.slice(0, 1).concat(parts.slice(posted.length + 1))) this.exports[name](...args);
    posted.forEach((helper, i) => {
      // A part a worker could not run is run here: the result is the same.
      if (!helper.wait()) this.exports[parts[i + 1][0]](...parts[i + 1][1]);
    });
  }

  private start(): Helper[] {
    if (this.helpers) return this.helpers;
    this.helpers = [];
    const threads = nodeProcess()?.getBuiltinModule?.('worker_threads') as WorkerThreadsModule | undefined;
    if (!threads) return this.helpers;
    try {
      for (let i = 1; i < this.threads; i++) this.helpers.push(new Helper(threads, this.module, this.memory));
    } catch {
      this.helpers = [];
    }
    return this.helpers;
  }
}

/** Splits [0, total) into `parts` ranges whose bounds (but the last) are multiples of `align`; empty ranges dropped. */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= parts && start < total; i++) {
    const end = i === parts ? total : Math.min(total, Math.round((total * i) / parts / align) * align);
    if (end > start) out.push([start, end]);
    start = Math.max(start, end);
  }
  return out;
}
