/**
 * Parity with TF.js (@tensorflow/tfjs 4.22, cpu backend). Every reference value here is computed by
 * TF.js inside the test, on the same inputs and weights as layerwise: nothing is copied in by hand.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  clone,
  Dense,
  getLoss,
  LeakyReLU,
  PReLU,
  randomUniform,
  ReLU,
  Rng,
  Sequential,
  SGD,
  Softmax,
  tensor,
  zeros,
  type ActivationSpec,
  type Layer,
  type LossKey,
  type Tensor,
} from 'layerwise';
import { useTfjsCpu } from './parity-helpers';

const N = 5;
const IN = 4;
const UNITS = 3;
const CLOSE = { rtol: 1e-5, atol: 1e-5 };

const rng = new Rng(2024);
/** Inputs in [-2, 2] with |x| ≥ 0.1, kernel and bias in [-1, 1], and the objective's weights w. */
const x = randomUniform([N, IN], -2, 2, rng);
for (let i = 0; i < x.size; i++) if (Math.abs(x.data[i]) < 0.1) x.data[i] = x.data[i] < 0 ? -0.1 : 0.1;
const kernel = randomUniform([IN, UNITS], -1, 1, rng);
const bias = randomUniform([UNITS], -0.5, 0.5, rng);
const w = randomUniform([N, UNITS], -1, 1, rng);

useTfjsCpu('never');

interface Grads {
  y: Float32Array;
  dx: Float32Array;
  /** Parameter gradients in Keras order: kernel, bias, then any activation weight (PReLU alpha). */
  params: Float32Array[];
}

/** layerwise: y = Dense(x), and the gradients of L = Σ w ⊙ y from one backward(w). */
function layerwiseGrads(activation: ActivationSpec | undefined, extra: Tensor[] = [], after?: Layer): Grads {
  const layer = new Dense({ units: UNITS, activation, inputShape: [IN] });
  const model = new Sequential({ layers: after ? [layer, after] : [layer] });
  layer.setWeights([kernel, bias, ...extra]);
  let y = x;
  for (const l of model.layers) y = l.forward(y, true);
  const yCopy = Float32Array.from(y.data);
  for (const p of model.params()) p.grad.data.fill(0);
  let dy = tensor(Float32Array.from(w.data), w.shape);
  for (let i = model.layers.length - 1; i >= 0; i--) dy = model.layers[i].backward(dy);
  return { y: yCopy, dx: Float32Array.from(dy.data), params: model.params().map((p) => Float32Array.from(p.grad.data)) };
}

/** TF.js: the same through tf.layers, gradients by tf.variableGrads. `extra` sets the second layer's weights. */
function tfGrads(layers: tf.layers.Layer[], extra: tf.Tensor[] = []): Grads {
  return tf.tidy(() => {
    const xv = tf.variable(tf.tensor2d(x.data, [N, IN]), true, `x_${Math.random().toString(36).slice(2)}`);
    const apply = () => layers.reduce<tf.Tensor>((h, l) => l.apply(h) as tf.Tensor, xv);
    apply(); // builds the layers
    layers[0].setWeights([tf.tensor2d(kernel.data, [IN, UNITS]), tf.tensor1d(bias.data)]);
    if (extra.length) layers[1].setWeights(extra);
    const weights = layers.flatMap((l) => l.trainableWeights.map((v) => v.read() as tf.Variable));
    const wT = tf.tensor2d(w.data, [N, UNITS]);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(apply(), wT)) as tf.Scalar, [xv, ...weights]);
    const result = {
      y: apply().dataSync() as Float32Array,
      dx: grads[xv.name].dataSync() as Float32Array,
      params: weights.map((v) => grads[v.name].dataSync() as Float32Array),
    };
    xv.dispose();
    return result;
  });
}

function expectParity(ours: Grads, theirs: Grads): void {
  expect(ours.y).toBeAllClose(theirs.y, CLOSE);
  expect(ours.dx).toBeAllClose(theirs.dx, CLOSE);
  expect(ours.params).toHaveLength(theirs.params.length);
  ours.params.forEach((g, i) => expect(g).toBeAllClose(theirs.params[i], CLOSE));
}

