/**
 * ConvNetJS 0.3, measured in a child process of bench/run.ts: the same models as the other
 * libraries, trained one sample at a time as ConvNetJS does (its SGDTrainer steps every
 * `batch_size` samples), each image wrapped in a Vol on the fly, as its MNIST demo does.
 */
import { labelsOf, MODELS, parseArgs, readDigits, report, Segments, timeRepeats } from '../lib/child';

const convnetjs = require('convnetjs');

const args = parseArgs();

type LayerDef = Record<string, unknown>;

const MLP: LayerDef[] = [
  { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
  { type: 'fc', num_neurons: 128, activation: 'relu' },
  { type: 'fc', num_neurons: 64, activation: 'relu' },
  { type: 'softmax', num_classes: 10 },
];

/** ConvNetJS's MNIST demo net, on 28x28 images. */
const CNN: LayerDef[] = [
  { type: 'input', out_sx: 28, out_sy: 28, out_depth: 1 },
  { type: 'conv', sx: 5, filters: 8, stride: 1, pad: 2, activation: 'relu' },
  { type: 'pool', sx: 2, stride: 2 },
  { type: 'conv', sx: 5, filters: 16, stride: 1, pad: 2, activation: 'relu' },
  { type: 'pool', sx: 3, stride: 3 },
  { type: 'softmax', num_classes: 10 },
];

function net(defs: LayerDef[]) {
  const n = new convnetjs.Net();
  n.makeLayers(defs);
  return n;
}

function vol(x: Float32Array, i: number) {
  const v = new convnetjs.Vol(28, 28, 1, 0.0);
  for (let p = 0; p < 784; p++) v.w[p] = x[i * 784 + p];
  return v;
}

function train(defs: LayerDef[]): number[] {
  const { x, y, count } = readDigits(args.dataDir, 'train');
  const labels = labelsOf(y);
  const model = net(defs);
  const trainer = new convnetjs.SGDTrainer(model, {
    method: 'sgd',
    learning_rate: MODELS.learningRate,
    momentum: MODELS.momentum,
    batch_size: MODELS.batchSize,
    l2_decay: 0,
  });
  const segments = new Segments(args);
  for (let i = 0; ; i++) {
    const k = i % count;
    trainer.train(vol(x, k), labels[k]);
    if ((i + 1) % MODELS.batchSize === 0 && segments.batchDone(MODELS.batchSize)) break;
  }
  return segments.values;
}

async function main(): Promise<void> {
  switch (args.task) {
    case 'mlp':
      return report({ values: train(MLP) });
    case 'cnn':
      return report({ values: train(CNN) });
    case 'infer': {
      const { x } = readDigits(args.dataDir, 'test');
      const n = args.inferSamples;
      const model = net(CNN);
      const values = await timeRepeats(args, n, () => {
        for (let i = 0; i < n; i++) model.forward(vol(x, i), false);
      });
      return report({ values });
    }
    case 'gemm':
      return report({ values: [], error: 'no GEMM' });
  }
}

main().catch((error: Error) => report({ values: [], error: error.message.split('\n')[0] }));
