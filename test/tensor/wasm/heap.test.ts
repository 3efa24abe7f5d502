/** The wasm kernels' long-lived memory (wasm/heap.ts): first fit, merging of freed neighbours, the top falling back. */
import { describe, expect, it } from 'vitest';
import { Rng } from 'layerwise';
import { Heap } from '../../../src/tensor/wasm/heap';

describe('Heap', () => {
  it('gives blocks from the top, in multiples of 4 floats, and takes the top back when its last block is freed', () => {
    const heap = new Heap(32);
    expect(heap.allocate(10)).toBe(32);
    expect(heap.allocate(1)).toBe(44);
    expect(heap.allocate(0)).toBe(48);
    expect(heap.end).toBe(52);
    expect(heap.used).toBe(20);
    heap.release(48, 0);
    expect(heap.end).toBe(48);
    heap.release(32, 10);
    expect(heap.end).toBe(48);
    expect(heap.used).toBe(4);
    // The freed block at the bottom is used again, first fit, and split.
    expect(heap.allocate(4)).toBe(32);
    expect(heap.allocate(8)).toBe(36);
    expect(heap.end).toBe(48);
  });

  it('merges a freed block with free neighbours on both sides, and with the top', () => {
    const heap = new Heap(0);
    const [a, b, c, d] = [8, 8, 8, 8].map((n) => heap.allocate(n));
    heap.release(a, 8);
    heap.release(c, 8);
    heap.release(b, 8);
    // a, b and c are one free block of 24: a request of 24 fits at a.
    expect(heap.allocate(24)).toBe(a);
    heap.release(a, 24);
    heap.release(d, 8);
    expect(heap.end).toBe(0);
    expect(heap.used).toBe(0);
  });

  it('never gives out overlapping live blocks, over 5,000 random allocations and frees, and ends empty', () => {
    const rng = new Rng('heap');
    const heap = new Heap(16);
    const live: [number, number][] = [];
    const round = (n: number): number => Math.max(4, Math.ceil(n / 4) * 4);
    let overlaps = 0;
    let misplaced = 0;
    let miscounted = 0;
    for (let i = 0; i < 5000; i++) {
      if (live.length > 0 && rng.uniform() < 0.45) {
        const [start, size] = live.splice(Math.floor(rng.uniform() * live.length), 1)[0];
        heap.release(start, size);
      } else {
        const size = 1 + Math.floor(rng.uniform() * 300);
        const start = heap.allocate(size);
        if (start % 4 !== 0 || start < 16) misplaced++;
        for (const [s, n] of live) if (!(start + round(size) <= s || s + round(n) <= start)) overlaps++;
        live.push([start, size]);
      }
      const held = live.reduce((sum, [, n]) => sum + round(n), 0);
      if (heap.used !== held || heap.end < 16 + held) miscounted++;
    }
    expect({ overlaps, misplaced, miscounted }).toEqual({ overlaps: 0, misplaced: 0, miscounted: 0 });
    for (const [start, size] of live) heap.release(start, size);
    expect(heap.end).toBe(16);
  });
});
