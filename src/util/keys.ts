import { LayerwiseError } from './errors';

/**
 * Folds the spellings of one key together: Keras snake_case, TF.js camelCase and the class name
 * (`'leaky_relu'`, `'leakyRelu'`, `'LeakyReLU'`) all become `'leakyrelu'`.
 */
export function normalizeKey(key: string): string {
  return key.replace(/[_\-\s]/g, '').toLowerCase();
}

/**
 * Edit distance between two strings, counting insertions, deletions, substitutions and swaps of
 * two neighbouring letters as one edit each (so `'gleu'` is one edit from `'gelu'`).
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate nearest to `key` after normalization, or undefined when none is close. */
export function nearestKey(key: string, candidates: readonly string[]): string | undefined {
  const target = normalizeKey(key);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(target.length / 2)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(target, normalizeKey(candidate));
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * A map from keys to values that resolves any spelling of a key, and fails loudly with the nearest
 * known key when asked for one it does not have. `kind` names what it holds ("activation", "loss").
 */
export class KeyRegistry<T> {
  private readonly entries = new Map<string, { key: string; value: T }>();

  constructor(readonly kind: string, initial: Record<string, T> = {}) {
    for (const [key, value] of Object.entries(initial)) this.set(key, value);
  }

  /** The canonical keys, in the order they were added. */
  keys(): string[] {
    return [...this.entries.values()].map((e) => e.key);
  }

  has(key: string): boolean {
    return this.entries.has(normalizeKey(key));
  }

  set(key: string, value: T): void {
    this.entries.set(normalizeKey(key), { key, value });
  }

  delete(key: string): boolean {
    return this.entries.delete(normalizeKey(key));
  }

  /** The canonical spelling of a key, if known. */
  canonical(key: string): string | undefined {
    return this.entries.get(normalizeKey(key))?.key;
  }

  find(key: string): T | undefined {
    return this.entries.get(normalizeKey(key))?.value;
  }

  /**
   * Looks a key up; `where` names the caller for the error ("dense_2", "compile"). Keys of
   * `listedFirst` (another registry searched before this one) lead the list of known keys.
   */
  get(key: string, where: string, listedFirst: readonly string[] = []): T {
    const entry = this.entries.get(normalizeKey(key));
    if (entry) return entry.value;
    const known = [...listedFirst, ...this.keys()];
    const near = nearestKey(key, known);
    throw new LayerwiseError(
      `Unknown ${this.kind} "${key}" in ${where}.` +
        (near ? ` Did you mean "${near}"?` : '') +
        ` Known: ${known.map((k) => `"${k}"`).join(', ')}.`,
    );
  }
}

/** `'leaky_relu'` → `'leakyRelu'`, at the type level: the camelCase twin of a snake_case key. */
export type SnakeToCamel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<SnakeToCamel<Tail>>}`
  : S;
