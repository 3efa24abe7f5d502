/**
 * Parity of the wrappers (Bidirectional, TimeDistributed) with TF.js (@tensorflow/tfjs 4.22, cpu
 * backend), over seeded random configurations, on both layerwise kernel backends. The same inputs
 * and weights go to both (TF.js's `setWeights` with layerwise's `getWeights`, in the same order);
 * every reference value is computed by TF.js inside the test: the output, and the gradients of
 * L = Σ w ⊙ y with respect to the input (`tf.grad`) and to each weight (`tf.variableGrads`),
 * against one `backward(w)` in layerwise.
 *
 * Masks ([batch, steps], 1 for a real step) go to layerwise's `forward(x, training, mask)` and to
 * TF.js's `apply(x, { mask })`. Where the two differ, by design: with returnSequences, Keras 3
 * (and layerwise) output zeros at the masked steps of both directions (Bidirectional forces
 * `zero_output_for_mask`), while TF.js repeats the previous step's output there. Verified below;
 * the reference is then TF.js's output with the masked steps zeroed (the same function at every
 * other step, and a constant 0 there), which TF.js differentiates.
 *
 * Tolerance everywhere: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  Bidirectional,
  Conv1D,
  Conv2D,
  Dense,
  GRU,
  LSTM,
  randomUniform,
  type Rng,
  SimpleRNN,
  tensor,
  TimeDistributed,
  type Layer,
  type MergeMode,
  type Tensor,
} from 'layerwise';
import { CLOSE, generator, itOnBackends, ours, toTf, useTfjsCpu, type Result } from './parity-helpers';

useTfjsCpu('each');

/**
 * TF.js: the layer's output for x (with the mask, when given) and the gradients of Σ w ⊙ y,
 * where `zeroed` multiplies y by the mask first (Keras 3's zeros at masked steps, see above).
 */
function theirs(tfLayer: tf.layers.Layer, x: Tensor, w: Tensor, mask?: Tensor, zeroed = false): Result & { raw: Float32Array } {
  return tf.tidy(() => {
    const xT = toTf(x);
    const maskT = mask ? toTf(mask) : undefined;
    const apply = (input: tf.Tensor) => tfLayer.apply(input, maskT ? { mask: maskT } : {}) as tf.Tensor;
    const output = (input: tf.Tensor) => {
      const y = apply(input);
      return zeroed && maskT ? tf.mul(y, tf.expandDims(maskT, 2)) : y;
    };
    const wT = toTf(w);
    const objective = (input: tf.Tensor) => tf.sum(tf.mul(output(input), wT)) as tf.Scalar;
    const dx = tf.grad(objective)(xT);
    const variables = tfLayer.trainableWeights.map((v) => v.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => objective(xT), variables);
    return {
      y: Float32Array.from(output(xT).dataSync()),
      raw: Float32Array.from(apply(xT).dataSync()),
      dx: Float32Array.from(dx.dataSync()),
      params: variables.map((v) => Float32Array.from(grads[v.name].dataSync())),
    };
  });
}

/** [batch, 1, ...rest] → [batch, 2, ...rest], the new second step all `value`. */
function padStep(t: Tensor, value: number): Tensor {
  const [batch, , ...rest] = t.shape;
  const size = rest.reduce((a, b) => a * b, 1);
  const out = new Float32Array(batch * 2 * size).fill(value);
  for (let b = 0; b < batch; b++) out.set(t.data.subarray(b * size, (b + 1) * size), b * 2 * size);
  return tensor(out, [batch, 2, ...rest]);
}

/** The first step of [batch, 2, ...rest] values. */
function firstStep(values: Float32Array, batch: number): Float32Array {
  const size = values.length / (2 * batch);
  return Float32Array.from({ length: batch * size }, (_, i) => values[Math.floor(i / size) * 2 * size + (i % size)]);
}

/**
 * TF.js 4.22 cannot differentiate its recurrent layers nor TimeDistributed over a one-step
 * sequence (the gradient of a one-piece tf.unstack fails in tf.stack; verified below). A one-step
 * case is computed over two steps, the second masked out (a recurrent layer carries its state
 * over it; TimeDistributed ignores the mask and its gradient gets zero weights there), and the
 * first step's values kept: the same function of the same values.
 */
