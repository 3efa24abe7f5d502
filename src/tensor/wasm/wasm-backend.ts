/**
 * The JavaScript side of the WebAssembly kernels: loads the module (synchronously, from the bytes
 * embedded in kernels-wasm.ts, on first use), owns its memory (a heap of long-lived blocks at the
 * bottom: cached convolution tables and resident tensors; scratch above it, per call), copies in
 * the operands that do not live in its memory and their results out, and splits the larger kernels
 * among worker threads (threads.ts).
 */
import { LayerwiseError } from '../../util/errors';
import { gradientAxis, tapInput, type Window2D } from '../conv-geometry';
import type { ConvGradients, FusedActivation, FusedActivationGradient, FusedActivationInput, Kernels } from '../kernel-interface';
import { leakyRelu, leakyReluBackward } from '../js/bias-activation';
import { blockFloats, Heap } from './heap';
import { KERNELS_SHARED_WASM_BASE64, KERNELS_WASM_BASE64 } from './kernels-wasm';
import { splitRange, testHooksFromEnvironment, ThreadPool, threadCount, type Part, type ThreadExport, type ThreadTestHooks } from './threads';

/** The functions kernels.wat exports (pointers are byte offsets). */
interface Exports {
  gemm(a: number, b: number, c: number, m: number, n: number, k: number, rsa: number, csa: number, rsb: number, csb: number,
    ldc: number, alpha: number, pa: number, pb: number, tmp: number, overwrite: number): void;
  conv_dk(ind: number, taps: number, c: number, positions: number, dz: number, filters: number, dk: number, m0: number, m1: number,
    pa: number, pb: number, tmp: number): void;
  pack_b(src: number, rs: number, cs: number, kc: number, n: number, dst: number): void;
  conv_forward(ind: number, positions: number, taps: number, c: number, pw: number, bias: number, filters: number, out: number, tmp: number): void;
  col2im(ind: number, positions: number, taps: number, c: number, col: number): void;
  bias_rows(z: number, bias: number, rows: number, cols: number): void;
  zero(dst: number, bytes: number): void;
  relu(src: number, dst: number, count: number): void;
  leaky_relu(src: number, dst: number, count: number, alpha: number): void;
  max_pool(x: number, y: number, argmax: number, batch: number, hin: number, win: number, c: number, hout: number, wout: number,
    sh: number, sw: number, pt: number, pl: number, kh: number, kw: number): void;
  leaky_relu_backward(z: number, dy: number, dz: number, count: number, slope: number): void;
  column_sums(src: number, rows: number, cols: number, dst: number): void;
  sgd(w: number, g: number, v: number, count: number, lr: number, m: number, mode: number): void;
}

/** Block sizes of the GEMM: panels of MR x NR in the microkernel, blocks of MC x KC of A. */
const MR = 4;
const NR = 8;
const KC = 256;
const MC = 128;
/** Floats of the scratch tile for edge tiles, at address 0. */
const TILE = MR * NR;
/** Above this many floats of cached convolution tables, the cache starts over. */
const REGION_LIMIT = 32 << 20;
/**
 * Tensors larger than this (in floats, 64 MB) are never placed in wasm memory, and none are
 * once the tensors there hold RESIDENT_LIMIT floats (256 MB): beyond, plain arrays (copied per
 * call, as before; the same results). The engine's garbage collector does not see wasm memory: it
 * frees the space of dropped models only when it collects their arrays, which a small JS heap may
 * put off for long (a review built and dropped 400 models of 4 MB without one collection). Wasm
 * memory never shrinks, so this is also what a process keeps at most for resident tensors.
 */
const RESIDENT_MAX = 16 << 20;
const RESIDENT_LIMIT = 64 << 20;
/**
 * Multiply-adds below which a kernel stays on one thread: waking a worker costs microseconds, and
 * a split product packs its A twice. Measured, since operands live in wasm memory (no copies in
 * and out around each product): MLP training on 2 threads with its products split from 1M on
 * against 4M (interleaved runs, quiet machine), 61,500-70,000 against 56,000-60,000 samples/s at
 * batch 32 (3.2M-multiply-add products) and 47,000-55,000 against 40,000-46,000 at batch 16
 * (1.6M). (With the copies, the 3.2M products had run 9% slower split.)
 */
const PARALLEL_WORK = 1 << 20;

/**
 * Values of a resident parameter from which SGD's step is split among the threads. Measured on
 * the MLP's first kernel (100,352 values), 2 threads: see RESULTS.md, round three.
 */
const PARALLEL_SGD = 1 << 16;

/**
 * Values of a parameter the SGD kernel updates per call: its three operands (96 KB) then stay in
 * the cache between copying in, updating and copying out. Measured on the MLP's parameters: 12
 * to 20% faster than one call over each whole parameter.
 */
