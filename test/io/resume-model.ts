import { BatchNormalization, Dense, LeakyReLU, PReLU, Sequential, setSeed, type Optimizer } from 'layerwise';
import { inputs } from '../helpers/random-data';

/**
 * The setup of the resume tests (2 epochs, save, load, 2 more equals 4 straight): data, fit
 * settings without shuffling (so epochs 3 and 4 see the same batches in both runs), and a model with
 * fused LeakyReLU, BatchNormalization and PReLU, rebuilt from a fixed seed.
 */
export const RESUME_X = inputs([24, 4], 1);
export const RESUME_Y = inputs([24, 2], 2);
export const RESUME_FIT = { batchSize: 8, shuffle: false, verbose: 0 } as const;

export function resumeModel(optimizer: Optimizer): Sequential {
  setSeed(21);
  const model = new Sequential({
    layers: [
      new Dense({ units: 6, inputShape: [4], activation: new LeakyReLU({ alpha: 0.2 }) }),
      new BatchNormalization(),
      new Dense({ units: 5, activation: new PReLU() }),
      new Dense({ units: 2 }),
    ],
  });
  model.compile({ optimizer, loss: 'mse', metrics: ['mae'] });
  return model;
}
