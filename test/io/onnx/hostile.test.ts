/**
 * Hostile and unsupported ONNX files: each fails with a LayerwiseError that says what is wrong,
 * never another error, a hang or a huge allocation (sizes are checked before anything is made).
 * A fast-check property over damaged files (bytes cut, flipped, added; fields of the decoded
 * model changed) bounds the rest.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BatchNormalization,
  Conv2D,
  Dense,
  Embedding,
  Flatten,
  GRU,
  LayerwiseError,
  LeakyReLU,
  loadOnnx,
  LSTM,
  MaxPooling2D,
  PReLU,
  Sequential,
  setSeed,
  sizeOf,
  tensor,
  toOnnx,
  type Sequential as Model,
} from 'layerwise';
import type { onnx } from 'onnx-proto';
import { onnxProto, type Onnx } from '../../../src/io/onnx/proto';
import { inputs, randomizeWeights } from '../helpers';

/** A decoded model as the tests edit it: protobufjs's messages, whose fields the decoder fills (typed loosely, to edit freely). */
type Message = any;

let o: Onnx;
let valid: Uint8Array;
/** An exported recurrent model (Embedding, LSTM reading backwards, GRU, Dense): a second seed for the properties. */
let recurrentFile: Uint8Array;

beforeAll(async () => {
  o = await onnxProto();
  setSeed(5);
  const model = new Sequential([
    new Conv2D({ filters: 2, kernelSize: 3, padding: 'same', inputShape: [5, 5, 2], activation: new LeakyReLU({ alpha: 0.2 }) }),
    new BatchNormalization(),
    new MaxPooling2D(),
    new Flatten(),
    new Dense({ units: 3, activation: 'gelu' }),
    new PReLU(),
  ]);
  randomizeWeights(model);
  valid = await toOnnx(model);
  const recurrent = new Sequential([
    new Embedding({ inputDim: 6, outputDim: 3, inputShape: [5] }),
    new LSTM({ units: 4, returnSequences: true, goBackwards: true }),
    new GRU({ units: 2 }),
    new Dense({ units: 2 }),
  ]);
  randomizeWeights(recurrent);
  recurrentFile = await toOnnx(recurrent);
});

/** The valid file decoded, changed by `edit`, encoded again. */
function edited(edit: (m: Message) => void): Uint8Array {
  const m: Message = o.ModelProto.decode(valid);
  edit(m);
  return o.ModelProto.encode(m).finish();
}

/** A graph of the given nodes from `input` [batch, 4] to `output`, with float initializers. */
function graphOf(nodes: onnx.INodeProto[], initializers: onnx.ITensorProto[] = [], opset = 17): Uint8Array {
  const info = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 }] } } } });
  return o.ModelProto.encode(
    o.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: opset }], graph: { name: 'g', node: nodes, initializer: initializers, input: [info('input')], output: [info('output')] } }),
  ).finish();
}

async function expectFails(bytes: Uint8Array, message: RegExp): Promise<void> {
  await expect(loadOnnx(bytes)).rejects.toThrow(LayerwiseError);
  await expect(loadOnnx(bytes)).rejects.toThrow(message);
}

