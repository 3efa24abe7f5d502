import { LayerwiseError } from '../../util/errors';
import { buildModel, optimizerManifest, serializeModel, type LoadOptions, type SerializeOptions } from './artifacts';
import { GENERATED_BY, WEIGHTS_FILE, type WeightsGroup } from './format';
import { FileRefusedError, formatBytes, nodeFs, nodePath, readRegularFile, regularFileSize, syncDirectory, writeFileAtomic, writeNewFile } from '../../util/fs';
import { boundMessage, describeJSON, Field } from '../json';
import type { LoadableModel, ModelFactory, SavableModel } from '../model-parts';
import { byteLength, findNonFinite, nonFiniteError, readManifest } from './weights';

/** What `save` wrote. */
export interface SaveResult {
  /** The path of `model.json`. */
  modelJSON: string;
  /** The weight files, beside it. */
  weights: string[];
}

/**
 * The largest model.json read (and the largest journal of a save). The weights are in the .bin
 * files, so a real model.json is far smaller: a larger one is damage, or no model.json at all.
 */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;
const MODEL_JSON_LIMIT = `the ${formatBytes(MAX_MODEL_JSON_BYTES)} limit for a model.json (the weights go in the .bin files)`;

/** The directory and the model.json of a path: a directory (TF.js's `file://` form) or a model.json. */
function locate(path: string, where: string): { dir: string; json: string } {
  if (typeof path !== 'string' || path === '') throw new LayerwiseError(`${where}: expected a directory path, but received ${describeJSON(path)}.`);
  const p = nodePath(where);
  const plain = path.startsWith('file://') ? path.slice('file://'.length) : path;
  return plain.endsWith('.json') ? { dir: p.dirname(plain), json: plain } : { dir: plain, json: p.join(plain, 'model.json') };
}

