import type { Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue, isOptionsObject } from '../util/options';

/**
 * A weight constraint: a projection applied to a weight in place after each optimizer step, as
 * Keras 3 does (keras/src/constraints/constraints.py; the optimizer assigns `constraint(variable)`
 * after applying the gradients). Norms are over `axis` (default 0: for a Dense kernel [in, out],
 * one norm per output unit), with Keras's epsilon 1e-7: w · desired / (ε + norm).
 */
export interface Constraint {
  /** The Keras/TF.js class name: `'MaxNorm'`, `'NonNeg'`, `'UnitNorm'`, `'MinMaxNorm'`. */
  readonly className: string;
  /** camelCase settings (`maxValue`, `axis`); formats write them snake_case. */
  readonly config: Readonly<Record<string, number | number[]>>;
  /** Projects `w` (of `shape`) in place. Reuses its scratch arrays while the shape stays the same. */
  apply(w: Float32Array, shape: Shape): void;
}

export interface ConstraintConfig {
  className: string;
  config?: Record<string, unknown>;
}

export type ConstraintKey = 'maxNorm' | 'nonNeg' | 'unitNorm' | 'minMaxNorm';
export type ConstraintSpec = ConstraintKey | Constraint | ConstraintConfig;

const EPSILON = 1e-7;

type Axis = number | number[];

/** Sums of squares over `axis`, then w ← w · scale(norm) / (ε + norm); scratch kept per shape. */
function normConstraint(className: string, config: Record<string, number | number[]>, axis: Axis, desired: (norm: number) => number): Constraint {
  let built: readonly number[] = [];
  let group = new Int32Array(0);
  let norms = new Float64Array(0);
  return {
    className,
    config,
    apply(w, shape) {
      if (shape.length !== built.length || shape.some((d, i) => d !== built[i])) {
        const rank = shape.length;
        const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
        if (axes.some((a) => !(a >= 0 && a < rank))) {
          throw new LayerwiseError(`${className}: axis ${JSON.stringify(axis)} is out of range for a weight of shape [${shape.join(', ')}].`);
        }
        // Each value's norm slot: its index with the reduced axes dropped.
        group = new Int32Array(w.length);
        let slots = 1;
        const kept: number[] = [];
        for (let d = 0; d < rank; d++) if (!axes.includes(d)) kept.push(d);
        for (const d of kept) slots *= shape[d];
        const index = new Array<number>(rank).fill(0);
        for (let i = 0; i < w.length; i++) {
          let slot = 0;
          for (const d of kept) slot = slot * shape[d] + index[d];
          group[i] = slot;
          for (let d = rank - 1; d >= 0; d--) {
            if (++index[d] < shape[d]) break;
            index[d] = 0;
          }
        }
        norms = new Float64Array(slots);
        built = [...shape];
      }
      norms.fill(0);
      for (let i = 0; i < w.length; i++) norms[group[i]] += w[i] * w[i];
      for (let s = 0; s < norms.length; s++) {
        const n = Math.sqrt(norms[s]);
        norms[s] = desired(n) / (EPSILON + n);
      }
      for (let i = 0; i < w.length; i++) w[i] *= norms[group[i]];
    },
  };
}

function read(name: string, options: unknown, known: string[]): Record<string, unknown> {
  return checkOptions<Record<string, unknown>>(name, options, known, { example: known.length ? `{ ${known[0]}: ${known[0] === 'axis' ? 0 : 2} }` : '{}' });
}

