import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx, Sequential, setSeed, toOnnx, type Layer, type Tensor } from 'layerwise';
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';
import { inputs, randomizeWeights } from '../helpers';

/**
 * A model of `layers` with seeded random weights, exported: its file is written into `dir` and its
 * path added to `written` (for the ONNX checker's one run over all of them).
 */
export async function exportCase(layers: Layer[], dir: string, written: string[]): Promise<{ model: Sequential; bytes: Uint8Array }> {
  setSeed(4);
  const model = new Sequential({ layers });
  randomizeWeights(model);
  const bytes = await toOnnx(model);
  const path = join(dir, `case-${written.length}.onnx`);
  writeFileSync(path, bytes);
  written.push(path);
  return { model, bytes };
}

/** Runs an ONNX file in ONNX Runtime (onnxruntime-node's CPU runtime, a dev dependency) on `x` (its input `input`), returning its output `output` and that output's dims. */
export async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ data: Float32Array; dims: number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(x.data), [...x.shape]) });
    const output = result.output;
    return { data: output.data as Float32Array, dims: [...output.dims] };
  } finally {
    await session.release();
  }
}

/** The largest absolute difference between two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** The bytes of a tensor's values, to compare predictions bit for bit. */
export function bits(t: Tensor): Uint8Array {
  return new Uint8Array(Float32Array.from(t.data).buffer);
}

/** A Python with the onnx package (Debian's python3-onnx at /usr/bin/python3), if this machine has one. */
export function pythonWithOnnx(): string | undefined {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import onnx'], { encoding: 'utf8' });
  return probe.status === 0 ? python : undefined;
}

/** Runs onnx.checker.check_model (with full_check: shape inference too) on every file in one process; returns what it printed, and its status. */
export function checkWithOnnx(python: string, paths: string[]): { status: number | null; output: string } {
  const script = [
    'import sys, onnx',
    'bad = []',
    'for p in sys.argv[1:]:',
    '    try:',
    '        onnx.checker.check_model(onnx.load(p), full_check=True)',
    '    except Exception as e:',
    '        bad.append(p + ": " + str(e))',
    'print("\\n".join(bad))',
    'sys.exit(1 if bad else 0)',
  ].join('\n');
  const run = spawnSync(python, ['-c', script, ...paths], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}


/**
 * Exports a model of `layers` (as exportCase) and checks, at each batch size, that ONNX Runtime
 * predicts what layerwise predicts (the dims, and the values to 1e-5), and that the file loaded
 * back into layerwise predicts bit for bit the same.
 */
export async function expectRuntimeAgrees(name: string, layers: Layer[], dir: string, written: string[], batches: readonly number[]): Promise<void> {
  const { model, bytes } = await exportCase(layers, dir, written);
  const back = await loadOnnx(bytes);
  for (const batch of batches) {
    const x = inputs([batch, ...model.inputShape!], batch);
    const y = model.predict(x);
    const ort = await runOrt(bytes, x);
    expect(ort.dims, name).toEqual([batch, ...model.outputShape!]);
    expect(maxDiff(ort.data, y.data), name).toBeLessThan(1e-5);
    expect(bits(back.predict(x)), `${name}: exported and imported back`).toEqual(bits(y));
  }
}

/** The ONNX checker (with shape inference) accepts every file of `written`, where python3-onnx is present. */
export function expectCheckerAccepts(written: string[]): void {
  const python = pythonWithOnnx();
  // Without Debian's python3-onnx (npm test needs no Python), the ONNX Runtime checks stand alone.
  if (!python) return;
  const { status, output } = checkWithOnnx(python, written);
  expect(output.trim(), 'onnx.checker.check_model').toBe('');
  expect(status).toBe(0);
}