/** A name for this save's weight files that no earlier save used. */
function freshId(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The text of a model.json (or a save's journal): a regular file, no link, at most MAX_MODEL_JSON_BYTES. */
function readText(path: string, where: string): string {
  return new TextDecoder().decode(readRegularFile(path, MAX_MODEL_JSON_BYTES, where, MODEL_JSON_LIMIT));
}

/** Why a file could not be read, after "which" or a file's name: `is a symbolic link (to ...)`, `cannot be read: ENOENT: ...`. */
function whyUnreadable(error: unknown): string {
  if (error instanceof FileRefusedError && error.refused) return error.reason;
  const reason = error instanceof FileRefusedError ? error.reason : (error as Error)?.message;
  return `cannot be read: ${reason}`;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The names of the temporary files of saves to the model.json named `base` (see `saveModel`):
 * its journals (`model.json.tmp-<id>.journal`) and writeFileAtomic's temporary copies of it
 * (`model.json.tmp-<pid>-<time>-<random>`). No other save, and no user, makes such names.
 */
function ownTemporaryFile(base: string): RegExp {
  return new RegExp(`^${escapeRegExp(base)}\\.tmp-[0-9a-z-]+(\\.journal)?$`);
}

/** writeFileAtomic's temporary copies of the weight file `name`. */
function temporaryCopies(name: string, entries: readonly string[]): string[] {
  const pattern = new RegExp(`^${escapeRegExp(name)}\\.tmp-[0-9a-z-]+$`);
  return entries.filter((entry) => pattern.test(entry));
}

/**
 * The weight files a layerwise save recorded in the model.json at `json`: only in a model.json
 * layerwise wrote, only names of layerwise's form (`weights.<id>.bin`). None when it is missing,
 * unreadable or damaged (nothing is removed on a guess).
 */
function recordedFiles(json: string, where: string): string[] {
  const names: string[] = [];
  try {
    const doc = Field.parse(readText(json, where), json);
    if (doc.get('generatedBy').value !== GENERATED_BY) return [];
    for (const group of readManifest(doc.get('weightsManifest'))) names.push(...group.paths);
    // Apart: the weights are still removed when the optimizer's state is unreadable (a newer format).
    for (const group of optimizerManifest(doc)?.groups ?? []) names.push(...group.paths);
  } catch {
    // What was read so far.
  }
  return names.filter((name) => WEIGHTS_FILE.test(name));
}

/** What a save is about to write and to replace, written before either: a crashed save's leftovers are found from it. */
interface Journal {
  layerwiseSave: 1;
  /** The weight files the save writes. */
  writes: string[];
  /** The weight files of the model.json it replaces, removed once the new one is in place. */
  replaces: string[];
}

/** The weight files a journal names (none when it is damaged: a save that crashed writing its journal wrote nothing else yet). */
function journalFiles(path: string, where: string): string[] {
  try {
    const doc = Field.parse(readText(path, where), path);
    if (doc.get('layerwiseSave').value !== 1) return [];
    const names = [...doc.get('writes').array(), ...doc.get('replaces').array()].map((f) => f.value);
    return names.filter((name): name is string => typeof name === 'string' && WEIGHTS_FILE.test(name));
  } catch {
    return [];
  }
}

/**
 * Saves a model in TF.js's Layers format: `model.json` (or the `.json` path given) and its weight
 * files beside it (`weights.<id>.bin`, and `optimizer.<id>.bin` for the optimizer's state).
 *
 * Atomic: the weight files get new names, then `model.json` replaces the old one by rename, and
 * only then are the old weight files removed. A crash or a full disk at any point leaves the old
 * model or the new one, whole. One writer per model.json at a time.
 *
 * A save removes only files of its own: the weight files the model.json it replaces records (when
 * layerwise wrote it), and the leftovers of its own saves that failed or crashed. Before writing,
 * a save writes a journal (`model.json.tmp-<id>.journal`) naming the files it writes and those it
 * replaces; the next save to the same model.json removes what a crashed save's journal names and
 * the model.json no longer needs. Other files in the directory (a user's `weights.important.bin`,
 * another model's `b.json` and its weights) are never touched. A save that fails removes the
 * files it wrote.
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
  const base = p.basename(json);
  const previous = recordedFiles(json, where);
  const id = freshId();
  const files = [{ group: modelJSON.weightsManifest[0], name: `weights.${id}.bin`, data: weightData }];
  const state = modelJSON.userDefinedMetadata.layerwise.optimizerState?.weightsManifest[0];
  if (state && optimizerData) files.push({ group: state, name: `optimizer.${id}.bin`, data: optimizerData });
  const journal = p.join(dir, `${base}.tmp-${id}.journal`);
  const record: Journal = { layerwiseSave: 1, writes: files.map((f) => f.name), replaces: previous };

  let journaled = false;
  const written: string[] = [];
  try {
    writeNewFile(journal, JSON.stringify(record), where);
    journaled = true;
    syncDirectory(dir, where);
    for (const { group, name, data } of files) {
      written.push(name);
      writeFileAtomic(p.join(dir, name), data, where);
      group.paths = [name];
    }
    syncDirectory(dir, where);
    writeFileAtomic(json, JSON.stringify(modelJSON), where);
  } catch (error) {
    // Not saved: the old model.json stands. Remove what this save wrote (writeFileAtomic removed its temporary copies).
    try {
      for (const name of written) fs.rmSync(p.join(dir, name), { force: true });
      if (journaled) fs.rmSync(journal, { force: true });
    } catch {
      // The journal stays: the next save removes what it names.
    }
    throw error;
  }
  syncDirectory(dir, where);

  // The new model is in place: remove the files of the old one, and the leftovers of crashed saves.
  try {
    const kept = new Set(files.map((f) => f.name));
    const entries = fs.readdirSync(dir);
    const own = ownTemporaryFile(base);
    const temporary = entries.filter((name) => own.test(name) && name !== p.basename(journal));
    const crashed = temporary.filter((name) => name.endsWith('.journal')).flatMap((name) => journalFiles(p.join(dir, name), where));
    const stale = [...new Set([...previous, ...crashed])].filter((name) => !kept.has(name));
    for (const name of stale) {
      for (const copy of temporaryCopies(name, entries)) fs.rmSync(p.join(dir, copy), { force: true });
      fs.rmSync(p.join(dir, name), { force: true });
    }
    for (const name of temporary) fs.rmSync(p.join(dir, name), { force: true });
    fs.rmSync(journal, { force: true });
  } catch {
    // Saved; the journal stays, and the next save finishes the cleanup.
  }
  return { modelJSON: json, weights: files.map((f) => p.join(dir, f.name)) };
}

/** A list of files for a message: all of them when few, else the first, the last and the count. */
function fileList(paths: readonly string[]): string {
  return paths.length <= 3 ? paths.join(' + ') : `${paths[0]} + ... + ${paths[paths.length - 1]} (${paths.length} files)`;
}

/**
 * Reads the files of weight groups: regular files only (no link is followed, no FIFO or device
 * opened), their sizes checked against the manifest before any is read, and every float32 value
 * checked to be finite (the error names the file the value is in).
 */
function readGroups(dir: string, groups: readonly WeightsGroup[], field: Field, where: string): Uint8Array {
  const p = nodePath(where);
  const files: { path: string; size: number }[] = [];
  groups.forEach((group, g) => {
    const paths = group.paths.map((name) => p.join(dir, name));
    const sizes = paths.map((file, i) => {
      try {
        return regularFileSize(file, where);
      } catch (error) {
        return field.index(g).get('paths').index(i).error(`names ${file}, which ${whyUnreadable(error)}`);
      }
    });
    const expected = byteLength(group.weights);
    const actual = sizes.reduce((a, b) => a + b, 0);
    if (actual !== expected) {
      throw new LayerwiseError(
        boundMessage(
          `${fileList(paths)}: ${actual} bytes, but ${field.source}'s ${field.where}[${g}] describes ${expected} bytes ` +
            `(${group.weights.length} weights): the file is ${actual < expected ? 'truncated' : 'too long'}. Save the model again.`,
        ),
      );
    }
    paths.forEach((path, i) => files.push({ path, size: sizes[i] }));
  });
  const out = new Uint8Array(files.reduce((n, f) => n + f.size, 0));
  let offset = 0;
  for (const { path, size } of files) {
    let part: Uint8Array;
    try {
      part = readRegularFile(path, size, where, `the ${size} bytes it had a moment before: it changed while being read`);
    } catch (error) {
      throw new LayerwiseError(boundMessage(`${where}: ${path} ${whyUnreadable(error)}`));
    }
    if (part.byteLength !== size) throw new LayerwiseError(`${where}: ${path} changed while being read. Load the model again once it is saved.`);
    out.set(part, offset);
    offset += size;
  }
  const bad = findNonFinite(groups, out);
  if (bad) {
    let start = 0;
    const file = files.find((f) => bad.offset < (start += f.size))!;
    throw nonFiniteError(bad, field, file.path);
  }
  return out;
}

/**
 * Loads a model saved by `model.save` or by TF.js (`tf.io` `file://` or `downloads`): a directory,
 * or the path of its `model.json`. Nothing in the files is evaluated: only the layer classes
 * layerwise has are built, every field is checked, and a damaged file fails with an error naming
 * the file and the field. Only regular files are read: a symbolic link (even one inside the
 * directory), a FIFO or a device fails naming it, and model.json may be at most 64 MiB. The
 * compile settings come back too, unless `compile: false`.
 */
export async function readModelFiles<M extends LoadableModel>(path: string, options: LoadOptions, make: ModelFactory<M>): Promise<M> {
  const where = 'loadModel';
  const { dir, json } = locate(path, where);
  let text: string;
  try {
    text = readText(json, where);
  } catch (error) {
    const refused = error instanceof FileRefusedError && error.refused;
    throw new LayerwiseError(
      boundMessage(
        refused
          ? `${where}: ${json} ${error.reason} Give the directory model.save wrote, or its model.json.`
          : `${where}: cannot read ${json}: ${error instanceof FileRefusedError ? error.reason : (error as Error).message}. Give the directory model.save wrote, or its model.json.`,
      ),
    );
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
