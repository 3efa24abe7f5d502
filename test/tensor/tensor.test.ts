import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import { clone, fromArray, full, LayerwiseError, ones, reshape, sizeOf, tensor, toArray, toTensor, zeros } from 'layerwise';
import { firstNonFinite } from '../../src/tensor/tensor';

describe('fromArray', () => {
  it('infers the shape of a matrix and lays it out row-major', () => {
    const t = fromArray([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.get(1, 0)).toBe(4);
  });

  it('infers the shape of a vector and of nested arrays of depth 3', () => {
    expect(fromArray([7, 8, 9]).shape).toEqual([3]);
    const t = fromArray([
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      [
        [7, 8],
        [9, 10],
        [11, 12],
      ],
    ]);
    expect(t.shape).toEqual([2, 3, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // Element [1][2][0] is at 1·6 + 2·2 + 0 = 10 in the buffer.
    expect(t.get(1, 2, 0)).toBe(11);
  });

  it('rounds values to float32', () => {
    expect(fromArray([0.1]).data[0]).toBe(Math.fround(0.1));
  });

  it('reshapes flat data when given a shape', () => {
    const t = fromArray([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(t.shape).toEqual([3, 2]);
    expect(t.get(2, 1)).toBe(6);
  });

  it('rejects a row of the wrong length, saying where and what was expected', () => {
    expect(() => fromArray([[1, 2], [3]])).toThrow(LayerwiseError);
    expect(() => fromArray([[1, 2], [3]])).toThrow(
      /fromArray: ragged input at \[1\]: expected an array of length 2 \(shape \[2, 2\]\) but found an array of length 1\. Every row must have the same length\./,
    );
  });

  it('rejects a number where a row was expected', () => {
    expect(() => fromArray([[1, 2], 3])).toThrow(/ragged input at \[1\]: expected an array of length 2 .*but found the number 3/);
  });

  it('rejects an array where a number was expected', () => {
    expect(() => fromArray([[1, [2]]])).toThrow(
      /ragged input at \[0\]\[1\]: expected a number at depth 2 \(shape \[1, 2\]\) but found an array of length 1/,
    );
  });

  it('rejects ragged input at depth 3', () => {
    const ragged = [
      [
        [1, 2],
        [3, 4],
      ],
      [[5, 6], [7]],
    ];
    expect(() => fromArray(ragged)).toThrow(/ragged input at \[1\]\[1\]: expected an array of length 2 \(shape \[2, 2, 2\]\) but found an array of length 1/);
  });

  it('handles a scalar and empty arrays', () => {
    const s = fromArray(5);
    expect(s.shape).toEqual([]);
    expect(toArray(s)).toBe(5);
    expect(fromArray([]).shape).toEqual([0]);
    expect(fromArray([[], []]).shape).toEqual([2, 0]);
    expect(toArray(fromArray([[], []]))).toEqual([[], []]);
    expect(() => fromArray([[], [1]])).toThrow(/ragged input at \[1\]: expected an array of length 0/);
  });

  it('rejects a shape of another size', () => {
    expect(() => fromArray([1, 2, 3], [2, 2])).toThrow(/reshape: cannot view 3 values of shape \[3\] as \[2, 2\]/);
  });
});

describe('toArray', () => {
  it('round-trips nested arrays of depth 1, 2 and 3', () => {
    const cases = [
      [1.5, -2, 0],
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      [
        [[0.25], [-0.5]],
        [[8], [1e-3]],
        [[3], [4]],
      ],
    ];
    for (const nested of cases) {
      const back = toArray(fromArray(nested));
      expect(back).toBeAllClose(nested, { rtol: 1e-7, atol: 0 });
      expect(fromArray(back as number[]).shape).toEqual(fromArray(nested).shape);
    }
    expect(toArray(fromArray([[[1, 2]], [[3, 4]]]))).toEqual([[[1, 2]], [[3, 4]]]);
  });

  it('reads a strided view in logical order', () => {
    const t = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
    expect(toArray(t)).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });
});

describe('zeros, ones, full', () => {
  it('make compact Float32 tensors of the given shape and value', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.data).toBeInstanceOf(Float32Array);
    expect(Array.from(z.data)).toEqual([0, 0, 0, 0, 0, 0]);

    const o = ones([4]);
    expect(o.shape).toEqual([4]);
    expect(Array.from(o.data)).toEqual([1, 1, 1, 1]);

    const f = full([2, 1, 2], -2.5);
    expect(f.shape).toEqual([2, 1, 2]);
    expect(Array.from(f.data)).toEqual([-2.5, -2.5, -2.5, -2.5]);
    expect(full([1], 0.1).data[0]).toBe(Math.fround(0.1));
  });

  it('give each tensor its own buffer', () => {
    const a = zeros([3]);
    const b = zeros([3]);
    a.data[0] = 1;
    expect(b.data[0]).toBe(0);
  });

  it('sizeOf multiplies the dimensions', () => {
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([5, 0])).toBe(0);
    expect(sizeOf([])).toBe(1);
  });
});

describe('tensor', () => {
  it('wraps the data without copying', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = tensor(data, [2, 2]);
    expect(t.data).toBe(data);
    expect(t.get(1, 1)).toBe(4);
  });

  it('rejects data of the wrong length', () => {
    expect(() => tensor(new Float32Array(5), [2, 3])).toThrow(/tensor: data has 5 values but shape \[2, 3\] needs 6\./);
  });
});

describe('toTensor', () => {
  it('returns a compact Float32 tensor itself, without a copy', () => {
    const t = fromArray([[1, 2]]);
    expect(toTensor(t, 'fit')).toBe(t);
  });

  it('converts an ndarray over a Float64Array', () => {
    const src = ndarray(new Float64Array([0.1, 2, 3, 4, 5, 6]), [3, 2]);
    const t = toTensor(src, 'fit');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), 2, 3, 4, 5, 6]);
  });

  it('converts an ndarray over a plain array and one over an Int32Array', () => {
    expect(Array.from(toTensor(ndarray([1, 2, 3, 4], [2, 2]), 'fit').data)).toEqual([1, 2, 3, 4]);
    const t = toTensor(ndarray(new Int32Array([-1, 7]), [2]), 'fit');
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([-1, 7]);
  });

  it('copies a transposed view into compact row-major order', () => {
    const base = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const t = toTensor(base.transpose(1, 0), 'fit');
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.data)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(t.stride).toEqual([2, 1]);
    expect(t.data).not.toBe(base.data);
  });

  it('copies a view that starts at an offset or skips elements', () => {
    const base = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]);
    expect(Array.from(toTensor(base.lo(1, 0), 'fit').data)).toEqual([3, 4, 5, 6]);
    expect(Array.from(toTensor(base.pick(null, 1), 'fit').data)).toEqual([2, 4, 6]);
  });

  it('converts nested arrays', () => {
    const t = toTensor([[1], [2]], 'predict');
    expect(t.shape).toEqual([2, 1]);
  });

  it('rejects other values, naming the caller', () => {
    expect(() => toTensor(null as unknown as number[], 'fit')).toThrow(
      /fit: expected an ndarray or nested arrays of numbers, but received null\. Wrap plain data with fromArray/,
    );
    expect(() => toTensor(3 as unknown as number[], 'predict')).toThrow(/predict: .*but received a number\./);
    expect(() => toTensor({ a: 1 } as unknown as number[], 'evaluate')).toThrow(/evaluate: .*but received an object \(Object\)\./);
  });
});

