import { LayerwiseError } from '../../util/errors';
import type { WeightSpec, WeightsGroup } from './format';
import { boundMessage, type Field } from '../json';

const BYTES_PER_VALUE = { float32: 4, int32: 4 } as const;

/** TF.js stores weights little-endian; so does every platform this runs on, but check. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A weight file name: a plain name in the model's directory, never a path that leaves it. */
const SAFE_PATH = /^(?!\.\.?$)[A-Za-z0-9._-]+$/;

/**
 * The most dimensions a weight may have. layerwise's weights have at most four (a Conv2D kernel),
 * TF.js's as many as its layers; a longer shape is damage, refused before anything joins it into
 * a message.
 */
export const MAX_RANK = 32;

/** The number of values of a shape, as a float (no overflow surprises for absurd shapes). */
function valueCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function byteLength(specs: readonly WeightSpec[]): number {
  return specs.reduce((n, s) => n + valueCount(s.shape) * BYTES_PER_VALUE[s.dtype], 0);
}

/** Reads and checks a weights manifest: paths, names, shapes and dtypes. */
export function readManifest(field: Field): WeightsGroup[] {
  return field.array('an array of weight groups ({ paths, weights })').map((group) => {
    group.object('a weight group ({ paths, weights })');
    const paths = group.get('paths').array('a non-empty array of file names');
    if (paths.length === 0) group.get('paths').fail('a non-empty array of file names');
    return {
      paths: paths.map((p) => {
        const name = p.string('a file name');
        if (!SAFE_PATH.test(name)) p.fail('a plain file name in the directory of model.json (letters, digits, ".", "_", "-")');
        return name;
      }),
      weights: group.get('weights').array().map(readSpec),
    };
  });
}

function readSpec(f: Field): WeightSpec {
  f.object('a weight spec ({ name, shape, dtype })');
  if (!f.get('quantization').absent) f.get('quantization').fail('absent', 'Quantized weights are not supported: save the model without quantization.');
  const name = f.get('name').string('a weight name');
  if (name === '') f.get('name').fail('a non-empty weight name');
  const shapeField = f.get('shape');
  if (Array.isArray(shapeField.value) && shapeField.value.length > MAX_RANK) shapeField.fail(`a shape of at most ${MAX_RANK} dimensions (it has ${shapeField.value.length})`);
  const shape = shapeField.integers(0, 'a shape (an array of non-negative integers)');
  const group = f.get('group').optional((g) => g.string());
  // TF.js saves the optimizer's step count as an int32; every model weight is float32.
  const dtype = group === 'optimizer' ? f.get('dtype').oneOf(['float32', 'int32'] as const) : f.get('dtype').oneOf(['float32'] as const);
  return group === undefined ? { name, shape, dtype } : { name, shape, dtype, group };
}

/** Where a value that is not finite is in weight data: the weight, its place in the manifest, and the value's byte offset in the data. */
export interface NonFinite {
  spec: WeightSpec;
  group: number;
  weight: number;
  /** The value's index in the weight, in row-major order. */
  index: number;
  value: number;
  /** The value's offset in the data (the concatenation of every group's files, in manifest order). */
  offset: number;
}

/**
 * The first float32 value of `data` (laid out as `groups` describe it, of the length they give)
 * that is NaN or infinite; int32 values (TF.js's step counters) are always finite.
 */
export function findNonFinite(groups: readonly WeightsGroup[], data: Uint8Array): NonFinite | undefined {
  let offset = 0;
  for (let g = 0; g < groups.length; g++) {
    const specs = groups[g].weights;
    for (let w = 0; w < specs.length; w++) {
      const spec = specs[w];
      const size = valueCount(spec.shape);
      if (spec.dtype === 'float32') {
        const bytes = data.subarray(offset, offset + size * 4);
        const values = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, size) : readFloat32(bytes);
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          // NaN - NaN and Infinity - Infinity are NaN; every finite v gives 0.
          if (v - v !== 0) return { spec, group: g, weight: w, index: i, value: v, offset: offset + i * 4 };
        }
      }
      offset += size * 4;
    }
  }
  return undefined;
}

