/**
 * Parity of the recurrent layers (SimpleRNN, LSTM, GRU) with TF.js (@tensorflow/tfjs 4.22, cpu
 * backend) over seeded random configurations: sequence lengths 1 to 20, returnSequences both
 * ways, goBackwards, masks (TF.js takes one through `layer.apply(x, { mask })`), with and without
 * bias, on both layerwise kernel backends. The same weights go into both (TF.js `setWeights`).
 * Gradients are those of L = Σ w ⊙ y for one fixed random w: one `backward(w)` in layerwise,
 * `tf.variableGrads` of `tf.sum(tf.mul(y, w))` in TF.js, for the input and every weight.
 *
 * TF.js 4.22 has no GRU with resetAfter: true (Keras 3's default): its constructor refuses it
 * (verified below). For it the reference is a float64 GRU written here from Keras 3's
 * definition (keras/src/layers/rnn/gru.py, GRUCell.call; the masking of keras/src/backend/*\/rnn.py),
 * with gradients by central differences in float64.
 *
 * Tolerance everywhere: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { GRU, LSTM, Rng, setBackend, SimpleRNN, tensor, type Layer, type Tensor } from 'layerwise';
import { BACKENDS, CLOSE, useTfjsCpu } from './parity-helpers';

useTfjsCpu('each');

type Kind = 'SimpleRNN' | 'LSTM' | 'GRU';

/** One random configuration. */
interface Case {
  kind: Kind;
  batch: number;
  steps: number;
  features: number;
  units: number;
  returnSequences: boolean;
  goBackwards: boolean;
  useBias: boolean;
  resetAfter: boolean;
  activation: 'tanh' | 'relu' | 'sigmoid';
  /** [batch, steps] of 0 and 1, or none. */
  mask?: number[];
  seed: number;
}

/** The case's value and gradients: y, then dL/dx, then each weight's in Keras's order. */
interface Result {
  y: Float32Array | Float64Array;
  grads: (Float32Array | Float64Array)[];
}

function randomCase(kind: Kind, seed: number, resetAfter = false): Case {
  const rng = new Rng(seed);
  const int = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
  const batch = int(1, 4);
  const steps = int(1, 20);
  const masked = rng.uniform() < 0.5;
  const mask = masked ? Array.from({ length: batch * steps }, () => (rng.uniform() < 0.7 ? 1 : 0)) : undefined;
  const activations = ['tanh', 'tanh', 'relu', 'sigmoid'] as const;
  return {
    kind,
    batch,
    steps,
    features: int(1, 5),
    units: int(1, 6),
    returnSequences: rng.uniform() < 0.5,
    goBackwards: rng.uniform() < 0.4,
    useBias: rng.uniform() < 0.8,
    resetAfter,
    activation: activations[rng.int(activations.length)],
    mask,
    seed,
  };
}

const GATES: Record<Kind, number> = { SimpleRNN: 1, LSTM: 4, GRU: 3 };

/** Random weights in Keras's shapes: kernel, recurrent_kernel, bias (GRU resetAfter: [2, 3 · units]). */
function randomWeights(c: Case): Tensor[] {
  const rng = new Rng(c.seed + 1000);
  const width = GATES[c.kind] * c.units;
  const make = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform() * 1.6 - 0.8), shape);
  const weights = [make([c.features, width]), make([c.units, width])];
  if (c.useBias) weights.push(make(c.resetAfter ? [2, width] : [width]));
  return weights;
}

function inputs(c: Case): { x: Tensor; w: Tensor; mask?: Tensor } {
  const rng = new Rng(c.seed + 2000);
  const x = tensor(Float32Array.from({ length: c.batch * c.steps * c.features }, () => rng.uniform() * 4 - 2), [c.batch, c.steps, c.features]);
  const outSize = c.batch * (c.returnSequences ? c.steps : 1) * c.units;
  const w = tensor(Float32Array.from({ length: outSize }, () => rng.uniform() * 2 - 1), c.returnSequences ? [c.batch, c.steps, c.units] : [c.batch, c.units]);
  return { x, w, mask: c.mask ? tensor(c.mask, [c.batch, c.steps]) : undefined };
}

