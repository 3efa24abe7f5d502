/**
 * What a save removes: only the weight files that the model.json it replaces records (when
 * layerwise wrote it), and the leftovers of its own saves that failed or crashed, found from their
 * journals. Never a user's file, never another model's files in the same directory.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense, loadModel, Sequential, setSeed, SGD, type Tensor } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs, readModelJSON, tempDir } from './helpers';

const dir = tempDir('layerwise-cleanup-');
const x = inputs([5, 3]);

async function trained(seed: number): Promise<Sequential> {
  setSeed(seed);
  const m = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3] }), new Dense({ units: 2 })] });
  m.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
  await m.fit(x, inputs([5, 2], seed), { epochs: 1, verbose: 0 });
  return m;
}

const predictionOf = (m: Sequential) => bytesOf(m.predict(x) as Tensor);
const list = (path: string) => fs.readdirSync(path).sort();
/** The weight files a model.json records. */
function recorded(json: string): string[] {
  const doc = JSON.parse(fs.readFileSync(json, 'utf8'));
  return [...doc.weightsManifest, ...(doc.userDefinedMetadata.layerwise.optimizerState?.weightsManifest ?? [])].flatMap((g: { paths: string[] }) => g.paths);
}

function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

afterEach(() => vi.restoreAllMocks());

describe('a save removes only what its own saves wrote', () => {
  it("keeps a user's files, even those named like layerwise's (weights.important.bin, optimizer.old.bin)", async () => {
    const path = join(dir, 'user-files');
    const a = await trained(1);
    await a.save(path);
    const mine = { 'weights.important.bin': 'mine', 'optimizer.old.bin': 'mine', 'weights.bin': 'mine', 'notes.txt': 'mine', 'model.json.bak': 'mine' };
    for (const [name, text] of Object.entries(mine)) fs.writeFileSync(join(path, name), text);
    const first = recorded(join(path, 'model.json'));

    const b = await trained(2);
    await b.save(path);
    await b.save(path);
    for (const [name, text] of Object.entries(mine)) expect(fs.readFileSync(join(path, name), 'utf8'), name).toBe(text);
    // The first save's files are gone (the second save replaced them), and so are the second's.
    expect(list(path)).toEqual(['model.json', ...Object.keys(mine), ...recorded(join(path, 'model.json'))].sort());
    for (const name of first) expect(fs.existsSync(join(path, name))).toBe(false);
    expect(predictionOf(await loadModel(path))).toEqual(predictionOf(b));
  });

  it("two models in one directory (a.json, b.json) keep each other's weights", async () => {
    const path = join(dir, 'two-models');
    const a = await trained(3);
    const b = await trained(4);
    await a.save(join(path, 'a.json'));
    await b.save(join(path, 'b.json'));
    expect(predictionOf(await loadModel(join(path, 'a.json')))).toEqual(predictionOf(a));
    // Saving a again removes a's old files only.
    const aBefore = recorded(join(path, 'a.json'));
    await a.save(join(path, 'a.json'));
    expect(predictionOf(await loadModel(join(path, 'b.json')))).toEqual(predictionOf(b));
    expect(predictionOf(await loadModel(join(path, 'a.json')))).toEqual(predictionOf(a));
    expect(list(path)).toEqual(['a.json', 'b.json', ...recorded(join(path, 'a.json')), ...recorded(join(path, 'b.json'))].sort());
    for (const name of aBefore) expect(fs.existsSync(join(path, name))).toBe(false);
  });

  it("a model.json layerwise did not write: its files stay (they are not layerwise's to remove)", async () => {
    const path = join(dir, 'foreign');
    const a = await trained(5);
    await a.save(path);
    const json = readModelJSON(path);
    json.generatedBy = 'TensorFlow.js tfjs-layers v4.22.0';
    fs.writeFileSync(join(path, 'model.json'), JSON.stringify(json));
    const theirs = recorded(join(path, 'model.json'));
    await a.save(path);
    for (const name of theirs) expect(fs.existsSync(join(path, name)), name).toBe(true);
  });

  it('a failed save removes the files it wrote, and nothing else', async () => {
    const path = join(dir, 'failed');
    const a = await trained(6);
    await a.save(path);
    fs.writeFileSync(join(path, 'weights.important.bin'), 'mine');
    const before = list(path);
    // Fail the last step: model.json's rename into place, once the weight files are written.
    const rename = fs.renameSync;
    vi.spyOn(fs, 'renameSync').mockImplementation(((from: fs.PathLike, to: fs.PathLike) => {
      if (String(to).endsWith('model.json')) throw diskFull();
      return rename(from, to);
    }) as never);
    await expect((await trained(7)).save(path)).rejects.toThrow(/could not write .*failed\/model\.json: ENOSPC/);
    vi.restoreAllMocks();
    expect(list(path)).toEqual(before);
    expect(predictionOf(await loadModel(path))).toEqual(predictionOf(a));
  });

  it("a crashed save's leftovers are removed by the next save to the same model.json, not by a save to another", async () => {
    const path = join(dir, 'crashed');
    const a = await trained(8);
    await a.save(join(path, 'a.json'));
    fs.writeFileSync(join(path, 'weights.important.bin'), 'mine');
    const clean = list(path);

    // Crash while writing a.json: every change to the disk from then on fails (the process is gone).
    let dead = false;
    for (const name of ['writeFileSync', 'renameSync', 'rmSync', 'openSync', 'fsyncSync', 'closeSync'] as const) {
      const original = fs[name] as (...args: unknown[]) => unknown;
      vi.spyOn(fs, name).mockImplementation(((...args: unknown[]) => {
        if (name === 'renameSync' && String(args[1]).endsWith('a.json')) dead = true;
        if (dead) throw diskFull();
        return original(...args);
      }) as never);
    }
    await expect((await trained(9)).save(join(path, 'a.json'))).rejects.toThrow(/ENOSPC/);
    vi.restoreAllMocks();
    const leftovers = list(path).filter((name) => !clean.includes(name));
    expect(leftovers.some((name) => /^a\.json\.tmp-[0-9a-z]+\.journal$/.test(name)), leftovers.join()).toBe(true);
    expect(leftovers.some((name) => /^weights\.[a-z0-9]+\.bin$/.test(name))).toBe(true);
    expect(predictionOf(await loadModel(join(path, 'a.json')))).toEqual(predictionOf(a));

    // A save of another model in the directory leaves them; the next save of a.json removes them.
    const b = await trained(10);
    await b.save(join(path, 'b.json'));
    for (const name of leftovers) expect(fs.existsSync(join(path, name)), name).toBe(true);
    await a.save(join(path, 'a.json'));
    expect(list(path)).toEqual(['a.json', 'b.json', 'weights.important.bin', ...recorded(join(path, 'a.json')), ...recorded(join(path, 'b.json'))].sort());
  });
});
