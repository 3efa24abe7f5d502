import type { Shape } from '../../tensor/tensor';
import { toFirstPerm, toLastPerm, type Layout } from './layout';

/** An attribute of a node, with the type ONNX stores it as. */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'ints'; value: number[] }
  | { type: 'float'; value: number }
  | { type: 'floats'; value: number[] }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] };

export const int = (value: number): Attribute => ({ type: 'int', value });
export const ints = (value: number[]): Attribute => ({ type: 'ints', value });
export const float = (value: number): Attribute => ({ type: 'float', value });
export const floats = (value: number[]): Attribute => ({ type: 'floats', value });
export const string = (value: string): Attribute => ({ type: 'string', value });
export const strings = (value: string[]): Attribute => ({ type: 'strings', value });

/** A node being written: an operator, its inputs and outputs (tensor names), its attributes. */
export interface NodeSpec {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

/** A constant tensor (an initializer) being written. */
export interface InitializerSpec {
  name: string;
  dims: number[];
  /** float32 values, or int64 values (shapes, pads) as numbers. */
  data: Float32Array | number[];
}

/**
 * A tensor of the graph as the exporter follows it: its name, its per-sample shape in layerwise's
 * order (channels last), and the layout it has in the graph.
 */
export interface Value {
  readonly name: string;
  readonly shape: Shape;
  readonly layout: Layout;
  /**
   * The name of the layer whose mask (an Embedding's with maskZero) comes along with this tensor,
   * when one does: ONNX has no masks, so a layer that would use it cannot be written.
   */
  readonly maskFrom?: string;
}

/**
 * Collects the nodes and initializers of one graph, with unique names, in the order written
 * (which is a topological order: each node reads only what earlier nodes wrote).
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: InitializerSpec[] = [];
  private readonly taken = new Set<string>();

  constructor(readonly input: Value) {
    this.taken.add(input.name);
  }

  /** `base`, or `base_1`, `base_2`, ... when taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** A float32 initializer; returns its name. */
  weight(name: string, data: Float32Array, dims: number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, data });
    return unique;
  }

  /** A float32 scalar initializer (a constant of an elementwise formula); returns its name. */
  scalar(name: string, value: number): string {
    return this.weight(name, new Float32Array([value]), []);
  }

  /** An int64 vector initializer (a shape, pads); returns its name. */
  int64s(name: string, values: number[]): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims: [values.length], data: values });
    return unique;
  }

  /**
   * Adds a node `owner/opType` reading `inputs`; returns its output as a Value of `shape` (per sample,
   * channels last) and `layout` (the input's by default).
   */
  op(opType: string, owner: string, inputs: string[], attributes: Record<string, Attribute>, shape: Shape, layout: Layout): Value {
    const name = this.unique(`${owner}/${opType}`);
    const output = this.unique(`${name}:0`);
    this.nodes.push({ opType, name, inputs, outputs: [output], attributes });
    return { name: output, shape, layout };
  }

  /**
   * Adds a node `owner/opType` with `count` outputs; returns their names (`''` for those in `unused`,
   * which ONNX then does not compute).
   */
  multi(opType: string, owner: string, inputs: string[], attributes: Record<string, Attribute>, count: number, unused: readonly number[] = []): string[] {
    const name = this.unique(`${owner}/${opType}`);
    const outputs = Array.from({ length: count }, (_, i) => (unused.includes(i) ? '' : this.unique(`${name}:${i}`)));
    this.nodes.push({ opType, name, inputs, outputs, attributes });
    return outputs;
  }

  /**
   * `x` in `layout`: `x` itself when it is already (or has rank 2, the same in both), otherwise the
   * output of one Transpose named after `owner`.
   */
  toLayout(x: Value, layout: Layout, owner: string): Value {
    const rank = x.shape.length + 1;
    if (rank < 3) return x.layout === 'last' ? x : { ...x, layout: 'last' };
    if (x.layout === layout) return x;
    const perm = layout === 'first' ? toFirstPerm(rank) : toLastPerm(rank);
    return this.op('Transpose', owner, [x.name], { perm: ints(perm) }, x.shape, layout);
  }
}
