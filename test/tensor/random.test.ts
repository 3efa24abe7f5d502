import { afterEach, describe, expect, it } from 'vitest';
import { randomNormal, randomUniform, Rng, setSeed, truncatedNormal } from 'layerwise';
import { DEFAULT_SEED, rngFor } from '../../src/tensor/random';

/** Sample mean and standard deviation, in float64. */
function moments(data: ArrayLike<number>): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  const mean = sum / data.length;
  let sq = 0;
  for (let i = 0; i < data.length; i++) sq += (data[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / data.length) };
}

function draws(n: number, next: () => number): number[] {
  return Array.from({ length: n }, next);
}

// setSeed changes the global stream: put it back so no test depends on another's seed.
afterEach(() => setSeed(DEFAULT_SEED));

describe('Rng', () => {
  it('gives bit-identical streams for the same seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    expect(draws(200, () => a.uniform())).toStrictEqual(draws(200, () => b.uniform()));
    expect(draws(201, () => a.normal())).toStrictEqual(draws(201, () => b.normal()));
    expect(draws(50, () => a.int(10))).toStrictEqual(draws(50, () => b.int(10)));
    const c = new Rng('layerwise');
    const d = new Rng('layerwise');
    expect(draws(20, () => c.normal())).toStrictEqual(draws(20, () => d.normal()));
  });

  it('gives different streams for different seeds', () => {
    const one = new Rng(1);
    const two = new Rng(2);
    const fromOne = draws(20, () => one.uniform());
    const fromTwo = draws(20, () => two.uniform());
    expect(new Set([...fromOne, ...fromTwo]).size).toBe(40);
    const n1 = new Rng(1);
    const n2 = new Rng(2);
    expect(draws(20, () => n1.normal())).not.toEqual(draws(20, () => n2.normal()));
  });

  it('treats a number seed and its string as the same seed', () => {
    expect(new Rng(7).uniform()).toBe(new Rng('7').uniform());
  });

  it('draws uniforms in [0, 1) and integers in [0, n)', () => {
    const rng = new Rng(3);
    const u = draws(5000, () => rng.uniform());
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const ints = draws(5000, () => rng.int(6));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  });

  it('fork starts a reproducible stream, independent of its parent', () => {
    const a = new Rng(5).fork();
    const b = new Rng(5).fork();
    expect(draws(10, () => a.uniform())).toStrictEqual(draws(10, () => b.uniform()));
    const parent = new Rng(5);
    const child = parent.fork();
    expect(draws(10, () => child.uniform())).not.toEqual(draws(10, () => parent.uniform()));
  });

  it('shuffle permutes in place, reproducibly', () => {
    const x = Int32Array.from({ length: 50 }, (_, i) => i);
    const y = Int32Array.from({ length: 50 }, (_, i) => i);
    expect(new Rng(9).shuffle(x)).toBe(x);
    new Rng(9).shuffle(y);
    expect(Array.from(x)).toEqual(Array.from(y));
    expect(Array.from(x).sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(x)).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

describe('randomNormal, randomUniform, truncatedNormal', () => {
  it('are bit-identical for generators with the same seed', () => {
    expect(randomNormal([10, 10], 0, 1, new Rng(8)).data).toStrictEqual(randomNormal([10, 10], 0, 1, new Rng(8)).data);
    expect(randomUniform([7], -1, 1, new Rng(8)).data).toStrictEqual(randomUniform([7], -1, 1, new Rng(8)).data);
    expect(truncatedNormal([9], 0, 1, new Rng(8)).data).toStrictEqual(truncatedNormal([9], 0, 1, new Rng(8)).data);
    expect(randomNormal([10], 0, 1, new Rng(8)).data).not.toEqual(randomNormal([10], 0, 1, new Rng(9)).data);
  });

  it('randomNormal has the requested mean and standard deviation over 20k samples', () => {
    // Standard error of the mean: std / sqrt(20000) ≈ 0.007 · std. Allow about 4 of them.
    const standard = moments(randomNormal([20_000], 0, 1, new Rng(21)).data);
    expect(Math.abs(standard.mean)).toBeLessThan(0.03);
    expect(Math.abs(standard.std - 1)).toBeLessThan(0.03);
    const shifted = moments(randomNormal([200, 100], 2, 3, new Rng(22)).data);
    expect(Math.abs(shifted.mean - 2)).toBeLessThan(0.09);
    expect(Math.abs(shifted.std - 3)).toBeLessThan(0.09);
  });

  it('randomNormal fills the tails like a normal', () => {
    // P(|z| > 2) = 0.0455; over 20k samples expect 910 ± 30.
    const data = randomNormal([20_000], 0, 1, new Rng(23)).data;
    const beyondTwo = data.filter((v) => Math.abs(v) > 2).length;
    expect(beyondTwo).toBeGreaterThan(790);
    expect(beyondTwo).toBeLessThan(1030);
  });

  it('randomUniform stays in [min, max) and has mean (min + max) / 2', () => {
    const data = randomUniform([20_000], -3, 5, new Rng(24)).data;
    expect(Math.min(...data)).toBeGreaterThanOrEqual(-3);
    expect(Math.max(...data)).toBeLessThanOrEqual(5);
    // Standard deviation of U(-3, 5) is 8 / sqrt(12) ≈ 2.31; standard error ≈ 0.016.
    expect(Math.abs(moments(data).mean - 1)).toBeLessThan(0.07);
    expect(Math.abs(moments(data).std - 8 / Math.sqrt(12))).toBeLessThan(0.05);
  });

  it('truncatedNormal stays within two standard deviations and reaches close to both', () => {
    const mean = 1;
    const stddev = 0.5;
    const data = truncatedNormal([20_000], mean, stddev, new Rng(25)).data;
    expect(Math.min(...data)).toBeGreaterThanOrEqual(mean - 2 * stddev);
    expect(Math.max(...data)).toBeLessThanOrEqual(mean + 2 * stddev);
    expect(Math.min(...data)).toBeLessThan(mean - 1.9 * stddev);
    expect(Math.max(...data)).toBeGreaterThan(mean + 1.9 * stddev);
    // A unit normal truncated to [-2, 2] has standard deviation 0.8796.
    const m = moments(data);
    expect(Math.abs(m.mean - mean)).toBeLessThan(0.015);
    expect(Math.abs(m.std - 0.8796 * stddev)).toBeLessThan(0.015);
  });

  it('return Float32 tensors of the requested shape', () => {
    const t = randomNormal([2, 3, 4], 0, 1, new Rng(1));
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.length).toBe(24);
  });
});

describe('setSeed', () => {
  it('makes the global stream reproducible', () => {
    setSeed(123);
    const a = randomNormal([50]).data;
    const b = randomUniform([5]).data;
    setSeed(123);
    expect(randomNormal([50]).data).toStrictEqual(a);
    expect(randomUniform([5]).data).toStrictEqual(b);
  });

  it('gives different numbers for different seeds', () => {
    setSeed(123);
    const a = randomNormal([50]).data;
    setSeed(124);
    expect(randomNormal([50]).data).not.toEqual(a);
  });

  it('successive draws from the global stream differ', () => {
    setSeed(5);
    expect(randomNormal([10]).data).not.toEqual(randomNormal([10]).data);
  });

  it('accepts string seeds', () => {
    setSeed('abc');
    const a = randomUniform([10]).data;
    setSeed('abc');
    expect(randomUniform([10]).data).toStrictEqual(a);
  });

  it('rngFor with a seed ignores the global stream', () => {
    setSeed(1);
    const a = rngFor(99).uniform();
    setSeed(2);
    expect(rngFor(99).uniform()).toBe(a);
    expect(a).toBe(new Rng(99).uniform());
  });
});