describe('Dense forward and gradients match tf.layers.dense', () => {
  // Every activation identifier that both tf.layers.dense (4.22) and the layerwise registry know.
  // The TF.js spelling first, then the layerwise key.
  const shared: [NonNullable<Parameters<typeof tf.layers.dense>[0]>['activation'], string][] = [
    ['linear', 'linear'],
    ['relu', 'relu'],
    ['relu6', 'relu6'],
    ['sigmoid', 'sigmoid'],
    ['tanh', 'tanh'],
    ['softmax', 'softmax'],
    ['elu', 'elu'],
    ['selu', 'selu'],
    ['softplus', 'softplus'],
    ['softsign', 'softsign'],
    ['hardSigmoid', 'hard_sigmoid'],
    ['swish', 'swish'],
    ['gelu', 'gelu'],
  ];
  for (const [theirs, ours] of shared) {
    it(`activation '${ours}'`, () => {
      expectParity(layerwiseGrads(ours), tfGrads([tf.layers.dense({ units: UNITS, activation: theirs, inputShape: [IN] })]));
    });
  }

  it('the layerwise camelCase keys are TF.js spellings too', () => {
    expectParity(layerwiseGrads('hardSigmoid'), tfGrads([tf.layers.dense({ units: UNITS, activation: 'hardSigmoid', inputShape: [IN] })]));
  });

  it('Dense with new LeakyReLU({ alpha: 0.2 }) = TF.js dense (linear) → leakyReLU({ alpha: 0.2 })', () => {
    const theirs = tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.leakyReLU({ alpha: 0.2 })]);
    expectParity(layerwiseGrads(new LeakyReLU({ alpha: 0.2 })), theirs);
    // A LeakyReLU layer of its own after a linear Dense is the same again.
    expectParity(layerwiseGrads(undefined, [], new LeakyReLU({ alpha: 0.2 })), theirs);
  });

  it("'leaky_relu' (alpha 0.2, Keras 3's function) = TF.js leakyReLU({ alpha: 0.2 }); new LeakyReLU() = TF.js leakyReLU() (both layers default to 0.3)", () => {
    expectParity(layerwiseGrads('leaky_relu'), tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.leakyReLU({ alpha: 0.2 })]));
    expectParity(layerwiseGrads(new LeakyReLU()), tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.leakyReLU()]));
  });

  it('Dense with new ReLU() and new Softmax() = TF.js dense → reLU() / softmax()', () => {
    expectParity(layerwiseGrads(new ReLU()), tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.reLU()]));
    expectParity(layerwiseGrads(new Softmax()), tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.softmax()]));
  });

  it('Dense with new PReLU() = TF.js dense → prelu(), including the gradient w.r.t. alpha', () => {
    const alpha = Float32Array.of(0.1, -0.2, 0.35);
    const theirs = tfGrads([tf.layers.dense({ units: UNITS, inputShape: [IN] }), tf.layers.prelu()], [tf.tensor1d(alpha)]);
    expect(theirs.params).toHaveLength(3);
    expectParity(layerwiseGrads(new PReLU(), [tensor(alpha, [UNITS])]), theirs);
  });
});

/** One-hot labels for N samples of 3 classes, and 0/1 labels for N samples. */
const oneHot = tensor(Float32Array.from({ length: N * UNITS }, (_, i) => (i % UNITS === (Math.floor(i / UNITS) * 2) % UNITS ? 1 : 0)), [N, UNITS]);
const binary = tensor(Float32Array.of(1, 0, 0, 1, 1), [N, 1]);

/**
 * layerwise's training gradients for one batch, computed as `fit` does: the loss reads the logits
 * of the fused softmax or sigmoid, and backward skips that activation.
 */
function trainingGrads(layer: Dense, lossKey: LossKey, labels: Tensor): { loss: number; dx: Tensor; params: Float32Array[] } {
  const slot = layer.outputActivation().head()!;
  const loss = getLoss(lossKey).withLogitsOf(slot.fn!);
  expect(loss).toBeDefined();
  for (const p of layer.params()) p.grad.data.fill(0);
  layer.forward(x, true);
  const logits = slot.lastInput!;
  const dLogits = zeros(logits.shape);
  const value = loss!.compute(logits.data, labels.data, logits.shape, dLogits.data);
  // The loss read the logits: the softmax or sigmoid's own derivative is skipped.
  const dx = clone(layer.backward(dLogits, true, true));
  return { loss: value, dx, params: layer.params().map((p) => Float32Array.from(p.grad.data)) };
}