/** The error for a value that is not finite, naming the data (`file`) and the weight. */
export function nonFiniteError(found: NonFinite, field: Field, file: string): LayerwiseError {
  return new LayerwiseError(
    boundMessage(
      `${file}: the weight "${found.spec.name}" (${field.source}'s ${field.path}[${found.group}].weights[${found.weight}], ` +
        `shape [${found.spec.shape.join(', ')}]) holds ${found.value} at index ${found.index}: weights must be finite numbers. ` +
        `The file is damaged, or the model had diverged when it was saved: load an earlier save, or retrain.`,
    ),
  );
}

/** A decoded weight. */
export interface Weight {
  spec: WeightSpec;
  /** Float32 values (int32 optimizer counters are read as floats). */
  values: Float32Array;
}

/**
 * Splits `data` (the concatenation of every group's files, in manifest order) into named weights.
 * Its length must be exactly what the manifest describes: a truncated or oversized file fails, and
 * so does a float32 value that is NaN or infinite (before any weight is returned).
 */
export function decodeWeights(groups: readonly WeightsGroup[], data: Uint8Array, field: Field, dataName: string): Map<string, Weight> {
  const expected = groups.reduce((n, g) => n + byteLength(g.weights), 0);
  if (data.byteLength !== expected) {
    const what = data.byteLength < expected ? 'truncated' : 'too long';
    throw new LayerwiseError(
      `${dataName}: holds ${data.byteLength} bytes, but ${field.source}'s ${field.where} describes ${expected} ` +
        `(${groups.reduce((n, g) => n + g.weights.length, 0)} weights): the data is ${what}. Save the model again.`,
    );
  }
  const bad = findNonFinite(groups, data);
  if (bad) throw nonFiniteError(bad, field, dataName);
  const out = new Map<string, Weight>();
  let offset = 0;
  groups.forEach((group, g) =>
    group.weights.forEach((spec, i) => {
      if (out.has(spec.name)) field.index(g).get('weights').index(i).get('name').error(`repeats the weight name "${spec.name}". Weight names must be unique.`);
      const size = valueCount(spec.shape);
      const bytes = data.subarray(offset, (offset += size * 4));
      out.set(spec.name, { spec, values: spec.dtype === 'int32' ? Float32Array.from(readInt32(bytes)) : readFloat32(bytes) });
    }),
  );
  return out;
}

function readFloat32(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.slice().buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function readInt32(bytes: Uint8Array): Int32Array {
  if (LITTLE_ENDIAN) return new Int32Array(bytes.slice().buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Int32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
}

/** Named values to write, in order: float32, or int32 (TF.js's optimizer step count). */
export interface NamedValues {
  name: string;
  shape: readonly number[];
  values: Float32Array | Int32Array;
  /** Where TF.js reads it: 'optimizer' for its optimizer's own state. */
  group?: 'optimizer';
}

/** Named float32 values (weights and layerwise's optimizer state). */
export interface NamedFloats extends NamedValues {
  values: Float32Array;
}

/** The specs and the little-endian bytes of weights, in the order given. */
export function encodeWeights(weights: readonly NamedValues[]): { specs: WeightSpec[]; data: Uint8Array } {
  const data = new Uint8Array(weights.reduce((n, w) => n + w.values.length * 4, 0));
  const view = new DataView(data.buffer);
  let offset = 0;
  for (const { values } of weights) {
    if (LITTLE_ENDIAN) data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    else if (values instanceof Int32Array) values.forEach((v, i) => view.setInt32(offset + i * 4, v, true));
    else values.forEach((v, i) => view.setFloat32(offset + i * 4, v, true));
    offset += values.byteLength;
  }
  return {
    specs: weights.map(({ name, shape, values, group }) => ({
      name,
      shape: [...shape],
      dtype: values instanceof Int32Array ? 'int32' : 'float32',
      ...(group ? { group } : {}),
    })),
    data,
  };
}
