import type { onnx as OnnxNamespace } from 'onnx-proto';
import { LayerwiseError } from '../../util/errors';

/** The generated ONNX definitions (`onnx-proto`, over protobufjs): ModelProto, GraphProto, ... */
export type Onnx = typeof OnnxNamespace;

/** The opset layerwise writes: the newest Debian's python3-onnx 1.12 checker and PyTorch 1.13's exporter know. */
export const OPSET = 17;
/** The IR version that goes with opset 17. */
export const IR_VERSION = 8;
/** The producer name written in every file. */
export const PRODUCER = 'layerwise';

/** TensorProto.DataType values layerwise reads and writes. */
export const FLOAT = 1;
export const INT64 = 7;
/** A boolean tensor's type, which layerwise only reads as a Dropout's training_mode. */
export const BOOL = 9;

let loading: Promise<Onnx> | undefined;

/**
 * The ONNX definitions, loaded on first use: `import 'layerwise'` and the browser bundle never
 * carry the encoder (about 330 kB of generated code and protobufjs) unless ONNX is used.
 */
export function onnxProto(): Promise<Onnx> {
  loading ??= import('onnx-proto').then(
    (module) => {
      // CommonJS seen from an ES module (a bundler) puts the exports under `default`.
      const found = (module as { onnx?: Onnx }).onnx ?? (module as { default?: { onnx?: Onnx } }).default?.onnx;
      if (!found) throw new LayerwiseError('ONNX: the package onnx-proto loaded but has no `onnx` export. Reinstall layerwise\'s dependencies.');
      return found;
    },
    (error: unknown) => {
      loading = undefined;
      throw new LayerwiseError(`ONNX: could not load the package onnx-proto, which reads and writes ONNX files: ${(error as Error).message}`);
    },
  );
  return loading;
}

/** A protobuf int64 as protobufjs gives it: a number, or a Long when long.js is present. */
export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
}

/**
 * An int64 as a number, or NaN when it is not a safe integer (beyond ±2^53: no shape or axis is
 * that large, and NaN fails every check that follows).
 */
export function int64(value: number | LongLike | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : typeof value === 'object' && typeof value.toNumber === 'function' ? value.toNumber() : NaN;
  return Number.isSafeInteger(n) ? n : NaN;
}
