/**
 * Parity of Embedding (with its maskZero mask), Permute, RepeatVector and Rescaling with TF.js
 * (@tensorflow/tfjs 4.22, cpu backend) over seeded random configurations, on both layerwise kernel
 * backends ('wasm' and 'js'). Every reference value is computed by TF.js inside the test, by its
 * own layers (tf.layers.embedding, permute, repeatVector, rescaling) on the same inputs and
 * weights. Gradients are those of L = Σ w ⊙ y for one fixed random w: one `backward(w)` in
 * layerwise, `tf.grads` (the input) and `tf.variableGrads` (the embeddings) of `tf.sum(tf.mul(y, w))`
 * in TF.js. Embedding's ids have no gradient (TF.js's is not defined for them either).
 *
 * Then two training steps of SGD with momentum: a row the second batch does not use still moves
 * in both (TF.js's gradient of a gather is dense, zeros in the untouched rows).
 *
 * Tolerance: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  Dense,
  Embedding,
  Flatten,
  Permute,
  randomUniform,
  RepeatVector,
  Rescaling,
  type Rng,
  Sequential,
  setBackend,
  SGD,
  tensor,
  type Tensor,
} from 'layerwise';
import { BACKENDS, CLOSE, generator, ours, theirsLayer, toTf, useTfjsCpu } from './parity-helpers';

const CONFIGS = 12;

useTfjsCpu('each');

/** Ids in [0, inputDim), with some zeros (padding) when `zeros`. */
function ids(shape: number[], inputDim: number, rng: Rng, zeros: boolean): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, () => (zeros && rng.uniform() < 0.3 ? 0 : rng.int(inputDim))), shape);
}

for (const backend of BACKENDS) {
  describe(`on layerwise's '${backend}' backend`, () => {
    it(`Embedding: output, embeddings gradient and maskZero's mask equal TF.js's over ${CONFIGS} configurations`, () => {
      setBackend(backend);
      for (let c = 0; c < CONFIGS; c++) {
        const { rng, int } = generator(1000 + c);
        const inputDim = int(1, 30);
        const outputDim = int(1, 6);
        const steps = int(1, 7);
        const batch = int(1, 4);
        const maskZero = c % 2 === 0;
        const table = randomUniform([inputDim, outputDim], -1, 1, rng);
        const layer = new Embedding({ inputDim, outputDim, maskZero });
        layer.build([steps]);
        layer.setWeights([table]);
        const x = ids([batch, steps], inputDim, rng, maskZero);
        const w = randomUniform([batch, steps, outputDim], -1, 1, rng);
        const mine = ours(layer, x, w);
        expect(Array.from(mine.dx).every((v) => v === 0)).toBe(true);
        const mask = layer.computeMask(x, undefined);

        const theirs = tf.tidy(() => {
          const ref = tf.layers.embedding({ inputDim, outputDim, maskZero, weights: [toTf(table)] });
          const xT = toTf(x);
          const wT = toTf(w);
          const y = ref.apply(xT) as tf.Tensor;
          const variable = ref.trainableWeights[0].read() as tf.Variable;
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(ref.apply(xT) as tf.Tensor, wT)) as tf.Scalar, [variable]);
          const refMask = ref.computeMask(xT) as tf.Tensor | null;
          return { y: Float32Array.from(y.dataSync()), grad: Float32Array.from(grads[variable.name].dataSync()), mask: refMask ? Float32Array.from(tf.cast(refMask, 'float32').dataSync()) : undefined };
        });
        expect(mine.y).toBeAllClose(theirs.y, CLOSE);
        expect(mine.params[0]).toBeAllClose(theirs.grad, CLOSE);
        if (maskZero) expect(mask!.data).toEqual(theirs.mask);
        else expect(mask === undefined && theirs.mask === undefined).toBe(true);
      }
    });

    it(`Permute: output and input gradient equal TF.js's over ${CONFIGS} configurations`, () => {
      setBackend(backend);
      for (let c = 0; c < CONFIGS; c++) {
        const { rng, int } = generator(2000 + c);
        const rank = int(1, 4);
        const sample = Array.from({ length: rank }, () => int(1, 4));
        const dims = Array.from({ length: rank }, (_, i) => i + 1);
        for (let i = rank - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [dims[i], dims[j]] = [dims[j], dims[i]];
        }
        const batch = int(1, 3);
        const layer = new Permute({ dims });
        layer.build(sample);
        const x = randomUniform([batch, ...sample], -2, 2, rng);
        const w = randomUniform([batch, ...layer.computeOutputShape(sample)], -1, 1, rng);
        const mine = ours(layer, x, w);
        const theirs = theirsLayer(tf.layers.permute({ dims }), x, w);
        expect(mine.y).toBeAllClose(theirs.y, { rtol: 0, atol: 0 });
        expect(mine.dx).toBeAllClose(theirs.dx, { rtol: 0, atol: 0 });
      }
    });

    it(`RepeatVector: output and input gradient equal TF.js's over ${CONFIGS} configurations`, () => {
      setBackend(backend);
      for (let c = 0; c < CONFIGS; c++) {
        const { rng, int } = generator(3000 + c);
        const n = int(1, 5);
        const features = int(1, 6);
        const batch = int(1, 4);
        const layer = new RepeatVector({ n });
        layer.build([features]);
        const x = randomUniform([batch, features], -2, 2, rng);
        const w = randomUniform([batch, n, features], -1, 1, rng);
        const mine = ours(layer, x, w);
        const theirs = theirsLayer(tf.layers.repeatVector({ n }), x, w);
        expect(mine.y).toBeAllClose(theirs.y, { rtol: 0, atol: 0 });
        expect(mine.dx).toBeAllClose(theirs.dx, CLOSE);
      }
    });

    it(`Rescaling: output and input gradient equal TF.js's over ${CONFIGS} configurations`, () => {
      setBackend(backend);
      for (let c = 0; c < CONFIGS; c++) {
        const { rng, int } = generator(4000 + c);
        const scale = c === 0 ? 1 / 255 : rng.uniform() * 4 - 2;
        const offset = c % 3 === 0 ? 0 : rng.uniform() * 2 - 1;
        const sample = Array.from({ length: int(1, 3) }, () => int(1, 4));
        const batch = int(1, 3);
        const layer = new Rescaling({ scale, offset });
        layer.build(sample);
        const x = randomUniform([batch, ...sample], -200, 200, rng);
        const w = randomUniform([batch, ...sample], -1, 1, rng);
        const mine = ours(layer, x, w);
        const theirs = theirsLayer(tf.layers.rescaling({ scale, offset }), x, w);
        expect(mine.y).toBeAllClose(theirs.y, CLOSE);
        expect(mine.dx).toBeAllClose(theirs.dx, CLOSE);
      }
    });
  });
}

