/**
 * What the TF.js parity files share: TF.js (@tensorflow/tfjs 4.22) on its cpu backend, the two
 * layerwise kernel backends every case runs on, and the comparison of one layer's forward pass and
 * gradients of L = Σ w ⊙ y (one `backward(w)` in layerwise, `tf.grads` in TF.js).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { getBackend, randomUniform, Rng, setBackend, tensor, type BackendName, type Layer, type Tensor } from 'layerwise';

/** Tolerance of every parity comparison: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|. */
export const CLOSE = { rtol: 1e-4, atol: 1e-4 };

/** The layerwise kernel backends each case runs on. */
export const BACKENDS: BackendName[] = ['wasm', 'js'];

/**
 * Registers the file's hooks: TF.js on its cpu backend (PROD silences its advice to install
 * tfjs-node), and layerwise's backend put back as it was after each test (`'each'`), after the
 * file (`'all'`, for describes that select a backend in their own beforeAll), or never (`'never'`,
 * for the suites tfjs-js-backend.test.ts reruns with its own backend).
 */
export function useTfjsCpu(restore: 'each' | 'all' | 'never'): void {
  let initialBackend: BackendName;
  beforeAll(async () => {
    initialBackend = getBackend();
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    await tf.ready();
  });
  if (restore === 'each') afterEach(() => setBackend(initialBackend));
  if (restore !== 'never') afterAll(() => setBackend(initialBackend));
}

/** One test per layerwise backend, named `${backend}: ${name}`, that selects the backend first. */
export function itOnBackends(name: string, test: () => void): void {
  for (const backend of BACKENDS) {
    it(`${backend}: ${name}`, () => {
      setBackend(backend);
      test();
    });
  }
}

/** A layerwise tensor as a TF.js tensor of the same shape. */
export const toTf = (t: Tensor) => tf.tensor(t.data, t.shape as number[]);

/** A seeded generator of case parameters: integers in [lo, hi], and pairs of them. */
export function generator(seed: number) {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  return { rng, int, pair: (lo: number, hi: number): [number, number] => [int(lo, hi), int(lo, hi)] };
}

/** layerwise's values of one case: y, dL/dx, and the trainable parameters' gradients in Keras order. */
export interface Result {
  y: Float32Array;
  dx: Float32Array;
  params: Float32Array[];
}

/** TF.js's values of one case: y, then the gradient of L with respect to each input of `theirs`. */
export interface Reference {
  y: Float32Array;
  grads: Float32Array[];
}

/** layerwise: y = layer(x) (in training mode unless told, with the mask if given), then one backward(w) from zeroed gradients. */
export function ours(layer: Layer, x: Tensor, w: Tensor, { training = true, mask }: { training?: boolean; mask?: Tensor } = {}): Result {
  const y = Float32Array.from(layer.forward(x, training, mask).data);
  const trainable = layer.params().filter((p) => p.trainable);
  for (const p of trainable) p.grad.data.fill(0);
  const dx = Float32Array.from(layer.backward(tensor(Float32Array.from(w.data), w.shape)).data);
  return { y, dx, params: trainable.map((p) => Float32Array.from(p.grad.data)) };
}

/** TF.js: y = f(inputs), of w's shape, and the gradients of Σ w ⊙ f with respect to each input, by tf.grads. */
export function theirs(f: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: Tensor[], w: Tensor): Reference {
  return tf.tidy(() => {
    const args = inputs.map(toTf);
    const wT = toTf(w);
    const y = f(...args);
    expect(y.shape).toEqual(w.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), wT)))(args);
    return { y: Float32Array.from(y.dataSync()), grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}

/** TF.js: a layer's output for x, and the gradient of Σ w ⊙ y with respect to x. */
export function theirsLayer(layer: tf.layers.Layer, x: Tensor, w: Tensor): { y: Float32Array; dx: Float32Array } {
  const { y, grads } = theirs((input) => layer.apply(input) as tf.Tensor, [x], w);
  return { y, dx: grads[0] };
}

/** The forward pass of a TF.js layer given our weights, then `after` (say an activation TF.js's layer lacks); the layer is disposed. */
export function tfLayerForward(tfLayer: tf.layers.Layer, x: Tensor, weights: Tensor[], after = (y: tf.Tensor) => y): { y: Float32Array; shape: number[] } {
  const out = tf.tidy(() => {
    tfLayer.apply(toTf(x)); // builds
    tfLayer.setWeights(weights.map(toTf));
    const y = tfLayer.apply(toTf(x)) as tf.Tensor;
    return { y: Float32Array.from(after(y).dataSync()), shape: y.shape };
  });
  tfLayer.dispose();
  return out;
}

/**
 * A layer without weights against the TF.js layer configured alike: `layer` built for x's samples,
 * a random w of its output's shape drawn from rng, layerwise's values and TF.js's.
 */
export function layerCase(layer: Layer, tfLayer: tf.layers.Layer, x: Tensor, rng: Rng): { w: Tensor; result: Result; reference: Reference } {
  layer.build(x.shape.slice(1));
  const w = randomUniform([x.shape[0], ...layer.computeOutputShape(x.shape.slice(1))], -1, 1, rng);
  return { w, result: ours(layer, x, w), reference: theirs((xt) => tfLayer.apply(xt) as tf.Tensor, [x], w) };
}

/** Ours equals theirs: y, dL/dx (TF.js's first gradient), then each parameter's gradient. */
export function expectParity(a: Result, b: Reference): void {
  expect(a.y).toBeAllClose(b.y, CLOSE);
  expect(1 + a.params.length).toBe(b.grads.length);
  expect(a.dx).toBeAllClose(b.grads[0], CLOSE);
  a.params.forEach((g, i) => expect(g).toBeAllClose(b.grads[i + 1], CLOSE));
}
