import { Adam, type AdamOptions } from './adam';

export type AdamWOptions = AdamOptions;

/**
 * AdamW (Loshchilov and Hutter, 2019), as Keras 3 (keras/src/optimizers/adamw.py): Adam with the
 * base optimizer's decoupled weight decay on by default, `weightDecay = 0.004`. Each step decays
 * every trainable weight before Adam's update, w ← w − w · weightDecay · lr, then takes Adam's step
 * (amsgrad and the clippings as for Adam).
 *
 * TF.js 4.22 has no AdamW, so a model compiled with it keeps its settings in layerwise's metadata only.
 */
export class AdamW extends Adam {
  static override readonly className = 'AdamW';
  static override readonly defaultWeightDecay: number | undefined = 0.004;
}
