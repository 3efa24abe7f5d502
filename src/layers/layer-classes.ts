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

/**
 * Every layer class that holds no other layer, by its Keras class name: the list a new layer joins
 * (one line). The wrappers (Bidirectional, TimeDistributed), which build the layer they wrap from
 * its config, look classes up here; `registry.ts` adds the wrappers themselves.
 */
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

/** The classes above by class name; a `Map`, so names such as `__proto__` find nothing. */
export const PLAIN_LAYER_CLASSES: ReadonlyMap<string, LayerConstructor> = new Map(CLASSES.map((c) => [c.className, c]));


