import { getActivation } from '../../activations/registry';
import type { LayerConfig } from '../../layers/layer';

/**
 * How an activation key is written so that TF.js (and Keras, through TF.js's converter) computes
 * the same function:
 * - a key TF.js has with the same function is written as is (`'relu'`, `'gelu'`, the exact erf form
 *   in both);
 * - a key TF.js spells otherwise is written under TF.js's name (`'silu'` as `'swish'`);
 * - a key TF.js lacks is written as the activation layer that computes it (`'leaky_relu'` as
 *   `LeakyReLU` with alpha 0.2), after the Dense or convolution, made linear;
 * - a key added with `registerActivation` is written as is: layerwise finds it by name on load,
 *   TF.js and Keras cannot load it.
 */
const SAME_IN_TFJS = new Set(['linear', 'relu', 'relu6', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus', 'softsign', 'hard_sigmoid', 'swish', 'gelu']);
const TFJS_NAMES = new Map([['silu', 'swish']]);
const TFJS_LAYERS = new Map([['leaky_relu', 'LeakyReLU']]);

/** How a key is written: a key TF.js reads, or an activation layer. */
export type WrittenKey =
  | { key: string; registered: boolean }
  | { layer: { className: string; config: Omit<LayerConfig, 'name' | 'trainable'> } };

/** The written form of an activation key (in any spelling; `where` names the layer for errors). */
export function writtenKey(key: string, where: string): WrittenKey {
  const fn = getActivation(key, where);
  const className = TFJS_LAYERS.get(fn.name);
  if (className) return { layer: { className, config: { ...fn.config } } };
  if (SAME_IN_TFJS.has(fn.name)) return { key: fn.name, registered: false };
  const renamed = TFJS_NAMES.get(fn.name);
  return renamed ? { key: renamed, registered: false } : { key: fn.name, registered: true };
}
