import fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Dense, LeakyReLU, loadModel, Sequential, setSeed, SGD, type Tensor } from 'layerwise';
import { bytesOf } from '../helpers/contract';
import { inputs, tempDir } from './helpers';

const dir = tempDir();
const x = inputs([5, 3]);

/** The file-system calls a save makes that change the disk (the module object layerwise reads fs from). */
const MUTATING = ['mkdirSync', 'openSync', 'writeFileSync', 'fsyncSync', 'closeSync', 'renameSync', 'rmSync'] as const;
type Mutating = (typeof MUTATING)[number];

function diskFull(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

/**
 * Makes the `step`-th change to the disk fail. A write that fails writes half its data first, as a
 * full disk does. With `crash`, every change after it fails too: the process is gone, so nothing
 * is cleaned up. Returns the number of changes attempted, as a getter.
 */
function failAt(step: number, { crash }: { crash: boolean }): () => number {
  let calls = 0;
  let dead = false;
  for (const name of MUTATING) {
    const original = fs[name] as (...args: unknown[]) => unknown;
    vi.spyOn(fs, name as Mutating).mockImplementation(((...args: unknown[]) => {
      calls++;
      if (dead || calls === step) {
        const failing = !dead;
        dead = crash;
        if (name === 'writeFileSync' && failing) {
          const data = args[1] as string | Uint8Array;
          original(args[0], data.slice(0, Math.floor(data.length / 2)));
        }
        throw diskFull();
      }
      return original(...args);
    }) as never);
  }
  return () => calls;
}

function model(seed: number): Sequential {
  setSeed(seed);
  const m = new Sequential({ layers: [new Dense({ units: 4, inputShape: [3], activation: new LeakyReLU({ alpha: 0.2 }) }), new Dense({ units: 2 })] });
  m.compile({ optimizer: new SGD({ momentum: 0.9 }), loss: 'mse' });
  return m;
}

async function trained(seed: number): Promise<Sequential> {
  const m = model(seed);
  await m.fit(x, inputs([5, 2], seed), { epochs: 1, verbose: 0 });
  return m;
}

const predictionOf = (m: Sequential) => bytesOf(m.predict(x) as Tensor);

afterEach(() => vi.restoreAllMocks());

describe('saving is atomic', () => {
  it('a full disk while writing model.json leaves the old model loadable, and no temporary file behind', async () => {
    const path = join(dir, 'full-disk');
    const old = await trained(1);
    await old.save(path);
    const before = fs.readdirSync(path).sort();

    // Fail the write of model.json (its content tells it from the journal's and the weights').
    const write = fs.writeFileSync;
    vi.spyOn(fs, 'writeFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, data: string | Uint8Array) => {
      if (typeof data === 'string' && data.startsWith('{"modelTopology"')) {
        write(file, data.slice(0, 10));
        throw diskFull();
      }
      return write(file, data);
    }) as never);
    await expect((await trained(2)).save(path)).rejects.toThrow(/sequential_\d+\.save: could not write .*model\.json: ENOSPC: no space left on device/);
    vi.restoreAllMocks();

    expect(predictionOf(await loadModel(path))).toEqual(predictionOf(old));
    // The failed save removed what it wrote (its weight files, its journal): the directory is as it was.
    const after = fs.readdirSync(path);
    expect(after.filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(after.sort()).toEqual(before);
  });

  it('a crash at any step of a save leaves the old model or the new one, whole', async () => {
    const path = join(dir, 'crash');
    const old = await trained(3);
    const next = await trained(4);
    await old.save(path);
    // Count the steps of a save over a saved model (as below), so that every step is crashed, the cleanup's too.
    await old.save(join(dir, 'count'));
    const count = failAt(Infinity, { crash: true });
    await next.save(join(dir, 'count'));
    const steps = count();
    vi.restoreAllMocks();
    expect(steps).toBeGreaterThan(10);

    const outcomes = new Set<string>();
    for (let step = 1; step <= steps; step++) {
      await old.save(path);
      failAt(step, { crash: true });
      await next.save(path).catch(() => undefined);
      vi.restoreAllMocks();
      const loaded = predictionOf(await loadModel(path));
      const which = loaded.join() === predictionOf(next).join() ? 'new' : loaded.join() === predictionOf(old).join() ? 'old' : 'neither';
      expect(which, `crash at step ${step} of ${steps}`).not.toBe('neither');
      outcomes.add(which);
    }
    expect([...outcomes].sort()).toEqual(['new', 'old']);

    // The next save clears what the crashes left behind.
    await next.save(path);
    expect(fs.readdirSync(path).filter((f) => !/^(model\.json|weights\.[a-z0-9]+\.bin|optimizer\.[a-z0-9]+\.bin)$/.test(f))).toEqual([]);
    expect(fs.readdirSync(path)).toHaveLength(3);
  });
});
