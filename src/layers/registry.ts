import { ACTIVATION_LAYER_CLASSES } from './activations';
import { BatchNormalization } from './batch-normalization';
import { Conv1D } from './conv1d';
import { Conv2D } from './conv2d';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { Flatten } from './flatten';
import type { Layer, LayerClass, LayerConfig } from './layer';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './pooling-1d';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './pooling-2d';
import { Reshape } from './reshape';
import { ZeroPadding2D } from './zero-padding';

/** A layer class that rebuilds a layer from its config. */
export type LayerConstructor = (new (config: LayerConfig) => Layer) & Omit<LayerClass, never>;

export { ACTIVATION_LAYER_CLASSES };

const CLASSES = [
  Dense,
  Conv2D,
  Conv1D,
  MaxPooling1D,
  AveragePooling1D,
  GlobalAveragePooling1D,
  GlobalMaxPooling1D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  Flatten,
  Reshape,
  ZeroPadding2D,
  Dropout,
  BatchNormalization,
  ...ACTIVATION_LAYER_CLASSES,
] as unknown as LayerConstructor[];

/**
 * Every layer class a saved model may name, by its Keras class name: the one list of layer
 * classes (a new layer is one file and one line here). Fixed, never filled by importing other
 * modules; a `Map`, so names such as `__proto__` or `constructor` find nothing.
 */
export const LAYER_CLASSES: ReadonlyMap<string, LayerConstructor> = new Map(CLASSES.map((c) => [c.className, c]));

/** Whether a class name is one of the activation layers (`ACTIVATION_LAYER_CLASSES`). */
export function isActivationLayerClass(className: string): boolean {
  return ACTIVATION_LAYER_CLASSES.some((c) => c.className === className);
}