const SGD_CHUNK = 8192;

const roundUp = (x: number, to: number): number => Math.ceil(x / to) * to;

/** Whether the ranges [a, a + aLength) and [b, b + bLength) share a float. */
const overlap = (a: number, aLength: number, b: number, bLength: number): boolean => a < b + bLength && b < a + aLength;

/**
 * Scratch space laid out upwards from a start: each operand gets room of its own, unless it lives
 * in wasm memory already (a resident tensor), where it is used in place.
 */
class Layout {
  constructor(public end: number) {}

  /** Where an operand of `floats` goes: at `resident` when that is an offset (≥ 0), else in the next free scratch. */
  place(resident: number, floats: number): number {
    if (resident >= 0) return resident;
    const start = this.end;
    this.end += roundUp(floats, 4);
    return start;
  }
}

/** Values start to end of `a`, without a new view when that is all of it. */
const part = (a: Float32Array, start: number, end: number): Float32Array => (start === 0 && end === a.length ? a : a.subarray(start, end));

/** What a convolution geometry keeps in wasm memory across calls (offsets in floats). */
interface ConvRegion {
  /** The heap block holding all of it: its start and length. */
  block: [number, number];
  /** The input images [batch, h, w, c], copied in on each call (the table points into them). */
  x: number;
  size: number;
  /** A zero pixel of c floats, where taps in the padding point. */
  zero: number;
  /** The indirection table: [tile of 4 positions][tap][4] byte addresses. */
  table: number;
  positions: number;
  taps: number;
  c: number;
}

/** The key of a geometry: everything the table depends on. */
function geometryKey(g: Window2D): string {
  const { h, w } = g;
  // Every number the region's tables depend on: the output counts too ('valid' and 'same' windows can agree on all the rest).
  return [g.batch, g.channels, h.input, h.size, h.stride, h.dilation, h.padBefore, h.output, w.input, w.size, w.stride, w.dilation, w.padBefore, w.output].join(',');
}

export class WasmKernels implements Kernels {
  private f32: Float32Array;
  private i32: Int32Array;
  /** The blocks that outlive a call (cached regions, resident tensors), above the edge tile; scratch space starts at its end. */
  private readonly heap = new Heap(TILE);
  private readonly regions = new Map<string, ConvRegion>();
  private regionFloats = 0;
  /** Every buffer object of the shared memory that a resident tensor was made over (a new one after each growth). */
  private readonly residentBuffers = new WeakSet<ArrayBufferLike>();
  /** Gives a resident tensor's block back once its array is garbage. */
  private readonly reclaim?: FinalizationRegistry<[number, number]>;
  private residentFloats = 0;
  /**
   * BENCH ONLY (bench/peers/layerwise.ts's breakdown): when set, the seconds spent copying
   * operands into wasm memory and results out are added to it.
   */
  copyMeter?: { seconds: number };

