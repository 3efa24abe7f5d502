import type { LayerConfig } from '../../layers/layer';
import { writtenKey } from './export-rule';

/**
 * Where TF.js 4.22 computes a layer otherwise than layerwise (and Keras 3), or lacks it: for each
 * class, a check of a layer's config that says what TF.js would do with the saved file, or
 * undefined when TF.js computes the same. layerwise's own files keep every setting (they load back
 * exactly); saving warns with these messages, so that nobody hands TF.js a file it would compute
 * wrongly without knowing. One entry per class; the facts are verified by the parity tests.
 */

/** What a check knows of the model around the layer. */
export interface GapContext {
  /** Whether an earlier layer makes a mask (an Embedding with maskZero), which may reach this one. */
  masked: boolean;
}

export const TFJS_GAPS: Readonly<Record<string, (config: LayerConfig, context: GapContext) => string | undefined>> = {
  LayerNormalization: ({ center, scale }) =>
    center === false || scale === false
      ? `TF.js 4.22 predicts the same, but its fit fails with ${center === false ? 'center' : 'scale'}: false ("Cannot read properties of undefined"); only inference works there.`
      : undefined,
  UpSampling2D: ({ interpolation }) =>
    interpolation === 'bilinear'
      ? `TF.js 4.22's 'bilinear' aligns the first pixels ([0, 1] upsampled by 2 gives [0, 0.5, 1, 1]), not Keras 3's half-pixel centres ([0, 0.25, 0.75, 1]).`
      : `TF.js 4.22 predicts the same, but on its cpu backend the gradient of 'nearest' mixes the samples of a batch: its fit trains wrongly with batches of more than one sample.`,
  AlphaDropout: ({ noiseShape }) =>
    `TF.js 4.22 predicts the same, but in training it sets the dropped inputs to +1.7581 instead of SELU's saturation −1.7581 (a sign slip)` +
    (Array.isArray(noiseShape) && noiseShape.includes(null) ? `, and it fails on noise_shape's null entries ("Tensor must have a shape comprised of positive integers").` : '.'),
  GlobalAveragePooling1D: (_config, context) =>
    context.masked
      ? `TF.js 4.22's GlobalAveragePooling1D ignores the mask of the Embedding before it: it averages the padded steps too, where Keras 3 and layerwise average the real steps only.`
      : undefined,
  ZeroPadding1D: () => missingInTfjs('ZeroPadding1D'),
  Cropping1D: () => missingInTfjs('Cropping1D'),
  UpSampling1D: () => missingInTfjs('UpSampling1D'),
  SpatialDropout2D: () => missingInTfjs('SpatialDropout2D'),
  Normalization: () => missingInTfjs('Normalization'),
  Bidirectional: (config, context) =>
    wrapperGaps(config, context, [
      config.backwardLayer
        ? `TF.js 4.22 has no backwardLayer: it builds the backward direction from layer instead, and cannot load the weights of ${(config.backwardLayer as SavedLayer).config.name}.`
        : undefined,
      context.masked && (config.layer as SavedLayer).config.returnSequences === true
        ? `With a mask (an Embedding with maskZero before it), TF.js 4.22 repeats the previous output at the masked steps, where Keras 3 and layerwise output zeros (a recurrent layer after it skips those steps either way).`
        : undefined,
    ]),
  TimeDistributed: (config, context) => wrapperGaps(config, context, []),
  Conv2DTranspose: conv2dTransposeGap,
  DepthwiseConv2D: (config) =>
    dilates(config) ? `TF.js 4.22 keeps dilation_rate but ignores it: it convolves undilated (an output of another size, other values).` : undefined,
  SimpleRNN: (config, context) => recurrentGaps(config, context),
  LSTM: (config, context) => recurrentGaps(config, context),
  GRU: (config, context) =>
    recurrentGaps(
      config,
      context,
      config.resetAfter === true
        ? `TF.js 4.22 has no GRU with reset_after: true (Keras 3's default): tf.loadLayersModel fails on this file ("GRUCell does not support reset_after parameter set to true"). Build the GRU with resetAfter: false for TF.js.`
        : undefined,
    ),
  SeparableConv2D: (config) =>
    dilates(config) ? `TF.js 4.22 predicts the same, but cannot train it: it has no gradient for dilation rates above 1.` : undefined,
};

