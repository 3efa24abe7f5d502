import { randomUniform, Rng, type Sequential, type Tensor } from 'layerwise';

/** Inputs uniform in [-2, 2], from a seeded generator. */
export function inputs(shape: number[], seed = 7): Tensor {
  return randomUniform(shape, -2, 2, new Rng(seed));
}

/**
 * Random weights in [-0.5, 0.5] for every parameter (variances in [0.5, 1.5]), so that no
 * prediction is trivially zero.
 */
export function randomizeWeights(model: Sequential, seed = 3): void {
  const rng = new Rng(seed);
  for (const { name, value } of model.params()) {
    value.data.set(randomUniform(value.shape, -0.5, 0.5, rng).data);
    if (name.endsWith('moving_variance')) value.data.forEach((v, i, a) => (a[i] = v + 1));
  }
}
