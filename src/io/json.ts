import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';

/** Whether `value` is a JSON object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value read from an untrusted JSON document, with its place in it, so that every check fails
 * naming the file and the field: `dir/model.json: modelTopology.config.layers[2].config.units must
 * be a positive integer, but is -3.` Only own properties are read, so `__proto__`, `constructor` and
 * the like are plain data and never reach a prototype.
 */
export class Field {
  constructor(
    readonly value: unknown,
    /** Where the value is in the document (`weightsManifest[0].paths`). */
    readonly path: string,
    /** The file (or in-memory form) the document came from. */
    readonly source: string,
  ) {}

  /** A JSON document parsed from text, failing with the file's name on malformed JSON. */
  static parse(text: string, source: string): Field {
    try {
      return new Field(JSON.parse(text), '', source);
    } catch (error) {
      throw new LayerwiseError(`${source}: malformed JSON (${(error as Error).message}). The file is damaged or is not a model.json.`);
    }
  }

  /** The place of this value, for messages: `modelTopology.config` or `the document`. */
  get where(): string {
    return this.path || 'the document';
  }

  /** Throws: this value is not what was expected. */
  fail(expected: string, hint = ''): never {
    throw new LayerwiseError(`${this.source}: ${this.where} must be ${expected}, but is ${describeValue(this.value)}.${hint ? ` ${hint}` : ''}`);
  }

  /** Throws an error about this field with a message of its own. */
  error(message: string): never {
    throw new LayerwiseError(`${this.source}: ${this.where} ${message}`);
  }

  get missing(): boolean {
    return this.value === undefined;
  }

  /** Missing or null, as Keras writes unset options. */
  get absent(): boolean {
    return this.value === undefined || this.value === null;
  }

  /** The own property `key` of this object (missing when this is not an object or lacks it). */
  get(key: string): Field {
    const own = isObject(this.value) && Object.prototype.hasOwnProperty.call(this.value, key) ? this.value[key] : undefined;
    return new Field(own, this.path ? `${this.path}.${key}` : key, this.source);
  }

  /** Element `i` of this array (missing when this is not an array or is shorter). */
  index(i: number): Field {
    return new Field(Array.isArray(this.value) ? this.value[i] : undefined, `${this.path}[${i}]`, this.source);
  }

  /** Checks that this is an object; returns it for reading keys. */
  object(expected = 'an object'): this {
    if (!isObject(this.value)) this.fail(expected);
    return this;
  }

  /** The own keys of this object. */
  keys(): string[] {
    return Object.keys(this.object().value as object);
  }

  /** The elements of this array, each with its place. */
  array(expected = 'an array'): Field[] {
    if (!Array.isArray(this.value)) this.fail(expected);
    return (this.value as unknown[]).map((v, i) => new Field(v, `${this.path}[${i}]`, this.source));
  }

  string(expected = 'a string'): string {
    if (typeof this.value !== 'string') this.fail(expected);
    return this.value as string;
  }

  /** One of the given strings. */
  oneOf<T extends string>(options: readonly T[]): T {
    if (!options.includes(this.value as T)) this.fail(`one of ${options.map((o) => JSON.stringify(o)).join(', ')}`);
    return this.value as T;
  }

  boolean(): boolean {
    if (typeof this.value !== 'boolean') this.fail('true or false');
    return this.value as boolean;
  }

  /** A finite number. */
  number(expected = 'a finite number'): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail(expected);
    return this.value as number;
  }

  /** An integer of at least `min`. */
  integer(min = -Infinity, expected = min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer'): number {
    const n = this.value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) this.fail(expected);
    return n as number;
  }

  /** An array of integers of at least `min` (a shape, a padding, a pair). */
  integers(min: number, expected = min === 1 ? 'an array of positive integers' : 'an array of non-negative integers'): number[] {
    if (!Array.isArray(this.value) || !this.value.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= min)) this.fail(expected);
    return [...(this.value as number[])];
  }

  /** This value when present and not null, else undefined. */
  optional<T>(read: (f: Field) => T): T | undefined {
    return this.absent ? undefined : read(this);
  }
}
