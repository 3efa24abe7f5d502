import { compact, tensor, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';

/**
 * A labelled dataset: inputs `x` with one sample per row of the first dimension ([N, features] or
 * [N, 28, 28, 1] for images), and labels `y` laid out as {@link classLabels} says (or one-hot rows
 * [N, classes] where a loader is asked for them).
 */
export interface Dataset {
  x: Tensor;
  y: Tensor;
}

/**
 * The one label layout of the datasets of layerwise: two classes give [N, 1] labels of 0 or 1 (for
 * a sigmoid output and `binaryCrossentropy`); any other count gives [N] class indices (for
 * `sparseCategoricalCrossentropy`; {@link oneHot} turns them into [N, classes]).
 */
export function classLabels(labels: Float32Array, classes: number): Tensor {
  return tensor(labels, classes === 2 ? [labels.length, 1] : [labels.length]);
}

/**
 * One-hot rows [N, classes] from N class indices (a tensor of any shape with N values, such as
 * [N] or [N, 1], or plain numbers). Every label must be an integer in [0, classes).
 */
export function oneHot(labels: Tensor | ArrayLike<number>, classes: number): Tensor {
  checkInteger('oneHot', 'classes', classes, 1);
  const values = isTensor(labels) ? compact(labels).data : labels;
  const out = new Float32Array(values.length * classes);
  for (let i = 0; i < values.length; i++) {
    const label = values[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new LayerwiseError(
        `oneHot: label ${i} is ${label}, but labels must be integers in [0, ${classes}). ` +
          `Check the labels, or pass a larger classes.`,
      );
    }
    out[i * classes + label] = 1;
  }
  return tensor(out, [values.length, classes]);
}

/** True for a tensor (an ndarray), false for plain numbers. */
export function isTensor(value: Tensor | ArrayLike<number>): value is Tensor {
  return typeof (value as Tensor).get === 'function' && Array.isArray((value as Tensor).shape);
}

/** Throws unless `value` is an integer ≥ `min`; the message names `where` and the option. */
export function checkInteger(where: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    const expected = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`;
    throw new LayerwiseError(`${where}: ${name} must be ${expected}. Received: ${name}=${value}.`);
  }
}

/** Throws unless `value` is a finite number for which `ok` holds, described by `expected`. */
export function checkNumber(where: string, name: string, value: number, ok: boolean, expected: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) {
    throw new LayerwiseError(`${where}: ${name} must be ${expected}. Received: ${name}=${value}.`);
  }
}
