import { datasets, Rng, tensor, type Tensor } from 'layerwise';

/** The datasets the page offers: two classes of 2-D points each. */
export const DATASETS = ['spirals', 'xor', 'moons', 'circles'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface Points {
  /** Coordinates [N, 2], scaled into [-1, 1]². */
  x: Tensor;
  /** Labels [N, 1], 0 or 1. */
  y: Tensor;
}

const SAMPLES = 150; // per class
const SEED = 3;

/** Points uniform in [-1, 1]², labelled 1 where both coordinates have the same sign (XOR of the signs). */
function quadrants(samples: number, seed: number): Points {
  const rng = new Rng(seed);
  const x = new Float32Array(samples * 2);
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    x[2 * i] = 2 * rng.uniform() - 1;
    x[2 * i + 1] = 2 * rng.uniform() - 1;
    y[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1 : 0;
  }
  return { x: tensor(x, [samples, 2]), y: tensor(y, [samples, 1]) };
}

/** Moves and scales the points (both axes alike) so that they fill [-1, 1]². */
function fitToSquare(points: Points): Points {
  const data = points.x.data;
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (let i = 0; i < data.length; i++) {
    lo[i % 2] = Math.min(lo[i % 2], data[i]);
    hi[i % 2] = Math.max(hi[i % 2], data[i]);
  }
  const centre = [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2];
  const half = Math.max(hi[0] - lo[0], hi[1] - lo[1]) / 2 || 1;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - centre[i % 2]) / half;
  return points;
}

/** The named dataset, the same points every time (seeded). */
export function makeDataset(name: DatasetName, noise: number): Points {
  switch (name) {
    case 'spirals':
      return fitToSquare(datasets.spirals({ samples: SAMPLES, noise, seed: SEED }));
    case 'moons':
      return fitToSquare(datasets.moons({ samples: SAMPLES, noise, seed: SEED }));
    case 'circles':
      return fitToSquare(datasets.circles({ samples: SAMPLES, noise, seed: SEED }));
    case 'xor':
      return quadrants(2 * SAMPLES, SEED);
  }
}