describe('reshape and clone', () => {
  it('reshape views the same buffer with another shape', () => {
    const t = fromArray([1, 2, 3, 4, 5, 6]);
    const r = reshape(t, [2, 3]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(t.data);
    expect(r.get(1, 0)).toBe(4);
  });

  it('reshape of a transposed view reads it in logical order', () => {
    const v = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]).transpose(1, 0);
    expect(Array.from(reshape(v, [6]).data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('reshape rejects a shape of another size', () => {
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(LayerwiseError);
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow(/reshape: cannot view 6 values of shape \[2, 3\] as \[4, 2\]\./);
  });

  it('clone owns its buffer', () => {
    const t = fromArray([1, 2]);
    const c = clone(t);
    c.data[0] = 9;
    expect(t.data[0]).toBe(1);
    expect(c.shape).toEqual([2]);
  });
});

describe('firstNonFinite', () => {
  it('finds the first NaN or infinity at any position (inside a block of eight or in the tail), and passes every finite value', () => {
    const data = new Float32Array(37);
    data.forEach((_, i) => (data[i] = (i % 3) - 1.5));
    data[5] = -0;
    data[6] = 3.4e38;
    data[7] = 1e-45;
    expect(firstNonFinite(data)).toBe(-1);
    for (const bad of [NaN, Infinity, -Infinity])
      for (const at of [0, 7, 8, 20, 31, 32, 36]) {
        const copy = data.slice();
        copy[at] = bad;
        copy[at + 1 < copy.length ? at + 1 : 0] = NaN;
        expect(firstNonFinite(copy)).toBe(at === 36 ? 0 : at);
      }
    expect(firstNonFinite(new Float32Array(0))).toBe(-1);
  });
});
