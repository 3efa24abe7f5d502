/**
 * Worker threads that run parts of a wasm kernel over the same shared memory: the main thread
 * posts each worker one call (an export of the shared module and its arguments) through a shared
 * control block, runs its own part, and waits for theirs. Parts always split a kernel's output
 * (rows or columns of a product, positions of a convolution), never a sum, so every value is
 * computed exactly as on one thread: the same bits whatever the number of threads, and whatever
 * the timing, because every part runs exactly once and is finished before the main thread reads
 * its output or lays out the next call over its memory:
 *
 * - a worker runs a call only once it has taken it: it swaps the call's claim word from the
 *   call's sequence number to its negative (compareExchange), so no wake-up, late or repeated,
 *   can make it run a call twice;
 * - the main thread returns from a call only when each worker has reported it done, or when it
 *   has taken the call back, unstarted, with the same compareExchange: it does so for every part
 *   a worker has not taken by the time the main thread has run its own (the worker is not
 *   running: descheduled on a busy machine, still waking or starting), and runs that part itself,
 *   which costs less than waiting for the worker; the worker then never runs it. A part a worker
 *   has taken is never run again elsewhere: the main thread waits for it, however long that takes.
 *
 * Node only: worker_threads is loaded at call time through `process.getBuiltinModule` (no static
 * import reaches a browser bundle). Elsewhere, or with LAYERWISE_THREADS=1, everything runs on
 * the calling thread.
 */
import { LayerwiseError } from '../../util/errors';

/** The exports a worker may be asked to run. */
export const THREAD_EXPORTS = ['conv_forward', 'gemm', 'conv_dk', 'col2im', 'sgd'] as const;
export type ThreadExport = (typeof THREAD_EXPORTS)[number];

/** One part of a kernel: an export and its arguments. */
export type Part = [ThreadExport, number[]];

/**
 * Control block, in int32s: the call's sequence number, the export, the argument count, status,
 * the sequence number done, and the claim: the sequence number while the call is open, its
 * negative once the worker has taken it, 0 once the main thread has taken it back.
 */
const SEQ = 0;
const FN = 1;
const ARGC = 2;
const STATUS = 3;
const DONE = 4;
const CLAIM = 5;
const ARGS_BYTE_OFFSET = 64;
/** Polls of the control block before a thread sleeps (about a millisecond). */
const SPIN = 200_000;
const MAX_ARGS = 24;

/**
 * TEST ONLY (threads-determinism.test.ts): random delays that reorder the threads, to show that
 * results do not depend on timing. Never set outside tests: it only slows things down.
 */
export interface ThreadTestHooks {
  /**
   * Threads sleep a random 0 to maxDelayMs ms (from generators seeded with `seed`) wherever
   * timing matters: the main thread, one call in two, between publishing a call and waking its
   * worker (so that the worker may finish it and fall asleep before the wake-up); a worker, one
   * time in six each, before taking a call, before running it, and before reporting it done.
   */
  maxDelayMs?: number;
  seed?: number;
  /** Polls of the control block before a thread sleeps (default 200,000): few make the threads sleep and wake at every call. */
  spin?: number;
  /** Each worker sleeps this long once started, before serving (a slow start). */
  startDelayMs?: number;
}

/**
 * TEST ONLY: the hooks for the library's own kernels (wasmKernels()), from
 * LAYERWISE_TEST_THREAD_HOOKS, a ThreadTestHooks in JSON (`{"maxDelayMs": 2, "spin": 1000}`);
 * undefined without it.
 */
export function testHooksFromEnvironment(): ThreadTestHooks | undefined {
  const text = nodeProcess()?.env?.LAYERWISE_TEST_THREAD_HOOKS;
  return text ? (JSON.parse(text) as ThreadTestHooks) : undefined;
}

/**
 * TEST ONLY: the main thread's nap (ThreadTestHooks): sleeps, one call in two, a random 0 to
 * `max` ms, from a linear congruential generator seeded with `seed`; a no-op without `max`.
 * The worker's naps, in its source, draw from the same generator.
 */
function napper(max: number | undefined, seed: number): () => void {
  if (!max) return () => {};
  let state = seed >>> 0;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const r = state / 2 ** 32;
    if (r < 1 / 2) Atomics.wait(cell, 0, 0, r * 2 * max);
  };
}

