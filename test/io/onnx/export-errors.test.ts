/** What the ONNX export refuses, and how it says so; the file it writes, and its header. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Bidirectional,
  Dense,
  Embedding,
  exportOnnx,
  Flatten,
  GlobalAveragePooling1D,
  GRU,
  Layer,
  LayerwiseError,
  LeakyReLU,
  LSTM,
  registerActivation,
  Sequential,
  SimpleRNN,
  tensor,
  toOnnx,
  unregisterActivation,
  type Tensor,
} from 'layerwise';
import { LAYER_EXPORTERS } from '../../../src/io/onnx/export-layers';
import { onnxProto } from '../../../src/io/onnx/proto';
import { PLAIN_LAYER_CLASSES } from '../../../src/layers/layer-classes';
import { tempDir } from '../helpers';

/** A layer class of the user's, which the export has no entry for. */
class Doubling extends Layer {
  static override readonly className = 'Doubling';
  forward(x: Tensor): Tensor {
    return x;
  }
  backward(dy: Tensor): Tensor {
    return dy;
  }
}

const dir = tempDir('layerwise-onnx-errors-');

describe('exportOnnx refuses what it cannot write, naming it', () => {
  it('every layer class layerwise has (and both wrappers) has an ONNX form', () => {
    const missing = [...PLAIN_LAYER_CLASSES.keys(), 'Bidirectional', 'TimeDistributed'].filter((name) => !LAYER_EXPORTERS.has(name));
    expect(missing).toEqual([]);
  });

  it('a layer class without an exporter', async () => {
    const model = new Sequential([new Dense({ units: 2, inputShape: [3] }), new Doubling({ name: 'twice' })]);
    await expect(toOnnx(model)).rejects.toThrow(/the layer twice \(Doubling\) has no ONNX form yet.*Layers that export: Dense, Conv1D/);
  });

  it('a registered activation', async () => {
    registerActivation('cube', { fn: (x) => x ** 3, grad: (x) => 3 * x * x });
    try {
      const model = new Sequential([new Dense({ units: 2, inputShape: [3], activation: 'cube', name: 'cubed' })]);
      await expect(toOnnx(model)).rejects.toThrow(/cubed uses the activation "cube", which has no ONNX form/);
    } finally {
      unregisterActivation('cube');
    }
  });

  it('a masked recurrent layer or Bidirectional (ONNX has lengths, not masks), and a layer that cannot take a mask', async () => {
    const embedding = () => new Embedding({ inputDim: 5, outputDim: 3, maskZero: true, inputShape: [4], name: 'words' });
    await expect(toOnnx(new Sequential([embedding(), new LSTM({ units: 2, name: 'reader' })]))).rejects.toThrow(
      /the layer reader \(LSTM\) reads the mask of words \(an Embedding with maskZero: true\), which ONNX cannot carry: its recurrent operators take one length per sample/,
    );
    await expect(toOnnx(new Sequential([embedding(), new Dense(3), new Bidirectional({ layer: new GRU(2), name: 'both' })]))).rejects.toThrow(/the layer both \(Bidirectional\) reads the mask of words/);
    // A GlobalAveragePooling1D after a masking Embedding averages the real steps only (Keras 3), which ONNX's ReduceMean cannot: refused.
    const pooled = new Sequential([embedding(), new GlobalAveragePooling1D({ name: 'pool' })]);
    expect(pooled.predict(tensor([1, 2, 0, 0], [1, 4])).shape).toEqual([1, 3]);
    await expect(toOnnx(pooled)).rejects.toThrow(/the layer pool \(GlobalAveragePooling1D\) receives the mask of words .*which ONNX cannot carry: the layer reads it/);
    // A layer that can take no mask is refused likewise (layerwise itself refuses to run it).
    const flat = new Sequential([embedding(), new Flatten({ name: 'flat' })]);
    expect(() => flat.predict(tensor([1, 2, 0, 0], [1, 4]))).toThrow(/flat: receives a mask .* can neither use one nor pass it on/);
    await expect(toOnnx(flat)).rejects.toThrow(/the layer flat \(Flatten\) receives the mask of words/);
    // Without maskZero the same model exports.
    await expect(toOnnx(new Sequential([new Embedding({ inputDim: 5, outputDim: 3, inputShape: [4] }), new LSTM(2)]))).resolves.toBeInstanceOf(Uint8Array);
  });

  it('a recurrent activation ONNX\'s recurrent operators do not compute', async () => {
    const model = new Sequential([new LSTM({ units: 2, activation: 'gelu', inputShape: [3, 2], name: 'cell' })]);
    await expect(toOnnx(model)).rejects.toThrow(/the layer cell \(LSTM\) has the activation .*gelu.*which ONNX's LSTM operator does not compute\. Recurrent activations that export: tanh, sigmoid/);
    const rnn = new Sequential([new SimpleRNN({ units: 2, activation: new LeakyReLU({ alpha: 0.3 }), inputShape: [3, 2], name: 'leaky' })]);
    await expect(toOnnx(rnn)).rejects.toThrow(/the layer leaky \(SimpleRNN\) has the activation/);
  });

  it('a model without an input shape, and one without layers', async () => {
    await expect(toOnnx(new Sequential([new Dense(2)]))).rejects.toThrow(/has no input shape yet/);
    await expect(toOnnx(new Sequential())).rejects.toThrow(LayerwiseError);
  });

  it('model.export with another format, or options it does not know', async () => {
    const model = new Sequential({ name: 'm', layers: [new Dense({ units: 2, inputShape: [3] })] });
    await expect(model.export(join(dir, 'x.onnx'), { format: 'tf_saved_model' as 'onnx' })).rejects.toThrow(/m\.export: format must be 'onnx'.*model\.save/);
    await expect(model.export(join(dir, 'x.onnx'), { formt: 'onnx' } as never)).rejects.toThrow(LayerwiseError);
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
  });
});

describe('the file', () => {
  it('model.export and exportOnnx write the bytes toOnnx gives, with opset 17, IR 8, the producer, a dynamic batch and named ends', async () => {
    const model = new Sequential({ name: 'net', layers: [new Dense({ units: 2, inputShape: [3], activation: 'relu' })] });
    const path = join(dir, 'sub', 'net.onnx');
    await model.export(path, { format: 'onnx' });
    await exportOnnx(model, join(dir, 'again.onnx'));
    const bytes = await toOnnx(model);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
    expect(new Uint8Array(readFileSync(join(dir, 'again.onnx')))).toEqual(bytes);
    const o = await onnxProto();
    const m: any = o.ModelProto.decode(bytes);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((s: any) => [s.domain, Number(s.version)])).toEqual([['', 17]]);
    expect(m.producerName).toBe('layerwise');
    expect(m.producerVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.graph!.name).toBe('net');
    const dims = (v: any) => v.type.tensorType.shape.dim.map((d: any) => d.dimParam || Number(d.dimValue));
    expect(m.graph.input.map((i: any) => [i.name, dims(i)])).toEqual([['input', ['batch', 3]]]);
    expect(m.graph.output.map((i: any) => [i.name, dims(i)])).toEqual([['output', ['batch', 2]]]);
    expect(m.graph.node.map((n: any) => n.opType)).toEqual(['Gemm', 'Relu']);
  });

  it('puts one Transpose at each edge of a run of convolutions, not one around each', async () => {
    const { Conv2D, MaxPooling2D, Flatten, BatchNormalization } = await import('layerwise');
    const model = new Sequential([
      new Conv2D({ filters: 2, kernelSize: 3, inputShape: [8, 8, 1], activation: 'relu' }),
      new BatchNormalization(),
      new MaxPooling2D(),
      new Conv2D({ filters: 2, kernelSize: 2 }),
      new Flatten(),
      new Dense(2),
    ]);
    const o = await onnxProto();
    const ops = o.ModelProto.decode(await toOnnx(model)).graph!.node!.map((n) => n.opType);
    expect(ops).toEqual(['Transpose', 'Conv', 'Relu', 'BatchNormalization', 'MaxPool', 'Conv', 'Transpose', 'Flatten', 'Gemm']);
  });
});
