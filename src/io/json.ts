import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';

/**
 * How deep arrays and objects may nest in a document. A model.json nests about ten deep
 * (`modelTopology.config.layers[0].config.kernel_initializer.config`); deeper is damage or an
 * attack, refused with an error naming the field before anything walks it.
 */
export const MAX_DEPTH = 64;

/**
 * The most elements an array read element by element may have (`layers`, `weights`, `paths`): a
 * large model has thousands. Shapes are read whole (`integers`), without this limit.
 */
export const MAX_ARRAY_LENGTH = 1_000_000;

/**
 * The longest string read (a name, a key, a class name, a file name: none is longer than a few
 * hundred characters), so that no check (an edit distance for "did you mean") works on megabytes.
 */
export const MAX_STRING_LENGTH = 4096;

/** The longest error message about a document: longer ones keep their start and their end. */
export const MAX_MESSAGE = 1000;

/** `text`, cut in the middle to at most MAX_MESSAGE characters (a shape of 10⁷ entries never makes a 30 MB message). */
export function boundMessage(text: string, max = MAX_MESSAGE): string {
  if (text.length <= max) return text;
  const marker = ` [... ${text.length - max} characters left out ...] `;
  const tail = Math.floor(max / 4);
  const head = max - tail - marker.length;
  return `${text.slice(0, head)}${marker}${text.slice(text.length - tail)}`;
}

/** Thrown inside `describeJSON` when the rendering is long enough. */
const FULL = Symbol('full');

/**
 * A short rendering of an untrusted value for a message: its JSON, cut to `max` characters
 * (`[3,-1]`, `"Lambda"`, `[1,1,1,...`). Only as much of the value is visited as the rendering
 * shows, so a value nested 10⁵ deep, an array of 10⁷ entries or a cycle (in an in-memory
 * document) costs no more than a small one.
 */
