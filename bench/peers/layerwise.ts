/**
 * layerwise, measured in a child process of bench/run.ts. Variant: the kernels, 'wasm' (on as many
 * threads as cores, the default), 'wasm-1t' (one thread) or 'js' (the pure TypeScript kernels).
 */
import * as lw from '../../src/index';
import { Callback, Conv2D, Dense, Flatten, losses, LSTM, MaxPooling2D, Sequential, SGD, setSeed, tensor, type Tensor } from '../../src/index';
import { fillZeros } from '../../src/tensor/backend';
import { wasmKernels } from '../../src/tensor/wasm/wasm-backend';
import { inferBatchOf, MODELS, operand, parseArgs, readDigits, report, SEQUENCES, Segments, sweepArgs, timeGemm, timeRepeats, type ChildArgs } from '../lib/child';

const args = parseArgs();
// 'wasm' (threads: as many as cores, the default), 'wasm-1t' (one thread) or 'js'.
if (args.variant === 'wasm-1t') process.env.LAYERWISE_THREADS = '1';
lw.setBackend(args.variant === 'js' ? 'js' : 'wasm');

function mlp(): Sequential {
  const model = new Sequential();
  model.add(new Flatten({ inputShape: [28, 28, 1] }));
  model.add(new Dense({ units: 128, activation: 'relu' }));
  model.add(new Dense({ units: 64, activation: 'relu' }));
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  return model;
}

function cnn(): Sequential {
  const model = new Sequential();
  model.add(new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: 'relu' }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(new MaxPooling2D({ poolSize: 3 }));
  model.add(new Flatten());
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  return model;
}

/** LSTM(64) over [20, 8] sequences, then Dense(10) softmax. */
function lstm(): Sequential {
  const model = new Sequential();
  model.add(new LSTM({ units: MODELS.lstmUnits, inputShape: [SEQUENCES.steps, SEQUENCES.features] }));
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  return model;
}

class Stopper extends Callback {
  constructor(private readonly segments: Segments) {
    super();
  }
  override onBatchEnd(_batch: number, logs: Record<string, number>): void {
    if (this.segments.batchDone(logs.size)) this.model!.stopTraining = true;
  }
}

function compile(model: Sequential): void {
  model.compile({ optimizer: new SGD({ learningRate: MODELS.learningRate, momentum: MODELS.momentum }), loss: 'categoricalCrossentropy' });
}

async function train(model: Sequential, part: 'train' | 'seq' = 'train', batchSize = MODELS.batchSize, timing: ChildArgs = args): Promise<number[]> {
  const { x, y, count } = readDigits(args.dataDir, part);
  setSeed(0);
  compile(model);
  const segments = new Segments(timing);
  const shape = part === 'seq' ? [SEQUENCES.steps, SEQUENCES.features] : [28, 28, 1];
  await model.fit(tensor(x, [count, ...shape]), tensor(y, [count, 10]), {
    epochs: 1_000_000,
    batchSize,
    verbose: 0,
    seed: 1,
    callbacks: [new Stopper(segments)],
  });
  return segments.values;
}

/** Samples/s of `predict` over the first `n` digits of `part`, `batchSize` at a time. */
function infer(model: Sequential, part: 'train' | 'test', n: number, batchSize: number, timing: ChildArgs = args): Promise<number[]> {
  const { x } = readDigits(args.dataDir, part);
  const images: Tensor = tensor(x.subarray(0, n * 784), [n, 28, 28, 1]);
  return timeRepeats(timing, n, () => void model.predict(images, { batchSize }));
}

/** MLP training and inference at each batch size of the sweep. */
async function sweep(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const timing = sweepArgs(args);
  for (const b of args.sweepSizes) {
    out[`train-${b}`] = await train(mlp(), 'train', b, timing);
    setSeed(0);
    out[`infer-${b}`] = await infer(mlp(), 'train', b * Math.max(1, Math.round(args.inferSamples / b)), b, timing);
  }
  return out;
}

/**
 * One training step at batch 32 by phase, in microseconds per step, as fit takes it: zeroing the
 * gradients, forward, the loss (on the logits, as fit fuses softmax and cross-entropy), backward,
 * the optimizer's step; and, of forward and backward, the time the wasm kernels spent copying
 * operands in and results out. `fit step` is fit's whole step, measured in the same process.
 */