describe('damaged and hostile files fail clearly', () => {
  it('bytes that are not a model: empty, random, truncated', async () => {
    await expectFails(new Uint8Array(0), /holds no graph/);
    await expectFails(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), /not an ONNX model \(protobuf: /);
    for (const cut of [1, 10, valid.length >> 1, valid.length - 3]) await expect(loadOnnx(valid.slice(0, cut))).rejects.toThrow(LayerwiseError);
  });

  it('a path that is not a file, or a value that is not bytes', async () => {
    await expect(loadOnnx('/nonexistent/model.onnx')).rejects.toThrow(/loadOnnx\(\/nonexistent\/model\.onnx\).*ENOENT|no such file/);
    await expect(loadOnnx(42 as never)).rejects.toThrow(/expected the path of an \.onnx file or its bytes/);
  });

  it('huge declared sizes: an initializer, the input, a kernel (checked before allocating)', async () => {
    const huge = edited((m) => {
      m.graph!.initializer[0].dims = [1e9, 1e9, 3, 3];
    });
    await expectFails(huge, /declares the shape \[1000000000, 1000000000, 3, 3\].*at most 2\^28/);
    const input = edited((m) => {
      m.graph!.input[0].type!.tensorType!.shape!.dim = [{ dimParam: 'b' }, { dimValue: 100000 }, { dimValue: 100000 }, { dimValue: 2 }];
    });
    await expectFails(input, /input "input" must have fixed positive sizes.*2\^28/);
    const gemm = graphOf([{ opType: 'Gemm', name: 'big', input: ['input', 'w'], output: ['output'] }], [{ name: 'w', dims: [4, 2 ** 27], dataType: 1, rawData: new Uint8Array(8) }]);
    await expectFails(gemm, /the initializer "w" has shape \[4, 134217728\], 536870912 values|at most 2\^28/);
  });

  it('wrong types: a double initializer, an attribute of the wrong type, a non-float input', async () => {
    await expectFails(
      edited((m) => {
        m.graph!.initializer[0].dataType = 11;
      }),
      /has data type 11; layerwise reads float32 \(1\) and int64 \(7\)/,
    );
    await expectFails(
      edited((m) => {
        const conv = m.graph.node.find((n: Message) => n.opType === 'Conv');
        conv.attribute.find((a: Message) => a.name === 'kernel_shape').type = o.AttributeProto.AttributeType.FLOAT;
      }),
      /\(Conv\): its attribute kernel_shape should be of type ints, but is float/,
    );
    await expectFails(
      edited((m) => {
        m.graph!.input[0].type!.tensorType!.elemType = 7;
      }),
      /must be a float32 tensor/,
    );
    await expectFails(
      edited((m) => {
        m.graph!.initializer[0].rawData = new Uint8Array(5);
      }),
      /holds 1\.25|but holds/,
    );
  });

  it('cycles and tensors nobody writes', async () => {
    const cycle = graphOf([
      { opType: 'Relu', name: 'a', input: ['b_out'], output: ['a_out'] },
      { opType: 'Relu', name: 'b', input: ['a_out'], output: ['b_out'] },
      { opType: 'Relu', name: 'c', input: ['input'], output: ['output'] },
    ]);
    await expectFails(cycle, /node "a" \(Relu\) is not on the chain/);
    const loop = graphOf([
      { opType: 'Relu', name: 'a', input: ['input'], output: ['a_out'] },
      { opType: 'Add', name: 'b', input: ['a_out', 'b_out'], output: ['b_out'] },
      { opType: 'Relu', name: 'c', input: ['b_out'], output: ['output'] },
    ]);
    await expectFails(loop, /node "b" \(Add\): layerwise reads Add of the data and one constant number|is read by 2 nodes/);
    await expectFails(graphOf([{ opType: 'Relu', name: 'a', input: ['nowhere'], output: ['output'] }]), /reads the tensor "nowhere", which nothing in the graph writes/);
    await expectFails(graphOf([{ opType: 'Relu', name: 'a', input: ['input'], output: ['x'] }, { opType: 'Relu', name: 'b', input: ['x'], output: ['x'] }]), /"x" is written twice/);
  });

  it('external data, an old opset, two inputs', async () => {
    await expectFails(
      edited((m) => {
        m.graph!.initializer[0].dataLocation = 1;
      }),
      /keeps its values in an external file/,
    );
    await expectFails(graphOf([{ opType: 'Relu', input: ['input'], output: ['output'] }], [], 9), /opset 9.*opsets 13 to 20/);
    await expectFails(
      edited((m) => {
        m.graph!.input.push(o.ValueInfoProto.create({ name: 'second' }));
      }),
      /one input and one output; this one has 2 inputs/,
    );
  });
});

