import { afterEach, describe, expect, it } from 'vitest';
// The namespace that src/index.ts exports as `datasets`, imported directly so that these tests
// load nothing but the data module and the tensors.
import * as datasets from '../../src/data';
import { DEFAULT_SEED, setSeed } from '../../src/tensor/random';
import { tensor, type Tensor } from '../../src/tensor/tensor';

afterEach(() => setSeed(DEFAULT_SEED));

/** The bytes of a tensor's data, to compare bit for bit. */
function bits(t: Tensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Count of each label value. */
function counts(y: Tensor): Map<number, number> {
  const m = new Map<number, number>();
  for (const v of y.data) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Mean and standard deviation (population) of `values`, in float64. */
function moments(values: number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std };
}

/** The rows of an [N, F] tensor whose label is `c`. */
function rowsOf(x: Tensor, y: Tensor, c: number): number[][] {
  const f = x.shape[1];
  const rows: number[][] = [];
  for (let i = 0; i < x.shape[0]; i++) if (y.data[i] === c) rows.push(Array.from(x.data.subarray(i * f, (i + 1) * f)));
  return rows;
}

const generators = {
  spirals: (seed?: number) => datasets.spirals({ seed }),
  moons: (seed?: number) => datasets.moons({ seed }),
  circles: (seed?: number) => datasets.circles({ seed }),
  blobs: (seed?: number) => datasets.blobs({ seed }),
};

describe('the datasets namespace', () => {
  it('exports the toy datasets, the MNIST loader and the helpers', () => {
    for (const name of ['xor', 'spirals', 'moons', 'circles', 'blobs', 'loadMnist', 'digitToAscii', 'oneHot']) {
      expect(typeof (datasets as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('xor: the four points and their labels [4, 1]', () => {
    const { x, y } = datasets.xor();
    expect(Array.from(x.data)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(y.shape).toEqual([4, 1]);
    expect(Array.from(y.data)).toEqual([0, 1, 1, 0]);
  });
});

describe.each(Object.entries(generators))('%s: seeded', (_name, make) => {
  it('the same seed gives the same bits; another seed other points, the same labels', () => {
    const a = make(11);
    const b = make(11);
    const c = make(12);
    expect(bits(a.x).equals(bits(b.x))).toBe(true);
    expect(bits(a.y).equals(bits(b.y))).toBe(true);
    expect(bits(a.x).equals(bits(c.x))).toBe(false);
    expect(bits(a.y).equals(bits(c.y))).toBe(true);
  });

  it('without a seed, draws from the global stream: setSeed makes it repeat', () => {
    setSeed(5);
    const a = make();
    const b = make();
    setSeed(5);
    const c = make();
    expect(bits(a.x).equals(bits(c.x))).toBe(true);
    expect(bits(a.x).equals(bits(b.x))).toBe(false);
  });
});

describe('the label rule: two classes give [N, 1], any other count gives [N] indices', () => {
  it.each([
    ['spirals, 2 classes', () => datasets.spirals({ samples: 10, seed: 1 }), [20, 1]],
    ['spirals, 3 classes', () => datasets.spirals({ samples: 10, classes: 3, seed: 1 }), [30]],
    ['moons', () => datasets.moons({ samples: 10, seed: 1 }), [20, 1]],
    ['circles', () => datasets.circles({ samples: 10, seed: 1 }), [20, 1]],
    ['blobs, 2 centers', () => datasets.blobs({ samples: 10, centers: 2, seed: 1 }), [20, 1]],
    ['blobs, 4 centers', () => datasets.blobs({ samples: 10, centers: 4, seed: 1 }), [40]],
  ] as const)('%s', (_name, make, shape) => {
    const { x, y } = make();
    expect(y.shape).toEqual(shape);
    expect(x.shape).toEqual([shape[0], 2]);
    // Class by class: all of class 0 first, 10 of each.
    const classes = shape.length === 2 ? 2 : shape[0] / 10;
    expect(Array.from(y.data)).toEqual(Array.from({ length: shape[0] }, (_, i) => Math.floor(i / 10)));
    expect([...counts(y).values()]).toEqual(new Array(classes).fill(10));
  });
});

describe('spirals', () => {
  it('without noise, the last point of arm 0 is at radius 1 and angle 2π · turns', () => {
    const { x } = datasets.spirals({ samples: 4, noise: 0, turns: 1.5, seed: 1 });
    // Point 3 of class 0: r = 1, angle 3π → (−1, 0). Point 3 of class 1: angle 3π + π → (1, 0).
    expect([x.get(3, 0), x.get(3, 1)]).toBeAllClose([-1, 0], { atol: 1e-6 });
    expect([x.get(7, 0), x.get(7, 1)]).toBeAllClose([1, 0], { atol: 1e-6 });
    // Point 0 of class 0: r = 1/4, angle 2π · 1.5 / 4 = 3π/4.
    expect([x.get(0, 0), x.get(0, 1)]).toBeAllClose([0.25 * Math.cos((3 * Math.PI) / 4), 0.25 * Math.sin((3 * Math.PI) / 4)]);
  });
});

describe('moons', () => {
  it('without noise: class 0 on the upper unit arc, class 1 on the lower arc centred at (1, 0.5)', () => {
    const { x, y } = datasets.moons({ samples: 50, noise: 0, seed: 1 });
    expect(x.shape).toEqual([100, 2]);
    const upper = rowsOf(x, y, 0);
    const lower = rowsOf(x, y, 1);
    expect(upper.map(([a, b]) => Math.hypot(a, b))).toBeAllClose(new Array(50).fill(1), { atol: 1e-6 });
    expect(lower.map(([a, b]) => Math.hypot(a - 1, b - 0.5))).toBeAllClose(new Array(50).fill(1), { atol: 1e-6 });
    expect(Math.min(...upper.map(([, b]) => b))).toBeGreaterThanOrEqual(-1e-6);
    expect(Math.max(...lower.map(([, b]) => b))).toBeLessThanOrEqual(0.5 + 1e-6);
    // Ends of the arcs, as make_moons: (1, 0) to (−1, 0), and (0, 0.5) to (2, 0.5).
    expect([upper[0], upper[49], lower[0], lower[49]]).toBeAllClose([[1, 0], [-1, 0], [0, 0.5], [2, 0.5]], { atol: 1e-6 });
  });

  it('two balanced classes; the noise has the requested standard deviation', () => {
    const clean = datasets.moons({ samples: 2000, noise: 0, seed: 3 });
    const noisy = datasets.moons({ samples: 2000, noise: 0.1, seed: 3 });
    expect([...counts(noisy.y).entries()]).toEqual([[0, 2000], [1, 2000]]);
    const residuals = Array.from(noisy.x.data, (v, i) => v - clean.x.data[i]);
    const { mean, std } = moments(residuals);
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(std).toBeCloseTo(0.1, 2);
  });
});

describe('circles', () => {
  it('without noise: radius 1 for class 0 and `factor` for class 1, angles evenly spaced', () => {
    const { x, y } = datasets.circles({ samples: 8, noise: 0, factor: 0.3, seed: 1 });
    expect(x.shape).toEqual([16, 2]);
    expect(rowsOf(x, y, 0).map(([a, b]) => Math.hypot(a, b))).toBeAllClose(new Array(8).fill(1), { atol: 1e-6 });
    expect(rowsOf(x, y, 1).map(([a, b]) => Math.hypot(a, b))).toBeAllClose(new Array(8).fill(0.3), { atol: 1e-6 });
    // Point 2 of 8 is at angle π/2.
    expect([x.get(2, 0), x.get(2, 1)]).toBeAllClose([0, 1], { atol: 1e-6 });
    expect([x.get(10, 0), x.get(10, 1)]).toBeAllClose([0, 0.3], { atol: 1e-6 });
  });

  it('with noise, the mean radius of each class stays at its circle', () => {
    const { x, y } = datasets.circles({ samples: 1000, noise: 0.05, factor: 0.5, seed: 2 });
    const outer = moments(rowsOf(x, y, 0).map(([a, b]) => Math.hypot(a, b)));
    const inner = moments(rowsOf(x, y, 1).map(([a, b]) => Math.hypot(a, b)));
    expect(outer.mean).toBeCloseTo(1, 2);
    expect(inner.mean).toBeCloseTo(0.5, 2);
    // The radial part of isotropic noise has the noise's standard deviation.
    expect(outer.std).toBeCloseTo(0.05, 2);
    expect(inner.std).toBeCloseTo(0.05, 2);
  });
});

describe('blobs', () => {
  it('a count places the centres evenly on the unit circle; each blob has the requested spread', () => {
    const { x, y } = datasets.blobs({ samples: 2000, centers: 3, std: 0.2, seed: 4 });
    expect(x.shape).toEqual([6000, 2]);
    expect(y.shape).toEqual([6000]);
    for (let c = 0; c < 3; c++) {
      const rows = rowsOf(x, y, c);
      expect(rows).toHaveLength(2000);
      const angle = (2 * Math.PI * c) / 3;
      const mx = moments(rows.map((r) => r[0]));
      const my = moments(rows.map((r) => r[1]));
      // Standard error of the mean: 0.2 / √2000 ≈ 0.0045.
      expect([mx.mean, my.mean]).toBeAllClose([Math.cos(angle), Math.sin(angle)], { atol: 0.02 });
      expect([mx.std, my.std]).toBeAllClose([0.2, 0.2], { atol: 0.01 });
    }
  });

  it('explicit centres of any dimension; std 0 puts every point on its centre', () => {
    const { x, y } = datasets.blobs({ samples: 3, centers: [[0, 0, 0], [5, -5, 1]], std: 0, seed: 1 });
    expect(x.shape).toEqual([6, 3]);
    expect(y.shape).toEqual([6, 1]);
    expect(Array.from(x.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 5, -5, 1, 5, -5, 1, 5, -5, 1]);
  });
});

describe('errors say where, what was expected and what came', () => {
  it.each([
    ['moons, samples 0', () => datasets.moons({ samples: 0 }), /^moons: samples must be a positive integer\. Received: samples=0\.$/],
    ['spirals, samples 2.5', () => datasets.spirals({ samples: 2.5 }), /^spirals: samples must be a positive integer\. Received: samples=2\.5\.$/],
    ['circles, noise −0.1', () => datasets.circles({ noise: -0.1 }), /^circles: noise must be a non-negative number\. Received: noise=-0\.1\.$/],
    ['circles, factor 1', () => datasets.circles({ factor: 1 }), /^circles: factor must be in \[0, 1\)\. Received: factor=1\.$/],
    ['blobs, centers 0', () => datasets.blobs({ centers: 0 }), /^blobs: centers must be a positive integer\. Received: centers=0\.$/],
    ['blobs, ragged centers', () => datasets.blobs({ centers: [[0, 0], [1]] }), /^blobs: centers must be a positive integer or a non-empty array of points of one length.*Received: centers=\[\[0,0\],\[1\]\]\.$/],
    ['blobs, std NaN', () => datasets.blobs({ std: Number.NaN }), /^blobs: std must be a non-negative number\. Received: std=NaN\.$/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });
});

describe('oneHot', () => {
  it('turns class indices into rows of zeros with a single one', () => {
    const t = datasets.oneHot([2, 0, 1], 3);
    expect(t.shape).toEqual([3, 3]);
    expect(Array.from(t.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
  });

  it('reads [N] and [N, 1] tensors alike, views included', () => {
    const labels = tensor(Float32Array.of(1, 0, 0, 1), [4, 1]);
    expect(Array.from(datasets.oneHot(labels, 2).data)).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    // Rows 2 and 3 only: a view with an offset.
    expect(Array.from(datasets.oneHot(labels.lo(2, 0), 2).data)).toEqual([1, 0, 0, 1]);
    const { y } = datasets.spirals({ samples: 5, classes: 4, seed: 1 });
    const rows = datasets.oneHot(y, 4);
    expect(rows.shape).toEqual([20, 4]);
    expect(rows.get(7, 1)).toBe(1);
    expect(Array.from(rows.data).reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('rejects labels outside [0, classes) and non-integers', () => {
    expect(() => datasets.oneHot([0, 3], 3)).toThrow(/^oneHot: label 1 is 3, but labels must be integers in \[0, 3\)/);
    expect(() => datasets.oneHot([0.5], 3)).toThrow(/^oneHot: label 0 is 0\.5/);
    expect(() => datasets.oneHot([0], 0)).toThrow(/^oneHot: classes must be a positive integer\. Received: classes=0\.$/);
  });
});
