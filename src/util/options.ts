import { LayerwiseError } from './errors';
import { nearestKey } from './keys';

/** A short, safe rendering of an untrusted value for an error message (never a class's source). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'function') return value.name ? `the function ${value.name} (a class or function, not an instance)` : 'a function';
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
  /** The option a bare value stands for, as Keras's first argument: `new LeakyReLU(0.2)` is `{ alpha: 0.2 }`. */
  positional?: string;
  /** How to write the options, for the error on a value that is not an options object: `{ units: 8 }`. */
  example?: string;
}

/**
 * Checks an options object, once, where a constructor or method receives it: it must be a plain
 * object (or undefined), and every key one the owner knows. An unknown key fails naming the owner
 * and the nearest known key, so that JavaScript users and notebooks hear of a typo instead of
 * getting a silent default: `"kernel_size" is not an option of Conv2D. Did you mean "kernelSize"?`.
 * Returns a copy, with aliases resolved and a bare positional value wrapped.
 */
export function checkOptions<T extends object>(owner: string, options: unknown, known: readonly string[], { aliases = {}, positional, example }: OptionsCheck = {}): T {
  if (options === undefined) return {} as T;
  if (positional !== undefined && typeof options !== 'object' && typeof options !== 'function') return { [positional]: options } as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const form = example ?? `{ ${known.slice(0, 2).map((k) => `${k}: ...`).join(', ')} }`;
    throw new LayerwiseError(`${owner}: expected an options object such as ${form}, but received ${describeValue(options)}.`);
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    const target = known.includes(key) ? key : Object.prototype.hasOwnProperty.call(aliases, key) ? aliases[key] : undefined;
    if (target === undefined) {
      const near = nearestKey(key, [...known, ...Object.keys(aliases)]);
      throw new LayerwiseError(
        `${owner}: "${key}" is not an option of ${owner}.${near ? ` Did you mean "${near}"?` : ''} Its options: ${known.join(', ')}.`,
      );
    }
    if (target !== key && Object.prototype.hasOwnProperty.call(out, target)) {
      throw new LayerwiseError(`${owner}: "${key}" and "${target}" are the same option; give one of them.`);
    }
    if (target !== key && Object.prototype.hasOwnProperty.call(options, target)) {
      throw new LayerwiseError(`${owner}: "${key}" and "${target}" are the same option; give one of them.`);
    }
    out[target] = value;
  }
  return out as T;
}
