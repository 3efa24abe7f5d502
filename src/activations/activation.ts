import type { Shape } from '../tensor/tensor';

/**
 * An activation function with its derivative, over raw Float32Arrays. `shape` is the full shape of
 * the tensor (batch first); element-wise functions ignore it, softmax reads its axis from it.
 */
export interface Activation {
  /** The canonical key, Keras's snake_case (`'leaky_relu'`). */
  readonly name: string;
  /** Settings that change the function (`{ alpha: 0.3 }`), shown in summaries and saved with it. */
  readonly config: Readonly<Record<string, number>>;
  /** y = f(x). */
  forward(x: Float32Array, y: Float32Array, shape: Shape): void;
  /** dx = dy · f'(x), from the saved input x and output y. dx may be the same array as dy. */
  backward(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, shape: Shape): void;
}

/** An element-wise activation given as its value and its derivative (which may read x or y). */
export interface ElementwiseDefinition {
  /** f(x). */
  fn(x: number): number;
  /** f'(x), given x and y = f(x): sigmoid and tanh use y, relu uses x. */
  grad(x: number, y: number): number;
}

/** Builds an activation from a scalar function and its derivative. */
export function elementwise(
  name: string,
  { fn, grad }: ElementwiseDefinition,
  config: Record<string, number> = {},
): Activation {
  return {
    name,
    config,
    forward(x, y) {
      for (let i = 0; i < y.length; i++) y[i] = fn(x[i]);
    },
    backward(x, y, dy, dx) {
      for (let i = 0; i < dx.length; i++) dx[i] = dy[i] * grad(x[i], y[i]);
    },
  };
}
