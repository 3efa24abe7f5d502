import ndarray from 'ndarray';
import { LayerwiseError } from '../util/errors';

/** A row-major n-dimensional array of 32-bit floats: an `ndarray` over a `Float32Array`. */
export type Tensor = ndarray.NdArray<Float32Array>;

/** A shape, outermost dimension first. */
export type Shape = readonly number[];

/** Plain nested arrays of numbers, as users write data by hand. */
export type NestedArray = number | readonly NestedArray[];

/** Data accepted where a tensor is expected: a tensor or nested arrays (converted once). */
export type TensorLike = Tensor | readonly NestedArray[];

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

/** Wraps a Float32Array (no copy) as a tensor of the given shape. */
export function tensor(data: Float32Array, shape: Shape): Tensor {
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
  for (let level: NestedArray = nested; Array.isArray(level); level = (level as NestedArray[])[0]) {
    inferred.push((level as NestedArray[]).length);
    if ((level as NestedArray[]).length === 0) break;
  }
  const data = new Float32Array(sizeOf(inferred));
  let n = 0;
  const walk = (value: NestedArray, depth: number, path: number[]): void => {
    if (depth === inferred.length) {
      if (typeof value !== 'number') {
        throw new LayerwiseError(
          `fromArray: ragged input at [${path.join('][')}]: expected a number at depth ${depth} ` +
            `(shape [${inferred.join(', ')}]) but found an array of length ${(value as NestedArray[]).length}.`,
        );
      }
      data[n++] = value;
      return;
    }
    if (!Array.isArray(value) || value.length !== inferred[depth]) {
      const got = Array.isArray(value) ? `an array of length ${value.length}` : `the ${typeof value} ${String(value)}`;
      throw new LayerwiseError(
        `fromArray: ragged input at [${path.join('][')}]: expected an array of length ${inferred[depth]} ` +
          `(shape [${inferred.join(', ')}]) but found ${got}. Every row must have the same length.`,
      );
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
  const t = value as ndarray.NdArray;
  if (t && Array.isArray(t.shape) && t.data !== undefined && typeof t.get === 'function') return compact(t);
  throw new LayerwiseError(
    `${where}: expected an ndarray or nested arrays of numbers, but received ${describe(value)}. ` +
      `Wrap plain data with fromArray(...) or pass nested arrays.`,
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `a ${typeof value}`;
}

/** Index of the first value that is NaN or infinite, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}
