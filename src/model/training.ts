import type { ActivationSlot } from '../layers/activation-slot';
import type { Param } from '../layers/layer';
import type { Optimizer } from '../optim/optimizer';
import type { Loss } from '../losses/losses';
import { BufferCache } from '../tensor/buffers';
import { fillZeros, gatherRows } from '../tensor/kernels';
import { rngFor } from '../tensor/random';
import { firstNonFinite, formatShape, reshape, shapesEqual, tensor, toTensor, zeros, type Shape, type Tensor, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { Callback, Hook, Logs } from './callbacks/base';
import { fitCallbacks } from './callbacks/fit-callbacks';
import { History } from './history';
import { getMetric, type Accumulator, type Metric, type MetricSpec } from '../metrics';
import { checkOptions, describeValue, isOptionsObject } from '../util/options';
import { checkLabelValues, checkOutputForLoss } from './labels';
import type { EvaluateOptions, FitOptions, Sequential } from './sequential';
import type { Batch, BatchSource, DatasetSource } from '../data/dataset-api';

/**
 * Lets the event loop run (timers, I/O, page redraws) between batches: `setImmediate` in Node, a
 * MessageChannel message in browsers (a `setTimeout(0)` there waits at least 4 ms once nested).
 */
const yieldToEventLoop: () => Promise<void> = (() => {
  if (typeof setImmediate === 'function') return () => new Promise<void>((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const waiting: (() => void)[] = [];
    channel.port1.onmessage = () => waiting.shift()?.();
    return () =>
      new Promise<void>((resolve) => {
        waiting.push(resolve);
        channel.port2.postMessage(null);
      });
  }
  return () => new Promise<void>((resolve) => setTimeout(resolve, 0));
})();

/** Batch buffers of each model, reused across batches and epochs. */
const batchBuffers = new WeakMap<Sequential, BufferCache>();

function buffersOf(model: Sequential): BufferCache {
  let cache = batchBuffers.get(model);
  if (!cache) batchBuffers.set(model, (cache = new BufferCache()));
  return cache;
}

/** Converts and checks inputs: a tensor with a batch axis, no NaN or infinity, fitting the model. */
function prepareInputs(model: Sequential, x: TensorLike, where: string): Tensor {
  if (model.layers.length === 0) {
    throw new LayerwiseError(`${model.name}.${where}: the model has no layers. Add layers with model.add(...) first.`);
  }
  let t = toTensor(x, `${where} x`);
  const expected = model.inputShape;
  // One value a sample ([N], a flat typed array) for a model of one input feature, as Keras's expand_1d.
  if (t.shape.length === 1 && (expected === undefined || (expected.length === 1 && expected[0] === 1))) t = reshape(t, [t.shape[0], 1]);
  if (t.shape.length < 2) {
    throw new LayerwiseError(
      `${where}: x must have a batch axis first, shape [samples, ...features], but has shape [${t.shape.join(', ')}]. ` +
        `For one sample, wrap it in an array: [[...]].`,
    );
  }
  if (expected && shapesEqual(t.shape, expected)) {
    throw new LayerwiseError(
      `${where}: x has the shape of one sample, [${expected.join(', ')}], without the batch axis. ` +
        `Wrap it in an array: [sample] (or, for a tensor, reshape it to [1, ${expected.join(', ')}]).`,
    );
  }
  checkFinite(t, `${where}: x`);
  const sample = t.shape.slice(1);
  if (expected && !shapesEqual(expected, sample)) {
    throw new LayerwiseError(
      `${model.layers[0].name}: expected input of shape ${formatShape(expected)} but x has shape ${formatShape(sample, t.shape[0])}. ` +
        `Give each sample ${expected.join('x')} values, or rebuild the model with inputShape: [${sample.join(', ')}].`,
    );
  }
  return t;
}

/** The per-sample output shape for inputs `x`, computed without building anything. */
function outputShapeFor(model: Sequential, x: Tensor): Shape {
  return model.outputShape ?? model.computeOutputShape(x.shape.slice(1));
}

function checkFinite(t: Tensor, what: string): void {
  const bad = firstNonFinite(t.data);
  if (bad < 0) return;
  const rowSize = t.size / t.shape[0];
  throw new LayerwiseError(
    `${what} contains ${t.data[bad]} at sample ${Math.floor(bad / rowSize)} (value ${bad % rowSize} of the sample). ` +
      `Remove or impute missing values before training; the model was not changed.`,
  );
}

/** Converts and checks labels against the model's output and the loss. */
function prepareLabels(model: Sequential, loss: Loss, y: TensorLike, x: Tensor, where: string): Tensor {
  let t = toTensor(y, `${where} y`);
  checkFinite(t, `${where}: y`);
  const samples = x.shape[0];
  if (t.shape[0] !== samples) {
    throw new LayerwiseError(
      `${where}: x has ${samples} samples but y has ${t.shape[0] ?? 0}. Give one label per sample.`,
    );
  }
  const predShape = [samples, ...outputShapeFor(model, x)];
  // Labels of shape [N] for an output of shape [N, 1] are read as a column, as Keras does.
  if (predShape[predShape.length - 1] === 1 && shapesEqual(t.shape, predShape.slice(0, -1)) && loss.name !== 'sparseCategoricalCrossentropy') {
    t = reshape(t, predShape);
  }
  loss.checkLabels(predShape, t.shape, where);
  checkLabelValues(loss, t, predShape, where);
  checkOutputForLoss(model.layers[model.layers.length - 1], loss, predShape, where);
  return t;
}

/** Row `start` to `end` of a tensor, without copying. */
function rows(t: Tensor, start: number, end: number): Tensor {
  const rowSize = t.size / t.shape[0];
  return tensor(t.data.subarray(start * rowSize, end * rowSize), [end - start, ...t.shape.slice(1)]);
}

/** The index of the first layer with a trainable weight (the number of layers when none has one). */
function firstTrainableLayer(model: Sequential): number {
  const index = model.layers.findIndex((layer) => layer.params().some((p) => p.trainable));
  return index < 0 ? model.layers.length : index;
}

/**
 * The model's output for `x`, and the mask of that output when the last layer passes one on; each
 * layer's mask (an Embedding's with `maskZero`) goes to the next.
 */
function forwardMasked(model: Sequential, x: Tensor, training: boolean): { out: Tensor; mask?: Tensor } {
  let out = x;
  let mask: Tensor | undefined;
  for (const layer of model.layers) {
    const next = layer.forward(out, training, mask);
    mask = layer.computeMask(out, mask);
    out = next;
  }
  return { out, mask };
}

function forward(model: Sequential, x: Tensor, training: boolean): Tensor {
  return forwardMasked(model, x, training).out;
}

/**
 * The loss's weights when the output carries a mask [batch, steps] (a sequence output after an
 * Embedding with `maskZero`): one a step, the sample's weight (1 without) times the mask, scaled
 * by total / valid steps, so that the loss is the mean over the real steps, as Keras 3's
 * `apply_mask` makes it; padded steps add nothing. Without a mask, or when the output has no steps
 * axis the mask matches, the sample weights as they are.
 */
function maskedWeights(out: Tensor, mask: Tensor | undefined, weights: Float32Array | undefined, cache: BufferCache): Float32Array | undefined {
  if (!mask || out.shape.length < 3 || mask.shape.length !== 2 || mask.shape[0] !== out.shape[0] || mask.shape[1] !== out.shape[1]) return weights;
  let valid = 0;
  for (let i = 0; i < mask.size; i++) valid += mask.data[i];
  const scale = valid > 0 ? mask.size / valid : 0;
  const steps = mask.shape[1];
  const w = cache.get('maskWeights', mask.shape).data;
  for (let i = 0; i < mask.size; i++) w[i] = mask.data[i] * scale * (weights ? weights[Math.floor(i / steps)] : 1);
  return w;
}

/**
 * How the loss meets the output. When the last activation is softmax (or sigmoid) and the loss is
 * cross-entropy on probabilities, the loss reads the logits instead: exact for large logits, and
 * its gradient skips the saturated activation (as Keras does with TensorFlow).
 */
interface LossHead {
  loss: Loss;
  /** The activation whose input the loss reads, when fused. */
  slot?: ActivationSlot;
}

function lossHead(model: Sequential, loss: Loss): LossHead {
  const slot = model.layers[model.layers.length - 1].outputActivation()?.head();
  const fused = slot?.fn ? loss.withLogitsOf(slot.fn) : undefined;
  return fused && slot ? { loss: fused, slot } : { loss };
}

/** The loss of the last forward batch; writes dLoss/d(output or logits) into `grad` when given. */
function batchLoss(head: LossHead, out: Tensor, labels: Tensor, grad?: BufferCache, weights?: Float32Array): { value: number; dOut?: Tensor } {
  const pred = head.slot ? head.slot.lastInput! : out;
  const dOut = grad?.get('dloss', pred.shape);
  const value = head.loss.compute(pred.data, labels.data, pred.shape, dOut?.data, weights);
  return { value, dOut };
}

/** Running, sample-weighted means of the loss over an epoch (the metrics keep their own state: `Accumulator`). */
class Averages {
  private readonly sums: Record<string, number> = {};
  private count = 0;

  add(values: Logs, samples: number): void {
    for (const [k, v] of Object.entries(values)) this.sums[k] = (this.sums[k] ?? 0) + v * samples;
    this.count += samples;
  }

  means(prefix = ''): Logs {
    const out: Logs = {};
    for (const [k, v] of Object.entries(this.sums)) out[prefix + k] = v / this.count;
    return out;
  }
}

/** The batch's loss (weighted by `weights`, one a sample, when given); adds the batch to each metric's state (unweighted, as Keras 3's `metrics`). */
function scores(head: LossHead, states: Accumulator[], out: Tensor, labels: Tensor, grad?: BufferCache, weights?: Float32Array): { logs: Logs; dOut?: Tensor } {
  const { value, dOut } = batchLoss(head, out, labels, grad, weights);
  for (const state of states) state.update(out.data, labels.data, out.shape);
  return { logs: { loss: value }, dOut };
}

/** Each metric's value over the batches since its state was reset, as Keras 3's `result()`. */
function metricLogs(metrics: Metric[], states: Accumulator[], logs: Logs, prefix = ''): Logs {
  for (let i = 0; i < metrics.length; i++) logs[prefix + metrics[i].name] = states[i].result();
  return logs;
}

function metricsOf(loss: Loss, specs: readonly MetricSpec[], outputShape: Shape): Metric[] {
  return specs.map((spec) => getMetric(spec, loss, outputShape));
}

/**
 * Calls a hook on every callback, in order, awaiting those that return a promise; while each runs,
 * the model allows the calls a callback may make (see `Sequential.inHook`).
 */
async function runHooks(model: Sequential, callbacks: readonly Callback[], hook: Hook, ...args: [Logs] | [number, Logs]): Promise<void> {
  for (const callback of callbacks) {
    const call = callback[hook] as (...a: unknown[]) => void | Promise<void>;
    const result = model.inHook(() => call.apply(callback, args));
    if (result) await result;
  }
}

/** The options `fit` takes (FitOptions), checked by name. */
const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'verbose',
  'callbacks',
  'seed',
  'sampleWeight',
  'classWeight',
  'initialEpoch',
  'validationBatchSize',
  'validationFreq',
];

/** What `trainOnBatch` takes, checked by name. */
export interface BatchWeightOptions {
  /** One weight a sample: its loss counts that many times (the sum is still divided by the samples). */
  sampleWeight?: TensorLike;
  /** A weight a class index (`{ 0: 1, 1: 5 }`): each sample's weight is its class's (1 for a class not listed). */
  classWeight?: Record<number, number>;
}

/**
 * The per-sample weights of `sampleWeight` or `classWeight` (checked; undefined when neither is
 * given), as Keras 3: a class weight becomes each sample's weight, the class being the label's
 * argmax (one-hot labels) or its rounded value (a class index, a 0/1 label); classes not listed weigh 1.
 */
function sampleWeightsFor(where: string, options: BatchWeightOptions, y: Tensor, outputShape: Shape): Float32Array | undefined {
  const { sampleWeight, classWeight } = options;
  const samples = y.shape[0];
  if (sampleWeight !== undefined && classWeight !== undefined) {
    throw new LayerwiseError(`${where}: give sampleWeight or classWeight, not both (as Keras). Fold the class weights into sampleWeight.`);
  }
  if (sampleWeight !== undefined) {
    let w: Tensor;
    try {
      w = toTensor(sampleWeight, `${where} sampleWeight`);
    } catch {
      throw new LayerwiseError(`${where}: sampleWeight must be an array of numbers, one a sample. Received: sampleWeight=${describeValue(sampleWeight)}.`);
    }
    if (w.shape.length === 2 && w.shape[1] === 1) w = reshape(w, [w.shape[0]]);
    if (w.shape.length !== 1 || w.shape[0] !== samples) {
      throw new LayerwiseError(`${where}: sampleWeight must hold one weight a sample: ${samples} values, shape [${samples}]. Received shape [${w.shape.join(', ')}].`);
    }
    const bad = w.data.findIndex((v) => !Number.isFinite(v) || v < 0);
    if (bad >= 0) throw new LayerwiseError(`${where}: sampleWeight must be finite and non-negative, but sample ${bad} has weight ${w.data[bad]}.`);
    return Float32Array.from(w.data);
  }
  if (classWeight === undefined) return undefined;
  if (!isOptionsObject(classWeight)) {
    throw new LayerwiseError(`${where}: classWeight must be an object of class index to weight, such as { 0: 1, 1: 5 }. Received: classWeight=${describeValue(classWeight)}.`);
  }
  const width = outputShape[outputShape.length - 1];
  // A sigmoid output of one unit has two classes, 0 and 1.
  const classes = width === 1 ? 2 : width;
  const byClass = new Float64Array(classes).fill(1);
  for (const [key, value] of Object.entries(classWeight)) {
    const index = Number(key);
    if (!/^\d+$/.test(key) || index >= classes) {
      throw new LayerwiseError(`${where}: classWeight keys must be class indices of the output, integers in [0, ${classes - 1}]. Received the key ${describeValue(key)}.`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new LayerwiseError(`${where}: classWeight values must be finite non-negative numbers. Received: classWeight[${key}]=${describeValue(value)}.`);
    }
    byClass[index] = value;
  }
  const rowSize = y.size / samples;
  if (y.shape.length > 2) throw new LayerwiseError(`${where}: classWeight needs labels of one class a sample (shape [samples] or [samples, classes]), not of shape [${y.shape.join(', ')}]. Use sampleWeight.`);
  const weights = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let label: number;
    if (rowSize === 1) label = Math.round(y.data[i]);
    else {
      label = 0;
      for (let k = 1; k < rowSize; k++) if (y.data[i * rowSize + k] > y.data[i * rowSize + label]) label = k;
    }
    weights[i] = label >= 0 && label < classes ? byClass[label] : 1;
  }
  return weights;
}

/** A positive integer option (`validationFreq`, `validationBatchSize`), or a LayerwiseError naming it. */
function positiveInteger(where: string, key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new LayerwiseError(`${where}: ${key} must be a positive integer. Received: ${key}=${describeValue(value)}.`);
  }
  return value;
}

