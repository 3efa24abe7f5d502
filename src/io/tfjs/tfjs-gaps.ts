import type { LayerConfig } from '../../layers/layer';

/**
 * Where TF.js 4.22 computes a layer otherwise than layerwise (and Keras 3), or lacks it: for each
 * class, a check of a layer's config that says what TF.js would do with the saved file, or
 * undefined when TF.js computes the same. layerwise's own files keep every setting (they load back
 * exactly); saving warns with these messages, so that nobody hands TF.js a file it would compute
 * wrongly without knowing. One entry per class; the facts are verified by the parity tests.
 */
export const TFJS_GAPS: Readonly<Record<string, (config: LayerConfig) => string | undefined>> = {};

/** The gaps of the layers about to be saved, one message each, naming the layer. */
export function tfjsGaps(layers: readonly { className: string; config: LayerConfig }[]): string[] {
  const out: string[] = [];
  for (const { className, config } of layers) {
    const check = Object.prototype.hasOwnProperty.call(TFJS_GAPS, className) ? TFJS_GAPS[className] : undefined;
    const gap = check?.(config);
    if (gap) out.push(`${config.name} (${className}): ${gap}`);
  }
  return out;
}
