import type { onnx } from 'onnx-proto';
import { MAX_VALUES } from '../../layers/layer';
import { LayerwiseError } from '../../util/errors';
import { MAX_STRING_LENGTH } from '../json';
import type { Attribute } from './graph';
import { FLOAT, INT64, int64, onnxProto, type LongLike } from './proto';

/** The opsets whose operators the reader knows (the ones layerwise and PyTorch 1.13 and later write). */
export const MIN_OPSET = 13;
export const MAX_OPSET = 20;
/** The most nodes, and the most initializers, a graph may have: a model layerwise can train has far fewer. */
export const MAX_NODES = 100_000;

/** A constant tensor of the graph (an initializer, or a Constant node's value), checked. */
export interface ConstantTensor {
  readonly dims: number[];
  /** float32 values, or int64 values as numbers. */
  readonly values: Float32Array | number[];
}

/** An attribute of a node, by the type the file gives it. */
export type AttributeValue = Attribute | { type: 'tensor'; value: onnx.ITensorProto } | { type: 'other' };

/** A node of the graph, checked: its operator, its name for messages, its tensors and attributes. */
export interface GraphNode {
  readonly opType: string;
  /** How messages name it: `node "/0/Conv" (Conv)`. */
  readonly label: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, AttributeValue>;
}

/** The graph of an ONNX file, checked: one float32 input, one output, nodes, constants. */
export interface Graph {
  readonly name: string;
  readonly opset: number;
  readonly input: string;
  /** The input's dimensions after the batch. */
  readonly inputDims: number[];
  readonly output: string;
  readonly nodes: readonly GraphNode[];
  /** The initializers, by name (read when a node uses them). */
  readonly initializers: ReadonlyMap<string, onnx.ITensorProto>;
}

/** Throws a LayerwiseError starting with `where`. */
function fail(where: string, message: string): never {
  throw new LayerwiseError(`${where}: ${message}`);
}

/** A name from the file, bounded in length. */
function nameOf(value: unknown, where: string, what: string): string {
  if (typeof value !== 'string') fail(where, `${what} is not a string.`);
  if (value.length > MAX_STRING_LENGTH) fail(where, `${what} is ${value.length} characters long, more than the ${MAX_STRING_LENGTH} allowed.`);
  return value;
}

function list<T>(value: T[] | null | undefined, where: string, what: string, max = MAX_NODES): T[] {
  const items = value ?? [];
  if (items.length > max) fail(where, `the graph has ${items.length} ${what}, more than the ${max} layerwise reads.`);
  return items;
}

function attributeOf(a: onnx.IAttributeProto): AttributeValue {
  const T = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 };
  switch (a.type) {
    case T.INT:
      return { type: 'int', value: int64(a.i as number | LongLike) };
    case T.INTS:
      return { type: 'ints', value: (a.ints ?? []).map((v) => int64(v as number | LongLike)) };
    case T.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case T.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.STRING:
      return { type: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array(0)).slice(0, MAX_STRING_LENGTH) };
    case T.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).slice(0, 64).map((v) => new TextDecoder().decode(v).slice(0, MAX_STRING_LENGTH)) };
    case T.TENSOR:
      return a.t ? { type: 'tensor', value: a.t } : { type: 'other' };
    default:
      return { type: 'other' };
  }
}

function nodeOf(n: onnx.INodeProto, index: number, where: string): GraphNode {
  const opType = nameOf(n.opType ?? '', where, `the operator of node ${index}`);
  const name = nameOf(n.name ?? '', where, `the name of node ${index}`);
  const domain = n.domain ?? '';
  const label = `node ${name ? JSON.stringify(name) : index} (${opType})`;
  if (domain !== '' && domain !== 'ai.onnx') fail(where, `${label} is an operator of the domain "${nameOf(domain, where, 'a domain')}", which layerwise does not know.`);
  const tensors = (names: string[] | null | undefined, what: string) => list(names, where, what, 64).map((t) => nameOf(t, where, `a tensor name of ${label}`));
  const attributes = new Map<string, AttributeValue>();
  for (const a of list(n.attribute, where, 'attributes of a node', 64)) attributes.set(nameOf(a.name ?? '', where, `an attribute name of ${label}`), attributeOf(a));
  return { opType, label, inputs: tensors(n.input, 'inputs of a node'), outputs: tensors(n.output, 'outputs of a node'), attributes };
}

