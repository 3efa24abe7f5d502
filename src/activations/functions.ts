import type { Shape } from '../tensor/tensor';
import { elementwise, type Activation } from './activation';

/** f(x) = x. */
export const linear: Activation = {
  name: 'linear',
  config: {},
  forward(x, y) {
    if (x !== y) y.set(x);
  },
  backward(_x, _y, dy, dx) {
    if (dx !== dy) dx.set(dy);
  },
};

/** max(x, 0), optionally capped at `maxValue`; the gradient at 0 is 0, as TensorFlow's. */
export function relu(maxValue = Infinity, name = 'relu'): Activation {
  const generic = elementwise(
    name,
    { fn: (x) => (x > 0 ? (x < maxValue ? x : maxValue) : 0), grad: (x) => (x > 0 && x < maxValue ? 1 : 0) },
    maxValue === Infinity ? {} : { maxValue },
  );
  if (maxValue !== Infinity) return generic;
  // The common case with loops of its own: the shared loop of `elementwise` calls one of many
  // closures per element, which the engine cannot inline.
  return {
    ...generic,
    forward(x, y) {
      // (v + |v|) / 2 is exactly max(v, 0), without a branch the processor could mispredict.
      for (let i = 0; i < y.length; i++) {
        const v = x[i];
        y[i] = (v + Math.abs(v)) * 0.5;
      }
    },
    backward(x, _y, dy, dx) {
      for (let i = 0; i < dx.length; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
    },
  };
}

/**
 * x for x > 0, alpha · x otherwise. The key `'leaky_relu'` is Keras 3's `activations.leaky_relu`,
 * whose negative_slope defaults to 0.2; the `LeakyReLU` layer defaults to 0.3, as Keras's and
 * TF.js's layers do (and as layerwise's key did before files of format version 2).
 */
export function leakyRelu(alpha = 0.2): Activation {
  const generic = elementwise('leaky_relu', { fn: (x) => (x > 0 ? x : alpha * x), grad: (x) => (x > 0 ? 1 : alpha) }, { alpha });
  // Loops of its own, as relu's.
  return {
    ...generic,
    forward(x, y) {
      for (let i = 0; i < y.length; i++) {
        const v = x[i];
        y[i] = v > 0 ? v : alpha * v;
      }
    },
    backward(x, _y, dy, dx) {
      for (let i = 0; i < dx.length; i++) dx[i] = x[i] > 0 ? dy[i] : alpha * dy[i];
    },
  };
}

/** x for x > 0, alpha · (e^x − 1) otherwise; the gradient for x ≤ 0 is y + alpha. */
export function elu(alpha = 1): Activation {
  return elementwise(
    'elu',
    { fn: (x) => (x > 0 ? x : alpha * Math.expm1(x)), grad: (x, y) => (x > 0 ? 1 : y + alpha) },
    { alpha },
  );
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

/** Scaled ELU with the self-normalizing constants of Klambauer et al. (2017). */
export const selu = elementwise('selu', {
  fn: (x) => (x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x)),
  grad: (x, y) => (x > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA),
});

function sigmoidOf(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** 1 / (1 + e^−x); the gradient y · (1 − y) comes from the saved output. */
export const sigmoid = elementwise('sigmoid', { fn: sigmoidOf, grad: (_x, y) => y * (1 - y) });

/** tanh(x); the gradient 1 − y² comes from the saved output. */
export const tanh = elementwise('tanh', { fn: Math.tanh, grad: (_x, y) => 1 - y * y });

/** The error function, by the Chebyshev fit of Numerical Recipes' erfc (relative error below 1.2e-7). */
export function erf(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z - 1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const erfc = t * Math.exp(poly);
  return x >= 0 ? 1 - erfc : erfc - 1;
}

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** x · Φ(x), with the exact normal CDF (Keras's default, `approximate=False`). */
export const gelu = elementwise('gelu', {
  fn: (x) => 0.5 * x * (1 + erf(x * INV_SQRT2)),
  grad: (x) => 0.5 * (1 + erf(x * INV_SQRT2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
});

/** x · sigmoid(x), also known as SiLU. */
export function swish(name = 'swish'): Activation {
  return elementwise(name, {
    fn: (x) => x * sigmoidOf(x),
    grad: (x) => {
      const s = sigmoidOf(x);
      return s * (1 + x * (1 - s));
    },
  });
}

/** log(1 + e^x), computed without overflow. */
export const softplus = elementwise('softplus', {
  fn: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  grad: sigmoidOf,
});

/** x / (1 + |x|). */
export const softsign = elementwise('softsign', {
  fn: (x) => x / (1 + Math.abs(x)),
  grad: (x) => 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x))),
});

/** clip(0.2 · x + 0.5, 0, 1): the piecewise-linear sigmoid of TF.js and Keras 2. */
export const hardSigmoid = elementwise('hard_sigmoid', {
  fn: (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5)),
  grad: (x) => (x > -2.5 && x < 2.5 ? 0.2 : 0),
});

/** The rows of a tensor along one axis: `outer` blocks of `length` values, `inner` apart. */
function axisLayout(shape: Shape, axis: number): { outer: number; length: number; inner: number } {
  const a = axis < 0 ? shape.length + axis : axis;
  let outer = 1;
  let inner = 1;
  for (let d = 0; d < a; d++) outer *= shape[d];
  for (let d = a + 1; d < shape.length; d++) inner *= shape[d];
  return { outer, length: shape[a], inner };
}

/**
 * e^x / Σ e^x along `axis` (the last by default), with the maximum subtracted first so that large
 * logits never overflow.
 */
export function softmax(axis = -1): Activation {
  return {
    name: 'softmax',
    config: axis === -1 ? {} : { axis },
    forward(x, y, shape) {
      const { outer, length, inner } = axisLayout(shape, axis);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * length * inner + i;
          let max = -Infinity;
          for (let k = 0; k < length; k++) max = Math.max(max, x[base + k * inner]);
          let sum = 0;
          for (let k = 0; k < length; k++) {
            const e = Math.exp(x[base + k * inner] - max);
            y[base + k * inner] = e;
            sum += e;
          }
          for (let k = 0; k < length; k++) y[base + k * inner] /= sum;
        }
      }
    },
    backward(_x, y, dy, dx, shape) {
      // dx = y ⊙ (dy − Σ y ⊙ dy) along the axis.
      const { outer, length, inner } = axisLayout(shape, axis);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * length * inner + i;
          let dot = 0;
          for (let k = 0; k < length; k++) dot += y[base + k * inner] * dy[base + k * inner];
          for (let k = 0; k < length; k++) {
            const at = base + k * inner;
            dx[at] = y[at] * (dy[at] - dot);
          }
        }
      }
    },
  };
}
