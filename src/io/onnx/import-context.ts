import { MAX_VALUES, type Layer } from '../../layers/layer';
import { sizeOf, tensor, type Shape } from '../../tensor/tensor';
import { LayerwiseError } from '../../util/errors';
import type { Layout } from './layout';
import { tensorValues, type AttributeValue, type ConstantTensor, type Graph, type GraphNode } from './read';

/**
 * The tensor the importer has reached: its name in the graph, its per-sample shape as layerwise
 * holds it (channels last), and its layout in the graph. `order`, after a Flatten of channels-first
 * data, maps each feature of layerwise's flattened order to its index in the graph's: the next
 * Dense takes its kernel rows in that order (layerwise has no Permute layer, and needs none).
 */
export interface Flow {
  readonly name: string;
  readonly shape: Shape;
  readonly layout: Layout;
  readonly order?: Int32Array;
}

/** The smallest decimal that is the same float32 (0.3 for 0.30000001192...): the number the user wrote, as near as the file tells. */
export function shortestFloat32(value: number): number {
  const f = Math.fround(value);
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** Whether a float32 from the file is `expected` (a constant the file wrote as float32). */
export function isFloat32(value: number, expected: number): boolean {
  return Math.fround(value) === Math.fround(expected);
}

/** Operators that work on each value alone (or along the last axis), which say nothing of the input's layout. */
export const LAYOUT_FREE = new Set(['Relu', 'LeakyRelu', 'Elu', 'Selu', 'Sigmoid', 'Tanh', 'Softplus', 'Softsign', 'HardSigmoid', 'Clip', 'Gelu', 'Identity', 'Dropout', 'Mul', 'Div', 'Add', 'Erf', 'PRelu']);
/** Operators that read channels first: a graph input they read first is NCHW (as PyTorch writes it). */
export const CHANNELS_FIRST = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization']);
/**
 * Operators layerwise writes channels first for images, but in either layout for sequences: after a
 * Transpose to channels first they tell for rank 4; for rank 3, where that Transpose [0, 2, 1] may
 * as well be a Permute, the operator after them tells.
 */
const IMAGES_FIRST = new Set(['Pad', 'Resize']);

/**
 * What the importer knows of the graph while it walks it: the constants, who reads each tensor,
 * which nodes are placed; and the layers made so far, each built on its input shape.
 */
export class ImportContext {
  readonly layers: Layer[] = [];
  private readonly readers = new Map<string, GraphNode[]>();
  private readonly used = new Set<GraphNode>();
  private readonly constants = new Map<string, ConstantTensor>();
  /** Tensors a Constant node or an Identity of a constant writes. */
  private readonly constantSources = new Map<string, GraphNode>();

  constructor(
    readonly graph: Graph,
    readonly where: string,
  ) {
    const written = new Set<string>([graph.input]);
    for (const node of graph.nodes) {
      for (const output of node.outputs) {
        // An empty name is an optional output not computed.
        if (output === '') continue;
        if (written.has(output) || graph.initializers.has(output)) throw new LayerwiseError(`${where}: the tensor "${output}" is written twice (again by ${node.label}).`);
        written.add(output);
      }
    }
    for (const node of graph.nodes) {
      for (const input of node.inputs) {
        if (input === '') continue;
        if (!written.has(input) && !graph.initializers.has(input)) throw new LayerwiseError(`${where}: ${node.label} reads the tensor "${input}", which nothing in the graph writes.`);
        const list = this.readers.get(input) ?? [];
        list.push(node);
        this.readers.set(input, list);
      }
      if (node.opType === 'Constant' || (node.opType === 'Identity' && node.inputs.length === 1 && this.isConstantName(node.inputs[0]))) {
        this.constantSources.set(node.outputs[0], node);
        this.used.add(node);
      }
    }
    if (!written.has(graph.output)) throw new LayerwiseError(`${where}: the graph's output "${graph.output}" is written by no node.`);
  }

  private isConstantName(name: string): boolean {
    return this.graph.initializers.has(name) || this.constantSources.has(name);
  }

  /** The value of a constant tensor (an initializer, a Constant node, an Identity of either), or undefined for a computed one. */
  constant(name: string, depth = 0): ConstantTensor | undefined {
    const known = this.constants.get(name);
    if (known) return known;
    const init = this.graph.initializers.get(name);
    const source = this.constantSources.get(name);
    let value: ConstantTensor | undefined;
    if (init) value = tensorValues(init, `the initializer "${name}"`, this.where);
    else if (source?.opType === 'Identity' && depth < 64) value = this.constant(source.inputs[0], depth + 1);
    else if (source) {
      const attribute = source.attributes.get('value');
      if (attribute?.type !== 'tensor') throw new LayerwiseError(`${this.where}: ${source.label} has no tensor "value" (layerwise reads Constant nodes that hold a tensor).`);
      value = tensorValues(attribute.value, `the value of ${source.label}`, this.where);
    }
    if (value) this.constants.set(name, value);
    return value;
  }

  /** The float32 constant input `index` of `node`; fails, naming the node, when it is computed, missing, or of another type. */
  floats(node: GraphNode, index: number, what: string): ConstantTensor & { values: Float32Array } {
    const c = node.inputs[index] ? this.constant(node.inputs[index]) : undefined;
    if (!c || !(c.values instanceof Float32Array)) this.fail(node, `its ${what} (input ${index}) must be a float32 constant (an initializer).`);
    return c as ConstantTensor & { values: Float32Array };
  }

  /** The int64 constant input `index` of `node`, or undefined when the input is absent. */
  int64s(node: GraphNode, index: number, what: string): number[] | undefined {
    if (!node.inputs[index]) return undefined;
    const c = this.constant(node.inputs[index]);
    if (!c || c.values instanceof Float32Array) this.fail(node, `its ${what} (input ${index}) must be an int64 constant.`);
    if (!c.values.every(Number.isSafeInteger)) this.fail(node, `its ${what} holds values beyond 2^53.`);
    return c.values as number[];
  }

  /** An attribute of the type wanted, or `fallback` when absent; one of another type fails, naming the node. */
  private attribute<V>(node: GraphNode, name: string, type: AttributeValue['type'], fallback: V): V {
    const a = node.attributes.get(name);
    if (!a) return fallback;
    if (a.type !== type) this.fail(node, `its attribute ${name} should be of type ${type}, but is ${a.type}.`);
    return (a as unknown as { value: V }).value;
  }

  int(node: GraphNode, name: string, fallback: number): number {
    return this.attribute(node, name, 'int', fallback);
  }

  ints(node: GraphNode, name: string, fallback: number[]): number[] {
    return this.attribute(node, name, 'ints', fallback);
  }

  float(node: GraphNode, name: string, fallback: number): number {
    return this.attribute(node, name, 'float', fallback);
  }

  string(node: GraphNode, name: string, fallback: string): string {
    return this.attribute(node, name, 'string', fallback);
  }

  strings(node: GraphNode, name: string, fallback: string[]): string[] {
    return this.attribute(node, name, 'strings', fallback);
  }

  /** Whether `name` is read by any node not placed yet, or is the graph's output. */
  isRead(name: string): boolean {
    return name !== '' && (name === this.graph.output || this.readersOf(name).length > 0);
  }

  /** The nodes that read `name` and are not placed yet. */
  readersOf(name: string): GraphNode[] {
    return (this.readers.get(name) ?? []).filter((n) => !this.used.has(n));
  }

  /** The one node that reads `name`, when exactly one does (and `name` is not the graph's output). */
  onlyReader(name: string): GraphNode | undefined {
    const readers = this.readersOf(name);
    return readers.length === 1 && name !== this.graph.output && (this.readers.get(name) ?? []).length === 1 ? readers[0] : undefined;
  }

  /**
   * Whether the tensor `name` is next read, past operators that say nothing of the layout, by one
   * that reads channels first (a convolution, a pooling, ...): what a Transpose before it is for.
   * `rank` is the tensor's (batch included).
   */
  readsChannelsFirst(name: string, rank: number): boolean {
    let at = name;
    for (let steps = 0; steps <= this.graph.nodes.length; steps++) {
      const readers = this.readersOf(at);
      if (readers.length === 0) return false;
      if (readers.some((n) => CHANNELS_FIRST.has(n.opType) || (rank === 4 && IMAGES_FIRST.has(n.opType)))) return true;
      if (readers.length !== 1 || !(LAYOUT_FREE.has(readers[0].opType) || IMAGES_FIRST.has(readers[0].opType))) return false;
      at = readers[0].outputs[0];
    }
    return false;
  }

  /** Marks nodes placed. */
  take(...nodes: GraphNode[]): void {
    for (const n of nodes) this.used.add(n);
  }

  /** The first node no step placed, if any. */
  firstUnplaced(): GraphNode | undefined {
    return this.graph.nodes.find((n) => !this.used.has(n));
  }

  /**
   * Adds a layer built on `flow`'s shape, with its weights (checked by setWeights); returns its output shape.
   * The output's size is checked before the build, which may allocate tables of that size (a file's scales or strides can ask for any).
   */
  add(layer: Layer, flow: Flow, weights: { values: Float32Array; shape: Shape }[] = []): Shape {
    const values = sizeOf(layer.computeOutputShape(flow.shape));
    if (!(values <= MAX_VALUES)) {
      throw new LayerwiseError(`${this.where}: the layer ${layer.name} (${layer.className}) the file describes would give ${values} values a sample, more than the 2^28 layerwise allows.`);
    }
    layer.build(flow.shape);
    if (weights.length > 0 || layer.params().length > 0) layer.setWeights(weights.map((w) => tensor(w.values, w.shape)));
    this.layers.push(layer);
    return layer.computeOutputShape(flow.shape);
  }

  /** Throws an error naming `node`. */
  fail(node: GraphNode, message: string): never {
    throw new LayerwiseError(`${this.where}: ${node.label}: ${message}`);
  }
}

/** Fails unless `flow` is in layerwise's own order (no feature order left pending by a channels-first Flatten). */
export function plain(node: GraphNode, flow: Flow, ctx: ImportContext): void {
  if (flow.order) {
    ctx.fail(node, 'it reads features a channels-first Flatten wrote, in an order layerwise keeps only for a Gemm or MatMul that follows (a Linear after the Flatten).');
  }
}

/** The flow after `layer`, or after the activation fused into it: its output tensor and shape. */
export function after(flow: Flow, name: string, shape: Shape, layout = flow.layout): Flow {
  return { name, shape, layout: shape.length < 2 ? 'last' : layout };
}

/** A step of the import: places `node` (and any nodes it takes along) after `flow`; returns the flow after it. */
export type OpImporter = (node: GraphNode, flow: Flow, ctx: ImportContext) => Flow;
