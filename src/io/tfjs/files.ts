import { LayerwiseError } from '../../util/errors';
import { buildModel, optimizerManifest, serializeModel, type LoadOptions, type SerializeOptions } from './artifacts';
import { TEMPORARY_FILE, WEIGHTS_FILE, type WeightsGroup } from './format';
import { nodeFs, nodePath, syncDirectory, writeFileAtomic } from '../../util/fs';
import { Field } from '../json';
import type { LoadableModel, ModelFactory, SavableModel } from '../model-parts';
import { byteLength, readManifest } from './weights';

/** What `save` wrote. */
export interface SaveResult {
  /** The path of `model.json`. */
  modelJSON: string;
  /** The weight files, beside it. */
  weights: string[];
}

/** The directory and the model.json of a path: a directory (TF.js's `file://` form) or a model.json. */
function locate(path: string, where: string): { dir: string; json: string } {
  if (typeof path !== 'string' || path === '') throw new LayerwiseError(`${where}: expected a directory path, but received ${JSON.stringify(path)}.`);
  const p = nodePath(where);
  const plain = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return plain.endsWith('.json') ? { dir: p.dirname(plain), json: plain } : { dir: plain, json: p.join(plain, 'model.json') };
}

/** A name for this save's weight files that no earlier save used. */
function freshId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The file names the model.json at `json` refers to (none when it is missing or unreadable). */
function referencedFiles(json: string, where: string): string[] {
  const fs = nodeFs(where);
  try {
    const doc = Field.parse(fs.readFileSync(json, 'utf8'), json);
    const groups = [...readManifest(doc.get('weightsManifest')), ...(optimizerManifest(doc)?.groups ?? [])];
    return groups.flatMap((g) => g.paths);
  } catch {
    return [];
  }
}

/**
 * Saves a model in TF.js's Layers format into a directory: `model.json` and its weight files
 * (`weights.<id>.bin`, and `optimizer.<id>.bin` for the optimizer's state). Atomic: the weight
 * files get new names, then `model.json` replaces the old one by rename, and only then are the old
 * weight files removed. A crash or a full disk at any point leaves the old model or the new one,
 * whole. One writer per directory at a time.
 */
export async function saveModel(model: SavableModel, path: string, options: SerializeOptions = {}): Promise<SaveResult> {
  const where = `${model.name}.save`;
  const { dir, json } = locate(path, where);
  const { modelJSON, weightData, optimizerData } = serializeModel(model, options);
  const fs = nodeFs(where);
  const p = nodePath(where);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new LayerwiseError(`${where}: could not create the directory ${dir}: ${(error as Error).message}`);
  }
  const previous = referencedFiles(json, where);
  const id = freshId();
  const files = [{ group: modelJSON.weightsManifest[0], name: `weights.${id}.bin`, data: weightData }];
  const state = modelJSON.userDefinedMetadata.layerwise.optimizerState?.weightsManifest[0];
  if (state && optimizerData) files.push({ group: state, name: `optimizer.${id}.bin`, data: optimizerData });
  for (const { group, name, data } of files) {
    writeFileAtomic(p.join(dir, name), data, where);
    group.paths = [name];
  }
  syncDirectory(dir, where);
  writeFileAtomic(json, JSON.stringify(modelJSON), where);
  syncDirectory(dir, where);

  // The new model is in place: remove the files of the old one, and those of saves that crashed.
  const kept = new Set(files.map((f) => f.name));
  const leftovers = fs.readdirSync(dir).filter((name) => WEIGHTS_FILE.test(name) || TEMPORARY_FILE.test(name));
  const stale = new Set([...previous.filter((name) => name.endsWith('.bin')), ...leftovers]);
  for (const name of stale) if (!kept.has(name)) fs.rmSync(p.join(dir, name), { force: true });
  return { modelJSON: json, weights: files.map((f) => p.join(dir, f.name)) };
}

/** Reads the files of weight groups, checking their sizes against the manifest before reading. */
function readGroups(dir: string, groups: readonly WeightsGroup[], field: Field, where: string): Uint8Array {
  const fs = nodeFs(where);
  const p = nodePath(where);
  const parts: Uint8Array[] = [];
  groups.forEach((group, g) => {
    const paths = group.paths.map((name) => p.join(dir, name));
    const sizes = paths.map((file, i) => {
      let size: number | undefined;
      try {
        const stat = fs.statSync(file);
        size = stat.isFile() ? stat.size : undefined;
      } catch (error) {
        field.index(g).get('paths').index(i).error(`names ${file}, which cannot be read: ${(error as Error).message}`);
      }
      return size ?? field.index(g).get('paths').index(i).error(`names ${file}, which is not a file.`);
    });
    const expected = byteLength(group.weights);
    const actual = sizes.reduce((a, b) => a + b, 0);
    if (actual !== expected) {
      throw new LayerwiseError(
        `${paths.join(' + ')}: ${actual} bytes, but ${field.source}'s ${field.where}[${g}] describes ${expected} bytes ` +
          `(${group.weights.length} weights): the file is ${actual < expected ? 'truncated' : 'too long'}. Save the model again.`,
      );
    }
    for (const file of paths) parts.push(fs.readFileSync(file));
  });
  const out = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Loads a model saved by `model.save` or by TF.js (`tf.io` `file://` or `downloads`): a directory,
 * or the path of its `model.json`. Nothing in the files is evaluated: only the layer classes
 * layerwise has are built, every field is checked, and a damaged file fails with an error naming
 * the file and the field. The compile settings come back too, unless `compile: false`.
 */
export async function readModelFiles<M extends LoadableModel>(path: string, options: LoadOptions, make: ModelFactory<M>): Promise<M> {
  const where = 'loadModel';
  const { dir, json } = locate(path, where);
  const fs = nodeFs(where);
  let text: string;
  try {
    text = fs.readFileSync(json, 'utf8');
  } catch (error) {
    throw new LayerwiseError(`${where}: cannot read ${json}: ${(error as Error).message}. Give the directory model.save wrote, or its model.json.`);
  }
  const doc = Field.parse(text, json);
  doc.object('a model.json object ({ modelTopology, weightsManifest, ... })');
  const manifest = doc.get('weightsManifest');
  const weightData = readGroups(dir, readManifest(manifest), manifest, where);
  const state = options.compile === false ? undefined : optimizerManifest(doc);
  const optimizerData = state && readGroups(dir, state.groups, state.field, where);
  const names = { json, weights: `the weight files of ${json}`, optimizer: `the optimizer files of ${json}` };
  return buildModel(doc, weightData, optimizerData, names, options, make);
}
