import ndarray from 'ndarray';
import { LayerwiseError } from '../util/errors';

/** A row-major n-dimensional array of 32-bit floats: an `ndarray` over a `Float32Array`. */
export type Tensor = ndarray.NdArray<Float32Array>;

/** A shape, outermost dimension first. */
export type Shape = readonly number[];

/** A typed array of numbers (Float32Array, Float64Array, Uint8Array, Int32Array, ...). */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Plain nested arrays of numbers, as users write data by hand; the innermost level may be a typed array. */
export type NestedArray = number | NumericArray | readonly NestedArray[];

/**
 * Data accepted where a tensor is expected (converted once): a tensor, nested arrays, an array of
 * typed-array rows (`[Float32Array, ...]`), or a flat typed array, read as one value per sample
 * (labels: `Uint8Array` of class indices). For flat data of several features a sample, give its
 * shape: `tensor(data, [samples, features])`.
 */
export type TensorLike = Tensor | readonly NestedArray[] | NumericArray;

/** Whether a value is a typed array of numbers (not a DataView, not a BigInt64Array). */
export function isNumericArray(value: unknown): value is NumericArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

/** The number of elements in a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Formats a shape the way Keras prints it: `(None, 16)` when the batch is unknown. */
export function formatShape(shape: Shape, batch: number | null = null): string {
  const dims = [batch === null ? 'None' : String(batch), ...shape.map(String)];
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

/**
 * A tensor over flat data of the given shape, row-major: a Float32Array is wrapped (no copy); any
 * other typed array (Uint8Array pixels, Float64Array) or plain array of numbers is copied to float32.
 */
export function tensor(values: NumericArray | readonly number[], shape: Shape): Tensor {
  if (!isNumericArray(values) && !Array.isArray(values)) {
    throw new LayerwiseError(`tensor: data must be a typed array (Float32Array, Uint8Array, ...) or an array of numbers, but received ${describe(values)}.`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LayerwiseError(`tensor: shape must be an array of non-negative integers, such as [samples, features]. Received: ${describe(shape)}.`);
  }
  const data = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>);
  if (data.length !== sizeOf(shape)) {
    throw new LayerwiseError(
      `tensor: data has ${data.length} values but shape [${shape.join(', ')}] needs ${sizeOf(shape)}.`,
    );
  }
  return ndarray(data, [...shape]);
}

export function zeros(shape: Shape): Tensor {
  return tensor(new Float32Array(sizeOf(shape)), shape);
}

export function ones(shape: Shape): Tensor {
  return full(shape, 1);
}

export function full(shape: Shape, value: number): Tensor {
  return tensor(new Float32Array(sizeOf(shape)).fill(value), shape);
}

/** True when the tensor is a compact row-major view starting at offset 0 of its buffer. */
export function isCompact(t: ndarray.NdArray): boolean {
  if (t.offset !== 0 || t.data.length !== t.size) return false;
  let stride = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== stride) return false;
    stride *= t.shape[d];
  }
  return true;
}

