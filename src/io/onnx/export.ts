import { version } from '../../../package.json';
import { LayerwiseError } from '../../util/errors';
import { nodeFs, nodePath, syncDirectory, writeFileAtomic } from '../../util/fs';
import type { SavableModel } from '../model-parts';
import { exportLayer } from './export-layers';
import { GraphBuilder, type Attribute, type InitializerSpec, type NodeSpec } from './graph';
import { FLOAT, INT64, IR_VERSION, OPSET, PRODUCER, onnxProto, type Onnx } from './proto';
import type { onnx } from 'onnx-proto';

/** The names of the graph's input and output. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
/** The name of the dynamic batch dimension. */
export const BATCH = 'batch';

/** The graph of `model`, as plain nodes and initializers, from its input to a tensor named `output`. */
export function buildGraph(model: SavableModel): GraphBuilder {
  const inputShape = model.inputShape;
  if (!inputShape) {
    throw new LayerwiseError(
      `exportOnnx: the model ${model.name} has no input shape yet, so its graph cannot be written. ` +
        `Give the first layer an inputShape (new Dense({ units: 8, inputShape: [4] })) or fit the model once.`,
    );
  }
  if (model.layers.length === 0) throw new LayerwiseError(`exportOnnx: the model ${model.name} has no layers. Add layers before exporting it.`);
  const g = new GraphBuilder({ name: INPUT_NAME, shape: inputShape, layout: 'last' });
  let x = g.input;
  for (const layer of model.layers) x = exportLayer(layer, x, g);
  x = g.toLayout(x, 'last', 'output');
  const last = g.nodes[g.nodes.length - 1];
  // The output tensor gets its public name: renamed where the last node writes it, or an Identity when no node does (a model of Dropouts).
  const at = last ? last.outputs.indexOf(x.name) : -1;
  if (at >= 0) last.outputs[at] = OUTPUT_NAME;
  else g.nodes.push({ opType: 'Identity', name: g.unique('output/Identity'), inputs: [x.name], outputs: [OUTPUT_NAME], attributes: {} });
  return g;
}

function attributeProto(o: Onnx, name: string, a: Attribute): onnx.IAttributeProto {
  const T = o.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'floats':
      return { name, type: T.FLOATS, floats: a.value };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'strings':
      return { name, type: T.STRINGS, strings: a.value.map((v) => new TextEncoder().encode(v)) };
  }
}

function nodeProto(o: Onnx, n: NodeSpec): onnx.INodeProto {
  return { opType: n.opType, name: n.name, input: n.inputs, output: n.outputs, attribute: Object.entries(n.attributes).map(([k, a]) => attributeProto(o, k, a)) };
}

function tensorProto(t: InitializerSpec): onnx.ITensorProto {
  if (t.data instanceof Float32Array) {
    // Little-endian float32 bytes, as ONNX's raw_data stores them.
    const raw = new Uint8Array(t.data.length * 4);
    const view = new DataView(raw.buffer);
    for (let i = 0; i < t.data.length; i++) view.setFloat32(i * 4, t.data[i], true);
    return { name: t.name, dims: t.dims, dataType: FLOAT, rawData: raw };
  }
  return { name: t.name, dims: t.dims, dataType: INT64, int64Data: t.data };
}

/** A tensor type of float32 [batch, ...shape]. */
function valueInfo(name: string, shape: readonly number[]): onnx.IValueInfoProto {
  const dim = [{ dimParam: BATCH }, ...shape.map((d) => ({ dimValue: d }))];
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

/** The bytes of the ONNX file of `model` (see `toOnnx` in index.ts). */
export async function encodeOnnx(model: SavableModel): Promise<Uint8Array> {
  const g = buildGraph(model);
  const o = await onnxProto();
  const proto: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: PRODUCER,
    producerVersion: version,
    docString: `The model ${model.name}, exported by layerwise.`,
    graph: {
      name: model.name,
      node: g.nodes.map((n) => nodeProto(o, n)),
      initializer: g.initializers.map(tensorProto),
      input: [valueInfo(INPUT_NAME, model.inputShape!)],
      output: [valueInfo(OUTPUT_NAME, model.layers.reduce((shape, layer) => layer.computeOutputShape(shape), model.inputShape!))],
    },
  };
  const bytes = o.ModelProto.encode(o.ModelProto.create(proto)).finish();
  // protobufjs gives a Node Buffer in Node: the same bytes, as a plain Uint8Array everywhere.
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes `bytes` to `path` atomically (the file appears whole or the previous one stays), creating its directory. */
export function writeOnnx(bytes: Uint8Array, path: string, where: string): void {
  const fs = nodeFs(where);
  const dir = nodePath(where).dirname(path);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LayerwiseError(`${where}: could not create the directory ${dir}: ${(error as Error).message}`);
  }
  writeFileAtomic(path, bytes, where);
  syncDirectory(dir, where);
}
