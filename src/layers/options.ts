/**
 * What a layer class declares about its options: their names and the kind of value each takes.
 * The layer owns these facts; formats read them to convert configs generically (`io/tfjs/`
 * writes each option under its snake_case name and checks each value's kind before a constructor
 * sees it), so adding a layer never means editing a format's list.
 */

/** The kind of value an option takes (each kind has one reader in a format). */
export type OptionKind =
  | 'positiveInteger'
  | 'integer'
  /** An integer, or a list of one (Keras 3 writes BatchNormalization's axis as a list). */
  | 'axis'
  | 'number'
  /** A finite number, or null / absent. */
  | 'optionalNumber'
  | 'boolean'
  /** An integer seed, or null / absent. */
  | 'seed'
  /** A key of the activation registry. */
  | 'activation'
  | 'initializer'
  /** 'valid' or 'same'. */
  | 'padding'
  /** 'valid', 'same' or 'causal'. */
  | 'convPadding'
  /** One positive integer or a list of one (a 1-D size, stride or dilation). */
  | 'size1'
  /** One positive integer or a pair of them. */
  | 'size2'
  /** n, [rows, cols] or [[top, bottom], [left, right]]. */
  | 'zeroPadding2d'
  /** Positive integers and at most one -1. */
  | 'targetShape'
  /** Positive integers (a per-sample shape). */
  | 'shape';

export interface OptionSpec {
  kind: OptionKind;
  /** The layer has no default for it. */
  required?: boolean;
  /**
   * Keras's config has no such option (a Dense's own `seed`): formats keep it in layerwise's
   * metadata, not in the Keras config.
   */
  layerwiseOnly?: boolean;
}

/** The options of a layer class (besides `name`, `trainable` and `inputShape`, which every layer has). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export const optional = (kind: OptionKind): OptionSpec => ({ kind });
export const required = (kind: OptionKind): OptionSpec => ({ kind, required: true });
