/**
 * The long-lived part of the wasm kernels' memory: blocks that outlive one call (cached
 * convolution tables, and tensors that live in wasm memory: parameters, their gradients, optimizer
 * state). Blocks are taken first-fit from freed space, else from the top, which then rises; freed
 * blocks merge with their neighbours, and the top falls back when the block below it is freed.
 * Everything above `end` is scratch space for the call in progress.
 *
 * Offsets and sizes are in floats, multiples of 4 (16 bytes, one SIMD vector).
 */
/** The floats a block of `floats` takes: a multiple of 4, at least 4. */
export const blockFloats = (floats: number): number => Math.max(4, Math.ceil(floats / 4) * 4);

export class Heap {
  /** Free blocks below `end`, in address order, never touching one another: [start, size]. */
  private readonly free: [number, number][] = [];
  private top: number;

  /** @param base the first float the heap may give out */
  constructor(private readonly base: number) {
    this.top = base;
  }

  /** The first float above every live block: scratch space starts here. */
  get end(): number {
    return this.top;
  }

  /** Floats held by live blocks. */
  get used(): number {
    return this.top - this.base - this.free.reduce((sum, [, size]) => sum + size, 0);
  }

  /** The start of a new block of at least `floats` floats (rounded up to a multiple of 4). */
  allocate(floats: number): number {
    const size = blockFloats(floats);
    for (let i = 0; i < this.free.length; i++) {
      const [start, room] = this.free[i];
      if (room < size) continue;
      if (room === size) this.free.splice(i, 1);
      else this.free[i] = [start + size, room - size];
      return start;
    }
    const start = this.top;
    this.top += size;
    return start;
  }

  /** Gives back the block at `start` of `floats` floats (as allocated). */
  release(start: number, floats: number): void {
    const size = blockFloats(floats);
    let i = 0;
    while (i < this.free.length && this.free[i][0] < start) i++;
    const before = this.free[i - 1];
    const after = this.free[i];
    let block: [number, number] = [start, size];
    if (before && before[0] + before[1] === start) {
      block = [before[0], before[1] + size];
      this.free.splice(--i, 1);
    }
    if (after && block[0] + block[1] === after[0]) {
      block = [block[0], block[1] + after[1]];
      this.free.splice(i, 1);
    }
    if (block[0] + block[1] === this.top) this.top = block[0];
    else this.free.splice(i, 0, block);
  }
}