  /**
   * @param exports the module's functions, over `memory`
   * @param pool worker threads sharing `memory`, when it is shared
   */
  constructor(
    private readonly exports: Exports,
    private readonly memory: WebAssembly.Memory,
    private readonly pool?: ThreadPool,
  ) {
    this.f32 = new Float32Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer);
    // Only a shared memory keeps its views valid when it grows: resident tensors need one.
    if (typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer && typeof FinalizationRegistry === 'function') {
      this.reclaim = new FinalizationRegistry(([start, floats]) => {
        this.heap.release(start, floats);
        this.residentFloats -= floats;
      });
    }
  }

  /**
   * A zeroed array of `length` floats in wasm memory, which the kernels then read and write in
   * place (no copy in or out); undefined where that cannot be (a memory that is not shared, whose
   * views growing would detach; a tensor over RESIDENT_MAX; RESIDENT_LIMIT reached). Its space is
   * given back when the array is garbage collected, so keep the array itself, not only a
   * `subarray` of it, for as long as it is used.
   */
  allocate(length: number): Float32Array | undefined {
    if (!this.reclaim || length > RESIDENT_MAX || this.residentFloats + length > RESIDENT_LIMIT) return undefined;
    const start = this.heap.allocate(length);
    const floats = blockFloats(length);
    try {
      this.reserve(this.heap.end);
    } catch {
      // The engine refused to grow the memory: a plain array instead, and the heap as it was.
      this.heap.release(start, floats);
      return undefined;
    }
    const buffer = this.memory.buffer;
    this.residentBuffers.add(buffer);
    const view = new Float32Array(buffer, 4 * start, length);
    this.clear(start, start + length);
    this.residentFloats += floats;
    this.reclaim.register(view, [start, floats]);
    return view;
  }

  /** Zeroes `a` when it lives in wasm memory (returns true); false, having done nothing, otherwise. */
  zero(a: Float32Array): boolean {
    const at = this.residentAt(a);
    if (at < 0) return false;
    this.clear(at, at + a.length);
    return true;
  }

  /** Zeroes floats [from, to) of wasm memory (a memset: see kernels.wat's zero). */
  private clear(from: number, to: number): void {
    if (to > from) this.exports.zero(4 * from, 4 * (to - from));
  }

  /** Floats of wasm memory that resident tensors hold (for tests). */
  get residentSize(): number {
    return this.residentFloats;
  }

  /** The float offset in wasm memory of an array that lives there (a resident tensor or part of one), else -1. */
  private residentAt(a: Float32Array): number {
    return this.residentBuffers.has(a.buffer) ? a.byteOffset / 4 : -1;
  }

  /** Threads the larger kernels are split over, this one included. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Parts of kernels that worker threads ran so far (for tests). */
  get workerParts(): number {
    return this.pool?.workerParts ?? 0;
  }

  /** Parts the calling thread took back from workers that had not started them, and ran itself (for tests). */
  get partsTakenBack(): number {
    return this.pool?.partsTakenBack ?? 0;
  }

  /** The threads a kernel of `work` multiply-adds (or of what `from` counts) is split over. */
  private threadsFor(work: number, from = PARALLEL_WORK): number {
    return this.pool && work >= from ? this.pool.threads : 1;
  }

  /** Runs the parts of one kernel: on the worker threads when there is a pool, else one after another. */
  private run(parts: Part[]): void {
    if (this.pool && parts.length > 1) this.pool.run(parts);
    else for (const [name, args] of parts) (this.exports[name as ThreadExport] as (...a: number[]) => void)(...args);
  }

  /** Makes the memory at least `floats` float32s long (growing never shrinks it). */
  private reserve(floats: number): Float32Array {
    const bytes = floats * 4;
    const memory = this.memory;
    if (memory.buffer.byteLength < bytes) {
      try {
        memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
      } catch (error) {
        throw new LayerwiseError(
          `wasm kernels: this call needs ${Math.ceil(bytes / 2 ** 20)} MB of WebAssembly memory, which the engine refused ` +
            `(${(error as Error).message}). Use smaller batches, or setBackend('js').`,
        );
      }
    }
    if (this.f32.buffer !== memory.buffer || this.f32.length * 4 < memory.buffer.byteLength) {
      this.f32 = new Float32Array(memory.buffer);
      this.i32 = new Int32Array(memory.buffer);
    }
    return this.f32;
  }

  /** Copies `src` into wasm memory at float offset `at`. */
  private put(src: Float32Array, at: number): void {
    if (!this.copyMeter) return this.f32.set(src, at);
    const t0 = performance.now();
    this.f32.set(src, at);
    this.copyMeter.seconds += (performance.now() - t0) / 1000;
  }

  /** Copies `dst.length` values of wasm memory from offset `at` (floats, or int32s into an Int32Array) into `dst`. */
  private take(dst: Float32Array | Int32Array, at: number): void {
    const from = dst instanceof Int32Array ? this.i32 : this.f32;
    if (!this.copyMeter) return dst.set(from.subarray(at, at + dst.length));
    const t0 = performance.now();
    dst.set(from.subarray(at, at + dst.length));
    this.copyMeter.seconds += (performance.now() - t0) / 1000;
  }

  /**
   * C[m, n] = alpha · op(A) · op(B) + beta · C, as kernels.ts's gemm (which calls this). Operands
   * that live in wasm memory (`allocate`) are used in place; the others are copied in, and C out.
   */
  gemm(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number): void {
    const aIn = this.residentAt(a);
    const bIn = this.residentAt(b);
    let cIn = this.residentAt(c);
    // C is written while A and B are read: in place only when it overlaps neither.
    if (cIn >= 0 && ((aIn >= 0 && overlap(cIn, m * n, aIn, m * k)) || (bIn >= 0 && overlap(cIn, m * n, bIn, k * n)))) cIn = -1;
    const layout = new Layout(this.heap.end);
    const aAt = layout.place(aIn, m * k);
    const bAt = layout.place(bIn, k * n);
    const cAt = layout.place(cIn, m * n);
    const scratch = layout.end;
    const f32 = this.reserve(scratch + this.gemmScratch(m, n, k));
    if (aIn < 0) this.put(a.subarray(0, m * k), aAt);
    if (bIn < 0) this.put(b.subarray(0, k * n), bAt);
    const cView = f32.subarray(cAt, cAt + m * n);
    // beta 0: the kernel overwrites C (nothing to copy in or clear), unless there is no product to write.
    const overwrite = beta === 0 && k > 0;
    if (beta === 0 && !overwrite) this.clear(cAt, cAt + m * n);
    else if (beta !== 0) {
      if (cIn < 0) this.put(c.subarray(0, m * n), cAt);
      if (beta !== 1) for (let i = 0; i < cView.length; i++) cView[i] *= beta;
    }
    this.gemmAt(aAt, bAt, cAt, m, n, k, transA, transB, alpha, scratch, overwrite);
    if (cIn < 0) this.take(c.subarray(0, m * n), cAt);
  }

  /** The column ranges gemmAt splits C[m, n] into (one per thread, multiples of NR wide). */
  private gemmRanges(m: number, n: number, k: number): [number, number][] {
    const threads = n >= 2 * NR ? this.threadsFor(m * n * k) : 1;
    return splitRange(n, threads, NR);
  }

  /** Floats of scratch space gemmAt needs: per part, a tile and the packed blocks of A and B. */
  private gemmScratch(m: number, n: number, k: number): number {
    const kc = Math.min(k, KC);
    return this.gemmRanges(m, n, k).reduce((sum, [j0, j1]) => sum + TILE + roundUp(Math.min(m, MC), MR) * kc + roundUp(j1 - j0, NR) * kc, 0);
  }

  /**
   * C += alpha · op(A) · op(B) on operands already in wasm memory (offsets in floats), or
   * C = alpha · op(A) · op(B) when `overwrite` (k > 0: C is not read), its columns split among the
   * threads; packs into the space at `scratch` (gemmScratch long, reserved by the caller).
   */
  private gemmAt(aAt: number, bAt: number, cAt: number, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, scratch: number, overwrite: boolean): void {
    if (m === 0 || n === 0) return;
    // op(A)[i, p] at i · rsA + p · csA; op(B)[p, j] at p · rsB + j · csB (in floats).
    const [rsA, csA] = transA ? [1, m] : [k, 1];
    const [rsB, csB] = transB ? [1, k] : [n, 1];
    const kc = Math.min(k, KC);
    let at = scratch;
    const parts = this.gemmRanges(m, n, k).map(([j0, j1]): Part => {
      const tmp = at;
      const pa = tmp + TILE;
      const pb = pa + roundUp(Math.min(m, MC), MR) * kc;
      at = pb + roundUp(j1 - j0, NR) * kc;
      return ['gemm', [4 * aAt, 4 * (bAt + j0 * csB), 4 * (cAt + j0), m, j1 - j0, k, rsA, csA, rsB, csB, n, alpha, 4 * pa, 4 * pb, 4 * tmp, overwrite ? 1 : 0]];
    });
    this.run(parts);
  }

  /**
   * The cached input space and indirection table of a geometry, built on first use. `gradient`:
   * the region of an input gradient's convolution, kept apart from a forward region of the same
   * geometry (the backward step holds x in one and dz in the other). When the cache starts over,
   * `keep` (a region the caller is using) stays.
   */
  private region(g: Window2D, { keep, gradient = false }: { keep?: ConvRegion; gradient?: boolean } = {}): ConvRegion {
    const key = (gradient ? 'dx:' : '') + geometryKey(g);
    let r = this.regions.get(key);
    if (r) return r;
    if (this.regionFloats > REGION_LIMIT) {
      for (const [k, old] of this.regions) if (old !== keep) {
        this.heap.release(...old.block);
        this.regions.delete(k);
      }
      this.regionFloats = keep ? keep.block[1] : 0;
    }
    const { batch, channels: c, h, w } = g;
    const positions = batch * h.output * w.output;
    const taps = h.size * w.size;
    const size = batch * h.input * w.input * c;
    const tiles = Math.ceil(positions / MR);
    const floats = roundUp(size, 4) + roundUp(c, 4) + tiles * taps * MR;
    const x = this.heap.allocate(floats);
    const zero = x + roundUp(size, 4);
    const table = zero + roundUp(c, 4);
    try {
      this.reserve(this.heap.end);
    } catch (error) {
      // Refused: the call fails (saying so), and the heap is as it was.
      this.heap.release(x, floats);
      throw error;
    }
    this.regionFloats += floats;
    this.clear(zero, table);
    const ind = this.i32;
    for (let tile = 0; tile < tiles; tile++) {
      for (let lane = 0; lane < MR; lane++) {
        const pos = tile * MR + lane;
        const n = Math.floor(pos / (h.output * w.output));
        const oy = Math.floor(pos / w.output) % h.output;
        const ox = pos % w.output;
        for (let ky = 0; ky < h.size; ky++) {
          const iy = tapInput(h, oy, ky);
          for (let kx = 0; kx < w.size; kx++) {
            const ix = tapInput(w, ox, kx);
            const inside = pos < positions && iy >= 0 && ix >= 0;
            const at = inside ? x + ((n * h.input + iy) * w.input + ix) * c : zero;
            ind[table + (tile * taps + ky * w.size + kx) * MR + lane] = 4 * at;
          }
        }
      }
    }
    r = { block: [x, floats], x, size, zero, table, positions, taps, c };
    this.regions.set(key, r);
    return r;
  }

  /** z[positions, filters] = conv(x, kernel) + bias, kernel [kh, kw, c, filters]; and y = act(z) when fused. */
  conv2d(x: Float32Array, g: Window2D, kernel: Float32Array, bias: Float32Array | undefined, z: Float32Array, act?: FusedActivation): void {
    const r = this.region(g);
    const filters = kernel.length / (r.taps * r.c);
    const count = r.positions * filters;
    // z and y are written whole vectors at a time: in place (resident) only when no padding falls past them.
    const zIn = count % 4 === 0 ? this.residentAt(z) : -1;
    let yIn = act && count % 4 === 0 ? this.residentAt(act.y) : -1;
    if (yIn >= 0 && zIn >= 0 && overlap(yIn, count, zIn, count)) yIn = -1;
    const layout = new Layout(this.heap.end);
    const kIn = this.residentAt(kernel);
    const kAt = layout.place(kIn, kernel.length);
    const outAt = layout.place(zIn, count);
    const yAt = act ? layout.place(yIn, count) : 0;
    this.reserve(layout.end);
    this.put(x.subarray(0, r.size), r.x);
    if (kIn < 0) this.put(kernel, kAt);
    this.convolve(r, kAt, filters, bias, outAt, layout);
    if (zIn < 0) this.take(z.subarray(0, count), outAt);
    if (act) {
      const e = this.exports;
      // The padding the activation reads (none in place).
      if (zIn < 0) this.clear(outAt + count, outAt + roundUp(count, 4));
      if (act.slope === 0) e.relu(4 * outAt, 4 * yAt, roundUp(count, 4));
      else e.leaky_relu(4 * outAt, 4 * yAt, roundUp(count, 4), act.slope);
      if (yIn < 0) this.take(act.y.subarray(0, count), yAt);
    }
  }

  /**
   * biasActivation (the Kernels interface), in place when z, the bias and y live in wasm memory
   * (y apart from z, or z itself): returns false, having done nothing, otherwise (backend.ts then
   * runs the TS kernel). The activation's last count mod 4 values go through the TS loop, its
   * slope rounded to float32 as the SIMD body takes it (the same bits wherever a value sits).
   */
  biasActivation(z: Float32Array, rows: number, bias: Float32Array | undefined, act?: FusedActivation): boolean {
    const zAt = this.residentAt(z);
    const bAt = bias ? this.residentAt(bias) : 0;
    const yAt = act ? this.residentAt(act.y) : 0;
    if (zAt < 0 || bAt < 0 || yAt < 0 || (act && yAt !== zAt && overlap(yAt, z.length, zAt, z.length))) return false;
    // Sizes that do not fit (the TS kernel bounds its loops by the arrays; these would write past them).
    if ((bias && rows * bias.length > z.length) || (act && act.y.length < z.length)) return false;
    const e = this.exports;
    if (bias) e.bias_rows(4 * zAt, 4 * bAt, rows, bias.length);
    if (act) {
      const body = z.length & ~3;
      if (act.slope === 0) e.relu(4 * zAt, 4 * yAt, body);
      else e.leaky_relu(4 * zAt, 4 * yAt, body, act.slope);
      if (body < z.length) leakyRelu(z.subarray(body), act.y.subarray(body, z.length), Math.fround(act.slope));
    }
    return true;
  }

  /** biasActivationBackward (the Kernels interface), in place when its operands live in wasm memory; false, having done nothing, otherwise. */
  biasActivationBackward(dy: Float32Array, rows: number, dBias: Float32Array | undefined, act?: FusedActivationGradient): boolean {
    const dyAt = this.residentAt(dy);
    const dbAt = dBias ? this.residentAt(dBias) : 0;
    const zAt = act ? this.residentAt(act.z) : 0;
    const dzAt = act ? this.residentAt(act.dz) : dyAt;
    if (dyAt < 0 || dbAt < 0 || zAt < 0 || dzAt < 0) return false;
    // Sizes that do not fit (as in biasActivation).
    const values = act ? act.dz.length : dy.length;
    if ((act && (act.z.length < values || dy.length < values)) || (dBias && rows * dBias.length > values)) return false;
    const e = this.exports;
    if (act) {
      const body = values & ~3;
      e.leaky_relu_backward(4 * zAt, 4 * dyAt, 4 * dzAt, body, act.slope);
      if (body < values) leakyReluBackward(act.z.subarray(body, values), dy.subarray(body, values), act.dz.subarray(body), Math.fround(act.slope));
    }
    if (dBias) e.column_sums(4 * dzAt, rows, dBias.length, 4 * dbAt);
    return true;
  }

  /**
   * out[positions, filters] = the convolution over region `r` (its input already in r.x) with the
   * kernel at `kAt` ([taps, c, filters], in wasm memory), plus `bias` when given; positions split
   * among the threads in whole tiles of 4, each thread with its own edge tile; packs into scratch
   * taken from `layout`.
   */
  private convolve(r: ConvRegion, kAt: number, filters: number, bias: Float32Array | undefined, outAt: number, layout: Layout): void {
    const depth = r.taps * r.c;
    const ranges = splitRange(r.positions, this.threadsFor(r.positions * filters * depth), MR);
    const pwAt = layout.place(-1, depth * roundUp(filters, NR));
    const biasAt = layout.place(-1, roundUp(filters, NR));
    const tilesAt = layout.place(-1, TILE * ranges.length);
    this.reserve(layout.end);
    if (bias) this.put(bias, biasAt);
    this.clear(biasAt + (bias ? filters : 0), biasAt + roundUp(filters, NR));
    this.exports.pack_b(4 * kAt, filters, 1, depth, filters, 4 * pwAt);
    this.run(
      ranges.map(([p0, p1], i): Part => [
        'conv_forward',
        [4 * r.table + (p0 / MR) * r.taps * 16, p1 - p0, r.taps, r.c, 4 * pwAt, 4 * biasAt, filters, 4 * (outAt + p0 * filters), 4 * (tilesAt + i * TILE)],
      ]),
    );
  }

  /**
   * SGD's step over one parameter, as the Kernels interface says (the same bits as the TS kernel),
   * SGD_CHUNK values at a time: copies in, one call, copies out, within the cache.
   */
  sgd(w: Float32Array, g: Float32Array, v: Float32Array | undefined, learningRate: number, momentum: number, nesterov: boolean): void {
    const mode = v ? (nesterov ? 2 : 1) : 0;
    const wIn = this.residentAt(w);
    const gIn = this.residentAt(g);
    const vIn = v ? this.residentAt(v) : wIn;
    if (wIn >= 0 && gIn >= 0 && vIn >= 0) {
      // In place; a large parameter split among the threads (elementwise: the same bits).
      return this.run(
        splitRange(w.length, this.threadsFor(w.length, PARALLEL_SGD), 4).map(([i0, i1]): Part => ['sgd', [4 * (wIn + i0), 4 * (gIn + i0), 4 * (vIn + i0), i1 - i0, learningRate, momentum, mode]]),
      );
    }
    const chunk = Math.min(w.length, SGD_CHUNK);
    const layout = new Layout(this.heap.end);
    const wAt = layout.place(-1, chunk);
    const gAt = layout.place(-1, chunk);
    const vAt = layout.place(-1, v ? chunk : 0);
    this.reserve(layout.end);
    for (let start = 0; start < w.length; start += SGD_CHUNK) {
      const end = Math.min(w.length, start + SGD_CHUNK);
      const ws = part(w, start, end);
      const vs = v && part(v, start, end);
      this.put(ws, wAt);
      this.put(part(g, start, end), gAt);
      if (vs) this.put(vs, vAt);
      this.exports.sgd(4 * wAt, 4 * gAt, 4 * (vs ? vAt : wAt), end - start, learningRate, momentum, mode);
      this.take(ws, wAt);
      if (vs) this.take(vs, vAt);
    }
  }

  /** Max pooling, as pooling.ts's maxPool, for channels a multiple of 4 only (backend.ts sends the rest to the TS kernel). */
  maxPool(x: Float32Array, g: Window2D, y: Float32Array, argmax: Int32Array): void {
    const { batch, channels: c, h, w } = g;
    const size = batch * h.input * w.input * c;
    const count = batch * h.output * w.output * c;
    const layout = new Layout(this.heap.end);
    const xAt = layout.place(-1, size);
    const yAt = layout.place(-1, count);
    const argAt = layout.place(-1, count);
    this.reserve(layout.end);
    this.put(x.subarray(0, size), xAt);
    this.exports.max_pool(4 * xAt, 4 * yAt, 4 * argAt, batch, h.input, w.input, c, h.output, w.output, h.stride, w.stride, h.padBefore, w.padBefore, h.size, w.size);
    this.take(y.subarray(0, count), yAt);
    this.take(argmax.subarray(0, count), argAt);
  }

  /**
   * The backward step of conv2d, in wasm memory: dz = dy (times the fused activation's derivative
   * at z), dBias += Σ dz, dKernel += im2col(x)ᵀ · dz with im2col(x)ᵀ packed straight from x
   * through the table, and dx = col2im(dz · kernelᵀ); each gradient only when asked for (x is
   * needed for dKernel only; `kernel` gives the filter count, and the kernel itself for dx).
   * dKernel's rows, dCol's columns and col2im's images are split among the threads.
   */
  conv2dBackward(x: Float32Array | undefined, g: Window2D, kernel: Float32Array, dy: Float32Array, grads: ConvGradients, act?: FusedActivationInput): void {
    const r = this.region(g);
    const depth = r.taps * r.c;
    const filters = kernel.length / depth;
    // With stride 1, dx is a convolution of dz again (over dz's geometry, gradientAxis), which
    // reads dz in place through its own table: no column matrix to write, read and scatter.
    const rT = grads.dx && g.h.stride === 1 && g.w.stride === 1 ? this.region({ batch: g.batch, channels: filters, h: gradientAxis(g.h), w: gradientAxis(g.w) }, { keep: r, gradient: true }) : undefined;
    const count = r.positions * filters;
    const padded = roundUp(count, 4);
    const kc = Math.min(r.positions, KC);
    const dkRanges = grads.dKernel ? splitRange(depth, this.threadsFor(count * depth), MR) : [];
    // Operands that live in wasm memory are used in place; z and dy only when whole vectors cover them exactly.
    const dyIn = count % 4 === 0 ? this.residentAt(dy) : -1;
    const zIn = act && count % 4 === 0 ? this.residentAt(act.z) : -1;
    const dkIn = grads.dKernel ? this.residentAt(grads.dKernel) : -1;
    const dbIn = grads.dBias ? this.residentAt(grads.dBias) : -1;
    const kIn = this.residentAt(kernel);
    const layout = new Layout(this.heap.end);
    // Without an activation, dz is dy; for dx as a convolution, dz is its input, in its region.
    const dzAt = rT ? rT.x : layout.place(act ? -1 : dyIn, count);
    const zAt = act ? layout.place(zIn, count) : 0;
    const dyAt = act ? layout.place(dyIn, count) : 0;
    const dkAt = layout.place(dkIn, kernel.length);
    const dbAt = layout.place(dbIn, filters);
    // The kernel and the column matrix, for dx through col2im (strides above 1).
    const viaColumns = grads.dx !== undefined && !rT;
    const kAt = layout.place(kIn, viaColumns ? kernel.length : 0);
    const colAt = layout.place(-1, viaColumns ? r.positions * depth : 0);
    // The flipped kernel and dx, for dx as a convolution.
    const flipAt = layout.place(-1, rT ? kernel.length : 0);
    const dxIn = rT && r.size % 4 === 0 ? this.residentAt(grads.dx!) : -1;
    const dxAt = rT ? layout.place(dxIn, r.size) : 0;
    const scratch = layout.end;
    // Per dKernel part: a tile, a packed block of im2col(x)ᵀ and one of dz.
    const dkPart = TILE + MC * kc + roundUp(filters, NR) * kc;
    const f32 = this.reserve(scratch + Math.max(dkRanges.length * dkPart, viaColumns ? this.gemmScratch(r.positions, depth, filters) : 0));
    const e = this.exports;
    if (act) {
      if (zIn < 0) this.put(act.z.subarray(0, count), zAt);
      if (dyIn < 0) this.put(dy.subarray(0, count), dyAt);
      e.leaky_relu_backward(4 * zAt, 4 * dyAt, 4 * dzAt, padded, act.slope);
    } else if (rT || dyIn < 0) this.put(dy.subarray(0, count), dzAt);
    if (grads.dBias) {
      if (dbIn < 0) this.put(grads.dBias, dbAt);
      e.column_sums(4 * dzAt, r.positions, filters, 4 * dbAt);
      if (dbIn < 0) this.take(grads.dBias, dbAt);
    }
    if (grads.dKernel) {
      // dKernel [depth, filters] += im2col(x)ᵀ [depth, positions] · dz [positions, filters].
      this.put(x!.subarray(0, r.size), r.x);
      if (dkIn < 0) this.put(grads.dKernel, dkAt);
      this.run(
        dkRanges.map(([m0, m1], i): Part => {
          const tmp = scratch + i * dkPart;
          const pa = tmp + TILE;
          const pb = pa + MC * kc;
          return ['conv_dk', [4 * r.table, r.taps, r.c, r.positions, 4 * dzAt, filters, 4 * dkAt, m0, m1, 4 * pa, 4 * pb, 4 * tmp]];
        }),
      );
      if (dkIn < 0) this.take(grads.dKernel, dkAt);
    }
    if (grads.dx && rT) {
      // dx = dz correlated with the kernel flipped in space, its channels and filters swapped:
      // flipped[t, f, ch] = kernel[taps − 1 − t, ch, f].
      const { taps, c } = r;
      for (let t = 0; t < taps; t++) {
        for (let f = 0; f < filters; f++) {
          const from = (taps - 1 - t) * c * filters + f;
          const to = flipAt + (t * filters + f) * c;
          for (let ch = 0; ch < c; ch++) f32[to + ch] = kernel[from + ch * filters];
        }
      }
      this.convolve(rT, flipAt, c, undefined, dxAt, new Layout(scratch));
      if (dxIn < 0) this.take(grads.dx.subarray(0, r.size), dxAt);
    } else if (grads.dx) {
      if (kIn < 0) this.put(kernel, kAt);
      // dCol = dz · kernelᵀ, overwritten (filters ≥ 1).
      this.gemmAt(dzAt, kAt, colAt, r.positions, depth, filters, false, true, 1, scratch, true);
      this.clear(r.x, r.x + r.size);
      // Images never share an input pixel: each thread scatters whole images (in whole table tiles).
      const perImage = g.h.output * g.w.output;
      const images = perImage % MR === 0 ? splitRange(g.batch, this.threadsFor(count * depth), 1) : [[0, g.batch]];
      this.run(
        images.map(([b0, b1]): Part => [
          'col2im',
          [4 * r.table + ((b0 * perImage) / MR) * r.taps * 16, (b1 - b0) * perImage, r.taps, r.c, 4 * (colAt + b0 * perImage * depth)],
        ]),
      );
      this.clear(r.zero, r.zero + r.c);
      this.take(grads.dx.subarray(0, r.size), r.x);
    }
  }
}

