/**
 * Model files made to hurt the loader: special files and links (a model.json that is /dev/zero or
 * a FIFO, a weight file linked out of the directory), documents nested 10⁵ deep or with arrays
 * and strings of 10⁷ entries, and weights that are not finite. Each fails with a LayerwiseError
 * that names the file and the field, in bounded time and with a message of bounded length.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense, LayerwiseError, LeakyReLU, loadModel, modelFromJSON, Sequential, serializeModel, setSeed, SGD, type ModelArtifacts } from 'layerwise';
import { inputs, tempDir } from './helpers';

const dir = tempDir('layerwise-hostile-');
const ROOT = resolve(__dirname, '../..');
const posix = process.platform !== 'win32';

let model: Sequential;
let saved: ModelArtifacts;
beforeAll(async () => {
  setSeed(5);
  model = new Sequential({
    name: 'net',
    layers: [new Dense({ name: 'hidden', units: 3, inputShape: [4], activation: new LeakyReLU({ alpha: 0.2 }) }), new Dense({ name: 'out', units: 2 })],
  });
  model.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
  await model.fit(inputs([6, 4]), inputs([6, 2], 2), { epochs: 1, verbose: 0 });
  saved = serializeModel(model);
});

let saves = 0;
/** A fresh save of the model: its directory and its files. */
async function savedModel(): Promise<{ path: string; json: string; weights: string; optimizer: string }> {
  const path = join(dir, `model-${++saves}`);
  await model.save(path);
  const files = readdirSync(path);
  const file = (prefix: string) => join(path, files.find((f) => f.startsWith(prefix))!);
  return { path, json: join(path, 'model.json'), weights: file('weights.'), optimizer: file('optimizer.') };
}

/** Loads from disk and returns the LayerwiseError's message. */
async function loadError(path: string, options?: { compile?: boolean }): Promise<string> {
  try {
    await loadModel(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(LayerwiseError);
    return (error as Error).message;
  }
  throw new Error('expected the load to fail');
}

/** Loads from memory and returns the LayerwiseError's message (never a RangeError). */
function memoryError(json: string | object, weightData: Uint8Array = saved.weightData, optimizerData = saved.optimizerData): string {
  try {
    modelFromJSON(json, weightData, { optimizerData });
  } catch (error) {
    expect(error).toBeInstanceOf(LayerwiseError);
    return (error as Error).message;
  }
  throw new Error('expected the load to fail');
}

/** Makes a FIFO (Node has no call for it: mkfifo(1)). */
function mkfifo(path: string): Promise<void> {
  return new Promise((done, fail) => execFile('mkfifo', [path], (error) => (error ? fail(error) : done())));
}

interface ChildResult {
  outcome: { name?: string; message?: string; loaded?: boolean } | undefined;
  ms: number;
  killed: boolean;
  stderr: string;
}

/**
 * `loadModel(path)` in a child process (through ts-node, as the examples run), killed after 20 s
 * and limited to 8 GiB of address space: a loader that hangs or grows without end fails the test
 * instead of taking the test run (or the machine) with it.
 */
function loadInChild(path: string): Promise<ChildResult> {
  const script =
    "require('layerwise').loadModel(process.argv[1]).then(" +
    '() => console.log(JSON.stringify({ loaded: true })), ' +
    '(e) => console.log(JSON.stringify({ name: e && e.name, message: e && e.message })))';
  const node = [process.execPath, '-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', '-e', script, path];
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      '/bin/sh',
      ['-c', 'ulimit -v 8388608 2>/dev/null; exec "$0" "$@"', ...node],
      { cwd: ROOT, timeout: 20_000, killSignal: 'SIGKILL', env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        let outcome: ChildResult['outcome'];
        try {
          outcome = JSON.parse(line);
        } catch {
          outcome = undefined;
        }
        done({ outcome, ms: Date.now() - started, killed: Boolean(error && (error as { killed?: boolean }).killed), stderr });
      },
    );
  });
}

