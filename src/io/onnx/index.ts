import { LayerwiseError } from '../../util/errors';
import type { LoadableModel, ModelFactory, SavableModel } from '../model-parts';

/*
 * The ONNX format's entry points. Each loads the format's code (and the ONNX definitions it uses)
 * on first call, so that `import 'layerwise'` and browser bundles carry only these few lines.
 */

/**
 * The model as the bytes of an ONNX file (opset 17, IR version 8): one graph from a float32 input
 * `input` [batch, ...inputShape] to `output` [batch, ...outputShape], with a dynamic batch, the
 * weights as initializers and layerwise's channels-last layout at both ends (one Transpose into
 * each run of convolutions and poolings, one out). The recurrent layers become ONNX's RNN, LSTM and
 * GRU operators (time-major, with a Transpose in and out), Bidirectional one operator per direction
 * and the merge. Works in browsers too. A layer or an activation with no ONNX form fails, naming it,
 * as does a recurrent layer that would read an Embedding's mask (ONNX's recurrent operators take
 * lengths, not masks); nothing partial is returned.
 */
export async function toOnnx(model: SavableModel): Promise<Uint8Array> {
  const { encodeOnnx } = await import('./export');
  return encodeOnnx(model);
}

/**
 * Writes the model to an ONNX file at `path` (Node), atomically: the file appears whole or the
 * previous one stays. Serve it with ONNX Runtime, load it in PyTorch (onnx2torch) or back in
 * layerwise (`loadOnnx`). See `toOnnx` for what the file holds.
 */
export async function exportOnnx(model: SavableModel, path: string): Promise<void> {
  const where = `${model.name}.export`;
  if (typeof path !== 'string' || path === '') throw new LayerwiseError(`${where}: expected the path of the .onnx file to write, but received ${JSON.stringify(path)}.`);
  const { encodeOnnx, writeOnnx } = await import('./export');
  writeOnnx(await encodeOnnx(model), path, where);
}

/**
 * Reads an ONNX file (its path, or its bytes) into a new model from `factory`: a chain of the
 * operators layerwise has layers for, as layerwise and PyTorch's torch.onnx.export write them
 * (batch-first nn.LSTM and nn.GRU included: their zero initial state, computed from the input's
 * shape, is recognised as the zero state layerwise starts from).
 * The model takes and gives channels-last tensors, as every layerwise model does: a graph whose
 * input is NCHW (PyTorch's convolutions) becomes a model whose input is NHWC (transpose the data
 * once, [n, c, h, w] to [n, h, w, c]). Every size is checked before anything is allocated; a graph
 * layerwise cannot follow fails, naming the first node it cannot place.
 */
export async function readOnnx<M extends LoadableModel>(source: string | Uint8Array | ArrayBuffer, factory: ModelFactory<M>): Promise<M> {
  const { importOnnx } = await import('./import');
  return importOnnx(source, factory);
}