/** A positive integer batch size, or a LayerwiseError saying so (0 would loop forever, −1 fail deep inside). */
function checkBatchSize(batchSize: unknown, where: string): number {
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize <= 0) {
    throw new LayerwiseError(`${where}: batchSize must be a positive integer. Received: batchSize=${describeValue(batchSize)}.`);
  }
  return batchSize;
}

export async function fitModel(model: Sequential, xIn: TensorLike, yIn: TensorLike, fitOptions: FitOptions): Promise<History> {
  const options = checkOptions<FitOptions>('fit', fitOptions, FIT_OPTIONS, { example: '{ epochs: 10, batchSize: 32 }' });
  const { optimizer, loss, metrics: metricNames } = model.requireCompiled('fit');
  const { epochs = 1, batchSize = 32, shuffle = true, validationSplit = 0, validationData, verbose = 1, callbacks = [], seed } = options;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new LayerwiseError(`fit: verbose must be 0, 1 or 2. Received: verbose=${describeValue(verbose)}.`);
  if (!Number.isInteger(epochs) || epochs < 0) throw new LayerwiseError(`fit: epochs must be a non-negative integer. Received: epochs=${describeValue(epochs)}.`);
  checkBatchSize(batchSize, 'fit');
  if (typeof validationSplit !== 'number' || !(validationSplit >= 0 && validationSplit < 1)) throw new LayerwiseError(`fit: validationSplit must be in [0, 1). Received: ${describeValue(validationSplit)}.`);
  if (typeof shuffle !== 'boolean') throw new LayerwiseError(`fit: shuffle must be true or false. Received: shuffle=${describeValue(shuffle)}.`);
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) throw new LayerwiseError(`fit: seed must be a number. Received: seed=${describeValue(seed)}.`);
  if (!Array.isArray(callbacks)) {
    throw new LayerwiseError(`fit: callbacks must be an array of Callback instances, such as [new EarlyStopping({ patience: 3 })]. Received: ${describeValue(callbacks)}.`);
  }
  if (validationData !== undefined && (!Array.isArray(validationData) || validationData.length !== 2)) {
    throw new LayerwiseError(`fit: validationData must be a pair [x, y]. Received: ${describeValue(validationData)}.`);
  }
  // As Keras: epochs is the index of the last epoch, so epochs initialEpoch, ..., epochs − 1 run.
  const { initialEpoch = 0, validationFreq = 1 } = options;
  if (typeof initialEpoch !== 'number' || !Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new LayerwiseError(`fit: initialEpoch must be a non-negative integer (the epoch to start at, from 0). Received: initialEpoch=${describeValue(initialEpoch)}.`);
  }
  positiveInteger('fit', 'validationFreq', validationFreq);
  const validationBatchSize = options.validationBatchSize === undefined ? batchSize : positiveInteger('fit', 'validationBatchSize', options.validationBatchSize);

  let x = prepareInputs(model, xIn, 'fit');
  let y = prepareLabels(model, loss, yIn, x, 'fit');
  let weights = sampleWeightsFor('fit', options, y, outputShapeFor(model, x));
  let validationWeights: Float32Array | undefined;
  let validation: [Tensor, Tensor] | undefined;
  if (validationData) {
    const vx = prepareInputs(model, validationData[0], 'fit (validationData)');
    if (!shapesEqual(vx.shape.slice(1), x.shape.slice(1))) {
      throw new LayerwiseError(
        `fit: validationData x has samples of shape ${formatShape(vx.shape.slice(1))} but x has ${formatShape(x.shape.slice(1))}. Give both the same features.`,
      );
    }
    validation = [vx, prepareLabels(model, loss, validationData[1], vx, 'fit (validationData)')];
  } else if (validationSplit > 0) {
    const train = Math.floor(x.shape[0] * (1 - validationSplit));
    if (train === 0 || train === x.shape[0]) {
      throw new LayerwiseError(`fit: validationSplit=${validationSplit} of ${x.shape[0]} samples leaves no training or no validation samples.`);
    }
    validation = [rows(x, train, x.shape[0]), rows(y, train, y.shape[0])];
    [x, y] = [rows(x, 0, train), rows(y, 0, train)];
    // As Keras: the held-out samples keep their sampleWeight (a classWeight weighs the training samples only).
    if (options.sampleWeight !== undefined) validationWeights = weights?.subarray(train);
    weights = weights?.subarray(0, train);
  }

  const history = new History();
  const all = fitCallbacks(callbacks, verbose, history);
  const metrics = metricsOf(loss, metricNames, outputShapeFor(model, x));
  // Training and validation each keep their own state, made once and reset per epoch.
  const trainStates = metrics.map((m) => m.accumulator());
  const valStates = metrics.map((m) => m.accumulator());

  // Everything is checked; only now may the model change.
  if (!model.inputShape) model.build(x.shape.slice(1));
  const samples = x.shape[0];
  const steps = Math.ceil(samples / batchSize);
  const head = lossHead(model, loss);
  const params = model.params();
  // Which weights train is read once, at the start: a layer unfrozen meanwhile trains from the next fit (a frozen one stops at once: the optimizer skips it).
  const trainable = params.filter((p) => p.trainable);
  // The weights before the last step and at the epoch's start, to restore when training diverges.
  const guard = new DivergenceGuard(params, trainable, optimizer);
  const stepper = makeStepper(model, head, optimizer, guard);
  const rng = rngFor(seed);
  const order = Int32Array.from({ length: samples }, (_, i) => i);
  const buffers = buffersOf(model);
  const xRow = x.size / samples;
  const yRow = y.size / samples;
  for (const callback of all) {
    callback.model = model;
    callback.params = { epochs, steps, samples, validation: validation !== undefined };
  }

  model.stopTraining = false;
  {
    await runHooks(model, all, 'onTrainBegin', {});
    // The last epoch's logs, for onTrainEnd (as Keras 3's training_logs).
    let trainingLogs: Logs = {};
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await runHooks(model, all, 'onEpochBegin', epoch, {});
      guard.epochBegins();
      if (shuffle) rng.shuffle(order);
      const averages = new Averages();
      for (const state of trainStates) state.reset();
      let lastStep = 0;
      for (let step = 0; step < steps; step++) {
        const start = step * batchSize;
        const end = Math.min(samples, start + batchSize);
        await runHooks(model, all, 'onBatchBegin', step, { batch: step, size: end - start });
        const xb = buffers.get('x', [end - start, ...x.shape.slice(1)]);
        const yb = buffers.get('y', [end - start, ...y.shape.slice(1)]);
        gatherRows(x.data, xRow, order, start, end, xb.data);
        gatherRows(y.data, yRow, order, start, end, yb.data);
        const wb = weights && buffers.get('w', [end - start]);
        if (wb) gatherRows(weights!, 1, order, start, end, wb.data);

        const { logs, stepped } = trainStep(stepper, trainStates, xb, yb, wb?.data);
        if (!stepped) {
          // The weights the last step made compute a non-finite loss: undo that step.
          const undone = guard.restore();
          throw divergence(model, epoch, step, `the loss of this batch is ${logs.loss}${undone}`, averages);
        }

        averages.add(logs, end - start);
        // As in Keras 3, batch logs hold the epoch's running values so far: the loss's mean, each metric's result.
        await runHooks(model, all, 'onBatchEnd', step, metricLogs(metrics, trainStates, { batch: step, size: end - start, ...averages.means() }));
        lastStep = step;
        if (model.stopTraining) break;
        await yieldToEventLoop();
      }
      // A step that wrote NaN or infinity is found by the next batch's loss; the epoch's last step
      // here, with the optimizer's state (Adam's moments can overflow while the loss stays finite).
      const poisoned = guard.firstNotFinite();
      if (poisoned) {
        const undone = guard.restore();
        throw divergence(model, epoch, lastStep, `${poisoned} is not finite after the epoch's last step${undone}`, averages);
      }
      const logs = metricLogs(metrics, trainStates, averages.means());
      // As Keras's validation_freq: after every validationFreq-th epoch, counted from 1.
      if (validation && (epoch + 1) % validationFreq === 0) {
        Object.assign(logs, evaluateTensors(model, head, metrics, valStates, validation[0], validation[1], validationBatchSize, 'val_', validationWeights));
      }
      // A scheduled rate changes every step: the epoch's logs show where it is (Keras's learning_rate).
      if (optimizer.schedule) logs.learning_rate = optimizer.learningRate;
      await runHooks(model, all, 'onEpochEnd', epoch, logs);
      trainingLogs = logs;
    }
    await runHooks(model, all, 'onTrainEnd', { ...trainingLogs });
  }
  return history;
}

