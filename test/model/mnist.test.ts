import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Callback, Conv2D, datasets, Dense, Flatten, LeakyReLU, MaxPooling2D, Sequential, SGD, setSeed } from 'layerwise';

/** A small convolutional net in the shape of examples/mnist-cnn.ts. */
function smallCnn(): Sequential {
  const model = new Sequential();
  model.add(new Conv2D({ filters: 4, kernelSize: 5, padding: 'same', inputShape: [28, 28, 1], activation: new LeakyReLU({ alpha: 0.2 }) }));
  model.add(new MaxPooling2D({ poolSize: 2 }));
  model.add(new Conv2D({ filters: 8, kernelSize: 3, padding: 'same', activation: 'leaky_relu' }));
  model.add(new MaxPooling2D({ poolSize: 3 }));
  model.add(new Flatten());
  model.add(new Dense({ units: 10, activation: 'softmax' }));
  model.compile({ optimizer: new SGD({ learningRate: 0.02, momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

describe('MNIST with a small CNN', () => {
  it('reaches at least 90% on 1,000 held-out digits after 3 epochs on 2,000 (fixed seeds)', async () => {
    const { train, test } = await datasets.loadMnist({ trainSize: 2000, testSize: 1000, seed: 0 });
    setSeed(0);
    const model = smallCnn();
    await model.fit(train.x, train.y, { epochs: 3, batchSize: 32, seed: 1, verbose: 0 });
    const { accuracy } = model.evaluate(test.x, test.y);
    // Measured 0.936 with these seeds; 0.90 fails only on a real regression.
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('keeps the heap flat across epochs: after epoch 3 within 10% of after epoch 1', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { train } = await datasets.loadMnist({ trainSize: 512, testSize: 0, seed: 0 });
    setSeed(0);
    const model = smallCnn();
    const heap: number[] = [];
    class HeapProbe extends Callback {
      override onEpochEnd(): void {
        gc();
        heap.push(process.memoryUsage().heapUsed);
      }
    }
    await model.fit(train.x, train.y, { epochs: 3, batchSize: 32, seed: 1, verbose: 0, callbacks: [new HeapProbe()] });
    expect(heap).toHaveLength(3);
    expect(Math.abs(heap[2] - heap[0]) / heap[0]).toBeLessThan(0.1);
  });
});