let loaded: WasmKernels | null | undefined;
let reason = '';
let pending: Promise<boolean> | undefined;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The kernels, instantiated on first call; null where WebAssembly SIMD cannot load. With more than
 * one thread (Node, several cores, LAYERWISE_THREADS not 1), the module over a shared memory and a
 * pool of worker threads; else, or when that fails, the module with its own memory, one thread.
 */
export function wasmKernels(): WasmKernels | null {
  if (loaded !== undefined) return loaded;
  try {
    if (typeof WebAssembly !== 'object') throw new Error('no WebAssembly in this engine');
    loaded = createWasmKernels(threadCount(), { testHooks: testHooksFromEnvironment() });
  } catch (error) {
    reason = (error as Error).message;
    loaded = null;
    // Some browsers refuse to compile more than 4 KB synchronously on their main thread: compile
    // asynchronously then, and switch to wasm once it is ready (the TS kernels serve meanwhile).
    if (error instanceof RangeError && typeof WebAssembly.instantiate === 'function') {
      pending = WebAssembly.instantiate(decodeBase64(KERNELS_WASM_BASE64), {}).then(
        ({ instance }) => {
          const exports = instance.exports as unknown as Exports & { memory: WebAssembly.Memory };
          loaded = new WasmKernels(exports, exports.memory);
          reason = '';
          return true;
        },
        () => false,
      );
    }
  }
  return loaded;
}

