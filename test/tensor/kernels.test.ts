import { describe, expect, it } from 'vitest';
import { Rng } from 'layerwise';
import {
  accumulateColumnSums,
  addRowVector,
  axpy,
  dropoutMask,
  gatherRows,
  gemm,
  multiply,
  prelu,
  preluBackward,
  type GemmOptions,
} from '../../src/tensor/kernels';

function randomArray(length: number, rng: Rng): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) a[i] = 2 * rng.uniform() - 1;
  return a;
}

/**
 * The textbook definition, in float64: C[i, j] = alpha · Σ_p op(A)[i, p] · op(B)[p, j] + beta · C0[i, j],
 * where op(A) reads A stored as [k, m] when transposed, and op(B) reads B stored as [n, k].
 */
function referenceGemm(
  a: Float32Array,
  b: Float32Array,
  c0: Float32Array,
  m: number,
  n: number,
  k: number,
  { transA = false, transB = false, alpha = 1, beta = 0 }: GemmOptions,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        const bpj = transB ? b[j * k + p] : b[p * n + j];
        sum += aip * bpj;
      }
      out.push(alpha * sum + (beta === 0 ? 0 : beta * c0[i * n + j]));
    }
  }
  return out;
}

const SIZES = [1, 3, 7, 17];
const TRANSPOSES = [
  { transA: false, transB: false },
  { transA: true, transB: false },
  { transA: false, transB: true },
  { transA: true, transB: true },
];
const SCALINGS = [
  { alpha: 1, beta: 0 },
  { alpha: -0.5, beta: 0 },
  { alpha: 1, beta: 1 },
  { alpha: 2, beta: 1 },
  { alpha: 1, beta: 0.5 },
];

describe('gemm', () => {
  it('multiplies a 2x3 by a 3x2 matrix (by hand)', () => {
    // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154].
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([7, 8, 9, 10, 11, 12]);
    const c = new Float32Array(4);
    gemm(a, b, c, 2, 2, 3);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    // The same A read transposed from its [3, 2] storage [1 4; 2 5; 3 6].
    gemm(new Float32Array([1, 4, 2, 5, 3, 6]), b, c, 2, 2, 3, { transA: true });
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    // Accumulating the same product doubles it.
    gemm(a, b, c, 2, 2, 3, { beta: 1 });
    expect(Array.from(c)).toEqual([116, 128, 278, 308]);
  });

  for (const trans of TRANSPOSES) {
    for (const scaling of SCALINGS) {
      const options: GemmOptions = { ...trans, ...scaling };
      it(`matches the triple loop for m, n, k in {${SIZES.join(', ')}} with ${JSON.stringify(options)}`, () => {
        const rng = new Rng(`gemm-${JSON.stringify(options)}`);
        for (const m of SIZES) {
          for (const n of SIZES) {
            for (const k of SIZES) {
              const a = randomArray(m * k, rng);
              const b = randomArray(k * n, rng);
              const c0 = randomArray(m * n, rng);
              // Two sentinels after C: gemm must not write past m · n.
              const c = new Float32Array(m * n + 2);
              c.set(c0);
              c[m * n] = 42;
              c[m * n + 1] = -42;
              gemm(a, b, c, m, n, k, options);
              // Float32 sums of up to 17 products of values in [-1, 1]: errors stay below 1e-5.
              expect(c.subarray(0, m * n)).toBeAllClose(referenceGemm(a, b, c0, m, n, k, options), { rtol: 1e-5, atol: 1e-5 });
              expect([c[m * n], c[m * n + 1]]).toEqual([42, -42]);
            }
          }
        }
      });
    }
  }

  it('overwrites C when beta is 0, even where C holds NaN', () => {
    const c = new Float32Array([NaN, NaN]);
    gemm(new Float32Array([1, 2]), new Float32Array([3, 4, 5, 6]), c, 1, 2, 2);
    // [1 2] · [3 4; 5 6] = [13 16].
    expect(Array.from(c)).toEqual([13, 16]);
  });
});