/** The opset of the default domain, which must be one the reader knows. */
function opsetOf(model: onnx.IModelProto, where: string): number {
  const entries = (model.opsetImport ?? []).filter((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  const version = entries.length === 1 ? int64(entries[0].version as number | LongLike) : NaN;
  if (!(version >= MIN_OPSET && version <= MAX_OPSET)) {
    fail(where, `the file uses opset ${entries.length === 1 ? version : '(none given)'} of ONNX's operators; layerwise reads opsets ${MIN_OPSET} to ${MAX_OPSET}. Export the model again with opset 17.`);
  }
  return version;
}

/** The dimensions of the graph's input after the batch, which must be fixed positive sizes. */
function inputDimsOf(input: onnx.IValueInfoProto, where: string): number[] {
  const tensorType = input.type?.tensorType;
  if (!tensorType || tensorType.elemType !== FLOAT) fail(where, `the graph's input "${input.name}" must be a float32 tensor.`);
  const dims = list(tensorType.shape?.dim, where, 'input dimensions', 8);
  if (dims.length < 2) fail(where, `the graph's input "${input.name}" must have a batch dimension and at least one more (its shape has ${dims.length} dimensions).`);
  const sizes = dims.slice(1).map((d) => int64(d.dimValue as number | LongLike));
  let total = 1;
  for (const size of sizes) total *= size;
  if (!sizes.every((s) => Number.isInteger(s) && s > 0) || !(total <= MAX_VALUES)) {
    fail(where, `the graph's input "${input.name}" must have fixed positive sizes after the batch, at most 2^28 values a sample; it has [${sizes.join(', ')}] (0 or NaN: a size not given, or a symbolic one).`);
  }
  return sizes;
}

/** Decodes and checks the bytes of an ONNX file: the structure, not yet the operators (see import.ts). */
export async function readGraph(bytes: Uint8Array, where: string): Promise<Graph> {
  const o = await onnxProto();
  let model: onnx.ModelProto;
  try {
    model = o.ModelProto.decode(bytes);
  } catch (error) {
    fail(where, `the data is not an ONNX model (protobuf: ${(error as Error).message}). Check that the file is whole and is an .onnx file.`);
  }
  const graph = model.graph;
  if (!graph) fail(where, 'the file holds no graph: it is not an ONNX model, or it is damaged.');
  const opset = opsetOf(model, where);
  const initializers = new Map<string, onnx.ITensorProto>();
  for (const t of list(graph.initializer, where, 'initializers')) initializers.set(nameOf(t.name ?? '', where, 'an initializer name'), t);
  const inputs = list(graph.input, where, 'inputs').filter((i) => !initializers.has(i.name ?? ''));
  const outputs = list(graph.output, where, 'outputs');
  if (inputs.length !== 1 || outputs.length !== 1) {
    fail(where, `layerwise reads graphs with one input and one output; this one has ${inputs.length} inputs and ${outputs.length} outputs.`);
  }
  const nodes = list(graph.node, where, 'nodes').map((n, i) => nodeOf(n, i, where));
  return {
    name: nameOf(graph.name ?? '', where, 'the graph name'),
    opset,
    input: nameOf(inputs[0].name ?? '', where, 'the input name'),
    inputDims: inputDimsOf(inputs[0], where),
    output: nameOf(outputs[0].name ?? '', where, 'the output name'),
    nodes,
    initializers,
  };
}

/**
 * The values of a tensor of the file, checked before anything is allocated: float32 or int64, at
 * most 2^28 values, stored in the file itself (not as external data), with as many values as its
 * dimensions say. `what` names it in errors.
 */
export function tensorValues(t: onnx.ITensorProto, what: string, where: string): ConstantTensor {
  const dims = list(t.dims as (number | LongLike)[], where, 'dimensions of a tensor', 8).map((d) => int64(d));
  let count = 1;
  for (const d of dims) count *= d;
  if (!dims.every((d) => Number.isInteger(d) && d >= 0) || !(count <= MAX_VALUES)) {
    fail(where, `${what} declares the shape [${dims.join(', ')}]: sizes must be non-negative integers, at most 2^28 values in all.`);
  }
  if (t.dataLocation === 1) fail(where, `${what} keeps its values in an external file, which layerwise does not read. Save the model with its weights inside.`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  const width = t.dataType === FLOAT ? 4 : t.dataType === INT64 ? 8 : 0;
  if (width === 0) fail(where, `${what} has data type ${t.dataType}; layerwise reads float32 (1) and int64 (7) tensors.`);
  const stored = raw ? raw.length / width : t.dataType === FLOAT ? (t.floatData?.length ?? 0) : (t.int64Data?.length ?? 0);
  if (stored !== count) fail(where, `${what} has shape [${dims.join(', ')}], ${count} values, but holds ${stored}.`);
  if (t.dataType === FLOAT) {
    if (!raw) return { dims, values: Float32Array.from(t.floatData!) };
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = view.getFloat32(i * 4, true);
    return { dims, values };
  }
  if (!raw) return { dims, values: t.int64Data!.map((v) => int64(v as number | LongLike)) };
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = Array.from({ length: count }, (_, i) => {
    const v = view.getBigInt64(i * 8, true);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : NaN;
  });
  return { dims, values };
}