/** What one training step reads, fixed for a run: made once by fit, fitDataset and trainOnBatch. */
interface Stepper {
  model: Sequential;
  head: LossHead;
  optimizer: Optimizer;
  guard: DivergenceGuard;
  params: Param[];
  trainable: Param[];
  firstTrainable: number;
  buffers: BufferCache;
}

function makeStepper(model: Sequential, head: LossHead, optimizer: Optimizer, guard: DivergenceGuard): Stepper {
  const params = model.params();
  return { model, head, optimizer, guard, params, trainable: params.filter((p) => p.trainable), firstTrainable: firstTrainableLayer(model), buffers: buffersOf(model) };
}

/**
 * The one training step of fit, fitDataset and trainOnBatch: forward, loss (with the weight
 * regularizers' penalty), backward, the optimizer's step, the constraints. Returns the batch's
 * logs (computed before the step); `stepped` is false, and nothing changed but the forward pass's
 * statistics, when the loss is not finite (the caller restores and throws).
 */
function trainStep(s: Stepper, states: Accumulator[], xb: Tensor, yb: Tensor, wb?: Float32Array): { logs: Logs; stepped: boolean } {
  const { model, head } = s;
  for (const p of s.params) fillZeros(p.grad.data);
  const { out, mask } = forwardMasked(model, xb, true);
  const { logs, dOut } = scores(head, states, out, yb, s.buffers, maskedWeights(out, mask, wb, s.buffers));
  // Weight regularizers: their penalty joins the loss fit reports (as Keras and TF.js), their gradient the weights'.
  for (const layer of model.layers) logs.loss += layer.regularizationLoss(true);
  if (!Number.isFinite(logs.loss)) return { logs, stepped: false };
  const last = model.layers.length - 1;
  let grad = dOut!;
  // Layers below the first with trainable weights need no gradient, nor does its input; when
  // the loss read the logits, the last layer skips its output activation's derivative.
  for (let i = last; i >= s.firstTrainable; i--) grad = model.layers[i].backward(grad, i > s.firstTrainable, i === last && head.slot !== undefined);
  s.guard.beforeStep();
  s.optimizer.step(s.trainable);
  // Constraints project the weights after each step, as Keras 3's optimizer does.
  for (const layer of model.layers) layer.applyConstraints();
  return { logs, stepped: true };
}