/** The worker's code: instantiate the shared module on the shared memory, then serve calls forever. */
const WORKER_SOURCE = `
const { workerData } = process.getBuiltinModule('worker_threads');
const { module, memory, control, names, hooks, seed, spin } = workerData;
const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
// TEST ONLY (ThreadTestHooks): random naps (one time in six, 0 to maxDelayMs ms, the generator
// of the main thread's napper()), and a slow start.
const cell = new Int32Array(new SharedArrayBuffer(4));
let state = seed >>> 0;
const nap = () => {
  if (!hooks.maxDelayMs) return;
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  const r = state / 2 ** 32;
  if (r < 1 / 6) Atomics.wait(cell, 0, 0, r * 6 * hooks.maxDelayMs);
};
if (hooks.startDelayMs) Atomics.wait(cell, 0, 0, hooks.startDelayMs);
let seen = 0;
for (;;) {
  // Spin a little before sleeping: kernels come in quick succession during training, and waking
  // a sleeping thread costs tens of microseconds (more in a virtual machine).
  for (let i = 0; i < spin && Atomics.load(ctl, ${SEQ}) === seen; i++);
  // A wake-up proves nothing: the main thread's notify can come late, after this worker has
  // already run the call it announces. Only a new sequence number is a new call.
  while (Atomics.load(ctl, ${SEQ}) === seen) Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  nap();
  // Take the call, unless the main thread took it back (it then runs the part itself).
  if (Atomics.compareExchange(ctl, ${CLAIM}, seen, -seen) !== seen) continue;
  nap();
  try {
    exports[names[ctl[${FN}]]](...Array.from(args.subarray(0, ctl[${ARGC}])));
    ctl[${STATUS}] = 0;
  } catch (error) {
    ctl[${STATUS}] = 1;
  }
  nap();
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

/** What became of a call posted to a worker. */
type Outcome = 'done' | 'threw' | 'taken back';

class Helper {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private seq = 0;
  private readonly spin: number;
  /** No longer used: its worker failed (an error event: it did not start, or died). */
  failed = false;

  constructor(
    threads: WorkerThreadsModule,
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    hooks: ThreadTestHooks,
    seed: number,
    private readonly nap: () => void,
  ) {
    this.spin = hooks.spin ?? SPIN;
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + 8 * MAX_ARGS);
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    const worker = new threads.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, names: THREAD_EXPORTS, hooks, seed, spin: this.spin } });
    worker.on('error', () => (this.failed = true));
    // A worker waiting for work must not keep the process alive.
    worker.unref();
  }

  post([name, args]: Part): void {
    this.args.set(args);
    this.ctl[FN] = THREAD_EXPORTS.indexOf(name);
    this.ctl[ARGC] = args.length;
    const seq = ++this.seq;
    Atomics.store(this.ctl, CLAIM, seq);
    Atomics.store(this.ctl, SEQ, seq);
    this.nap();
    Atomics.notify(this.ctl, SEQ);
  }

  /**
   * Called once this thread has run its own part: takes the posted call back when the worker has
   * not taken it yet ('taken back': the worker will never run it, and this thread runs it), else
   * waits until the worker is done ('done', or 'threw' when it threw). Never returns while the
   * worker may still write into memory for this call.
   */
  wait(): Outcome {
    const seq = this.seq;
    if (Atomics.compareExchange(this.ctl, CLAIM, seq, 0) === seq) return 'taken back';
    for (let spin = 0; spin < this.spin && Atomics.load(this.ctl, DONE) !== seq; spin++);
    // Taken by the worker: wait for it to finish, however long that takes. (DONE holds the last
    // call the worker finished, which is older than seq - 1 when calls were taken back since.)
    for (let done = Atomics.load(this.ctl, DONE); done !== seq; done = Atomics.load(this.ctl, DONE)) Atomics.wait(this.ctl, DONE, done, 100);
    return this.ctl[STATUS] === 0 ? 'done' : 'threw';
  }
}

/** The calling thread plus `threads − 1` workers, started on first use. */
export class ThreadPool {
  private helpers?: Helper[];
  /** Parts the workers have run (for tests: proof that they ran any). */
  workerParts = 0;
  /** Parts taken back from workers that had not started them, and run on the calling thread (for tests). */
  partsTakenBack = 0;
  private readonly nap: () => void;

  /** @param hooks TEST ONLY: random delays (see ThreadTestHooks); never set outside tests. */
  constructor(
    readonly threads: number,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly exports: Record<ThreadExport, (...args: number[]) => void>,
    private readonly hooks: ThreadTestHooks = {},
  ) {
    this.nap = napper(hooks.maxDelayMs, hooks.seed ?? 1);
  }

  /**
   * Runs the parts, the first on this thread and one on each worker, and returns when all are
   * done (also when this thread's part throws: no worker is then left writing).
   */
  run(parts: Part[]): void {
    const helpers = parts.length > 1 ? this.start().filter((helper) => !helper.failed) : [];
    const posted = helpers.slice(0, parts.length - 1);
    posted.forEach((helper, i) => helper.post(parts[i + 1]));
    let outcomes: Outcome[] = [];
    try {
      for (const [name, args] of parts.slice(0, 1).concat(parts.slice(posted.length + 1))) this.exports[name](...args);
    } finally {
      outcomes = posted.map((helper) => helper.wait());
    }
    const threw: ThreadExport[] = [];
    outcomes.forEach((outcome, i) => {
      const [name, args] = parts[i + 1];
      if (outcome === 'done') this.workerParts++;
      // Taken back unstarted, so never run by the worker: run here, once.
      else if (outcome === 'taken back') {
        this.partsTakenBack++;
        this.exports[name](...args);
      }
      // Not run again: a part that threw may have written some of its output, and would add twice.
      else threw.push(name);
    });
    if (threw.length > 0) throw new LayerwiseError(`wasm kernels: ${threw.join(', ')} threw on a worker thread. LAYERWISE_THREADS=1 runs everything on one thread.`);
  }

  private start(): Helper[] {
    if (this.helpers) return this.helpers;
    this.helpers = [];
    const threads = nodeProcess()?.getBuiltinModule?.('worker_threads') as WorkerThreadsModule | undefined;
    if (!threads) return this.helpers;
    try {
      for (let i = 1; i < this.threads; i++) {
        const seed = (this.hooks.seed ?? 1) + i;
        this.helpers.push(new Helper(threads, this.module, this.memory, this.hooks, seed, this.nap));
      }
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
