import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh temporary directory, removed after the test file's tests. */
export function tempDir(prefix = 'layerwise-io-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The parsed model.json of a saved directory. */
export function readModelJSON(dir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
}

export { inputs, randomizeWeights } from '../helpers/random-data';
