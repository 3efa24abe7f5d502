import { randomUniform, Rng, tensor, type Layer, type Tensor } from 'layerwise';
import { buildLayer } from './contract';
import { gradCheckScalar } from './gradcheck';

/**
 * Gradient check of a noise layer in training mode. A noise layer draws new noise on every forward
 * pass, so each evaluation uses a fresh layer made with the same seed: every forward then draws the
 * same (first) noise, and central differences of L = Σ w ⊙ y(x) see one fixed function of x.
 * Returns the largest error, as `gradCheckScalar` measures it.
 */
export function gradCheckNoise(make: (inputShape?: number[]) => Layer, x: Tensor, tol = 1e-3): number {
  const inputShape = x.shape.slice(1);
  const w = randomUniform(x.shape, -1, 1, new Rng(5));
  const layer = buildLayer(make, inputShape);
  layer.forward(x, true);
  const dx = Float32Array.from(layer.backward(tensor(Float32Array.from(w.data), w.shape)).data);
  const objective = () => {
    const y = buildLayer(make, inputShape).forward(x, true);
    let sum = 0;
    for (let i = 0; i < w.size; i++) sum += y.data[i] * w.data[i];
    return sum;
  };
  return gradCheckScalar(x.data, objective, dx, { tol });
}

/** Mean and (biased) variance of values, in float64. */
export function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let sq = 0;
  for (let i = 0; i < values.length; i++) sq += (values[i] - mean) ** 2;
  return { mean, variance: sq / values.length };
}
