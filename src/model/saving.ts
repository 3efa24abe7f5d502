import { readModelFiles, readModelFromJSON, readOnnx, type LoadOptions, type ModelFromJSONOptions } from '../io';
import { Sequential } from './sequential';

/** A new empty model for a loader to fill. */
const newSequential = (name: string | undefined): Sequential => new Sequential(name === undefined ? {} : { name });

/**
 * Loads a model saved by `model.save` or by TF.js (`tf.io` `file://` or `downloads`): a directory,
 * or the path of its `model.json`. Nothing in the files is evaluated: only the layer classes
 * layerwise has are built, every field is checked, and a damaged file fails with an error naming
 * the file and the field. The compile settings come back too, unless `compile: false`.
 */
export function loadModel(path: string, options: LoadOptions = {}): Promise<Sequential> {
  return readModelFiles(path, options, newSequential);
}

/**
 * Rebuilds a model from `model.json`'s content (an object or its text) and the weights' bytes, with
 * no file system: for browsers, or models kept in memory. Everything is checked: see `loadModel`.
 */
export function modelFromJSON(json: string | object, weightData: Uint8Array | ArrayBuffer, options: ModelFromJSONOptions = {}): Sequential {
  return readModelFromJSON(json, weightData, options, newSequential);
}

/**
 * Loads an ONNX model (the path of an .onnx file, or its bytes) into a new Sequential, which trains
 * and saves like any other: a chain of operators layerwise has layers for, as `model.export` and
 * PyTorch's `torch.onnx.export` of an `nn.Sequential` write them. The model takes channels-last
 * data (NHWC), as every layerwise model: for a PyTorch CNN, transpose its NCHW inputs once. A graph
 * layerwise cannot follow fails, naming the first node it cannot place; nothing is evaluated.
 */
export function loadOnnx(source: string | Uint8Array | ArrayBuffer): Promise<Sequential> {
  return readOnnx(source, newSequential);
}