export function describeJSON(value: unknown, max = 60): string {
  if (value === undefined || typeof value === 'function') return describeValue(value);
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text = '';
  const put = (s: string): void => {
    text += s;
    if (text.length > max) throw FULL;
  };
  const render = (v: unknown): void => {
    if (v === null || typeof v === 'boolean') return put(String(v));
    if (typeof v === 'number') return put(Number.isFinite(v) ? JSON.stringify(v) : 'null');
    if (typeof v === 'string') return put(JSON.stringify(v.length > max ? v.slice(0, max) : v));
    if (typeof v === 'bigint') return put(String(v));
    if (typeof v !== 'object') return put('null');
    if (Array.isArray(v)) {
      put('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) put(',');
        const item: unknown = v[i];
        render(item === undefined || typeof item === 'function' || typeof item === 'symbol' ? null : item);
      }
      return put(']');
    }
    put('{');
    let first = true;
    for (const key in v) {
      if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
      const item = (v as Record<string, unknown>)[key];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
      put(`${first ? '' : ','}${JSON.stringify(key.length > max ? key.slice(0, max) : key)}:`);
      first = false;
      render(item);
    }
    return put('}');
  };
  try {
    render(value);
  } catch (error) {
    if (error !== FULL) return describeValue(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** A place in a document, from its path of keys: `modelTopology.config.layers[0]`. */
function placeOf(keys: readonly (string | number)[]): string {
  return keys.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/**
 * Throws unless arrays and objects nest at most MAX_DEPTH deep in `root`. Iterative, with one
 * frame per level (no recursion to overflow, no memory per element); with `shared` (an in-memory
 * document, where an object may appear twice or contain itself) each object is walked once.
 */
function checkDepth(root: unknown, source: string, shared: boolean): void {
  interface Frame {
    value: object;
    /** The object's keys; undefined for an array. */
    keys: string[] | undefined;
    /** The next child to visit. */
    next: number;
    /** Its key in the level above. */
    key: string | number;
  }
  const open = (value: object, key: string | number): Frame => ({ value, keys: Array.isArray(value) ? undefined : Object.keys(value), next: 0, key });
  if (root === null || typeof root !== 'object') return;
  const seen = shared ? new Set<object>([root]) : undefined;
  const stack: Frame[] = [open(root, '')];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const count = top.keys ? top.keys.length : (top.value as unknown[]).length;
    if (top.next >= count) {
      stack.pop();
      continue;
    }
    const key = top.keys ? top.keys[top.next] : top.next;
    top.next++;
    const child = (top.value as Record<string | number, unknown>)[key];
    if (child === null || typeof child !== 'object' || ArrayBuffer.isView(child) || seen?.has(child)) continue;
    seen?.add(child);
    if (stack.length >= MAX_DEPTH) {
      const keys = [...stack.slice(1).map((f) => f.key), key];
      const shown = keys.slice(0, 12).map((k) => (typeof k === 'string' && k.length > 40 ? `${k.slice(0, 37)}...` : k));
      throw new LayerwiseError(
        boundMessage(
          `${source}: ${placeOf(shown)}${keys.length > shown.length ? '...' : ''} nests arrays and objects more than ${MAX_DEPTH} deep, ` +
            `and no field of a model.json nests nearly that deep. The file is damaged or is not a model.json.`,
        ),
      );
    }
    stack.push(open(child, key));
  }
}

/** Whether `value` is a JSON object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value read from an untrusted JSON document, with its place in it, so that every check fails
 * naming the file and the field: `dir/model.json: modelTopology.config.layers[2].config.units must
 * be a positive integer, but is -3.` Only own properties are read, so `__proto__`, `constructor` and
 * the like are plain data and never reach a prototype.
 *
 * Bounded for hostile documents: a document (a Field of path '') is checked to nest at most
 * MAX_DEPTH deep when it is made; an array read element by element may have at most
 * MAX_ARRAY_LENGTH elements; a field's place is worked out only when a message needs it; every
 * message is at most MAX_MESSAGE characters, values in it at most 60.
 */
export class Field {
  /** The place, once worked out (see `path`). */
  private place: string | undefined;

  constructor(
    readonly value: unknown,
    /** Where the value is in the document (`weightsManifest[0].paths`); '' for the document itself, which is then checked for depth. */
    path: string | undefined,
    /** The file (or in-memory form) the document came from. */
    readonly source: string,
    /** For a field made by `get`, `index` or `array`: the field it is in, and its key there. */
    private readonly parent?: Field,
    private readonly key?: string | number,
  ) {
    this.place = path;
    if (path === '' && parent === undefined) checkDepth(value, source, true);
  }

  /** Where the value is in the document: `weightsManifest[0].paths`, or '' for the document itself. */
  get path(): string {
    if (this.place === undefined) {
      const outer = this.parent!.path;
      this.place = typeof this.key === 'number' ? `${outer}[${this.key}]` : outer ? `${outer}.${this.key}` : String(this.key);
    }
    return this.place;
  }

  /** A JSON document parsed from text, failing with the file's name on malformed JSON. */
  static parse(text: string, source: string): Field {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new LayerwiseError(boundMessage(`${source}: malformed JSON (${(error as Error).message}). The file is damaged or is not a model.json.`));
    }
    // Parsed text shares no object and has no cycle: the depth check needs no set of objects seen.
    checkDepth(value, source, false);
    return new Field(value, undefined, source, undefined, undefined).asDocument();
  }

  /** This field as the document itself (path ''), once its depth is checked. */
  private asDocument(): this {
    this.place = '';
    return this;
  }

  /** The place of this value, for messages: `modelTopology.config` or `the document`. */
  get where(): string {
    return this.path || 'the document';
  }

  /** Throws: this value is not what was expected. */
  fail(expected: string, hint = ''): never {
    throw new LayerwiseError(boundMessage(`${this.source}: ${this.where} must be ${expected}, but is ${describeJSON(this.value)}.${hint ? ` ${hint}` : ''}`));
  }

  /** Throws an error about this field with a message of its own. */
  error(message: string): never {
    throw new LayerwiseError(boundMessage(`${this.source}: ${this.where} ${message}`));
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
    return new Field(own, undefined, this.source, this, key);
  }

  /** Element `i` of this array (missing when this is not an array or is shorter). */
  index(i: number): Field {
    return new Field(Array.isArray(this.value) ? this.value[i] : undefined, undefined, this.source, this, i);
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

  /** The elements of this array, each with its place; at most MAX_ARRAY_LENGTH of them. */
  array(expected = 'an array'): Field[] {
    if (!Array.isArray(this.value)) this.fail(expected);
    const items = this.value as unknown[];
    if (items.length > MAX_ARRAY_LENGTH) this.fail(`${expected} of at most ${MAX_ARRAY_LENGTH} elements (it has ${items.length})`);
    return items.map((v, i) => new Field(v, undefined, this.source, this, i));
  }

  /** A string of at most MAX_STRING_LENGTH characters. */
  string(expected = 'a string'): string {
    if (typeof this.value !== 'string') this.fail(expected);
    if (this.value.length > MAX_STRING_LENGTH) this.fail(`${expected} of at most ${MAX_STRING_LENGTH} characters (it has ${this.value.length})`);
    return this.value;
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
