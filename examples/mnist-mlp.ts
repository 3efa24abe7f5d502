/**
 * A Dense-only baseline on the same MNIST split as mnist-cnn.ts: flatten the 28x28 image and learn
 * two hidden layers, one with a Layer-instance activation and one with a string key.
 *
 *   npx ts-node examples/mnist-mlp.ts
 *   npx ts-node examples/mnist-mlp.ts --short
 */
import { datasets, Dense, Flatten, LeakyReLU, Sequential, SGD, setSeed } from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';

async function main(): Promise<void> {
  const [trainSize, testSize, epochs] = short ? [1000, 500, 3] : [8000, 2000, 15];
  const { train, test } = await datasets.loadMnist({ trainSize, testSize, seed: 0 });
  console.log(`MNIST: ${trainSize} training digits, ${testSize} held out${short ? ' (short mode)' : ''}`);

  setSeed(0);
  const model = new Sequential();
  model.add(new Flatten({ inputShape: [28, 28, 1] }));
  model.add(new Dense({ units: 128, activation: new LeakyReLU({ alpha: 0.2 }) }));
  model.add(new Dense({ units: 64, activation: 'leaky_relu' }));
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary();

  const started = Date.now();
  await model.fit(train.x, train.y, { epochs, batchSize: 32, seed: 1 });
  const seconds = (Date.now() - started) / 1000;
  const { loss, accuracy } = model.evaluate(test.x, test.y);
  console.log(`\ntrained ${epochs} epochs in ${seconds.toFixed(1)}s (${((trainSize * epochs) / seconds).toFixed(0)} samples/s)`);
  console.log(`held-out: loss ${loss.toFixed(4)}, accuracy ${(accuracy * 100).toFixed(2)}% on ${testSize} digits`);
}

void main();