describe('graphs layerwise cannot follow fail, naming the first node it cannot place', () => {
  it('an operator with no layer, a branch, settings with no layerwise form', async () => {
    await expectFails(graphOf([{ opType: 'Einsum', name: 'e', input: ['input'], output: ['output'] }]), /node "e" \(Einsum\) cannot be placed: layerwise has no layer for the operator Einsum/);
    await expectFails(graphOf([{ opType: 'LSTM', name: 'rnn', input: ['input'], output: ['output'] }]), /node "rnn" \(LSTM\): layerwise reads a recurrent operator after a Transpose of the batch-first input to time-major/);
    await expectFails(
      graphOf([
        { opType: 'Relu', name: 'r', input: ['input'], output: ['r'] },
        { opType: 'Tanh', name: 't', input: ['input'], output: ['t'] },
        { opType: 'Add', name: 'sum', input: ['r', 't'], output: ['output'] },
      ]),
      /the tensor "input" is read by 2 nodes .*not branches or skip connections/,
    );
    await expectFails(graphOf([{ opType: 'HardSigmoid', name: 'h', input: ['input'], output: ['output'], attribute: [{ name: 'alpha', type: 1, f: 1 / 6 }] }]), /node "h" \(HardSigmoid\): layerwise's hard_sigmoid is clip\(0\.2 x \+ 0\.5, 0, 1\)/);
    await expectFails(graphOf([{ opType: 'Relu', domain: 'com.microsoft', name: 'r', input: ['input'], output: ['output'] }]), /domain "com\.microsoft"/);
    await expectFails(graphOf([{ opType: 'Identity', name: 'i', input: ['input'], output: ['output'] }]), /computes nothing layerwise has a layer for/);
  });
});

describe('recurrent operators layerwise cannot follow fail, naming the node', () => {
  /** The exported LSTM file decoded, its LSTM node changed by `edit`, encoded again. */
  function lstmEdited(edit: (node: Message, m: Message) => void): Uint8Array {
    const m: Message = o.ModelProto.decode(recurrentFile);
    const lstm = m.graph.node.find((n: Message) => n.opType === 'LSTM');
    // Every optional input present (empty names), so that any can be set.
    while (lstm.input.length < 8) lstm.input.push('');
    edit(lstm, m);
    return o.ModelProto.encode(m).finish();
  }
  const attribute = (name: string, fields: object) => o.AttributeProto.create({ name, ...fields });

  it('lengths, a state that is not zeros, bidirectional, clip, activations layerwise lacks', async () => {
    await expectFails(
      lstmEdited((n, m) => {
        m.graph.initializer.push(o.TensorProto.create({ name: 'lengths', dims: [1], dataType: 6, int32Data: [5] }));
        n.input[4] = 'lengths';
      }),
      /\(LSTM\): its sequence_lens has no layerwise form/,
    );
    await expectFails(
      lstmEdited((n, m) => {
        m.graph.initializer.push(o.TensorProto.create({ name: 'h0', dims: [1, 1, 4], dataType: 1, floatData: [0, 1, 0, 0] }));
        n.input[5] = 'h0';
      }),
      /its initial_h is not zeros/,
    );
    await expectFails(
      lstmEdited((n, m) => {
        m.graph.initializer.push(o.TensorProto.create({ name: 'h0', dims: [1, 1, 4], dataType: 1, floatData: [0, 1, 0, 0] }));
        m.graph.node.unshift(o.NodeProto.create({ opType: 'Sigmoid', name: 'state', input: ['h0'], output: ['h0_computed'] }));
        n.input[5] = 'h0_computed';
      }),
      /its initial_h is computed by nodes layerwise does not recognise as a zero state/,
    );
    await expectFails(lstmEdited((n) => n.attribute.push(attribute('clip', { type: 1, f: 3 }))), /clip has no layerwise form/);
    await expectFails(
      lstmEdited((n) => (n.attribute.find((a: Message) => a.name === 'direction').s = new TextEncoder().encode('bidirectional'))),
      /\(LSTM\): layerwise reads a bidirectional operator followed by a Transpose \[0, 2, 1, 3\]/,
    );
    await expectFails(
      lstmEdited((n) => (n.attribute.find((a: Message) => a.name === 'activations').strings[0] = new TextEncoder().encode('ScaledTanh'))),
      /its activation "ScaledTanh" has no layerwise form/,
    );
    await expectFails(
      lstmEdited((n) => (n.attribute.find((a: Message) => a.name === 'hidden_size').i = 5)),
      /its W \[1, 16, 3\] and R \[1, 16, 4\] do not fit hidden_size 5/,
    );
  });
});

/** A model loaded from a damaged file must work: predict on a small batch (when its shapes are of a sane size). */
function checkWorks(model: Model): void {
  const shapes = [model.inputShape!, ...model.layers.map((l, i, all) => all.slice(0, i + 1).reduce((s, layer) => layer.computeOutputShape(s), model.inputShape!))];
  if (Math.max(...shapes.map(sizeOf)) > 1e5) return;
  // An Embedding reads ids: zeros are ids of every vocabulary.
  const x = model.layers[0].className === 'Embedding' ? tensor(new Float32Array(2 * sizeOf(model.inputShape!)), [2, ...model.inputShape!]) : inputs([2, ...model.inputShape!]);
  expect(model.predict(x).shape).toEqual([2, ...model.outputShape!]);
}

async function loadsOrFailsClearly(bytes: Uint8Array): Promise<void> {
  let model: Model | undefined;
  try {
    model = await loadOnnx(bytes);
  } catch (error) {
    if (!(error instanceof LayerwiseError)) throw error;
    expect(error.message).toMatch(/^loadOnnx: /);
  }
  if (model) checkWorks(model);
}

type Damage = { kind: 'cut'; at: number } | { kind: 'flip'; at: number; to: number } | { kind: 'insert'; at: number; bytes: number[] };

const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), to: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 }) }),
);