/** The gaps of a recurrent layer: its class's own (`own`), and zeroOutputForMask under a mask, which TF.js 4.22 lacks. */
function recurrentGaps(config: LayerConfig, context: GapContext, own?: string): string | undefined {
  const unread = ACTIVATION_OPTIONS.map((option) => config[option]).filter((a) => a !== undefined && (typeof a !== 'string' || !readByTfjs(a)));
  const messages = [
    own,
    unread.length > 0
      ? `TF.js 4.22 cannot load its activation ${unread.map((a) => (typeof a === 'string' ? `'${a}'` : `layer ${(a as SavedLayer).className}`)).join(', ')}: only layerwise's loadModel can load the file.`
      : undefined,
    context.masked && config.zeroOutputForMask === true ? `TF.js 4.22 has no zero_output_for_mask: with a mask it outputs the previous step's output at the masked steps, not zeros.` : undefined,
  ].filter((m): m is string => m !== undefined);
  return messages.length > 0 ? messages.join(' ') : undefined;
}

/** A wrapper's saved nested layer. */
type SavedLayer = { className: string; config: LayerConfig };

/** The activation options a wrapped layer may have, each of which TF.js must know by its key. */
const ACTIVATION_OPTIONS = ['activation', 'recurrentActivation'];

/**
 * A wrapper's gaps: its own (`own`), its wrapped layer's (TF.js reads the nested config as a layer
 * of its own), and activation keys TF.js cannot read there (a nested layer's activation is written
 * as its key: `'leaky_relu'`, `'silu'` and registered ones load in layerwise only).
 */
function wrapperGaps(config: LayerConfig, context: GapContext, own: (string | undefined)[]): string | undefined {
  const nested = config.layer as SavedLayer;
  const check = Object.prototype.hasOwnProperty.call(TFJS_GAPS, nested.className) ? TFJS_GAPS[nested.className] : undefined;
  const inner = check?.(nested.config, context);
  const keys = ACTIVATION_OPTIONS.map((option) => nested.config[option]).filter((key): key is string => typeof key === 'string' && !readByTfjs(key));
  const messages = [
    ...own,
    inner && `its ${nested.className}: ${inner}`,
    keys.length > 0 ? `TF.js 4.22 cannot load the activation ${keys.map((k) => `'${k}'`).join(', ')} of its ${nested.className}: only layerwise's loadModel can load the file.` : undefined,
  ].filter((m): m is string => typeof m === 'string');
  return messages.length > 0 ? messages.join(' ') : undefined;
}

/** Whether TF.js reads an activation key as written (`writtenKey` keeps it, and it is not a registered one). */
function readByTfjs(key: string): boolean {
  const written = writtenKey(key, 'save');
  return 'key' in written && !written.registered && written.key === key;
}

/** Whether a convolution's dilation rate spreads its kernel (above 1 along an axis where the kernel is longer than 1). */
function dilates({ kernelSize, dilationRate }: LayerConfig): boolean {
  return (dilationRate as number[]).some((d, i) => d > 1 && (kernelSize as number[])[i] > 1);
}

/**
 * Conv2DTranspose: TF.js 4.22 ignores dilation_rate and output_padding; its output is
 * (in − 1) · stride + max(kernel, stride) ('valid') or in · stride ('same'), which an output
 * padding of max(stride − kernel, 0) ('valid') or stride − kernel % 2 ('same') also gives.
 */
function conv2dTransposeGap(config: LayerConfig): string | undefined {
  const [kernel, strides, outputPadding] = [config.kernelSize, config.strides, config.outputPadding] as (number[] | undefined)[];
  const tfjsPadding = (s: number, k: number) => (config.padding === 'valid' ? Math.max(s - k, 0) : s - (k % 2));
  const ignored = [
    dilates(config) ? 'dilation_rate' : undefined,
    outputPadding?.some((p, i) => p !== tfjsPadding(strides![i], kernel![i])) ? 'output_padding' : undefined,
  ].filter((name): name is string => name !== undefined);
  return ignored.length > 0 ? `TF.js 4.22 ignores ${ignored.join(' and ')}: its output has the size of an undilated kernel without output padding (another size, other values).` : undefined;
}

/** The message for a class TF.js 4.22 does not have. */
function missingInTfjs(className: string): string {
  return `TF.js 4.22 has no ${className} layer: tf.loadLayersModel cannot load this file (layerwise's loadModel can).`;
}

/** The gaps of the layers about to be saved, one message each, naming the layer. */
export function tfjsGaps(layers: readonly { className: string; config: LayerConfig }[]): string[] {
  const out: string[] = [];
  const context: GapContext = { masked: false };
  for (const { className, config } of layers) {
    const check = Object.prototype.hasOwnProperty.call(TFJS_GAPS, className) ? TFJS_GAPS[className] : undefined;
    const gap = check?.(config, context);
    if (gap) out.push(`${config.name} (${className}): ${gap}`);
    if (config.maskZero === true) context.masked = true;
  }
  return out;
}
