import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adam, loadModel, SGD, type Optimizer } from 'layerwise';
import { tempDir } from './helpers';
import { RESUME_FIT, RESUME_X, RESUME_Y, resumeModel } from './resume-model';

const dir = tempDir();
const [x, y, FIT, makeModel] = [RESUME_X, RESUME_Y, RESUME_FIT, resumeModel];

describe('training resumes where it stopped: 2 epochs, save, load, 2 more equals 4 straight', () => {
  const optimizers: [string, () => Optimizer][] = [
    ['SGD with momentum', () => new SGD({ learningRate: 0.05, momentum: 0.9 })],
    ['SGD with Nesterov momentum', () => new SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true })],
    ['Adam', () => new Adam({ learningRate: 0.01 })],
  ];
  for (const [name, optimizer] of optimizers) {
    it(name, async () => {
      const straight = makeModel(optimizer());
      const all = await straight.fit(x, y, { ...FIT, epochs: 4 });

      const first = makeModel(optimizer());
      await first.fit(x, y, { ...FIT, epochs: 2 });
      const path = join(dir, name.replace(/ /g, '-'));
      await first.save(path);
      const resumed = await loadModel(path);
      expect(resumed.optimizer!.iterations).toBe(6);
      const rest = await resumed.fit(x, y, { ...FIT, epochs: 2 });

      expect(rest.history.loss).toBeAllClose(all.history.loss.slice(2), { rtol: 0, atol: 1e-6 });
      expect(rest.history.mae).toBeAllClose(all.history.mae.slice(2), { rtol: 0, atol: 1e-6 });
      expect(resumed.getWeights()).toBeAllClose(straight.getWeights(), { rtol: 0, atol: 1e-6 });
    });
  }

  it('without the optimizer state (includeOptimizer: false) it does not: the state matters', async () => {
    const straight = makeModel(new SGD({ learningRate: 0.05, momentum: 0.9 }));
    await straight.fit(x, y, { ...FIT, epochs: 4 });
    const first = makeModel(new SGD({ learningRate: 0.05, momentum: 0.9 }));
    await first.fit(x, y, { ...FIT, epochs: 2 });
    const path = join(dir, 'no-state');
    await first.save(path, { includeOptimizer: false });
    const resumed = await loadModel(path);
    expect(resumed.optimizer!.iterations).toBe(0);
    await resumed.fit(x, y, { ...FIT, epochs: 2 });
    expect(resumed.getWeights()).not.toBeAllClose(straight.getWeights(), { rtol: 0, atol: 1e-6 });
  });
});
