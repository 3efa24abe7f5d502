import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue, isOptionsObject } from '../util/options';

/**
 * A weight regularizer: a penalty on a weight's values, added to the loss `fit` reports, with its
 * gradient added to the weight's. Keras's L1, L2 and L1L2 are one function here,
 * l1·Σ|w| + l2·Σw² (Keras 3: keras/src/regularizers/regularizers.py; TF.js: `L1L2`).
 */
export interface Regularizer {
  /** The class name files use: TF.js writes every one of them as `'L1L2'`. */
  readonly className: 'L1L2';
  readonly config: Readonly<{ l1: number; l2: number }>;
  /** The penalty of `w`; adds its gradient (l1·sign(w) + 2·l2·w) into `grad` when given. Summed in float64. */
  apply(w: Float32Array, grad?: Float32Array): number;
}

/** A saved regularizer: `{ className: 'L1L2', config: { l1, l2 } }` (Keras 3's `'L1'` and `'L2'` are read too). */
export interface RegularizerConfig {
  className: string;
  config?: Record<string, unknown>;
}

/** The registry keys, as Keras 3's `regularizers.get`: `'l1'`, `'l2'` (0.01 each), `'l1_l2'` (Keras 3's L1L2(): 0 and 0). */
export type RegularizerKey = 'l1' | 'l2' | 'l1_l2' | 'l1l2';

export type RegularizerSpec = RegularizerKey | Regularizer | RegularizerConfig;

function make(l1: number, l2: number): Regularizer {
  return {
    className: 'L1L2',
    config: { l1, l2 },
    apply(w, grad) {
      let abs = 0;
      let sq = 0;
      for (let i = 0; i < w.length; i++) {
        const v = w[i];
        abs += Math.abs(v);
        sq += v * v;
        if (grad) grad[i] += l1 * Math.sign(v) + 2 * l2 * v;
      }
      return l1 * abs + l2 * sq;
    },
  };
}

function factors(name: string, options: unknown, known: readonly ('l1' | 'l2')[], defaults: { l1: number; l2: number }): { l1: number; l2: number } {
  const given = checkOptions<Record<string, unknown>>(name, options, known, { example: `{ ${known.map((k) => `${k}: 0.01`).join(', ')} }` });
  const out = { ...defaults };
  for (const key of known) {
    const v = given[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new LayerwiseError(`${name}: ${key} must be a non-negative finite number. Received: ${key}=${describeValue(v)}.`);
    }
    out[key] = v;
  }
  return out;
}

/** l1·Σ|w|; l1 defaults to 0.01, as Keras 3 and TF.js. */
export function l1(options: { l1?: number } = {}): Regularizer {
  const { l1: a } = factors('regularizers.l1', options, ['l1'], { l1: 0.01, l2: 0 });
  return make(a, 0);
}

/** l2·Σw²; l2 defaults to 0.01, as Keras 3 and TF.js. */
export function l2(options: { l2?: number } = {}): Regularizer {
  const { l2: b } = factors('regularizers.l2', options, ['l2'], { l1: 0, l2: 0.01 });
  return make(0, b);
}

/** l1·Σ|w| + l2·Σw²; both default to 0.01, as TF.js's `l1l2` (Keras 3's `L1L2()` class defaults to 0 and 0). */
export function l1l2(options: { l1?: number; l2?: number } = {}): Regularizer {
  const { l1: a, l2: b } = factors('regularizers.l1l2', options, ['l1', 'l2'], { l1: 0.01, l2: 0.01 });
  return make(a, b);
}

const KEYS: Record<string, () => Regularizer> = {
  l1: () => l1(),
  l2: () => l2(),
  l1_l2: () => make(0, 0),
  l1l2: () => make(0, 0),
};

const isRegularizer = (v: unknown): v is Regularizer => isOptionsObject(v) && typeof (v as { apply?: unknown }).apply === 'function';

/** A regularizer from a key, an instance, or a saved config (`{ className: 'L1L2' | 'L1' | 'L2', config }`). */
export function getRegularizer(spec: RegularizerSpec, where: string): Regularizer {
  if (typeof spec === 'string') {
    const found = Object.prototype.hasOwnProperty.call(KEYS, spec) ? KEYS[spec] : undefined;
    if (!found) throw new LayerwiseError(`${where}: unknown regularizer "${spec}". Known: 'l1', 'l2', 'l1_l2', or regularizers.l2({ l2: 0.01 }).`);
    return found();
  }
  if (isRegularizer(spec)) return spec;
  if (isOptionsObject(spec) && typeof spec.className === 'string') {
    const config = (spec.config ?? {}) as Record<string, unknown>;
    const factor = (k: 'l1' | 'l2', fallback: number): number => {
      const v = config[k];
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new LayerwiseError(`${where}: the regularizer's ${k} must be a non-negative finite number. Received: ${describeValue(v)}.`);
      return v;
    };
    if (spec.className === 'L1L2') return make(factor('l1', 0), factor('l2', 0));
    if (spec.className === 'L1') return make(factor('l1', 0.01), 0);
    if (spec.className === 'L2') return make(0, factor('l2', 0.01));
    throw new LayerwiseError(`${where}: unknown regularizer class "${spec.className}". Known: L1L2, L1, L2.`);
  }
  throw new LayerwiseError(`${where}: expected a regularizer ('l1', 'l2', 'l1_l2' or regularizers.l2({ l2: 0.01 })). Received: ${describeValue(spec)}.`);
}

/** The saved form of a regularizer: `{ className: 'L1L2', config: { l1, l2 } }`. */
export function regularizerConfig(r: Regularizer): RegularizerConfig {
  return { className: r.className, config: { l1: r.config.l1, l2: r.config.l2 } };
}
