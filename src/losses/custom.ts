import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';
import { rowLoss, type Loss } from './core';
import { registry } from './registry';

/**
 * A loss written by the user, per row along the last axis (per sample for outputs of shape
 * [batch, n]). `fit` averages it over rows, as every loss. The rows passed are views into the
 * batch, valid during the call only: copy them to keep them.
 */
export interface CustomLossSpec {
  /** The loss's name, in the history and in saved models; not the name of a built-in loss in any spelling. */
  name: string;
  /** The loss of one row: predictions and labels of the row's width. */
  fn: (pred: Float32Array, label: Float32Array) => number;
  /**
   * Writes d(row loss)/d(pred) into `out` (the row's width, zeroed before the call), or returns it
   * as an array of the row's width. A wrong gradient cannot be detected; a NaN stops `fit`.
   */
  grad: (pred: Float32Array, label: Float32Array, out: Float32Array) => void | ArrayLike<number>;
}

/** Whether `spec` has the keys of a custom loss (to tell it from a Loss). */
export function isCustomLossSpec(spec: unknown): spec is CustomLossSpec {
  return typeof spec === 'object' && spec !== null && 'fn' in spec && 'grad' in spec && !('compute' in spec);
}

/**
 * A loss from a per-row value `fn(pred, label)` and its gradient `grad(pred, label, out)`:
 * `losses.custom({ name: 'l4', fn: (p, y) => p.reduce((s, v, i) => s + (v - y[i]) ** 4, 0),
 * grad: (p, y, out) => p.forEach((v, i) => (out[i] = 4 * (v - y[i]) ** 3)) })`. Labels have the
 * output's shape. `fit` checks the value is a number and the gradient's length.
 */
export function custom(spec: CustomLossSpec): Loss {
  const owner = 'custom';
  const { name, fn, grad } = checkOptions<Partial<CustomLossSpec>>(owner, spec, ['name', 'fn', 'grad'], { example: '{ name, fn, grad }' });
  if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) {
    throw new LayerwiseError(`${owner}: name must be a string of letters, digits, _ . or - starting with a letter, such as 'myLoss'. Received: name=${describeValue(name)}.`);
  }
  if (registry.has(name)) {
    throw new LayerwiseError(`${owner}: name "${name}" is the built-in loss "${registry.canonical(name)}"; give the custom loss a name of its own.`);
  }
  for (const [key, value] of [['fn', fn], ['grad', grad]] as const) {
    if (typeof value !== 'function') {
      throw new LayerwiseError(`${owner}: ${key} must be a function ${key === 'fn' ? '(pred, label) => number' : '(pred, label, out) => void'}. Received: ${key}=${describeValue(value)}.`);
    }
  }
  const value = fn!;
  const gradient = grad!;
  let out = new Float32Array(0);
  return rowLoss({ config: { name } }, (pred, labels, at, width, _stride, g, scale) => {
    const p = pred.subarray(at, at + width);
    const y = labels.subarray(at, at + width);
    const v = value(p, y);
    if (typeof v !== 'number') {
      throw new LayerwiseError(`${name}: fn must return one number per row (the row's loss), but returned ${describeValue(v)}.`);
    }
    if (g) {
      if (out.length !== width) out = new Float32Array(width);
      else out.fill(0);
      const returned = gradient(p, y, out);
      const d: ArrayLike<number> = returned === undefined ? out : returned;
      if (typeof d !== 'object' || d === null || d.length !== width) {
        throw new LayerwiseError(
          `${name}: grad must write ${width} values into out (the row's width) or return an array of ${width}, but returned ${describeValue(returned)}.`,
        );
      }
      for (let k = 0; k < width; k++) g[at + k] = scale * d[k];
    }
    return v;
  });
}