describe('Embedding with SGD momentum: two training steps equal TF.js, rows the second batch skips move too', () => {
  for (let c = 0; c < 3; c++) {
    it(`configuration ${c}`, async () => {
      const { rng, int } = generator(5000 + c);
      const inputDim = int(6, 12);
      const outputDim = int(1, 4);
      const steps = int(2, 4);
      const table = randomUniform([inputDim, outputDim], -0.5, 0.5, rng);
      const kernel = randomUniform([steps * outputDim, 1], -0.5, 0.5, rng);
      // The first batch uses the low half of the ids, the second the high half only.
      const half = Math.floor(inputDim / 2);
      const first = tensor(Float32Array.from({ length: 2 * steps }, () => rng.int(half)), [2, steps]);
      const second = tensor(Float32Array.from({ length: 2 * steps }, () => half + rng.int(inputDim - half)), [2, steps]);
      const targets = [randomUniform([2, 1], -1, 1, rng), randomUniform([2, 1], -1, 1, rng)];

      const model = new Sequential({ layers: [new Embedding({ inputDim, outputDim, inputShape: [steps] }), new Flatten(), new Dense({ units: 1, useBias: false })] });
      model.setWeights([table, kernel]);
      model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'mse' });
      model.trainOnBatch(first, targets[0]);
      const afterFirst = model.getWeights()[0].data.slice();
      model.trainOnBatch(second, targets[1]);
      const afterSecond = model.getWeights();

      const ref = tf.sequential({
        layers: [tf.layers.embedding({ inputDim, outputDim, inputLength: steps, weights: [toTf(table)] }), tf.layers.flatten(), tf.layers.dense({ units: 1, useBias: false, weights: [toTf(kernel)] })],
      });
      ref.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: 'meanSquaredError' });
      await ref.trainOnBatch(toTf(first), toTf(targets[0]));
      await ref.trainOnBatch(toTf(second), toTf(targets[1]));
      const theirs = ref.getWeights().map((t) => Float32Array.from(t.dataSync()));
      expect(afterSecond[0].data).toBeAllClose(theirs[0], { rtol: 1e-5, atol: 1e-6 });
      expect(afterSecond[1].data).toBeAllClose(theirs[1], { rtol: 1e-5, atol: 1e-6 });
      // A row the first batch used and the second did not still moved in the second step.
      const used = first.data[0] * outputDim;
      expect(afterSecond[0].data[used]).not.toBe(afterFirst[used]);
      ref.dispose();
    });
  }
});