/**
 * Keeps what a diverged step needs undone, with one copy per step and no allocation: every weight
 * before the last step (a memcpy, ~2% of an MLP step; moving statistics included, since a forward
 * pass in training writes them), and at the epoch's start (in case the weights before the last step
 * are themselves not finite: a NaN that a ReLU masked from the loss). The optimizer's state is not
 * copied: after a restore it is checked, and reset when it holds NaN or infinity.
 */
class DivergenceGuard {
  private readonly beforeLast: Float32Array[];
  private readonly atEpoch: Float32Array[];
  private stepped = false;
  private epochIterations = 0;

  constructor(
    private readonly params: readonly Param[],
    private readonly trainable: readonly Param[],
    private readonly optimizer: Optimizer,
  ) {
    this.beforeLast = params.map((p) => new Float32Array(p.value.size));
    this.atEpoch = params.map((p) => new Float32Array(p.value.size));
  }

  private copy(into: Float32Array[]): void {
    for (let i = 0; i < this.params.length; i++) into[i].set(this.params[i].value.data);
  }

  private put(from: Float32Array[]): void {
    for (let i = 0; i < this.params.length; i++) this.params[i].value.data.set(from[i]);
  }

  epochBegins(): void {
    this.copy(this.atEpoch);
    this.epochIterations = this.optimizer.iterations;
  }

