/**
 * Parity of the image and sequence shape layers with TF.js (@tensorflow/tfjs 4.22, cpu backend)
 * and, where TF.js lacks them or computes otherwise, with float64 references of Keras 3's rules
 * written below; over randomized shapes, sizes and croppings from a seeded generator, on both
 * layerwise kernel backends. TF.js values are computed inside the test, by TF.js's own layers on
 * the same inputs. Gradients are those of L = Σ w ⊙ y for one fixed random w: one `backward(w)` in
 * layerwise, `tf.grads` of `tf.sum(tf.mul(layer.apply(x), w))` in TF.js; the layers are linear, so
 * the reference gradient is Σ_o w[o] · y[o](e_i), the forward reference applied to unit inputs.
 *
 * What TF.js 4.22 does otherwise, verified here: it has no ZeroPadding1D, Cropping1D, UpSampling1D
 * (nor SpatialDropout2D, see tfjs-norm-noise.test.ts); its UpSampling2D 'bilinear' aligns the first
 * pixels ([0, 1] by 2 gives [0, 0.5, 1, 1]) where Keras 3 has half-pixel centres ([0, 0.25, 0.75, 1]);
 * its 'nearest' gradient on the cpu backend mixes the samples of a batch (so its gradients are
 * compared for one sample, and for more against the float64 reference).
 *
 * Tolerance: |ours − theirs| ≤ 1e-4 + 1e-4 · |theirs|.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Cropping1D,
  Cropping2D,
  randomUniform,
  Sequential,
  setBackend,
  tensor,
  UpSampling1D,
  UpSampling2D,
  ZeroPadding1D,
  type Layer,
  type Tensor,
} from 'layerwise';
import { BACKENDS, CLOSE, generator, theirsLayer, useTfjsCpu } from './parity-helpers';

const CASES = 12;

useTfjsCpu('all');

/** layerwise: y = layer(x) and dx = backward(w), through a Sequential that builds it. */
function ours(layer: Layer, x: Tensor, w: Tensor): { y: Float32Array; dx: Float32Array } {
  new Sequential({ layers: [layer] });
  const y = Float32Array.from(layer.forward(x, true).data);
  expect(layer.computeOutputShape(x.shape.slice(1))).toEqual(w.shape.slice(1));
  const dx = Float32Array.from(layer.backward(tensor(Float32Array.from(w.data), w.shape)).data);
  return { y, dx };
}

/** The float64 reference of a linear layer: its output, and the gradient Σ_o w[o] · y[o](e_i) from unit inputs. */
function reference(f: (x: ArrayLike<number>) => Float64Array, x: Tensor, w: Tensor): { y: Float64Array; dx: Float64Array } {
  const unit = new Float64Array(x.size);
  const dx = new Float64Array(x.size);
  for (let i = 0; i < x.size; i++) {
    unit[i] = 1;
    const column = f(unit);
    unit[i] = 0;
    let sum = 0;
    for (let o = 0; o < column.length; o++) sum += w.data[o] * column[o];
    dx[i] = sum;
  }
  return { y: f(x.data), dx };
}

/** For each output index of an axis, the input index it reads from: `map(o)`, or −1 for a zero. */
function remap1d(x: ArrayLike<number>, [n, steps, c]: number[], outSteps: number, map: (o: number) => number): Float64Array {
  const y = new Float64Array(n * outSteps * c);
  for (let b = 0; b < n; b++)
    for (let o = 0; o < outSteps; o++) {
      const t = map(o);
      if (t >= 0) for (let k = 0; k < c; k++) y[(b * outSteps + o) * c + k] = x[(b * steps + t) * c + k];
    }
  return y;
}

/**
 * Keras 3's bilinear upsampling (TensorFlow's resize with half-pixel centres, antialias off): output
 * o of an axis of n values samples src = (o + ½) / factor − ½, clamped below at 0; it interpolates
 * between floor(src) and the next index, the last index standing in past the end.
 */