function theirsOneStep(tfLayer: tf.layers.Layer, x: Tensor, w: Tensor, mask: Tensor | undefined, zeroed: boolean, stepsOut: boolean, oneStep = tfLayer): Result {
  const batch = x.shape[0];
  expect(() => theirs(oneStep, x, w, mask, zeroed)).toThrow(/Argument tensors passed to stack must be a `Tensor\[\]`/);
  const padded = theirs(tfLayer, padStep(x, 0), stepsOut ? padStep(w, 0) : w, padStep(mask ?? tensor(new Float32Array(batch).fill(1), [batch, 1]), 0), zeroed);
  const y = stepsOut ? firstStep(padded.y, batch) : padded.y;
  return { y, dx: firstStep(padded.dx, batch), params: padded.params };
}

function expectParity(a: Result, b: Result): void {
  expect(a.y).toBeAllClose(b.y, CLOSE);
  expect(a.dx).toBeAllClose(b.dx, CLOSE);
  expect(a.params.length).toBe(b.params.length);
  a.params.forEach((g, i) => expect(g, `weight ${i}`).toBeAllClose(b.params[i], CLOSE));
}

/** Gives every weight of a built layerwise layer values uniform in [-0.6, 0.6], and the same to TF.js's layer. */
function sameWeights(layer: Layer, tfLayer: tf.layers.Layer, rng: Rng): void {
  layer.setWeights(layer.getWeights().map((w) => randomUniform(w.shape, -0.6, 0.6, rng)));
  const weights = layer.getWeights().map(toTf);
  tfLayer.setWeights(weights);
  tf.dispose(weights);
}

/** A mask [batch, steps] with about a third of the steps padding (0), at random places. */
function randomMask(batch: number, steps: number, rng: Rng): Tensor {
  return tensor(Float32Array.from({ length: batch * steps }, () => (rng.uniform() < 0.35 ? 0 : 1)), [batch, steps]);
}

// ------------------------------------------------------------------------------------------------
// Bidirectional
// ------------------------------------------------------------------------------------------------

type Kind = 'LSTM' | 'GRU' | 'SimpleRNN';
const KINDS: Kind[] = ['LSTM', 'GRU', 'SimpleRNN'];
const MODES: MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

interface BiCase {
  kind: Kind;
  mergeMode: MergeMode;
  returnSequences: boolean;
  shape: [number, number, number];
  units: number;
  masked: boolean;
}

/** The recurrent layer in each library, with the same function: Keras 3's sigmoid gates (TF.js defaults to hard sigmoid), GRU with resetAfter false (TF.js 4.22 has no other). */
function recurrent(c: BiCase): { layer: Layer; tfLayer: tf.layers.RNN } {
  const { units, returnSequences } = c;
  if (c.kind === 'LSTM') return { layer: new LSTM({ units, returnSequences }), tfLayer: tf.layers.lstm({ units, returnSequences, recurrentActivation: 'sigmoid' }) };
  if (c.kind === 'GRU') return { layer: new GRU({ units, returnSequences, resetAfter: false }), tfLayer: tf.layers.gru({ units, returnSequences, recurrentActivation: 'sigmoid' }) };
  return { layer: new SimpleRNN({ units, returnSequences }), tfLayer: tf.layers.simpleRNN({ units, returnSequences }) };
}

/** 16 cases: the kinds cycling against the merge modes (each pair of kind and mode at least once over 12), returnSequences alternating, steps 1–20, masks in half. */
function biCases(): BiCase[] {
  const { int } = generator(4242);
  return Array.from({ length: 16 }, (_, i) => ({
    kind: KINDS[i % 3],
    mergeMode: MODES[i % 4],
    returnSequences: Math.floor(i / 4) % 2 === 0,
    shape: [int(1, 3), i === 0 ? 1 : i === 1 ? 20 : int(1, 20), int(1, 4)],
    units: int(1, 4),
    masked: i % 4 === 1 || i % 4 === 2,
  }));
}

