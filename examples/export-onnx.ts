/**
 * Exports the MNIST CNN to ONNX and runs it in ONNX Runtime (onnxruntime-node): the same held-out
 * digits through both engines, with both accuracies and the largest difference between their
 * outputs. The file it writes serves anywhere ONNX Runtime runs (Node, Python, C++, the browser),
 * and loads in PyTorch through onnx2torch, or back into layerwise with loadOnnx.
 *
 *   npx ts-node examples/export-onnx.ts            (4,000 training digits, 1,000 held out)
 *   npx ts-node examples/export-onnx.ts --short    (a few hundred digits, for CI)
 */
import { mkdtempSync, rmSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Conv2D, datasets, Dense, Flatten, LeakyReLU, loadOnnx, MaxPooling2D, Sequential, SGD, setSeed, type Tensor } from 'layerwise';
import * as ort from 'onnxruntime-node';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';

/** The share of rows of `outputs` (10 scores each) whose largest score is at the label's 1. */
function accuracy(outputs: Float32Array, labels: Tensor): number {
  const n = labels.shape[0];
  let right = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < 10; k++) if (outputs[i * 10 + k] > outputs[i * 10 + best]) best = k;
    if (labels.data[i * 10 + best] === 1) right++;
  }
  return right / n;
}

async function main(): Promise<void> {
  const [trainSize, testSize, epochs] = short ? [500, 200, 3] : [4000, 1000, 4];
  const { train, test } = await datasets.loadMnist({ trainSize, testSize, seed: 0 });
  console.log(`MNIST: ${trainSize} training digits, ${testSize} held out${short ? ' (short mode)' : ''}`);

  setSeed(0);
  const model = new Sequential({ name: 'mnist_cnn' });
  model.add(new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: new LeakyReLU({ alpha: 0.2 }) }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'leaky_relu' }));
  model.add(new MaxPooling2D({ poolSize: 3 }));
  model.add(new Flatten());
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.02, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  await model.fit(train.x, train.y, { epochs, batchSize: 32, seed: 1, verbose: 0 });

  const dir = mkdtempSync(join(tmpdir(), 'layerwise-onnx-'));
  try {
    const path = join(dir, 'mnist-cnn.onnx');
    await model.export(path, { format: 'onnx' });
    console.log(`exported ${path} (${statSync(path).size} bytes, opset 17, input "input" [batch, 28, 28, 1], output "output" [batch, 10])`);

    // ONNX Runtime, on the same held-out digits (NHWC, as layerwise takes them: the file transposes inside).
    const session = await ort.InferenceSession.create(readFileSync(path));
    const { output } = await session.run({ input: new ort.Tensor('float32', Float32Array.from(test.x.data), [...test.x.shape]) });
    const fromOrt = output.data as Float32Array;
    const fromLayerwise = model.predict(test.x).data;
    let largest = 0;
    for (let i = 0; i < fromOrt.length; i++) largest = Math.max(largest, Math.abs(fromOrt[i] - fromLayerwise[i]));
    console.log(`held-out accuracy: layerwise ${(accuracy(fromLayerwise, test.y) * 100).toFixed(2)}%, ONNX Runtime ${(accuracy(fromOrt, test.y) * 100).toFixed(2)}%`);
    console.log(`largest difference between their outputs: ${largest.toExponential(2)}`);

    // And back: the file loads into layerwise again, as a model that trains and saves like any other.
    const back = await loadOnnx(path);
    console.log(`loaded back with loadOnnx: ${back.layers.map((l) => l.className).join(', ')}`);
    await session.release();
    if (largest > 1e-5) {
      console.error(`the outputs differ by ${largest}, more than 1e-5`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
