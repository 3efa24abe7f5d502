/** What the ONNX export refuses, and how it says so; the file it writes, and its header. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dense, exportOnnx, Layer, LayerwiseError, registerActivation, Sequential, toOnnx, unregisterActivation, type Tensor } from 'layerwise';
import { onnxProto } from '../../../src/io/onnx/proto';
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