const describeBi = (c: BiCase) =>
  `${c.kind} ${c.mergeMode}, returnSequences ${c.returnSequences}, x ${c.shape.join('x')}, ${c.units} units${c.masked ? ', masked' : ''}`;

describe('Bidirectional matches tf.layers.bidirectional: forward, input gradient and every weight gradient', () => {
  const cases = biCases();

  it('the cases cover every kind with every merge mode, both returnSequences, sequences of 1 and 20 steps, masks', () => {
    expect(new Set(cases.map((c) => `${c.kind} ${c.mergeMode}`)).size).toBe(12);
    expect(new Set(cases.map((c) => `${c.returnSequences} ${c.masked}`)).size).toBe(4);
    expect(new Set(cases.map((c) => `${c.mergeMode} ${c.returnSequences}`)).size).toBe(8);
    expect(cases.map((c) => c.shape[1])).toContain(1);
    expect(cases.map((c) => c.shape[1])).toContain(20);
  });

  for (const [i, c] of cases.entries()) {
    itOnBackends(describeBi(c), () => {
      const { rng } = generator(500 + i);
      const [batch, steps, features] = c.shape;
      const { layer: inner, tfLayer: tfInner } = recurrent(c);
      const layer = new Bidirectional({ layer: inner, mergeMode: c.mergeMode });
      layer.build([steps, features]);
      const tfLayer = tf.layers.bidirectional({ layer: tfInner, mergeMode: c.mergeMode });
      const x = randomUniform(c.shape, -1, 1, rng);
      tf.tidy(() => {
        tfLayer.apply(toTf(x)); // builds
      });
      expect(tfLayer.getWeights().map((w) => w.shape)).toEqual(layer.getWeights().map((w) => w.shape));
      sameWeights(layer, tfLayer, rng);
      const outShape = [batch, ...layer.computeOutputShape([steps, features])];
      expect(outShape).toEqual(c.returnSequences ? [batch, steps, (c.mergeMode === 'concat' ? 2 : 1) * c.units] : [batch, (c.mergeMode === 'concat' ? 2 : 1) * c.units]);
      const w = randomUniform(outShape, -1, 1, rng);
      const mask = c.masked ? randomMask(batch, steps, rng) : undefined;

      const result = ours(layer, x, w, { mask });
      const zeroed = mask !== undefined && c.returnSequences;
      if (steps === 1) {
        expectParity(result, theirsOneStep(tfLayer, x, w, mask, zeroed, c.returnSequences));
        tfLayer.dispose();
        return;
      }
      const reference = theirs(tfLayer, x, w, mask, zeroed);
      expect(reference.raw.length).toBe(result.y.length);
      expectParity(result, reference);
      if (zeroed && mask.data.some((m) => m === 0)) {
        // TF.js repeats the previous output at a masked step; Keras 3 and layerwise give 0 there.
        const units = outShape[2];
        const masked = [...mask.data.keys()].filter((j) => mask.data[j] === 0);
        for (const j of masked) expect(Array.from(result.y.subarray(j * units, (j + 1) * units))).toEqual(new Array(units).fill(0));
        const raw = masked.flatMap((j) => Array.from(reference.raw.subarray(j * units, (j + 1) * units)));
        if (masked.some((j) => j % steps !== 0)) expect(raw.some((v) => v !== 0)).toBe(true);
      }
      tfLayer.dispose();
    });
  }
});

// ------------------------------------------------------------------------------------------------
// TimeDistributed
// ------------------------------------------------------------------------------------------------

interface TimeCase {
  name: string;
  /** [batch, steps, ...per step]. */
  shape: number[];
  make: () => { layer: Layer; tfLayer: tf.layers.Layer };
  masked?: boolean;
}

