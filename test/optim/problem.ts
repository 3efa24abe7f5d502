import { randomUniform, Rng, zeros, type Param } from 'layerwise';

/**
 * A small optimization problem for the optimizer tests: a [3, 4] kernel and a [4] bias drawn from
 * a seeded generator, and three steps of gradients whose values cycle through `scale` (so that
 * epsilon matters for the smallest).
 */
export function optimizerProblem(seed: string, scale: readonly number[]): { params: Param[]; grads: Float32Array[][] } {
  const rng = new Rng(seed);
  const params: Param[] = [[3, 4], [4]].map((shape, k) => ({
    name: k === 0 ? 'dense_1/kernel' : 'dense_1/bias',
    value: randomUniform(shape, -1, 1, rng),
    grad: zeros(shape),
    trainable: true,
  }));
  const grads = [0, 1, 2].map(() =>
    params.map((p) => {
      const g = randomUniform(p.value.shape, -1, 1, rng);
      g.data.forEach((v, i) => (g.data[i] = v * scale[i % scale.length]));
      return Float32Array.from(g.data);
    }),
  );
  return { params, grads };
}