async function phases(build: () => Sequential): Promise<Record<string, number[]>> {
  const fitValues = await train(build());
  const model = build();
  compile(model);
  const { x, y, count } = readDigits(args.dataDir, 'train');
  const b = MODELS.batchSize;
  model.build([28, 28, 1]);
  const layers = model.layers;
  const params = model.params();
  const trainable = params.filter((p) => p.trainable);
  const optimizer = model.optimizer!;
  const loss = losses.categoricalCrossentropy({ fromLogits: true });
  const head = layers[layers.length - 1].outputActivation()!.head()!;
  const meter = { seconds: 0 };
  const wasm = lw.getBackend() === 'wasm' ? wasmKernels() : null;
  const dLogits = tensor(new Float32Array(b * 10), [b, 10]);
  const names = ['zero grads', 'forward', 'loss', 'backward', 'optimizer', 'copies'] as const;
  const out: Record<string, number[]> = Object.fromEntries([...names, 'sum', 'fit step'].map((n) => [n, []]));
  out['fit step'] = fitValues.map((v) => (1e6 * b) / v);
  const sums = new Float64Array(names.length);
  let step = 0;
  const once = (): void => {
    const at = (step++ * b) % (count - b);
    const xb = tensor(x.subarray(at * 784, (at + b) * 784), [b, 28, 28, 1]);
    const yb = y.subarray(at * 10, (at + b) * 10);
    let t = performance.now();
    const lap = (i: number): void => {
      const now = performance.now();
      sums[i] += now - t;
      t = now;
    };
    for (const p of params) fillZeros(p.grad.data);
    lap(0);
    let h: Tensor = xb;
    for (const layer of layers) h = layer.forward(h, true);
    lap(1);
    loss.compute(head.lastInput!.data, yb, [b, 10], dLogits.data);
    lap(2);
    let grad: Tensor = dLogits;
    for (let i = layers.length - 1; i >= 0; i--) grad = layers[i].backward(grad, i > 0, i === layers.length - 1);
    lap(3);
    // The copies of forward and backward only (the optimizer's own are in its phase).
    sums[5] += meter.seconds * 1000;
    optimizer.step(trainable);
    lap(4);
    meter.seconds = 0;
  };
  const started = performance.now();
  while (performance.now() - started < args.warmupSeconds * 1000) once();
  if (wasm) wasm.copyMeter = meter;
  for (let s = 0; s < args.repeats; s++) {
    sums.fill(0);
    meter.seconds = 0;
    step = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < args.segmentSeconds * 1000) once();
    names.forEach((n, i) => out[n].push((1000 * sums[i]) / step));
    out.sum.push((1000 * (sums[0] + sums[1] + sums[2] + sums[3] + sums[4])) / step);
  }
  if (wasm) wasm.copyMeter = undefined;
  return out;
}

async function main(): Promise<void> {
  switch (args.task) {
    case 'mlp':
      return report({ values: await train(mlp()) });
    case 'cnn':
      return report({ values: await train(cnn()) });
    case 'infer':
    case 'infer-mlp':
    case 'infer-cnn': {
      setSeed(0);
      return report({ values: await infer(args.task === 'infer-mlp' ? mlp() : cnn(), 'test', args.inferSamples, inferBatchOf(args.task)) });
    }
    case 'sweep':
      return report({ values: [], sweep: await sweep() });
    case 'lstm':
      return report({ values: await train(lstm(), 'seq') });
    case 'phases':
      return report({ values: [], phases: { mlp: await phases(mlp), cnn: await phases(cnn) } });
    case 'gemm': {
      const { gemm } = await import('../../src/tensor/kernels');
      const gemmResults = timeGemm(args, (n) => {
        const a = operand(n * n, 1);
        const b = operand(n * n, 2);
        const c = new Float32Array(n * n);
        return () => gemm(a, b, c, n, n, n);
      });
      return report({ values: [], gemm: gemmResults });
    }
  }
}

main().catch((error: Error) => report({ values: [], error: error.message.split('\n')[0] }));