/** 10 cases: Dense (activations, with and without bias, on steps of vectors and of matrices), Conv2D on sequences of images, Conv1D on sequences of sequences. */
function timeCases(): TimeCase[] {
  const { int } = generator(77);
  const cases: TimeCase[] = [];
  const activations = ['linear', 'tanh', 'sigmoid', 'relu'] as const;
  for (let i = 0; i < 5; i++) {
    const units = int(1, 5);
    const activation = activations[i % 4];
    const useBias = i !== 2;
    const shape = i === 4 ? [int(1, 3), int(1, 6), int(2, 3), int(1, 4)] : [int(1, 3), i === 0 ? 1 : int(1, 20), int(1, 5)];
    cases.push({
      name: `Dense ${units} ${activation}${useBias ? '' : ', no bias'}, x ${shape.join('x')}`,
      shape,
      masked: i === 3,
      make: () => ({ layer: new Dense({ units, activation, useBias }), tfLayer: tf.layers.dense({ units, activation, useBias }) }),
    });
  }
  for (let i = 0; i < 3; i++) {
    const kernelSize = int(1, 3);
    const filters = int(1, 3);
    const padding = i === 1 ? 'same' : 'valid';
    const strides = i === 2 ? 2 : 1;
    const shape = [int(1, 2), int(1, 5), int(kernelSize, 6), int(kernelSize, 6), int(1, 3)];
    cases.push({
      name: `Conv2D ${filters} filters, kernel ${kernelSize}, ${padding}, strides ${strides}, x ${shape.join('x')}`,
      shape,
      make: () => ({ layer: new Conv2D({ filters, kernelSize, padding, strides, activation: 'tanh' }), tfLayer: tf.layers.conv2d({ filters, kernelSize, padding, strides, activation: 'tanh' }) }),
    });
  }
  for (let i = 0; i < 2; i++) {
    const kernelSize = int(1, 3);
    const filters = int(1, 4);
    const shape = [int(1, 3), int(1, 8), int(kernelSize, 10), int(1, 3)];
    cases.push({
      name: `Conv1D ${filters} filters, kernel ${kernelSize}, x ${shape.join('x')}`,
      shape,
      make: () => ({ layer: new Conv1D({ filters, kernelSize }), tfLayer: tf.layers.conv1d({ filters, kernelSize }) }),
    });
  }
  return cases;
}

describe('TimeDistributed matches tf.layers.timeDistributed: forward, input gradient and every weight gradient', () => {
  for (const [i, c] of timeCases().entries()) {
    itOnBackends(`${c.name}${c.masked ? ', a mask passed on' : ''}`, () => {
      const { rng } = generator(600 + i);
      const { layer: inner, tfLayer: tfInner } = c.make();
      const layer = new TimeDistributed({ layer: inner });
      layer.build(c.shape.slice(1));
      const tfLayer = tf.layers.timeDistributed({ layer: tfInner });
      const x = randomUniform(c.shape, -1, 1, rng);
      // Built for the input it will see: TF.js's TimeDistributed keeps the steps it was built for (two for a one-step case, see theirsOneStep).
      tf.tidy(() => {
        tfLayer.apply(toTf(c.shape[1] === 1 ? padStep(x, 0) : x));
      });
      sameWeights(layer, tfLayer, rng);
      const outShape = [c.shape[0], ...layer.computeOutputShape(c.shape.slice(1))];
      const w = randomUniform(outShape, -1, 1, rng);
      const mask = c.masked ? randomMask(c.shape[0], c.shape[1], rng) : undefined;
      const result = ours(layer, x, w, { mask });
      if (c.shape[1] === 1) {
        // The failure shown on a copy built for one step (tfLayer keeps the two steps it was built for).
        const oneStep = tf.layers.timeDistributed({ layer: c.make().tfLayer });
        tf.tidy(() => {
          oneStep.apply(toTf(x));
        });
        oneStep.setWeights(tfLayer.getWeights());
        expectParity(result, theirsOneStep(tfLayer, x, w, undefined, false, true, oneStep));
        oneStep.dispose();
      } else expectParity(result, theirs(tfLayer, x, w));
      if (mask) {
        // Keras passes the mask on unchanged, and so does TF.js.
        expect(layer.computeMask(x, mask)).toBe(mask);
        const tfMask = tf.tidy(() => Float32Array.from((tfLayer.computeMask(toTf(x), toTf(mask)) as tf.Tensor).dataSync()));
        expect(tfMask).toEqual(mask.data);
      }
      tfLayer.dispose();
    });
  }
});