  beforeStep(): void {
    this.copy(this.beforeLast);
    this.stepped = true;
  }

  /** The name of the first weight or optimizer state array that is not finite (a full scan: once an epoch). */
  firstNotFinite(): string | undefined {
    for (const p of this.params) if (firstNonFinite(p.value.data) >= 0) return p.name;
    for (const p of this.trainable) {
      const slots = this.optimizer.getSlots(p) ?? [];
      const names = this.optimizer.slotNames();
      for (let s = 0; s < slots.length; s++) if (firstNonFinite(slots[s]) >= 0) return `the optimizer's ${names[s]} of ${p.name}`;
    }
    return undefined;
  }

  /** Puts back the weights of the last finite step; says what it undid, for the error. */
  restore(): string {
    let undone = '';
    // No step yet: the forward pass of the failing batch may still have written moving statistics.
    if (!this.stepped) this.put(this.atEpoch);
    else {
      this.stepped = false;
      if (this.beforeLast.every((w) => firstNonFinite(w) < 0)) {
        this.put(this.beforeLast);
        this.optimizer.iterations--;
        undone = ' (the step before it was undone)';
      } else {
        this.put(this.atEpoch);
        this.optimizer.iterations = this.epochIterations;
        undone = " (the weights went back to the epoch's start: an earlier step of it had already made some not finite)";
      }
    }
    if (this.trainable.some((p) => (this.optimizer.getSlots(p) ?? []).some((s) => firstNonFinite(s) >= 0))) {
      this.optimizer.resetState();
      undone += "; the optimizer's state (momentum, moments), no longer finite, was reset";
    }
    return undone;
  }
}

/**
 * The error a diverged run stops with: where it started, and what to try. The step that wrote NaN
 * or infinity has been undone (DivergenceGuard), so the weights are those of the last finite step.
 */
