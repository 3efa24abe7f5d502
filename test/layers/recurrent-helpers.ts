import { clone, tensor, type Layer, type Tensor } from 'layerwise';

/** The layer seen through a fixed mask: forward passes it on every call, the rest is the layer's (for gradCheckLayer). */
export function withMask(layer: Layer, mask: Tensor): Layer {
  return {
    params: () => layer.params(),
    forward: (x: Tensor, training: boolean) => layer.forward(x, training, mask),
    backward: (dy: Tensor) => layer.backward(dy),
  } as unknown as Layer;
}

/** A [3, 5] mask with padding at the end, at the start and in the middle. */
export const MASK = tensor([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1], [3, 5]);

/** The rows of sample `b` (of `steps` rows of `width`) of a [batch, steps, width] tensor. */
export function sampleSteps(t: Tensor, b: number, steps: number, width: number): Float32Array {
  return t.data.slice(b * steps * width, (b + 1) * steps * width);
}

/** x with the steps of sample b kept where `keep` holds (for comparing a masked run with an unpadded one). */
export function keepSteps(x: Tensor, b: number, keep: number[]): Tensor {
  const [, steps, width] = x.shape;
  const rows = keep.map((t) => x.data.slice((b * steps + t) * width, (b * steps + t + 1) * width));
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return tensor(out, [1, keep.length, width]);
}

/**
 * Gradient check of dL/dx in training mode with dropout: each evaluation builds a fresh layer with
 * the same seed and weights, so that its first forward pass draws the same masks as the checked
 * one. Returns the largest |numeric − analytic| / max(1, |analytic|).
 */
export function dropoutInputGradError(make: () => Layer, inputShape: number[], x: Tensor, w: Tensor, h = 1e-2): number {
  const layer = make();
  layer.build(inputShape);
  const weights = layer.getWeights();
  layer.forward(x, true);
  const dx = clone(layer.backward(w));
  const evaluate = (input: Tensor) => {
    const fresh = make();
    fresh.build(inputShape);
    fresh.setWeights(weights);
    const y = fresh.forward(input, true);
    let sum = 0;
    for (let i = 0; i < y.size; i++) sum += y.data[i] * w.data[i];
    return sum;
  };
  let worst = 0;
  for (let i = 0; i < x.size; i++) {
    const up = clone(x);
    up.data[i] += h;
    const down = clone(x);
    down.data[i] -= h;
    const numeric = (evaluate(up) - evaluate(down)) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - dx.data[i]) / Math.max(1, Math.abs(dx.data[i])));
  }
  return worst;
}