describe.skipIf(!posix)('special files: loadModel reads regular files only, in bounded time', () => {
  it('model.json as a link to /dev/zero fails at once, without reading (a child process, killed after 20 s)', async () => {
    const { path, json } = await savedModel();
    unlinkSync(json);
    symlinkSync('/dev/zero', json);
    const result = await loadInChild(path);
    expect(result.killed, result.stderr).toBe(false);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.outcome?.name, result.stderr).toBe('LayerwiseError');
    expect(result.outcome?.message).toMatch(/^loadModel: .*model-\d+\/model\.json is a symbolic link \(to \/dev\/zero\)\. Links are not followed/);
  });

  it('model.json as a FIFO fails at once instead of blocking (a child process, killed after 20 s)', async () => {
    const { path, json } = await savedModel();
    unlinkSync(json);
    await mkfifo(json);
    const result = await loadInChild(path);
    expect(result.killed, result.stderr).toBe(false);
    expect(result.outcome?.name, result.stderr).toBe('LayerwiseError');
    expect(result.outcome?.message).toMatch(/^loadModel: .*model\.json is a named pipe \(FIFO\), not a regular file\./);
  });

  it('a weight file that is a FIFO fails at once instead of blocking (a child process, killed after 20 s)', async () => {
    const { path, weights } = await savedModel();
    unlinkSync(weights);
    await mkfifo(weights);
    const result = await loadInChild(path);
    expect(result.killed, result.stderr).toBe(false);
    expect(result.outcome?.name, result.stderr).toBe('LayerwiseError');
    expect(result.outcome?.message).toMatch(/model\.json: weightsManifest\[0\]\.paths\[0\] names .*weights\.[a-z0-9]+\.bin, which is a named pipe \(FIFO\), not a regular file\./);
  });

  it('a weight file linked to a file outside the directory is not read', async () => {
    const { path, weights } = await savedModel();
    const outside = join(dir, 'secret.bin');
    writeFileSync(outside, readFileSync(weights));
    unlinkSync(weights);
    symlinkSync(outside, weights);
    expect(await loadError(path)).toMatch(/weightsManifest\[0\]\.paths\[0\] names .*weights\.[a-z0-9]+\.bin, which is a symbolic link \(to .*secret\.bin\)\. Links are not followed: put the file itself in its place\./);
  });

  it('links inside the directory are refused too (model.json, an optimizer file), by the path given or the directory', async () => {
    const { path, json, optimizer } = await savedModel();
    writeFileSync(join(path, 'real.json'), readFileSync(json));
    unlinkSync(json);
    symlinkSync('real.json', json);
    expect(await loadError(path)).toMatch(/^loadModel: .*model\.json is a symbolic link \(to real\.json\)/);
    expect(await loadError(json)).toMatch(/is a symbolic link \(to real\.json\)/);
    // The file itself loads; an optimizer file linked within the directory is refused.
    writeFileSync(join(path, 'state.bin'), readFileSync(optimizer));
    unlinkSync(optimizer);
    symlinkSync('state.bin', optimizer);
    expect(await loadError(join(path, 'real.json'))).toMatch(/optimizerState\.weightsManifest\[0\]\.paths\[0\] names .*optimizer\.[a-z0-9]+\.bin, which is a symbolic link \(to state\.bin\)/);
    expect((await loadModel(join(path, 'real.json'), { compile: false })).name).toBe('net');
  });

  it('a directory or a device in place of a file is refused without being opened', async () => {
    const { path, json, weights } = await savedModel();
    unlinkSync(weights);
    mkdirSync(weights);
    expect(await loadError(path)).toMatch(/paths\[0\] names .*weights\.[a-z0-9]+\.bin, which is a directory, not a regular file\./);
    expect(await loadError('/dev/null.json')).toMatch(/^loadModel: \/dev\/null\.json|cannot read \/dev\/null\.json/);
    unlinkSync(json);
    mkdirSync(json);
    expect(await loadError(path)).toMatch(/^loadModel: .*model\.json is a directory, not a regular file\./);
  });
});

