/**
 * TF.js 4.22, measured in a child process of bench/run.ts. Variants:
 * - 'cpu': the pure-JavaScript backend of @tensorflow/tfjs;
 * - 'wasm': @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; one thread, its default in Node), its
 *   .wasm files loaded from node_modules;
 * - 'wasm-patched': the same, with every kernel the wasm backend lacks (Conv2DBackpropFilter, ...)
 *   registered for it from the cpu backend, which copies tensors out of and back into wasm memory;
 * - 'wasm-convgrad': the same, with Conv2DBackpropFilter written by hand as the wasm backend's own
 *   kernels (Transpose, Conv2D, Transpose): dW = conv(xᵀ, dyᵀ) with the batch as the channels.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { inferBatchOf, MODELS, operand, parseArgs, readDigits, report, SEQUENCES, Segments, sweepArgs, timeGemm, timeRepeats, type ChildArgs } from '../lib/child';

const args = parseArgs();

/** Registers for 'wasm' every kernel the cpu backend has and the wasm backend lacks; returns their names. */
function patchMissingKernels(): string[] {
  const cpu = tf.findBackend('cpu') as unknown as tf.KernelBackend & {
    write(values: unknown, shape: number[], dtype: tf.DataType): object;
    readSync(dataId: object): tf.TypedArray;
    disposeData(dataId: object): void;
  };
  const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const missing = tf.getKernelsForBackend('cpu').filter((k) => !wasm.has(k.kernelName));
  for (const kernel of missing) {
    tf.registerKernel({
      kernelName: kernel.kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasmBackend = backend as unknown as {
          readSync(dataId: object): tf.TypedArray;
          makeOutput(shape: number[], dtype: tf.DataType, offset?: number, values?: tf.TypedArray): tf.TensorInfo;
        };
        const cpuInputs: Record<string, tf.TensorInfo> = {};
        for (const [name, t] of Object.entries(inputs as Record<string, tf.TensorInfo>)) {
          cpuInputs[name] = { dataId: cpu.write(wasmBackend.readSync(t.dataId), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
        }
        const out = kernel.kernelFunc({ inputs: cpuInputs, attrs, backend: cpu as unknown as tf.KernelBackend });
        const outs = Array.isArray(out) ? out : [out];
        const results = outs.map((o) => {
          const r = wasmBackend.makeOutput(o.shape, o.dtype, undefined, cpu.readSync(o.dataId) as tf.TypedArray);
          cpu.disposeData(o.dataId);
          return r;
        });
        for (const t of Object.values(cpuInputs)) cpu.disposeData(t.dataId);
        return Array.isArray(out) ? results : results[0];
      },
    });
  }
  return missing.map((k) => k.kernelName);
}

/**
 * Conv2DBackpropFilter from the wasm backend's own kernels, for NHWC and any stride: with the batch
 * as channels, dW[kh, kw, ci, co] = Σ_n,y,x x[n, y·s + kh − p, x·s + kw − p, ci] · dy[n, y, x, co] is
 * a convolution of xᵀ [ci, H, W, n] with dyᵀ [OH, OW, n, co] as the filter, dilated by the stride.
 */
function registerConvGradFilter(): void {
  const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as {
        strides: [number, number] | number;
        pad: 'same' | 'valid' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
        filterShape: [number, number, number, number];
      };
      const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
      const wasmBackend = backend as unknown as { disposeData(dataId: object): void };
      const run = (name: string, ins: object, at: object) =>
        kernel(name)({ inputs: ins as tf.NamedTensorInfoMap, attrs: at as tf.NamedAttrMap, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
      const xt = run('Transpose', { x }, { perm: [3, 1, 2, 0] });
      const dyt = run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
      const { top, bottom, left, right } = info.padInfo;
      const conv = run('Conv2D', { x: xt, filter: dyt }, {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
      });
      const out = run('Transpose', { x: conv }, { perm: [1, 2, 0, 3] });
      for (const t of [xt, dyt, conv]) wasmBackend.disposeData(t.dataId);
      if (out.shape.some((d, i) => d !== filterShape[i])) throw new Error(`Conv2DBackpropFilter patch: got [${out.shape}], wanted [${filterShape}]`);
      return out;
    },
  });
}

