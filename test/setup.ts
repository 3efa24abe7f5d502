import { expect } from 'vitest';

interface CloseOptions {
  /** Relative tolerance. Default 1e-5. */
  rtol?: number;
  /** Absolute tolerance. Default 1e-6. */
  atol?: number;
}

type Numeric = number | ArrayLike<number> | { data: ArrayLike<number> } | readonly Numeric[];

function flatten(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value && typeof value === 'object' && 'data' in value && !Array.isArray(value)) return Array.from((value as { data: ArrayLike<number> }).data);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.flatMap(flatten);
  throw new TypeError(`toBeAllClose: cannot read numbers from ${String(value)}`);
}

expect.extend({
  /** Every |actual − expected| ≤ atol + rtol · |expected|, element-wise, with equal lengths. */
  toBeAllClose(received: Numeric, expected: Numeric, { rtol = 1e-5, atol = 1e-6 }: CloseOptions = {}) {
    const a = flatten(received);
    const b = flatten(expected);
    if (a.length !== b.length) {
      return { pass: false, message: () => `expected ${b.length} values but received ${a.length}` };
    }
    let worst = -1;
    let worstExcess = 0;
    for (let i = 0; i < a.length; i++) {
      const excess = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
      if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) [worst, worstExcess] = [i, excess];
    }
    return {
      pass: worst < 0,
      message: () =>
        worst < 0
          ? `expected values not to be all close (rtol=${rtol}, atol=${atol})`
          : `values differ at index ${worst}: received ${a[worst]}, expected ${b[worst]} (rtol=${rtol}, atol=${atol}; ${a.length} values)`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T> {
    toBeAllClose(expected: Numeric, options?: CloseOptions): T;
  }
  interface AsymmetricMatchersContaining {
    toBeAllClose(expected: Numeric, options?: CloseOptions): void;
  }
}
