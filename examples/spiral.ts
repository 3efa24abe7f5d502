/**
 * Two interleaved spirals, learned by the same network twice: once with 'relu', once with
 * new LeakyReLU({ alpha: 0.2 }). Prints both accuracies.
 *
 *   npx ts-node examples/spiral.ts            (full run)
 *   npx ts-node examples/spiral.ts --short    (a few seconds, for CI)
 */
import { Callback, datasets, Dense, LeakyReLU, Sequential, SGD, setSeed, type ActivationSpec, type Logs } from 'layerwise';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const epochs = short ? 150 : 600;

/** Prints the loss and accuracy every `every` epochs. */
class Progress extends Callback {
  constructor(private readonly every: number) {
    super();
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    if ((epoch + 1) % this.every === 0) {
      console.log(`  epoch ${String(epoch + 1).padStart(4)}/${this.params.epochs}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(3)}`);
    }
  }
}

async function train(label: string, activation: () => ActivationSpec): Promise<number> {
  setSeed(7);
  const { x, y } = datasets.spirals({ samples: 200, noise: 0.03, seed: 3 });
  const model = new Sequential();
  model.add(new Dense({ units: 32, inputShape: [2], activation: activation() }));
  model.add(new Dense({ units: 32, activation: activation() }));
  model.add(new Dense({ units: 1, activation: 'sigmoid' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  const started = Date.now();
  console.log(label);
  const history = await model.fit(x, y, { epochs, batchSize: 16, verbose: 0, seed: 11, callbacks: [new Progress(epochs / 5)] });
  const { loss, accuracy } = model.evaluate(x, y);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`=> ${label}: loss ${loss.toFixed(4)}  accuracy ${accuracy.toFixed(3)}  (${history.epoch.length} epochs, ${seconds}s)`);
  return accuracy;
}

async function main(): Promise<void> {
  console.log(`Spirals: 400 points, Dense 32 -> Dense 32 -> Dense 1, ${epochs} epochs${short ? ' (short mode)' : ''}`);
  await train("activation: 'relu'", () => 'relu');
  const leaky = await train('new LeakyReLU({ alpha: 0.2 })', () => new LeakyReLU({ alpha: 0.2 }));
  const target = 0.95;
  if (leaky < target) {
    console.error(`leaky ReLU accuracy ${leaky.toFixed(3)} is below ${target}`);
    process.exitCode = 1;
  }
}

void main();