/** TF.js: loss and gradients w.r.t. input, kernel, bias of a tf.losses function of the logits. */
function tfLossGrads(units: number, kernelData: Float32Array, lossOf: (logits: tf.Tensor) => tf.Scalar) {
  return tf.tidy(() => {
    const xv = tf.variable(tf.tensor2d(x.data, [N, IN]), true, `x_${Math.random().toString(36).slice(2)}`);
    const k = tf.variable(tf.tensor2d(kernelData, [IN, units]), true, `k_${Math.random().toString(36).slice(2)}`);
    const b = tf.variable(tf.tensor1d(bias.data.subarray(0, units)), true, `b_${Math.random().toString(36).slice(2)}`);
    const { value, grads } = tf.variableGrads(() => lossOf(tf.add(tf.matMul(xv, k), b)), [xv, k, b]);
    const out = {
      loss: value.dataSync()[0],
      dx: grads[xv.name].dataSync() as Float32Array,
      dk: grads[k.name].dataSync() as Float32Array,
      db: grads[b.name].dataSync() as Float32Array,
    };
    [xv, k, b].forEach((v) => v.dispose());
    return out;
  });
}

/** One SGD step with learning rate 1 and no momentum: the weight change is minus the gradient. */
async function sgdStep(model: Sequential, labels: Tensor): Promise<{ loss: number; grads: Float32Array[] }> {
  const before = model.getWeights();
  const history = await model.fit(x, labels, { epochs: 1, batchSize: N, shuffle: false, verbose: 0 });
  const after = model.getWeights();
  return { loss: history.history.loss[0], grads: before.map((b, i) => b.data.map((v, j) => v - after[i].data[j])) };
}

/** TF.js: the same step through a compiled tf.sequential (sgd 1, batch = all, no shuffle). */
async function tfSgdStep(activation: 'softmax' | 'sigmoid', units: number, kernelData: Float32Array, loss: string, labels: Tensor) {
  const model = tf.sequential({ layers: [tf.layers.dense({ units, activation, inputShape: [IN] })] });
  model.setWeights([tf.tensor2d(kernelData, [IN, units]), tf.tensor1d(bias.data.subarray(0, units))]);
  model.compile({ optimizer: tf.train.sgd(1), loss });
  const before = model.getWeights().map((t) => t.dataSync() as Float32Array);
  const history = await model.fit(tf.tensor2d(x.data, [N, IN]), tf.tensor(labels.data, labels.shape as number[]), {
    epochs: 1,
    batchSize: N,
    shuffle: false,
    verbose: 0,
  });
  const after = model.getWeights().map((t) => t.dataSync() as Float32Array);
  model.dispose();
  return { loss: history.history.loss[0] as number, grads: before.map((b, i) => b.map((v, j) => v - after[i][j])) };
}