function bilinearReference(x: ArrayLike<number>, [n, h, w, c]: number[], [fh, fw]: number[]): Float64Array {
  const tap = (o: number, factor: number, size: number): [number, number, number] => {
    const src = Math.max((o + 0.5) / factor - 0.5, 0);
    const i0 = Math.min(Math.floor(src), size - 1);
    return [i0, Math.min(i0 + 1, size - 1), src - Math.floor(src)];
  };
  const oh = h * fh;
  const ow = w * fw;
  const y = new Float64Array(n * oh * ow * c);
  const at = (b: number, r: number, q: number, k: number) => x[((b * h + r) * w + q) * c + k];
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++) {
      const [r0, r1, dr] = tap(i, fh, h);
      for (let j = 0; j < ow; j++) {
        const [q0, q1, dq] = tap(j, fw, w);
        for (let k = 0; k < c; k++) {
          const top = at(b, r0, q0, k) * (1 - dq) + at(b, r0, q1, k) * dq;
          const bottom = at(b, r1, q0, k) * (1 - dq) + at(b, r1, q1, k) * dq;
          y[((b * oh + i) * ow + j) * c + k] = top * (1 - dr) + bottom * dr;
        }
      }
    }
  return y;
}

/** Keras's nearest upsampling: output (i, j) is the input pixel (⌊i / fh⌋, ⌊j / fw⌋). */
function nearestReference(x: ArrayLike<number>, [n, h, w, c]: number[], [fh, fw]: number[]): Float64Array {
  const [oh, ow] = [h * fh, w * fw];
  const y = new Float64Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let k = 0; k < c; k++) y[((b * oh + i) * ow + j) * c + k] = x[((b * h + Math.floor(i / fh)) * w + Math.floor(j / fw)) * c + k];
  return y;
}

describe('what TF.js 4.22 lacks or computes otherwise (verified)', () => {
  it("its UpSampling2D 'nearest' gradient (cpu backend) mixes the samples of a batch: a gradient on sample 0 alone reaches sample 1", () => {
    const dx = tf.tidy(() => {
      const layer = tf.layers.upSampling2d({ size: [1, 2] });
      const w = tf.tensor4d([1, 1, 0, 0], [2, 1, 2, 1]);
      return Array.from(tf.grads((x: tf.Tensor) => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)))([tf.ones([2, 1, 1, 1])])[0].dataSync());
    });
    expect(dx).not.toEqual([2, 0]);
    const layer = new UpSampling2D({ size: [1, 2], inputShape: [1, 1, 1] });
    expect(Array.from(ours(layer, tensor(Float32Array.of(1, 1), [2, 1, 1, 1]), tensor(Float32Array.of(1, 1, 0, 0), [2, 1, 2, 1])).dx)).toEqual([2, 0]);
  });

  it('has no ZeroPadding1D, Cropping1D or UpSampling1D layer', () => {
    const layers = tf.layers as unknown as Record<string, unknown>;
    for (const name of ['zeroPadding1d', 'zeroPadding1D', 'cropping1d', 'cropping1D', 'upSampling1d', 'upSampling1D']) expect(layers[name]).toBeUndefined();
    expect(typeof layers.cropping2D).toBe('function');
    expect(typeof layers.upSampling2d).toBe('function');
  });

  it("its UpSampling2D 'bilinear' gives [0, 0.5, 1, 1] for [0, 1] by 2; layerwise gives Keras 3's [0, 0.25, 0.75, 1]", () => {
    const tfjs = tf.tidy(() => Array.from((tf.layers.upSampling2d({ size: [1, 2], interpolation: 'bilinear' }).apply(tf.tensor4d([0, 1], [1, 1, 2, 1])) as tf.Tensor).dataSync()));
    expect(tfjs).toEqual([0, 0.5, 1, 1]);
    const layer = new UpSampling2D({ size: [1, 2], interpolation: 'bilinear', inputShape: [1, 2, 1] });
    expect(Array.from(ours(layer, tensor(Float32Array.of(0, 1), [1, 1, 2, 1]), tensor(new Float32Array(4), [1, 1, 4, 1])).y)).toEqual([0, 0.25, 0.75, 1]);
  });
});