function divergence(model: Sequential, epoch: number, step: number, what: string, averages: Averages): LayerwiseError {
  const before = averages.means().loss;
  return new LayerwiseError(
    `${model.name}.fit: training diverged at epoch ${epoch + 1}, batch ${step + 1}: ${what}` +
      `${before !== undefined ? ` (the epoch's mean loss until then: ${before})` : ''}. ` +
      `The weights are those of the last finite step. Lower the learning rate, scale the inputs (values near 1), or clip the labels.`,
  );
}

/**
 * One batch's logs in inference mode (evaluate, validation, testOnBatch): the loss with the weight
 * regularizers' penalty, as Keras 3's test step computes it, so that `val_loss` and `loss` measure
 * the same thing (TF.js 4.22 leaves the penalty out of evaluate); the metrics' states updated. The
 * `categorical_crossentropy` metric and its siblings give the fit alone.
 */
function testScores(model: Sequential, head: LossHead, states: Accumulator[], x: Tensor, labels: Tensor, weights: Float32Array | undefined, cache: BufferCache): Logs {
  const { out, mask } = forwardMasked(model, x, false);
  const { logs } = scores(head, states, out, labels, undefined, maskedWeights(out, mask, weights, cache));
  for (const layer of model.layers) logs.loss += layer.regularizationLoss(false);
  return logs;
}

/** The loss and metrics over `x`, `y`; `states` (one a metric) are reset first. */
function evaluateTensors(model: Sequential, head: LossHead, metrics: Metric[], states: Accumulator[], x: Tensor, y: Tensor, batchSize: number, prefix = '', weights?: Float32Array): Logs {
  const averages = new Averages();
  // The model's batch buffers (they hold the mask weights): no new buffers per evaluation.
  const cache = buffersOf(model);
  for (const state of states) state.reset();
  for (let start = 0; start < x.shape[0]; start += batchSize) {
    const end = Math.min(x.shape[0], start + batchSize);
    averages.add(testScores(model, head, states, rows(x, start, end), rows(y, start, end), weights?.subarray(start, end), cache), end - start);
  }
  return metricLogs(metrics, states, averages.means(prefix), prefix);
}

export function evaluateModel(model: Sequential, xIn: TensorLike, yIn: TensorLike, options: EvaluateOptions): Logs {
  const { batchSize = 32 } = checkOptions<EvaluateOptions>('evaluate', options, ['batchSize'], { example: '{ batchSize: 32 }' });
  checkBatchSize(batchSize, 'evaluate');
  const { loss, metrics } = model.requireCompiled('evaluate');
  const x = prepareInputs(model, xIn, 'evaluate');
  const y = prepareLabels(model, loss, yIn, x, 'evaluate');
  const bound = metricsOf(loss, metrics, outputShapeFor(model, x));
  if (!model.inputShape) model.build(x.shape.slice(1));
  return evaluateTensors(model, lossHead(model, loss), bound, bound.map((m) => m.accumulator()), x, y, batchSize);
}

export function predictModel(model: Sequential, xIn: TensorLike, options: EvaluateOptions): Tensor {
  const { batchSize = 32 } = checkOptions<EvaluateOptions>('predict', options, ['batchSize'], { example: '{ batchSize: 32 }' });
  checkBatchSize(batchSize, 'predict');
  const x = prepareInputs(model, xIn, 'predict');
  if (!model.inputShape) model.build(x.shape.slice(1));
  const samples = x.shape[0];
  const outShape: Shape = [samples, ...model.outputShape!];
  const result = zeros(outShape);
  const outRow = result.size / samples;
  for (let start = 0; start < samples; start += batchSize) {
    const end = Math.min(samples, start + batchSize);
    const out = forward(model, rows(x, start, end), false);
    result.data.set(out.data.subarray(0, (end - start) * outRow), start * outRow);
  }
  return result;
}

/** What `trainOnBatch` and `testOnBatch` take. */
export interface OnBatchOptions extends BatchWeightOptions {
  /** Always return the logs `{ loss, ...metrics }`; without it, a model compiled without metrics returns the loss alone. */
  returnDict?: boolean;
}

const ON_BATCH_OPTIONS = ['sampleWeight', 'classWeight', 'returnDict'];

/** The checked inputs, labels and weights of one batch, the model built for them. */
function prepareBatch(model: Sequential, where: string, xIn: TensorLike, yIn: TensorLike, options: OnBatchOptions) {
  const checked = checkOptions<OnBatchOptions>(where, options, ON_BATCH_OPTIONS, { example: '{ sampleWeight: [1, 2] }' });
  if (checked.returnDict !== undefined && typeof checked.returnDict !== 'boolean') {
    throw new LayerwiseError(`${where}: returnDict must be true or false. Received: returnDict=${describeValue(checked.returnDict)}.`);
  }
  const { loss, metrics: metricNames } = model.requireCompiled(where);
  const x = prepareInputs(model, xIn, where);
  const y = prepareLabels(model, loss, yIn, x, where);
  const weights = sampleWeightsFor(where, checked, y, outputShapeFor(model, x));
  const metrics = metricsOf(loss, metricNames, outputShapeFor(model, x));
  // Everything is checked; only now may the model change.
  if (!model.inputShape) model.build(x.shape.slice(1));
  return { x, y, weights, metrics, states: metrics.map((m) => m.accumulator()), head: lossHead(model, loss), returnDict: checked.returnDict === true };
}

/** As Keras: the loss alone when there are no metrics (unless returnDict), the logs otherwise. */
function batchResult(logs: Logs, metrics: Metric[], returnDict: boolean): number | Logs {
  return metrics.length === 0 && !returnDict ? logs.loss : logs;
}

/**
 * One gradient step on one batch, as fit takes it (the batch in the order given); returns that
 * batch's loss and metrics (computed before the step, as fit's). A step that makes the loss or the
 * weights not finite is undone, and fails as fit does.
 */
export function trainOnBatchModel(model: Sequential, xIn: TensorLike, yIn: TensorLike, options: OnBatchOptions): number | Logs {
  const where = 'trainOnBatch';
  const { x, y, weights, metrics, states, head, returnDict } = prepareBatch(model, where, xIn, yIn, options);
  const { optimizer } = model.requireCompiled(where);
  const params = model.params();
  const trainable = params.filter((p) => p.trainable);
  const guard = new DivergenceGuard(params, trainable, optimizer);
  guard.epochBegins();
  const { logs, stepped } = trainStep(makeStepper(model, head, optimizer, guard), states, x, y, weights);
  const fail = (what: string) =>
    new LayerwiseError(`${model.name}.${where}: training diverged: ${what}. The weights are those before the call. Lower the learning rate, scale the inputs (values near 1), or clip the labels.`);
  if (!stepped) throw fail(`the loss of this batch is ${logs.loss}${guard.restore()}`);
  const poisoned = guard.firstNotFinite();
  if (poisoned) throw fail(`${poisoned} is not finite after the step${guard.restore()}`);
  return batchResult(metricLogs(metrics, states, logs), metrics, returnDict);
}

/** The loss and metrics of one batch in inference mode, weights unchanged. */
export function testOnBatchModel(model: Sequential, xIn: TensorLike, yIn: TensorLike, options: OnBatchOptions): number | Logs {
  const { x, y, weights, metrics, states, head, returnDict } = prepareBatch(model, 'testOnBatch', xIn, yIn, options);
  const logs = testScores(model, head, states, x, y, weights, buffersOf(model));
  return batchResult(metricLogs(metrics, states, logs), metrics, returnDict);
}

/** The outputs of one batch in inference mode: the whole of `x` in one forward pass. */
export function predictOnBatchModel(model: Sequential, xIn: TensorLike): Tensor {
  const x = prepareInputs(model, xIn, 'predictOnBatch');
  if (!model.inputShape) model.build(x.shape.slice(1));
  const out = forward(model, x, false);
  // The last layer's output may be a buffer it reuses: copy it.
  return tensor(Float32Array.from(out.data.subarray(0, out.size)), out.shape);
}

/** What `fitDataset` takes, checked by name. */
export interface FitDatasetOptions {
  /** Passes over the dataset. Default 1. */
  epochs?: number;
  /** Batches an epoch: required for a one-shot iterable (a generator object), which then carries on across epochs; otherwise each epoch takes at most this many. */
  batchesPerEpoch?: number;
  /** Data to evaluate after each epoch: arrays `[x, y]` (in batches of 32) or a dataset (iterated once an epoch). */
  validationData?: [TensorLike, TensorLike] | DatasetSource;
  /** 0 silent, 1 a progress bar (one line an epoch when the batches an epoch are not known), 2 one line an epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  callbacks?: Callback[];
  /** The epoch to start at, from 0. Default 0. */
  initialEpoch?: number;
}

const FIT_DATASET_OPTIONS = ['epochs', 'batchesPerEpoch', 'validationData', 'verbose', 'callbacks', 'initialEpoch'];

type AnyIterator = Iterator<Batch> | AsyncIterator<Batch>;

function isBatchSource(value: unknown): value is BatchSource {
  return (
    value !== null &&
    typeof value === 'object' &&
    (typeof (value as Iterable<Batch>)[Symbol.iterator] === 'function' || typeof (value as AsyncIterable<Batch>)[Symbol.asyncIterator] === 'function')
  );
}

function iteratorOf(source: unknown, where: string): AnyIterator {
  if (!isBatchSource(source)) {
    throw new LayerwiseError(`${where}: a dataset must be an iterable or async iterable of { xs, ys } batches, or a function returning one. Received: ${describeValue(source)}.`);
  }
  const asyncIt = (source as AsyncIterable<Batch>)[Symbol.asyncIterator];
  return typeof asyncIt === 'function' ? asyncIt.call(source) : (source as Iterable<Batch>)[Symbol.iterator]();
}

/** Epoch by epoch iterators over a dataset; `oneShot` when it cannot restart. */
class Epochs {
  readonly oneShot: boolean;
  private first?: AnyIterator;

  constructor(
    private readonly source: DatasetSource,
    private readonly where: string,
  ) {
    if (typeof source === 'function') this.oneShot = false;
    else {
      this.first = iteratorOf(source, where);
      this.oneShot = (this.first as unknown) === source;
    }
  }

  next(): AnyIterator {
    if (this.first) {
      const it = this.first;
      if (!this.oneShot) this.first = undefined;
      return it;
    }
    return iteratorOf(typeof this.source === 'function' ? this.source() : this.source, this.where);
  }
}

function failure(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The next batch, checked (inputs and labels as fit checks them); undefined at the end. Errors name the batch. */
async function nextBatch(model: Sequential, loss: Loss, it: AnyIterator, where: string): Promise<[Tensor, Tensor] | undefined> {
  let result: IteratorResult<Batch>;
  try {
    result = await it.next();
  } catch (error) {
    throw new LayerwiseError(`${where}: the dataset threw: ${failure(error)}`);
  }
  if (result.done) return undefined;
  const batch = result.value;
  if (batch === null || typeof batch !== 'object' || !('xs' in batch) || !('ys' in batch)) {
    throw new LayerwiseError(`${where}: a batch must be an object { xs, ys }. Received: ${describeValue(batch)}.`);
  }
  try {
    const x = prepareInputs(model, batch.xs, 'xs');
    const y = prepareLabels(model, loss, batch.ys, x, 'ys');
    checkFinite(x, 'xs');
    return [x, y];
  } catch (error) {
    throw new LayerwiseError(`${where}: ${failure(error)}`);
  }
}

function checkDatasetEpochs(where: string, options: FitDatasetOptions) {
  const { epochs = 1, verbose = 1, callbacks = [], initialEpoch = 0, batchesPerEpoch } = options;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw new LayerwiseError(`${where}: verbose must be 0, 1 or 2. Received: verbose=${describeValue(verbose)}.`);
  if (!Number.isInteger(epochs) || epochs < 0) throw new LayerwiseError(`${where}: epochs must be a non-negative integer. Received: epochs=${describeValue(epochs)}.`);
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) throw new LayerwiseError(`${where}: initialEpoch must be a non-negative integer. Received: initialEpoch=${describeValue(initialEpoch)}.`);
  if (batchesPerEpoch !== undefined) positiveInteger(where, 'batchesPerEpoch', batchesPerEpoch);
  if (!Array.isArray(callbacks)) throw new LayerwiseError(`${where}: callbacks must be an array of Callback instances. Received: ${describeValue(callbacks)}.`);
  return { epochs, verbose, callbacks, initialEpoch, batchesPerEpoch };
}

/** Trains on a dataset of batches, epoch by epoch, with fit's step, callbacks and History. */
export async function fitDatasetModel(model: Sequential, dataset: DatasetSource, fitOptions: FitDatasetOptions): Promise<History> {
  const where = `${model.name}.fitDataset`;
  const options = checkOptions<FitDatasetOptions>('fitDataset', fitOptions, FIT_DATASET_OPTIONS, { example: '{ epochs: 10, batchesPerEpoch: 100 }' });
  const { optimizer, loss, metrics: metricNames } = model.requireCompiled('fitDataset');
  const { epochs, verbose, callbacks, initialEpoch, batchesPerEpoch } = checkDatasetEpochs('fitDataset', options);
  if (model.layers.length === 0) throw new LayerwiseError(`${where}: the model has no layers. Add layers with model.add(...) first.`);
  const source = new Epochs(dataset, 'fitDataset');
  if (source.oneShot && batchesPerEpoch === undefined) {
    throw new LayerwiseError(
      `fitDataset: the dataset is a one-shot iterable (such as a generator object), which cannot restart each epoch: give batchesPerEpoch, ` +
        `or pass a function returning a fresh iterable (() => generate()).`,
    );
  }
  const { validationData } = options;
  let validation: [Tensor, Tensor] | Epochs | undefined;
  const first: unknown = Array.isArray(validationData) ? validationData[0] : undefined;
  // A pair [x, y], unless it is an array of two { xs, ys } batches.
  if (Array.isArray(validationData) && validationData.length === 2 && !(typeof first === 'object' && first !== null && 'xs' in first)) {
    const vx = prepareInputs(model, validationData[0] as TensorLike, 'fitDataset (validationData)');
    validation = [vx, prepareLabels(model, loss, validationData[1] as TensorLike, vx, 'fitDataset (validationData)')];
  } else if (validationData !== undefined) {
    validation = new Epochs(validationData as DatasetSource, 'fitDataset (validationData)');
    if (validation.oneShot) throw new LayerwiseError('fitDataset: validationData must restart each epoch: give arrays [x, y], an array of batches, or a function returning a fresh iterable.');
  }

  const history = new History();
  // Without batchesPerEpoch, the batches of an epoch are known only at its end: no bar, one line an epoch.
  const all = fitCallbacks(callbacks, verbose === 1 && batchesPerEpoch === undefined ? 2 : verbose, history);
  const head = lossHead(model, loss);
  let metrics: Metric[] | undefined;
  let trainStates: Accumulator[] = [];
  let valStates: Accumulator[] = [];
  let stepper: Stepper | undefined;
  let guard: DivergenceGuard | undefined;
  for (const callback of all) {
    callback.model = model;
    callback.params = { epochs, steps: batchesPerEpoch ?? 0, samples: 0, validation: validation !== undefined };
  }
  model.stopTraining = false;
  await runHooks(model, all, 'onTrainBegin', {});
  let trainingLogs: Logs = {};
  for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
    await runHooks(model, all, 'onEpochBegin', epoch, {});
    guard?.epochBegins();
    const averages = new Averages();
    for (const state of trainStates) state.reset();
    const it = source.next();
    let step = 0;
    let samples = 0;
    let ranDry = false;
    for (; batchesPerEpoch === undefined || step < batchesPerEpoch; step++) {
      const at = `${where}: batch ${step + 1} of epoch ${epoch + 1}`;
      const batch = await nextBatch(model, loss, it, at);
      if (!batch) {
        ranDry = true;
        break;
      }
      const [xb, yb] = batch;
      if (!stepper) {
        // The first batch builds the model and binds the metrics; only now may the model change.
        if (!model.inputShape) model.build(xb.shape.slice(1));
        metrics = metricsOf(loss, metricNames, outputShapeFor(model, xb));
        trainStates = metrics.map((m) => m.accumulator());
        valStates = metrics.map((m) => m.accumulator());
        const all = model.params();
        guard = new DivergenceGuard(all, all.filter((p) => p.trainable), optimizer);
        guard.epochBegins();
        stepper = makeStepper(model, head, optimizer, guard);
      }
      const size = xb.shape[0];
      await runHooks(model, all, 'onBatchBegin', step, { batch: step, size });
      const { logs, stepped } = trainStep(stepper, trainStates, xb, yb);
      if (!stepped) throw divergence(model, epoch, step, `the loss of this batch is ${logs.loss}${guard!.restore()}`, averages);
      averages.add(logs, size);
      samples += size;
      await runHooks(model, all, 'onBatchEnd', step, metricLogs(metrics!, trainStates, { batch: step, size, ...averages.means() }));
      if (model.stopTraining) break;
      await yieldToEventLoop();
    }
    const poisoned = guard?.firstNotFinite();
    if (poisoned) throw divergence(model, epoch, step - 1, `${poisoned} is not finite after the epoch's last step${guard!.restore()}`, averages);
    if (step === 0 && ranDry) throw new LayerwiseError(`${where}: epoch ${epoch + 1} had no batches: the dataset is empty${source.oneShot ? ' (a one-shot iterable ran out; lower epochs or batchesPerEpoch)' : ''}.`);
    for (const callback of all) callback.params = { ...callback.params, steps: batchesPerEpoch ?? step, samples };
    const logs = metricLogs(metrics!, trainStates, averages.means());
    if (validation) Object.assign(logs, await validate(model, head, metrics!, valStates, validation, loss));
    if (optimizer.schedule) logs.learning_rate = optimizer.learningRate;
    await runHooks(model, all, 'onEpochEnd', epoch, logs);
    trainingLogs = logs;
    // A one-shot iterable that ran out ends the run (as TF.js).
    if (ranDry && source.oneShot) break;
  }
  await runHooks(model, all, 'onTrainEnd', { ...trainingLogs });
  return history;
}