function options(c: Case) {
  const common = { units: c.units, returnSequences: c.returnSequences, goBackwards: c.goBackwards, useBias: c.useBias, activation: c.activation };
  if (c.kind === 'SimpleRNN') return common;
  return { ...common, recurrentActivation: 'sigmoid' as const, ...(c.kind === 'GRU' ? { resetAfter: c.resetAfter } : {}) };
}

/** layerwise: forward in training mode, then one backward(w) from zeroed gradients. */
function ours(c: Case): Result {
  const { x, w, mask } = inputs(c);
  const layer: Layer = c.kind === 'LSTM' ? new LSTM(options(c)) : c.kind === 'GRU' ? new GRU(options(c)) : new SimpleRNN(options(c));
  layer.build([c.steps, c.features]);
  layer.setWeights(randomWeights(c));
  const y = Float32Array.from(layer.forward(x, true, mask).data);
  for (const p of layer.params()) p.grad.data.fill(0);
  const dx = Float32Array.from(layer.backward(w).data);
  return { y, grads: [dx, ...layer.params().map((p) => Float32Array.from(p.grad.data))] };
}

/** TF.js: the same layer, weights and mask; gradients of Σ w ⊙ y by tf.variableGrads. */
function theirs(c: Case): Result {
  const { x, w, mask } = inputs(c);
  return tf.tidy(() => {
    const make = { SimpleRNN: tf.layers.simpleRNN, LSTM: tf.layers.lstm, GRU: tf.layers.gru }[c.kind];
    const layer = make(options(c) as never);
    const xv = tf.variable(tf.tensor(x.data, x.shape as number[]), true, `x_${c.seed}_${c.kind}`);
    const m = mask ? tf.tensor(mask.data, mask.shape as number[]) : undefined;
    const run = () => layer.apply(xv, m ? { mask: m } : {}) as tf.Tensor;
    run();
    layer.setWeights(randomWeights(c).map((t) => tf.tensor(t.data, t.shape as number[])));
    const y = run();
    const wT = tf.tensor(w.data, w.shape as number[]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(run(), wT)) as tf.Scalar);
    const order = [xv.name, ...layer.trainableWeights.map((v) => v.name)];
    const out = { y: Float32Array.from(y.dataSync()), grads: order.map((n) => Float32Array.from(grads[n].dataSync())) };
    xv.dispose();
    return out;
  });
}

/** The largest |a − b| / (1 + |b|) over y and every gradient. */
function worst(a: Result, b: Result): number {
  let m = 0;
  const cmp = (p: ArrayLike<number>, q: ArrayLike<number>) => {
    expect(p.length).toBe(q.length);
    for (let i = 0; i < p.length; i++) m = Math.max(m, Math.abs(p[i] - q[i]) / (1 + Math.abs(q[i])));
  };
  cmp(a.y, b.y);
  expect(a.grads.length).toBe(b.grads.length);
  a.grads.forEach((g, i) => cmp(g, b.grads[i]));
  return m;
}

function expectParity(a: Result, b: Result): void {
  expect(a.y).toBeAllClose(b.y, CLOSE);
  expect(a.grads.length).toBe(b.grads.length);
  a.grads.forEach((g, i) => expect(g).toBeAllClose(b.grads[i], CLOSE));
}

const CASES = 12;

describe.each(BACKENDS)('recurrent layers match TF.js 4.22 (layerwise backend %s)', (backend) => {
  for (const kind of ['SimpleRNN', 'LSTM', 'GRU'] as const) {
    it(`${kind}${kind === 'GRU' ? ' (resetAfter false)' : ''}: forward and every gradient over ${CASES} random configurations`, () => {
      setBackend(backend);
      let largest = 0;
      for (let i = 0; i < CASES; i++) {
        const c = randomCase(kind, 100 * GATES[kind] + i);
        const a = ours(c);
        const b = theirs(c);
        expectParity(a, b);
        largest = Math.max(largest, worst(a, b));
      }
      expect(largest).toBeLessThan(1e-4);
    });
  }

  it(`GRU (resetAfter true, Keras 3's default): forward and every gradient match a float64 Keras 3 GRU over ${CASES} random configurations`, () => {
    setBackend(backend);
    let largest = 0;
    for (let i = 0; i < CASES; i++) {
      const c = randomCase('GRU', 700 + i, true);
      const a = ours(c);
      const b = kerasGru(c);
      expectParity(a, b);
      largest = Math.max(largest, worst(a, b));
    }
    expect(largest).toBeLessThan(1e-4);
  });
});

