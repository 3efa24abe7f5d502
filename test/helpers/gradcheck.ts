import { expect } from 'vitest';
import { randomUniform, Rng, tensor, type Layer, type Tensor } from 'layerwise';

/**
 * Numeric gradient checks by central differences. The objective is L = Σ w ⊙ f(x) with fixed
 * random weights w, summed in float64; the analytic gradients come from one backward(w).
 *
 * Float32 forward passes limit the precision of a difference quotient: with the default step
 * h = 1e-2 the rounding noise is ~1e-5 and the truncation error ~1e-5 for smooth functions, so
 * the default tolerance is |numeric − analytic| ≤ 1e-3 · max(1, |analytic|).
 */
export interface GradCheckOptions {
  /** Finite-difference step. Default 1e-2. */
  h?: number;
  /** Tolerance as above. Default 1e-3. */
  tol?: number;
  /** Run forward in training mode. Default false. */
  training?: boolean;
  seed?: number;
}

export interface GradCheckResult {
  /** Largest |numeric − analytic| / max(1, |analytic|) over the inputs. */
  inputError: number;
  /** The same, per parameter name. */
  paramErrors: Record<string, number>;
  /** The largest of all. */
  maxError: number;
  /** How many coordinates sat within ±h of a kink and were checked one-sided. */
  kinks: number;
}

function objective(out: Tensor, w: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += out.data[i] * w[i];
  return sum;
}

/**
 * The largest error of `analytic` against central differences. Where the function has a kink
 * within ±h of a point (ReLU at 0), the two one-sided differences disagree; there the analytic
 * value must match one of them instead (a kink's derivative is one of its one-sided ones).
 */
function numericError(values: Float32Array, analytic: Float32Array, evaluate: () => number, h: number, tol: number, counts: { kinks: number }): number {
  let worst = 0;
  const f0 = evaluate();
  for (let i = 0; i < values.length; i++) {
    const saved = values[i];
    values[i] = saved + h;
    const up = evaluate();
    values[i] = saved - h;
    const down = evaluate();
    values[i] = saved;
    const scale = Math.max(1, Math.abs(analytic[i]));
    let error = Math.abs((up - down) / (2 * h) - analytic[i]) / scale;
    const forward = (up - f0) / h;
    const backward = (f0 - down) / h;
    if (error > tol && Math.abs(forward - backward) / scale > 10 * tol) {
      counts.kinks++;
      error = Math.min(Math.abs(forward - analytic[i]), Math.abs(backward - analytic[i])) / scale;
    }
    worst = Math.max(worst, error);
  }
  return worst;
}

/** Checks dL/dx and dL/dθ of a built layer at input `x` (batch first). */
export function gradCheckLayer(layer: Layer, x: Tensor, { h = 1e-2, tol = 1e-3, training = false, seed = 7 }: GradCheckOptions = {}): GradCheckResult {
  const rng = new Rng(seed);
  // Non-trainable weights (moving statistics) get no gradient, so they are not checked.
  const params = layer.params().filter((p) => p.trainable);
  const out0 = layer.forward(x, training);
  const w = randomUniform(out0.shape, -1, 1, rng);
  for (const p of params) p.grad.data.fill(0);
  layer.forward(x, training);
  const dx = Float32Array.from(layer.backward(tensor(Float32Array.from(w.data), w.shape)).data);
  const paramGrads = params.map((p) => Float32Array.from(p.grad.data));
  const evaluate = () => objective(layer.forward(x, training), w.data);
  const counts = { kinks: 0 };
  const inputError = numericError(x.data, dx, evaluate, h, tol, counts);
  const paramErrors: Record<string, number> = {};
  params.forEach((p, i) => (paramErrors[p.name] = numericError(p.value.data, paramGrads[i], evaluate, h, tol, counts)));
  return { inputError, paramErrors, maxError: Math.max(inputError, ...Object.values(paramErrors)), kinks: counts.kinks };
}

/** Checks d(loss)/d(input) of a scalar function of one array, e.g. a loss at fixed labels. */
export function gradCheckScalar(values: Float32Array, f: () => number, analytic: Float32Array, { h = 1e-2, tol = 1e-3 }: GradCheckOptions = {}): number {
  return numericError(values, analytic, f, h, tol, { kinks: 0 });
}

/** Uniform values in [lo, hi] whose magnitude is at least `gap`, away from kinks at 0. */
export function awayFromZero(shape: number[], seed = 1, lo = -2, hi = 2, gap = 0.1): Tensor {
  const t = randomUniform(shape, lo, hi, new Rng(seed));
  for (let i = 0; i < t.data.length; i++) if (Math.abs(t.data[i]) < gap) t.data[i] = t.data[i] < 0 ? -gap : gap;
  return t;
}

/**
 * Gradients accumulate over backward calls, and a forward pass on a batch of another size
 * (`other`) in between leaves nothing stale: forward(x) and backward(dy) twice give twice the
 * gradients of once.
 */
export function expectGradientsAccumulate(layer: Layer, x: Tensor, other: Tensor, dy: Tensor): void {
  layer.forward(x, true);
  layer.backward(dy);
  const once = layer.params().map((p) => Float32Array.from(p.grad.data));
  layer.forward(other, true);
  layer.forward(x, true);
  layer.backward(dy);
  layer.params().forEach((p, i) => expect(p.grad).toBeAllClose(once[i].map((v) => 2 * v), { rtol: 1e-6, atol: 1e-6 }));
}