for (const backend of BACKENDS) {
  describe(`on layerwise's '${backend}' backend`, () => {
    beforeAll(() => setBackend(backend));

    it(`Cropping2D equals TF.js (forward and input gradient) over ${CASES} random croppings`, () => {
      const { rng, int } = generator(101);
      for (let i = 0; i < CASES; i++) {
        const [n, h, w, c] = [int(1, 3), int(2, 7), int(2, 7), int(1, 3)];
        const cropping: [[number, number], [number, number]] = [[int(0, Math.floor((h - 1) / 2)), int(0, Math.floor((h - 1) / 2))], [int(0, Math.floor((w - 1) / 2)), int(0, Math.floor((w - 1) / 2))]];
        const x = randomUniform([n, h, w, c], -2, 2, rng);
        const outShape = [n, h - cropping[0][0] - cropping[0][1], w - cropping[1][0] - cropping[1][1], c];
        const dy = randomUniform(outShape, -1, 1, rng);
        const a = ours(new Cropping2D({ cropping, inputShape: [h, w, c] }), x, dy);
        const b = theirsLayer(tf.layers.cropping2D({ cropping }), x, dy);
        expect(a.y).toBeAllClose(b.y, CLOSE);
        expect(a.dx).toBeAllClose(b.dx, CLOSE);
      }
    });

    it(`UpSampling2D 'nearest' equals TF.js over ${CASES} random sizes (the gradient: for one sample, and the float64 reference for more)`, () => {
      const { rng, int } = generator(102);
      for (let i = 0; i < CASES; i++) {
        const [n, h, w, c] = [int(1, 3), int(1, 5), int(1, 5), int(1, 3)];
        const size: [number, number] = [int(1, 3), int(1, 3)];
        const x = randomUniform([n, h, w, c], -2, 2, rng);
        const dy = randomUniform([n, h * size[0], w * size[1], c], -1, 1, rng);
        const a = ours(new UpSampling2D({ size, inputShape: [h, w, c] }), x, dy);
        const b = theirsLayer(tf.layers.upSampling2d({ size }), x, dy);
        expect(a.y).toBeAllClose(b.y, CLOSE);
        // TF.js 4.22's gradient mixes the samples of a batch (see above): compared for the first sample alone.
        const first = tensor(x.data.slice(0, h * w * c), [1, h, w, c]);
        const firstDy = tensor(dy.data.slice(0, h * size[0] * w * size[1] * c), [1, h * size[0], w * size[1], c]);
        expect(ours(new UpSampling2D({ size, inputShape: [h, w, c] }), first, firstDy).dx).toBeAllClose(theirsLayer(tf.layers.upSampling2d({ size }), first, firstDy).dx, CLOSE);
        const r = reference((v) => nearestReference(v, [n, h, w, c], size), x, dy);
        expect(a.dx).toBeAllClose(r.dx, CLOSE);
      }
    });

    it(`UpSampling2D 'bilinear' equals the float64 reference of Keras 3's half-pixel rule over ${CASES} random sizes`, () => {
      const { rng, int } = generator(103);
      for (let i = 0; i < CASES; i++) {
        const [n, h, w, c] = [int(1, 2), int(1, 5), int(1, 5), int(1, 3)];
        const size = [int(1, 4), int(1, 4)];
        const x = randomUniform([n, h, w, c], -2, 2, rng);
        const dy = randomUniform([n, h * size[0], w * size[1], c], -1, 1, rng);
        const a = ours(new UpSampling2D({ size: [size[0], size[1]], interpolation: 'bilinear', inputShape: [h, w, c] }), x, dy);
        const r = reference((v) => bilinearReference(v, [n, h, w, c], size), x, dy);
        expect(a.y).toBeAllClose(r.y, CLOSE);
        expect(a.dx).toBeAllClose(r.dx, CLOSE);
      }
    });

    it("UpSampling2D 'bilinear' equals PyTorch's F.interpolate(align_corners=False) on a 3×2 image by [2, 3]", () => {
      // Values from torch 1.13: /usr/bin/python3 -c "import torch, torch.nn.functional as F;
      //   x = torch.tensor([[[[0., 1.], [2., 4.], [-1., 3.]]]]);
      //   print(F.interpolate(x, scale_factor=(2, 3), mode='bilinear', align_corners=False).flatten().tolist())"
      const torch = [
        0, 1.4901161193847656e-8, 0.3333333730697632, 0.6666666865348816, 1, 1, 0.5, 0.5, 0.9166667461395264, 1.3333333730697632, 1.75, 1.75, 1.5, 1.5,
        2.0833334922790527, 2.6666667461395264, 3.25, 3.25, 1.25, 1.25, 2.0833334922790527, 2.9166667461395264, 3.75, 3.75, -0.25, -0.24999995529651642,
        0.9166668057441711, 2.0833332538604736, 3.25, 3.25, -1, -0.9999999403953552, 0.33333349227905273, 1.6666667461395264, 3, 3,
      ];
      const layer = new UpSampling2D({ size: [2, 3], interpolation: 'bilinear', inputShape: [3, 2, 1] });
      const x = tensor(Float32Array.of(0, 1, 2, 4, -1, 3), [1, 3, 2, 1]);
      expect(ours(layer, x, tensor(new Float32Array(36), [1, 6, 6, 1])).y).toBeAllClose(torch, { rtol: 1e-6, atol: 1e-6 });
    });

    it(`ZeroPadding1D, Cropping1D and UpSampling1D equal float64 references over ${CASES} random configurations each`, () => {
      const { rng, int } = generator(104);
      for (let i = 0; i < CASES; i++) {
        const [n, steps, c] = [int(1, 3), int(1, 8), int(1, 3)];
        const x = randomUniform([n, steps, c], -2, 2, rng);
        const [before, after] = [int(0, 3), int(0, 3)];
        const padded = steps + before + after;
        let dy = randomUniform([n, padded, c], -1, 1, rng);
        let a = ours(new ZeroPadding1D({ padding: [before, after], inputShape: [steps, c] }), x, dy);
        let r = reference((v) => remap1d(v, [n, steps, c], padded, (o) => (o >= before && o < before + steps ? o - before : -1)), x, dy);
        expect(a.y).toBeAllClose(r.y, CLOSE);
        expect(a.dx).toBeAllClose(r.dx, CLOSE);

        const [start, end] = [int(0, Math.floor((steps - 1) / 2)), int(0, Math.floor((steps - 1) / 2))];
        const kept = steps - start - end;
        dy = randomUniform([n, kept, c], -1, 1, rng);
        a = ours(new Cropping1D({ cropping: [start, end], inputShape: [steps, c] }), x, dy);
        r = reference((v) => remap1d(v, [n, steps, c], kept, (o) => o + start), x, dy);
        expect(a.y).toBeAllClose(r.y, CLOSE);
        expect(a.dx).toBeAllClose(r.dx, CLOSE);

        const size = int(1, 4);
        dy = randomUniform([n, steps * size, c], -1, 1, rng);
        a = ours(new UpSampling1D({ size, inputShape: [steps, c] }), x, dy);
        r = reference((v) => remap1d(v, [n, steps, c], steps * size, (o) => Math.floor(o / size)), x, dy);
        expect(a.y).toBeAllClose(r.y, CLOSE);
        expect(a.dx).toBeAllClose(r.dx, CLOSE);
      }
    });
  });
}
