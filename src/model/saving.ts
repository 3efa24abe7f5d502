import { readModelFiles, readModelFromJSON, type LoadOptions, type ModelFromJSONOptions } from '../io';
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
