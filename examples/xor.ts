/**
 * XOR, the seed example: the two ways to ask for a leaky ReLU, side by side in one model.
 *
 *   npx ts-node examples/xor.ts
 */
import { Dense, LeakyReLU, Sequential, SGD, fromArray, setSeed, toArray } from 'layerwise';

async function main(): Promise<void> {
  setSeed(1);
  const x = fromArray([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = fromArray([[0], [1], [1], [0]]);

  const model = new Sequential();
  model.add(new Dense({ units: 16, inputShape: [2], activation: new LeakyReLU({ alpha: 0.2 }) })); // a Layer instance
  model.add(new Dense({ units: 16, activation: 'leaky_relu' })); // a registry key
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.1, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  model.summary();

  const history = await model.fit(x, y, { epochs: 200, batchSize: 4, verbose: 0 });
  const losses = history.history.loss;
  console.log(`loss: epoch 1 ${losses[0].toFixed(4)} -> epoch ${losses.length} ${losses[losses.length - 1].toFixed(4)}`);

  const predictions = toArray(model.predict(x)) as number[][];
  predictions.forEach(([p], i) => console.log(`  [${toArray(x.pick(i, null))}] -> ${p.toFixed(3)}`));
  const { loss, accuracy } = model.evaluate(x, y);
  console.log(`evaluate: loss ${loss.toFixed(4)}, accuracy ${accuracy.toFixed(2)}`);
  if (accuracy < 1) {
    console.error('XOR was not learned: accuracy below 1.0');
    process.exitCode = 1;
  }
}

void main();