function mlp(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.flatten({ inputShape: [28, 28, 1] }));
  model.add(tf.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 64, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

function cnn(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ filters: 8, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'same', activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 3 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/** LSTM(64) over [20, 8] sequences, then Dense(10) softmax. */
function lstm(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: MODELS.lstmUnits, inputShape: [SEQUENCES.steps, SEQUENCES.features] }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

async function train(model: tf.Sequential, part: 'train' | 'seq' = 'train', batchSize = MODELS.batchSize, timing: ChildArgs = args): Promise<number[]> {
  const { x, y, count } = readDigits(args.dataDir, part);
  model.compile({ optimizer: tf.train.momentum(MODELS.learningRate, MODELS.momentum), loss: 'categoricalCrossentropy' });
  const xs = part === 'seq' ? tf.tensor3d(x, [count, SEQUENCES.steps, SEQUENCES.features]) : tf.tensor4d(x, [count, 28, 28, 1]);
  const ys = tf.tensor2d(y, [count, 10]);
  const segments = new Segments(timing);
  await model.fit(xs, ys, {
    epochs: 1_000_000,
    batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onBatchEnd: async (_batch, logs) => {
        if (segments.batchDone((logs as { size: number }).size)) model.stopTraining = true;
      },
    },
  });
  xs.dispose();
  ys.dispose();
  return segments.values;
}

/**
 * Samples/s predicting the first `n` digits of `part` in batches of `batchSize` made up front and
 * predicted one by one: TF.js's fastest way here (3x faster than one predict over all digits with
 * batchSize 32, which slices the input per batch).
 */
async function infer(model: tf.Sequential, part: 'train' | 'test', n: number, batchSize: number, timing: ChildArgs = args): Promise<number[]> {
  const { x } = readDigits(args.dataDir, part);
  const batches: tf.Tensor4D[] = [];
  for (let i = 0; i < n; i += batchSize) {
    const size = Math.min(batchSize, n - i);
    batches.push(tf.tensor4d(x.subarray(i * 784, (i + size) * 784), [size, 28, 28, 1]));
  }
  const values = await timeRepeats(timing, n, () => {
    for (const batch of batches) {
      const out = model.predict(batch) as tf.Tensor;
      out.dataSync();
      out.dispose();
    }
  });
  for (const batch of batches) batch.dispose();
  return values;
}

/** MLP training and inference at each batch size of the sweep. */
async function sweep(): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const timing = sweepArgs(args);
  for (const b of args.sweepSizes) {
    out[`train-${b}`] = await train(mlp(), 'train', b, timing);
    out[`infer-${b}`] = await infer(mlp(), 'train', b * Math.max(1, Math.round(args.inferSamples / b)), b, timing);
  }
  return out;
}

async function main(): Promise<void> {
  let note: string | undefined;
  if (args.variant === 'cpu') await tf.setBackend('cpu');
  else {
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dist + path.sep);
    await tf.setBackend('wasm');
    if (args.variant === 'wasm-patched') {
      const patched = patchMissingKernels().filter((name) => name.startsWith('Conv2DBackprop'));
      note = `${patched.join(', ')} from the cpu backend`;
    } else if (args.variant === 'wasm-convgrad') {
      registerConvGradFilter();
      note = 'Conv2DBackpropFilter as wasm Transpose + Conv2D';
    }
  }
  await tf.ready();
  switch (args.task) {
    case 'mlp':
      return report({ values: await train(mlp()), note });
    case 'cnn':
      return report({ values: await train(cnn()), note });
    case 'infer':
    case 'infer-mlp':
    case 'infer-cnn':
      return report({ values: await infer(args.task === 'infer-mlp' ? mlp() : cnn(), 'test', args.inferSamples, inferBatchOf(args.task)), note });
    case 'sweep':
      return report({ values: [], sweep: await sweep(), note });
    case 'lstm':
      return report({ values: await train(lstm(), 'seq'), note });
    case 'phases':
      return report({ values: [], error: 'layerwise only' });
    case 'gemm': {
      const gemm = timeGemm(args, (n) => {
        const a = tf.tensor2d(operand(n * n, 1), [n, n]);
        const b = tf.tensor2d(operand(n * n, 2), [n, n]);
        return () => tf.matMul(a, b).dispose();
      });
      return report({ values: [], gemm, note });
    }
  }
}

main().catch((error: Error) => report({ values: [], error: error.message.split('\n')[0] }));