describe('size and nesting limits', () => {
  it('a model.json over 64 MiB is refused before it is read, naming the limit', async () => {
    const { path, json } = await savedModel();
    truncateSync(json, 65 * 1024 * 1024); // sparse: no 65 MiB written
    expect(await loadError(path)).toMatch(/^loadModel: .*model\.json is 65 MiB, more than the 64 MiB limit for a model\.json \(the weights go in the \.bin files\)\./);
  });

  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('arrays nested 10⁵ deep fail with a LayerwiseError naming the field, not a RangeError (text, object, disk)', async () => {
    const text = JSON.stringify(saved.modelJSON);
    const cases: [string, RegExp][] = [
      [text.replace('"units":3', `"units":${deep(1e5)}`), /^model\.json: modelTopology\.config\.layers\[0\]\.config\.units\[0\]\[0\].*\.\.\. nests arrays and objects more than 64 deep/],
      [text.replace('"shape":[4,3]', `"shape":${deep(1e5)}`), /^model\.json: weightsManifest\[0\]\.weights\[0\]\.shape\[0\].* nests arrays and objects more than 64 deep/],
      [text.replace('"layerwise":{', `"extra":${deep(1e5)},"layerwise":{`), /^model\.json: userDefinedMetadata\.extra\[0\].* more than 64 deep/],
      [deep(1e5), /^model\.json: \[0\]\[0\].* more than 64 deep.* The file is damaged or is not a model\.json\./],
      [text.replace('"units":3', `"units":${'{"a":'.repeat(1e5)}1${'}'.repeat(1e5)}`), /layers\[0\]\.config\.units\.a\.a\.a.* more than 64 deep/],
    ];
    for (const [json, message] of cases) expect(memoryError(json)).toMatch(message);

    // The in-memory form: nested objects, and a cycle.
    const nested: unknown[] = [];
    let inner = nested;
    for (let i = 0; i < 1e5; i++) inner = (inner[0] = []) as unknown[];
    const object = JSON.parse(text);
    object.modelTopology.config.layers[0].config.units = nested;
    expect(memoryError(object)).toMatch(/^model\.json: modelTopology\.config\.layers\[0\]\.config\.units\[0\].* more than 64 deep/);
    const cyclic = JSON.parse(text);
    cyclic.modelTopology.config.layers[0].config.units = cyclic.modelTopology.config.layers[0].config;
    expect(memoryError(cyclic)).toMatch(/layers\[0\]\.config\.units must be a positive integer, but is \{"activation":"linear",.*\.\.\.\.$/);

    const { path, json } = await savedModel();
    writeFileSync(json, readFileSync(json, 'utf8').replace('"units":3', `"units":${deep(1e5)}`));
    expect(await loadError(path)).toMatch(/model-\d+\/model\.json: modelTopology\.config\.layers\[0\]\.config\.units\[0\].* more than 64 deep/);
  });

  it('a shape of 10⁷ entries gives a short message (it gave 30 million characters)', () => {
    const text = JSON.stringify(saved.modelJSON).replace('"shape":[4,3]', `"shape":[${new Array(1e7 - 2).fill(1).join(',')},4,3]`);
    const message = memoryError(text);
    expect(message.length).toBeLessThan(2000);
    expect(message).toMatch(/^model\.json: weightsManifest\[0\]\.weights\[0\]\.shape must be a shape of at most 32 dimensions \(it has 10000000\), but is \[1,1,1,.*\.\.\.\.$/);
  });

  it('long values and lists never make a long message: strings, arrays, the list of known keys', () => {
    const text = JSON.stringify(saved.modelJSON);
    const huge = memoryError(text.replace('"units":2', `"units":[${new Array(1e7).fill(3).join(',')}]`));
    expect(huge).toMatch(/layers\[2\]\.config\.units must be a positive integer, but is \[3,3,3,.*\.\.\.\.$/);
    expect(huge.length).toBeLessThan(2000);

    const longName = memoryError(text.replace('"activation":"linear"', `"activation":"${'x'.repeat(1e7)}"`));
    expect(longName).toMatch(/config\.activation must be an activation name \(a string\) of at most 4096 characters \(it has 10000000\), but is "xxx.*\.\.\.\.$/);
    expect(longName.length).toBeLessThan(2000);

    // 4096 characters are read, and the message that quotes them is cut in the middle, keeping its end.
    const quoted = memoryError(text.replace('"activation":"linear"', `"activation":"${'x'.repeat(4096)}"`));
    expect(quoted.length).toBeLessThanOrEqual(1000);
    expect(quoted).toMatch(/^model\.json: modelTopology\.config\.layers\[0\]\.config\.activation names the activation "x+ \[\.\.\. \d+ characters left out \.\.\.\] .*Known: .*\.$/);

    const layers = JSON.parse(text);
    layers.modelTopology.config.layers = new Array(1_000_001).fill(0);
    expect(memoryError(layers)).toMatch(/^model\.json: modelTopology\.config\.layers must be an array of layers of at most 1000000 elements \(it has 1000001\), but is \[0,0,0/);
  });

  it('small values are shown whole, as JSON (and a NaN of an in-memory document as NaN)', () => {
    const text = JSON.stringify(saved.modelJSON);
    expect(memoryError(text.replace('"units":3', '"units":[3,-1]'))).toMatch(/units must be a positive integer, but is \[3,-1\]\.$/);
    expect(memoryError(text.replace('"units":3', '"units":{"a":null,"b":"c"}'))).toMatch(/but is \{"a":null,"b":"c"\}\.$/);
    const object = JSON.parse(text);
    object.modelTopology.config.layers[0].config.units = NaN;
    expect(memoryError(object)).toMatch(/units must be a positive integer, but is NaN\.$/);
    delete object.modelTopology.config.layers[0].config.units;
    expect(memoryError(object)).toMatch(/units must be set \(Dense has no default for units\), but is missing\.$/);
  });
});

describe('weights and optimizer state must be finite', () => {
  /** A copy of `data` with the float32 at `index` set to `value`. */
  const withValue = (data: Uint8Array, index: number, value: number): Uint8Array => {
    const out = new Uint8Array(data); // a copy (a Buffer's slice would share its memory)
    new DataView(out.buffer).setFloat32(index * 4, value, true);
    return out;
  };

  it('in memory: NaN or ±Infinity in the weights or the optimizer state is refused, naming the data and the weight', () => {
    expect(memoryError(saved.modelJSON, withValue(saved.weightData, 1, NaN))).toMatch(
      /^weightData: the weight "hidden\/kernel" \(model\.json's weightsManifest\[0\]\.weights\[0\], shape \[4, 3\]\) holds NaN at index 1: weights must be finite numbers\. The file is damaged/,
    );
    // hidden/kernel (12 values), hidden/bias (3), hidden's alpha: the bias's second value.
    expect(memoryError(saved.modelJSON, withValue(saved.weightData, 13, -Infinity))).toMatch(/^weightData: the weight "hidden\/bias" .* holds -Infinity at index 1/);
    expect(memoryError(saved.modelJSON, saved.weightData, withValue(saved.optimizerData!, 0, Infinity))).toMatch(
      /^optimizerData: the weight "hidden\/kernel\/\w+" \(model\.json's userDefinedMetadata\.layerwise\.optimizerState\.weightsManifest\[0\]\.weights\[0\], shape \[4, 3\]\) holds Infinity at index 0/,
    );
    // Finite values load (and the model predicts as the saved one did).
    const copy = modelFromJSON(saved.modelJSON, saved.weightData, { optimizerData: saved.optimizerData });
    expect(copy.predict(inputs([2, 4]))).toBeAllClose(model.predict(inputs([2, 4])), { rtol: 0, atol: 0 });
  });

  it('on disk: the error names the .bin file that holds the value', async () => {
    const { path, weights, optimizer } = await savedModel();
    const good = readFileSync(weights);
    writeFileSync(weights, withValue(good, 2, NaN));
    expect(await loadError(path)).toMatch(/^.*model-\d+\/weights\.[a-z0-9]+\.bin: the weight "hidden\/kernel" \(.*model\.json's weightsManifest\[0\]\.weights\[0\], shape \[4, 3\]\) holds NaN at index 2/);
    writeFileSync(weights, good);
    writeFileSync(optimizer, withValue(readFileSync(optimizer), 3, Infinity));
    expect(await loadError(path)).toMatch(/\/optimizer\.[a-z0-9]+\.bin: the weight "hidden\/kernel\/\w+" .* holds Infinity at index 3/);
    // Without the compile settings the optimizer file is not read: the model loads.
    expect((await loadModel(path, { compile: false })).name).toBe('net');
  });
});