/**
 * Resolves to true once the wasm kernels are loaded (at once, where they load synchronously, as in
 * Node), false where they cannot load. Only needed where a browser compiles the module
 * asynchronously; until then the TypeScript kernels run.
 */
export function wasmReady(): Promise<boolean> {
  return wasmKernels() ? Promise.resolve(true) : (pending ?? Promise.resolve(false));
}

/**
 * New kernels with their own memory: the module over a shared memory where there is one (Node,
 * cross-origin isolated pages), with a pool of `threads` − 1 workers when threads > 1; else the
 * module with its own memory, also with `shared: false`. (wasmKernels() keeps one for the
 * library; tests make more.) `testHooks`: TEST ONLY, random delays in the threads (ThreadTestHooks).
 */
export function createWasmKernels(threads: number, { shared = true, testHooks }: { shared?: boolean; testHooks?: ThreadTestHooks } = {}): WasmKernels {
  if (shared && typeof SharedArrayBuffer === 'function') {
    try {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
      const module = new WebAssembly.Module(decodeBase64(KERNELS_SHARED_WASM_BASE64));
      const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
      const pool = threads > 1 ? new ThreadPool(threads, module, memory, exports as unknown as Record<ThreadExport, (...args: number[]) => void>, testHooks) : undefined;
      return new WasmKernels(exports, memory, pool);
    } catch {
      // No shared memory here (a browser page that is not cross-origin isolated): the other module.
    }
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64)), {});
  const exports = instance.exports as unknown as Exports & { memory: WebAssembly.Memory };
  return new WasmKernels(exports, exports.memory);
}

/** Why the wasm kernels did not load ('' when they did or were not tried yet). */
export function wasmUnavailableReason(): string {
  return reason;
}
