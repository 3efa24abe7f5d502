import { LayerwiseError } from './errors';
import { nearestKey, normalizeKey } from './keys';

/**
 * Whether a value can be an options object: a plain object (`{ ... }`, `JSON.parse`'s, one made with
 * `Object.create(null)`, or one from another realm), not an array, a class instance (a Layer, a Map)
 * or a function.
 */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * A short, safe rendering of an untrusted value for an error message (never a class's source, never
 * a whole object graph): `"3"` for a string, `NaN`, `[1,2]`, `{"a":1}`, `an object of class Map`.
 */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'function') return value.name ? `the function ${value.name} (a class or function, not an instance)` : 'a function';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isOptionsObject(value)) {
    return `an object of class ${(value as object).constructor?.name || 'unknown'}`;
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export interface OptionsCheck {
  /** Other names accepted for an option, mapped to layerwise's: Keras 3's `{ negativeSlope: 'alpha' }`. */
  aliases?: Readonly<Record<string, string>>;
  /**
   * The option a bare value stands for, as Keras's first argument: `new LeakyReLU(0.2)` is
   * `{ alpha: 0.2 }`. A bare value is anything but a plain options object (see `isOptionsObject`):
   * a number, a string, an array (`new Reshape([7, 7, 1])`), null, a class instance; the owner then
   * checks it as that option's value.
   */
  positional?: string;
  /** How to write the options, for the error on a value that is not an options object: `{ units: 8 }`. */
  example?: string;
  /** What messages start with, when not the owner: a layer's name (`dense_3`), the owner being its class. */
  where?: string;
}

/** The camelCase words of a key: `learningRate` → `['learning', 'rate']`, `min_lr` → `['min', 'lr']`. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * The known key an unknown one most likely means, or undefined. In order: the same key in another
 * spelling (`kernel_size` → `kernelSize`); the only key it abbreviates, as a prefix (`std` →
 * `stddev`) or as initials (`lr` → `learningRate`); the nearest by edit distance (`activaton` →
 * `activation`).
 */
export function nearestOption(key: string, candidates: readonly string[]): string | undefined {
  const k = normalizeKey(key);
  const same = candidates.find((c) => normalizeKey(c) === k);
  if (same !== undefined) return same;
  if (k.length >= 2) {
    const abbreviated = candidates.filter((c) => normalizeKey(c).startsWith(k) || words(c).map((w) => w[0]).join('') === k);
    if (abbreviated.length === 1) return abbreviated[0];
  }
  return nearestKey(key, candidates);
}

/**
 * Checks an options object, once, where a constructor or method receives it: it must be a plain
 * object (or undefined; see `isOptionsObject`), and every key one the owner knows. An unknown key fails naming the owner
 * and the nearest known key, so that JavaScript users and notebooks hear of a typo instead of
 * getting a silent default: `"kernel_size" is not an option of Conv2D. Did you mean "kernelSize"?`.
 * Returns a copy, with aliases resolved and a bare positional value wrapped. The values are not
 * checked here: each owner checks the types and ranges of its own.
 */
export function checkOptions<T extends object>(
  owner: string,
  options: unknown,
  known: readonly string[],
  { aliases = {}, positional, example, where = owner }: OptionsCheck = {},
): T {
  if (options === undefined) return {} as T;
  if (positional !== undefined && !isOptionsObject(options)) return { [positional]: options } as T;
  if (!isOptionsObject(options)) {
    const form = example ?? `{ ${known.slice(0, 2).map((k) => `${k}: ...`).join(', ')} }`;
    throw new LayerwiseError(`${where}: expected an options object such as ${form}, but received ${describeValue(options)}.`);
  }
  const out: Record<string, unknown> = {};
  const hasOwn = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    const target = known.includes(key) ? key : hasOwn(aliases, key) ? aliases[key] : undefined;
    if (target === undefined) {
      const near = nearestOption(key, [...known, ...Object.keys(aliases)]);
      throw new LayerwiseError(
        `${where}: "${key}" is not an option of ${owner}.${near ? ` Did you mean "${near}"?` : ''} ` +
          (known.length ? `Its options: ${known.join(', ')}.` : `It takes no options.`),
      );
    }
    if (target !== key && (hasOwn(out, target) || hasOwn(options, target))) {
      throw new LayerwiseError(`${where}: "${key}" and "${target}" are the same option; give one of them.`);
    }
    out[target] = value;
  }
  return out as T;
}