describe('softmax + categorical cross-entropy matches TF.js', () => {
  it('loss and gradients w.r.t. input, kernel and bias = tf.losses.softmaxCrossEntropy on the logits', () => {
    const layer = new Dense({ units: UNITS, activation: 'softmax', inputShape: [IN] });
    new Sequential({ layers: [layer] });
    layer.setWeights([kernel, bias]);
    const ours = trainingGrads(layer, 'categoricalCrossentropy', oneHot);
    const theirs = tfLossGrads(UNITS, kernel.data, (logits) => tf.losses.softmaxCrossEntropy(tf.tensor2d(oneHot.data, [N, UNITS]), logits) as tf.Scalar);
    expect(ours.loss).toBeCloseTo(theirs.loss, 5);
    expect(ours.dx).toBeAllClose(theirs.dx, CLOSE);
    expect(ours.params[0]).toBeAllClose(theirs.dk, CLOSE);
    expect(ours.params[1]).toBeAllClose(theirs.db, CLOSE);
    // The same loss through TF.js's probability form (clipped at 1e-7, which these logits never reach).
    const metric = tf.tidy(() => {
      const probs = tf.softmax(tf.add(tf.matMul(tf.tensor2d(x.data, [N, IN]), tf.tensor2d(kernel.data, [IN, UNITS])), tf.tensor1d(bias.data)));
      return tf.mean(tf.metrics.categoricalCrossentropy(tf.tensor2d(oneHot.data, [N, UNITS]), probs)).dataSync()[0];
    });
    expect(ours.loss).toBeCloseTo(metric, 5);
  });

  it('one SGD step (lr 1, no momentum) of fit = one step of a TF.js model compiled with categoricalCrossentropy', async () => {
    const model = new Sequential({ layers: [new Dense({ units: UNITS, activation: 'softmax', inputShape: [IN] })] });
    model.setWeights([kernel, bias]);
    model.compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'categoricalCrossentropy' });
    const ours = await sgdStep(model, oneHot);
    const theirs = await tfSgdStep('softmax', UNITS, kernel.data, 'categoricalCrossentropy', oneHot);
    expect(ours.loss).toBeCloseTo(theirs.loss, 5);
    expect(ours.grads[0]).toBeAllClose(theirs.grads[0], CLOSE);
    expect(ours.grads[1]).toBeAllClose(theirs.grads[1], CLOSE);
    // And the step is the gradient computed above by the fused path.
    const layer = new Dense({ units: UNITS, activation: new Softmax(), inputShape: [IN] });
    new Sequential({ layers: [layer] });
    layer.setWeights([kernel, bias]);
    const direct = trainingGrads(layer, 'categoricalCrossentropy', oneHot);
    expect(ours.grads[0]).toBeAllClose(direct.params[0], CLOSE);
  });
});

describe('sigmoid + binary cross-entropy matches TF.js', () => {
  const kernel1 = kernel.data.filter((_, i) => i % UNITS === 0); // the first column: [IN, 1]

  it('loss and gradients w.r.t. input, kernel and bias = tf.losses.sigmoidCrossEntropy on the logits', () => {
    const layer = new Dense({ units: 1, activation: 'sigmoid', inputShape: [IN] });
    new Sequential({ layers: [layer] });
    layer.setWeights([tensor(kernel1, [IN, 1]), tensor(bias.data.slice(0, 1), [1])]);
    const ours = trainingGrads(layer, 'binaryCrossentropy', binary);
    const theirs = tfLossGrads(1, kernel1, (logits) => tf.losses.sigmoidCrossEntropy(tf.tensor2d(binary.data, [N, 1]), logits) as tf.Scalar);
    expect(ours.loss).toBeCloseTo(theirs.loss, 5);
    expect(ours.dx).toBeAllClose(theirs.dx, CLOSE);
    expect(ours.params[0]).toBeAllClose(theirs.dk, CLOSE);
    expect(ours.params[1]).toBeAllClose(theirs.db, CLOSE);
    const metric = tf.tidy(() => {
      const probs = tf.sigmoid(tf.add(tf.matMul(tf.tensor2d(x.data, [N, IN]), tf.tensor2d(kernel1, [IN, 1])), tf.scalar(bias.data[0])));
      return tf.mean(tf.metrics.binaryCrossentropy(tf.tensor2d(binary.data, [N, 1]), probs)).dataSync()[0];
    });
    expect(ours.loss).toBeCloseTo(metric, 5);
  });

  it('one SGD step (lr 1, no momentum) of fit = one step of a TF.js model compiled with binaryCrossentropy', async () => {
    const model = new Sequential({ layers: [new Dense({ units: 1, activation: 'sigmoid', inputShape: [IN] })] });
    model.setWeights([tensor(kernel1, [IN, 1]), tensor(bias.data.slice(0, 1), [1])]);
    model.compile({ optimizer: new SGD({ learningRate: 1 }), loss: 'binaryCrossentropy' });
    const ours = await sgdStep(model, binary);
    const theirs = await tfSgdStep('sigmoid', 1, kernel1, 'binaryCrossentropy', binary);
    expect(ours.loss).toBeCloseTo(theirs.loss, 5);
    expect(ours.grads[0]).toBeAllClose(theirs.grads[0], CLOSE);
    expect(ours.grads[1]).toBeAllClose(theirs.grads[1], CLOSE);
  });
});