function damaged(data: Uint8Array, d: Damage): Uint8Array {
  const at = d.at % (data.length + 1);
  if (d.kind === 'cut') return data.slice(0, at);
  if (d.kind === 'insert') return new Uint8Array([...data.slice(0, at), ...d.bytes, ...data.slice(at)]);
  const out = data.slice();
  out[at % out.length] = d.to;
  return out;
}

/** Numbers that stress a reader: huge, negative, zero, beyond 2^53. */
const number = fc.oneof(fc.integer({ min: -3, max: 9 }), fc.constantFrom(0, -1, 2 ** 31, 2 ** 53 + 2, 1e12, 2 ** 28));

type Edit = { field: 'dims' | 'ints' | 'op' | 'input' | 'inputDims'; at: number; value: number; name: string };

const edit: fc.Arbitrary<Edit> = fc.record({
  field: fc.constantFrom('dims' as const, 'ints' as const, 'op' as const, 'input' as const, 'inputDims' as const),
  at: fc.nat(),
  value: number,
  name: fc.constantFrom('Relu', 'Conv', 'Gemm', 'Flatten', 'Transpose', 'MaxPool', 'Identity', 'LSTM', 'GRU', 'RNN', 'Squeeze', 'Slice', 'input', 'output', '', '__proto__'),
});

function applyEdit(m: Message, e: Edit): void {
  const g = m.graph!;
  const pick = (items: Message[]): Message => (items.length ? items[e.at % items.length] : undefined);
  if (e.field === 'dims') {
    const t = pick(g.initializer);
    if (t && t.dims.length) t.dims[e.at % t.dims.length] = e.value;
  } else if (e.field === 'ints') {
    const a = pick(g.node.flatMap((n: Message) => n.attribute.filter((x: Message) => x.ints.length)));
    if (a) a.ints[e.at % a.ints.length] = e.value;
  } else if (e.field === 'op') {
    const n = pick(g.node);
    if (n) n.opType = e.name;
  } else if (e.field === 'input') {
    const n = pick(g.node);
    if (n && n.input.length) n.input[e.at % n.input.length] = e.name;
  } else {
    const dims = g.input[0].type!.tensorType!.shape!.dim;
    dims[e.at % dims.length] = o.TensorShapeProto.Dimension.create({ dimValue: e.value });
  }
}

/** The files the properties damage: a CNN, and a recurrent model (each with its own seeds). */
const SEEDS: [string, () => Uint8Array, number, number, number][] = [
  ['a CNN file', () => valid, 250, 14, 15],
  ['a recurrent file (Embedding, LSTM reading backwards, GRU)', () => recurrentFile, 200, 16, 17],
];

describe.each(SEEDS)('property: a damaged file loads a working model or fails with a LayerwiseError: %s', (_name, file, numRuns, bytesSeed, fieldsSeed) => {
  it('damaged bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(damage, { minLength: 1, maxLength: 3 }), async (ds) => loadsOrFailsClearly(ds.reduce(damaged, file()))), { numRuns, seed: bytesSeed });
  });

  it('changed fields (sizes, attributes, operators, tensor names, input dims)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const m: Message = o.ModelProto.decode(file());
        for (const e of edits) applyEdit(m, e);
        await loadsOrFailsClearly(o.ModelProto.encode(m).finish());
      }),
      { numRuns, seed: fieldsSeed },
    );
  });
});
