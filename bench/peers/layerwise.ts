/**
 * layerwise, measured in a child process of bench/run.ts. Variant: the kernels, 'wasm' (on as many
 * threads as cores, the default), 'wasm-1t' (one thread) or 'js' (the pure TypeScript kernels).
 */
import * as lw from '../../src/index';
import { Callback, Conv2D, Dense, Flatten, MaxPooling2D, Sequential, SGD, setSeed, tensor, type Tensor } from '../../src/index';
import { MODELS, operand, parseArgs, readDigits, report, Segments, timeGemm, timeRepeats } from '../lib/child';

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

class Stopper extends Callback {
  constructor(private readonly segments: Segments) {
    super();
  }
  override onBatchEnd(_batch: number, logs: Record<string, number>): void {
    if (this.segments.batchDone(logs.size)) this.model!.stopTraining = true;
  }
}

async function train(model: Sequential): Promise<number[]> {
  const { x, y, count } = readDigits(args.dataDir, 'train');
  setSeed(0);
  model.compile({ optimizer: new SGD({ learningRate: MODELS.learningRate, momentum: MODELS.momentum }), loss: 'categoricalCrossentropy' });
  const segments = new Segments(args);
  await model.fit(tensor(x, [count, 28, 28, 1]), tensor(y, [count, 10]), {
    epochs: 1_000_000,
    batchSize: MODELS.batchSize,
    verbose: 0,
    seed: 1,
    callbacks: [new Stopper(segments)],
  });
  return segments.values;
}

async function main(): Promise<void> {
  switch (args.task) {
    case 'mlp':
      return report({ values: await train(mlp()) });
    case 'cnn':
      return report({ values: await train(cnn()) });
    case 'infer': {
      const { x } = readDigits(args.dataDir, 'test');
      const n = args.inferSamples;
      const images: Tensor = tensor(x.subarray(0, n * 784), [n, 28, 28, 1]);
      setSeed(0);
      const model = cnn();
      const values = await timeRepeats(args, n, () => void model.predict(images, { batchSize: MODELS.inferBatchSize }));
      return report({ values });
    }
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