describe('what TF.js 4.22 lacks', () => {
  it('has no GRU with resetAfter: true', () => {
    expect(() => tf.layers.gru({ units: 2, resetAfter: true } as never)).toThrow(/reset_after/);
  });

  it("defaults otherwise than Keras 3: recurrentActivation 'hardSigmoid' and no unitForgetBias (layerwise takes Keras 3's)", () => {
    const layer = tf.layers.lstm({ units: 2 });
    tf.tidy(() => layer.apply(tf.zeros([1, 3, 2])) as tf.Tensor);
    expect(layer.getConfig().recurrentActivation).toBe('hardSigmoid');
    expect(Array.from(layer.getWeights()[2].dataSync())).toEqual(new Array(8).fill(0));
    const ours = new LSTM({ units: 2, biasInitializer: 'zeros' });
    ours.build([3, 2]);
    expect(ours.getConfig().recurrentActivation).toBe('sigmoid');
    expect(Array.from(ours.getWeights()[2].data)).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
  });
});

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const ACTIVATIONS = { tanh: Math.tanh, relu: (v: number) => Math.max(v, 0), sigmoid };

/**
 * Keras 3's GRU with reset_after=True in float64: per step z, r = σ(x W + b_in + h U + b_rec) (their
 * blocks), ĥ = act(x W_h + b_in,h + r ⊙ (h U_h + b_rec,h)), h = z ⊙ h_prev + (1 − z) ⊙ ĥ; at a
 * masked step the state and the output are the previous ones. `params` are x, kernel,
 * recurrent_kernel and bias, flat. Returns the output, [batch, units] or [batch, steps, units].
 */
function gruForward(c: Case, params: Float64Array[], mask?: number[]): Float64Array {
  const [x, kernel, rec, bias] = params;
  const { batch, steps, features: F, units: U } = c;
  const act = ACTIVATIONS[c.activation];
  const out = new Float64Array(batch * (c.returnSequences ? steps : 1) * U);
  for (let b = 0; b < batch; b++) {
    let h = new Float64Array(U);
    for (let s = 0; s < steps; s++) {
      const t = c.goBackwards ? steps - 1 - s : s;
      if (!mask || mask[b * steps + t] !== 0) {
        const xi = (g: number) => {
          let v = c.useBias ? bias[g] : 0;
          for (let f = 0; f < F; f++) v += x[(b * steps + t) * F + f] * kernel[f * 3 * U + g];
          return v;
        };
        const hi = (g: number) => {
          let v = c.useBias ? bias[3 * U + g] : 0;
          for (let k = 0; k < U; k++) v += h[k] * rec[k * 3 * U + g];
          return v;
        };
        const next = new Float64Array(U);
        for (let j = 0; j < U; j++) {
          const z = sigmoid(xi(j) + hi(j));
          const r = sigmoid(xi(U + j) + hi(U + j));
          const hh = act(xi(2 * U + j) + r * hi(2 * U + j));
          next[j] = z * h[j] + (1 - z) * hh;
        }
        h = next;
      }
      if (c.returnSequences) out.set(h, (b * steps + s) * U);
    }
    if (!c.returnSequences) out.set(h, b * U);
  }
  return out;
}

/** The float64 reference of a resetAfter GRU case: its output and the central-difference gradients of Σ w ⊙ y. */
function kerasGru(c: Case): Result {
  const { x, w } = inputs(c);
  const params = [x, ...randomWeights(c)].map((t) => Float64Array.from(t.data));
  const loss = () => gruForward(c, params, c.mask).reduce((sum, v, i) => sum + v * w.data[i], 0);
  const h = 1e-6;
  const grads = params.map((p) =>
    Float64Array.from(p, (_, i) => {
      const saved = p[i];
      p[i] = saved + h;
      const up = loss();
      p[i] = saved - h;
      const down = loss();
      p[i] = saved;
      return (up - down) / (2 * h);
    }),
  );
  return { y: gruForward(c, params, c.mask), grads };
}