function numberOf(name: string, given: Record<string, unknown>, key: string, fallback: number): number {
  const v = given[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new LayerwiseError(`${name}: ${key} must be a finite number. Received: ${key}=${describeValue(v)}.`);
  return v;
}

function axisOf(name: string, given: Record<string, unknown>): Axis {
  const v = given.axis;
  if (v === undefined || v === null) return 0;
  if (Number.isInteger(v)) return v as number;
  if (Array.isArray(v) && v.length > 0 && v.every((a) => Number.isInteger(a))) return [...(v as number[])];
  throw new LayerwiseError(`${name}: axis must be an integer or a list of integers. Received: axis=${describeValue(v)}.`);
}

/** Caps each norm (over `axis`) at `maxValue` (default 2, axis 0). */
export function maxNorm(options: { maxValue?: number; axis?: Axis } = {}): Constraint {
  const given = read('constraints.maxNorm', options, ['maxValue', 'axis']);
  const maxValue = numberOf('constraints.maxNorm', given, 'maxValue', 2);
  const axis = axisOf('constraints.maxNorm', given);
  return normConstraint('MaxNorm', { maxValue, axis }, axis, (n) => Math.min(Math.max(n, 0), maxValue));
}

/** Scales each norm (over `axis`, default 0) to 1. */
export function unitNorm(options: { axis?: Axis } = {}): Constraint {
  const axis = axisOf('constraints.unitNorm', read('constraints.unitNorm', options, ['axis']));
  return normConstraint('UnitNorm', { axis }, axis, () => 1);
}

/** Moves each norm towards [minValue, maxValue] (defaults 0, 1) by `rate` (default 1); axis 0 by default. */
export function minMaxNorm(options: { minValue?: number; maxValue?: number; rate?: number; axis?: Axis } = {}): Constraint {
  const name = 'constraints.minMaxNorm';
  const given = read(name, options, ['minValue', 'maxValue', 'rate', 'axis']);
  const minValue = numberOf(name, given, 'minValue', 0);
  const maxValue = numberOf(name, given, 'maxValue', 1);
  const rate = numberOf(name, given, 'rate', 1);
  const axis = axisOf(name, given);
  return normConstraint('MinMaxNorm', { minValue, maxValue, rate, axis }, axis, (n) => rate * Math.min(Math.max(n, minValue), maxValue) + (1 - rate) * n);
}

/** Sets negative values to 0. */
export function nonNeg(options: Record<string, never> = {}): Constraint {
  read('constraints.nonNeg', options, []);
  return {
    className: 'NonNeg',
    config: {},
    apply(w) {
      for (let i = 0; i < w.length; i++) if (w[i] < 0) w[i] = 0;
    },
  };
}

const FACTORIES: Record<string, (options: Record<string, unknown>) => Constraint> = {
  MaxNorm: maxNorm,
  NonNeg: () => nonNeg(),
  UnitNorm: unitNorm,
  MinMaxNorm: minMaxNorm,
};

const KEYS: Record<string, string> = {
  maxNorm: 'MaxNorm',
  max_norm: 'MaxNorm',
  nonNeg: 'NonNeg',
  non_neg: 'NonNeg',
  unitNorm: 'UnitNorm',
  unit_norm: 'UnitNorm',
  minMaxNorm: 'MinMaxNorm',
  min_max_norm: 'MinMaxNorm',
};

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** A constraint from a key (`'nonNeg'`, `'max_norm'`), an instance, or a saved config (`{ className: 'MaxNorm', config: { maxValue, axis } }`). */
export function getConstraint(spec: ConstraintSpec, where: string): Constraint {
  if (typeof spec === 'string') {
    if (!has(KEYS, spec)) throw new LayerwiseError(`${where}: unknown constraint "${spec}". Known: ${Object.keys(KEYS).join(', ')}.`);
    return FACTORIES[KEYS[spec]]({});
  }
  if (isOptionsObject(spec) && typeof (spec as { apply?: unknown }).apply === 'function') return spec as Constraint;
  if (isOptionsObject(spec) && typeof spec.className === 'string') {
    if (!has(FACTORIES, spec.className)) throw new LayerwiseError(`${where}: unknown constraint class "${spec.className}". Known: ${Object.keys(FACTORIES).join(', ')}.`);
    return FACTORIES[spec.className]({ ...((spec.config ?? {}) as Record<string, unknown>) });
  }
  throw new LayerwiseError(`${where}: expected a constraint ('nonNeg', 'maxNorm' or constraints.maxNorm({ maxValue: 2 })). Received: ${describeValue(spec)}.`);
}

export function constraintConfig(c: Constraint): ConstraintConfig {
  return { className: c.className, config: JSON.parse(JSON.stringify(c.config)) as Record<string, unknown> };
}