/** The tensor itself when it is a compact Float32 row-major array, else a compact Float32 copy. */
export function compact(t: ndarray.NdArray): Tensor {
  if (t.data instanceof Float32Array && isCompact(t)) return t as Tensor;
  const out = zeros(t.shape);
  const { shape } = t;
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < out.size; i++) {
    out.data[i] = t.get(...index) as number;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

/** A copy with its own buffer. */
export function clone(t: Tensor): Tensor {
  const c = compact(t);
  return tensor(Float32Array.from(c.data), c.shape);
}

/** The same values seen with another shape of the same size (no copy). */
export function reshape(t: Tensor, shape: Shape): Tensor {
  const c = compact(t);
  if (sizeOf(shape) !== c.size) {
    throw new LayerwiseError(
      `reshape: cannot view ${c.size} values of shape [${c.shape.join(', ')}] as [${shape.join(', ')}].`,
    );
  }
  return tensor(c.data, shape);
}

/** Converts nested arrays to a tensor, inferring the shape; ragged input is rejected. */
export function fromArray(nested: NestedArray | readonly NestedArray[], shape?: Shape): Tensor {
  const inferred: number[] = [];
  const isLevel = (v: unknown): v is ArrayLike<NestedArray> => Array.isArray(v) || isNumericArray(v);
  for (let level: unknown = nested; isLevel(level); level = level[0]) {
    inferred.push(level.length);
    if (level.length === 0 || isNumericArray(level)) break;
  }
  const data = new Float32Array(sizeOf(inferred));
  let n = 0;
  const walk = (value: NestedArray, depth: number, path: number[]): void => {
    if (depth === inferred.length) {
      if (typeof value !== 'number') {
        throw new LayerwiseError(
          `fromArray: ragged input at [${path.join('][')}]: expected a number at depth ${depth} (shape [${inferred.join(', ')}]) but found ` +
            `${describe(value)}. ${typeof value === 'string' ? 'Convert strings to numbers first (Number(s)).' : 'Every row must have the same length and hold only numbers.'}`,
        );
      }
      data[n++] = value;
      return;
    }
    if (!isLevel(value) || value.length !== inferred[depth]) {
      throw new LayerwiseError(
        `fromArray: ragged input at [${path.join('][')}]: expected an array of length ${inferred[depth]} ` +
          `(shape [${inferred.join(', ')}]) but found ${describe(value)}. Every row must have the same length.` +
          (isLevel(value) ? '' : ' Rows are arrays of numbers (or typed arrays).'),
      );
    }
    if (isNumericArray(value)) {
      data.set(value, n);
      n += value.length;
      return;
    }
    for (let i = 0; i < value.length; i++) walk(value[i], depth + 1, [...path, i]);
  };
  walk(nested, 0, []);
  const t = tensor(data, inferred);
  return shape ? reshape(t, shape) : t;
}

/** Converts a tensor to nested arrays of numbers. */
export function toArray(t: ndarray.NdArray): NestedArray {
  const c = compact(t);
  if (c.shape.length === 0) return c.data[0];
  let pos = 0;
  const build = (depth: number): NestedArray => {
    const len = c.shape[depth];
    if (depth === c.shape.length - 1) {
      const row = Array.from(c.data.subarray(pos, pos + len));
      pos += len;
      return row;
    }
    return Array.from({ length: len }, () => build(depth + 1));
  };
  return build(0);
}

/** Accepts an ndarray of any numeric type or nested arrays; returns a compact Float32 tensor. */
export function toTensor(value: TensorLike | ndarray.NdArray, where: string): Tensor {
  if (Array.isArray(value)) return fromArray(value as readonly NestedArray[]);
  if (isNumericArray(value)) return tensor(value, [value.length]);
  const t = value as ndarray.NdArray;
  if (t && Array.isArray(t.shape) && t.data !== undefined && typeof t.get === 'function') return compact(t);
  throw new LayerwiseError(
    `${where}: expected an ndarray or nested arrays of numbers, but received ${kindOf(value)}. ` +
      `Wrap plain data with fromArray(...), pass nested arrays ([[0, 1], [1, 0]]) or an array of typed-array rows, ` +
      `or give flat data its shape: tensor(data, [samples, features]).`,
  );
}

/** The kind of a value, for messages: `null`, `a number`, `an object (Map)`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/** What a value is, for messages: `null`, `the string "3"`, `a Float32Array of length 4`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (isNumericArray(value)) return `a ${value.constructor.name} of length ${value.length}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 17)}...` : value)}`;
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `the ${typeof value} ${String(value)}`;
}

/** Index of the first value that is NaN or infinite, or -1. */
export function firstNonFinite(data: Float32Array): number {
  const n = data.length;
  let i = 0;
  // Eight at a time: x · 0 is 0 for a finite x and NaN otherwise, so the sum is 0 until a block
  // holds one (twice as fast as a test per value, which then finds it).
  for (; i + 8 <= n; i += 8) {
    const sum = data[i] * 0 + data[i + 1] * 0 + data[i + 2] * 0 + data[i + 3] * 0 + data[i + 4] * 0 + data[i + 5] * 0 + data[i + 6] * 0 + data[i + 7] * 0;
    if (sum !== 0) break;
  }
  for (; i < n; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