describe('addRowVector', () => {
  it('adds the bias to every row', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const out = new Float32Array(6);
    addRowVector(x, new Float32Array([10, 20, 30]), out, 2);
    expect(Array.from(out)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('works in place, as Dense uses it', () => {
    const x = new Float32Array([1, 2, 3, 4]);
    addRowVector(x, new Float32Array([0.5, -1]), x, 2);
    expect(Array.from(x)).toEqual([1.5, 1, 3.5, 3]);
  });
});

describe('accumulateColumnSums', () => {
  it('adds the column sums to what is already there', () => {
    const into = new Float32Array([100, 200, 300]);
    accumulateColumnSums(new Float32Array([1, 2, 3, 4, 5, 6]), into, 2);
    // Columns of [1 2 3; 4 5 6] sum to [5 7 9].
    expect(Array.from(into)).toEqual([105, 207, 309]);
  });

  it('reads only the given number of rows', () => {
    const into = new Float32Array(2);
    accumulateColumnSums(new Float32Array([1, 2, 3, 4, 99, 99]), into, 2);
    expect(Array.from(into)).toEqual([4, 6]);
  });
});

describe('axpy and multiply', () => {
  it('axpy accumulates a · x into y', () => {
    const y = new Float32Array([1, 1, 1]);
    axpy(2, new Float32Array([1, -2, 0.5]), y);
    expect(Array.from(y)).toEqual([3, -3, 2]);
  });

  it('multiply is element-wise', () => {
    const out = new Float32Array(3);
    multiply(new Float32Array([1, 2, 3]), new Float32Array([4, -5, 0]), out);
    expect(Array.from(out)).toEqual([4, -10, 0]);
  });
});

describe('gatherRows', () => {
  // Rows of a [4, 2] array: [0 1], [10 11], [20 21], [30 31].
  const src = new Float32Array([0, 1, 10, 11, 20, 21, 30, 31]);

  it('copies the indexed rows in order, repeats allowed', () => {
    const out = new Float32Array(6);
    gatherRows(src, 2, [3, 0, 3], 0, 3, out);
    expect(Array.from(out)).toEqual([30, 31, 0, 1, 30, 31]);
  });

  it('takes the slice [start, end) of the indices into the start of out', () => {
    const out = new Float32Array(4).fill(-1);
    gatherRows(src, 2, new Int32Array([1, 2, 0, 3]), 1, 3, out);
    expect(Array.from(out)).toEqual([20, 21, 0, 1]);
  });
});

describe('prelu', () => {
  it('scales negative inputs by the slope of their unit, cycling over the batch', () => {
    const x = new Float32Array([-1, 2, -3, 4, -5, 0]);
    const alpha = new Float32Array([0.5, 0.25, 2]);
    const y = new Float32Array(6);
    prelu(x, alpha, y);
    // Row 0: [-1·0.5, 2, -3·2]; row 1: [4, -5·0.25, 0·2].
    expect(Array.from(y)).toEqual([-0.5, 2, -6, 4, -1.25, 0]);
  });

  it('backward writes dx and accumulates dAlpha over non-positive inputs', () => {
    const x = new Float32Array([-1, 2, -3, 4, -5, 0]);
    const alpha = new Float32Array([0.5, 0.25, 2]);
    const dy = new Float32Array([1, 2, 3, 4, 5, 6]);
    const dx = new Float32Array(6).fill(99);
    const dAlpha = new Float32Array([10, 20, 30]);
    preluBackward(x, alpha, dy, dx, dAlpha);
    // dx: x > 0 passes dy, else alpha · dy: [0.5·1, 2, 2·3, 4, 0.25·5, 2·6].
    expect(Array.from(dx)).toEqual([0.5, 2, 6, 4, 1.25, 12]);
    // dAlpha[j] += Σ x · dy over x ≤ 0: unit 0: -1·1; unit 1: -5·5; unit 2: -3·3 + 0·6.
    expect(Array.from(dAlpha)).toEqual([9, -5, 21]);
  });
});

describe('dropoutMask', () => {
  it('drops where the uniform draw is below the rate and scales the rest by 1 / (1 − rate)', () => {
    const draws = [0.1, 0.5, 0.29, 0.3, 0.99];
    let i = 0;
    const mask = new Float32Array(5);
    dropoutMask(mask, 0.3, () => draws[i++]);
    const keep = Math.fround(1 / 0.7);
    expect(Array.from(mask)).toEqual([0, keep, 0, keep, keep]);
  });

  it('drops a fraction close to the rate and keeps the mean near 1 over 20k draws', () => {
    const rng = new Rng(11);
    const n = 20_000;
    for (const rate of [0.1, 0.3, 0.5, 0.8]) {
      const mask = new Float32Array(n);
      dropoutMask(mask, rate, () => rng.uniform());
      const keep = Math.fround(1 / (1 - rate));
      let dropped = 0;
      let otherValues = 0;
      let sum = 0;
      for (const v of mask) {
        if (v === 0) dropped++;
        else if (v !== keep) otherValues++;
        sum += v;
      }
      expect(otherValues).toBe(0);
      // Binomial: the dropped fraction has standard error sqrt(rate(1 − rate)/n) ≤ 0.0036; allow 5 of them.
      expect(Math.abs(dropped / n - rate)).toBeLessThan(0.018);
      // The mask's standard deviation is sqrt(rate / (1 − rate)) ≤ 2, so the mean's is ≤ 0.015; allow 5 of them.
      expect(Math.abs(sum / n - 1)).toBeLessThan(5 * Math.sqrt(rate / (1 - rate) / n));
    }
  });

  it('keeps everything at rate 0', () => {
    const mask = new Float32Array(100);
    const rng = new Rng(1);
    dropoutMask(mask, 0, () => rng.uniform());
    expect(mask.every((v) => v === 1)).toBe(true);
  });
});