async function validate(model: Sequential, head: LossHead, metrics: Metric[], states: Accumulator[], validation: [Tensor, Tensor] | Epochs, loss: Loss): Promise<Logs> {
  if (Array.isArray(validation)) return evaluateTensors(model, head, metrics, states, validation[0], validation[1], 32, 'val_');
  return evaluateIterator(model, head, metrics, states, validation.next(), loss, `${model.name}.fitDataset (validationData)`, 'val_');
}

async function evaluateIterator(model: Sequential, head: LossHead, metrics: Metric[], states: Accumulator[], it: AnyIterator, loss: Loss, where: string, prefix = ''): Promise<Logs> {
  const averages = new Averages();
  // The model's batch buffers (they hold the mask weights): no new buffers per evaluation.
  const cache = buffersOf(model);
  for (const state of states) state.reset();
  for (let step = 0; ; step++) {
    const batch = await nextBatch(model, loss, it, `${where}: batch ${step + 1}`);
    if (!batch) break;
    averages.add(testScores(model, head, states, batch[0], batch[1], undefined, cache), batch[0].shape[0]);
  }
  return metricLogs(metrics, states, averages.means(prefix), prefix);
}

/** The loss and metrics over a dataset of batches (iterated once), in inference mode, as `evaluate`. */
export async function evaluateDatasetModel(model: Sequential, dataset: DatasetSource): Promise<Logs> {
  const where = `${model.name}.evaluateDataset`;
  const { loss, metrics: metricNames } = model.requireCompiled('evaluateDataset');
  if (!model.inputShape) throw new LayerwiseError(`${where}: the model is not built. Train it, or build it with model.build([...]) first.`);
  const it = new Epochs(dataset, 'evaluateDataset').next();
  const metrics = metricsOf(loss, metricNames, model.outputShape!);
  return evaluateIterator(model, lossHead(model, loss), metrics, metrics.map((m) => m.accumulator()), it, loss, where);
}
