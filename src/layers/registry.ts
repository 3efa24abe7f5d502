import { Activation, ELU, LeakyReLU, ReLU, Softmax } from './activations';
import { BatchNormalization } from './batch-normalization';
import { Conv2D } from './conv2d';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { Flatten } from './flatten';
import type { Layer, LayerConfig } from './layer';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './pooling';
import { PReLU } from './prelu';
import { Reshape } from './reshape';
import { ZeroPadding2D } from './zero-padding';

/** A layer class that rebuilds a layer from its config. */
export type LayerConstructor = (new (config: LayerConfig) => Layer) & { readonly className: string };

const CLASSES = [
  Dense,
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  GlobalMaxPooling2D,
  Flatten,
  Reshape,
  ZeroPadding2D,
  Dropout,
  BatchNormalization,
  PReLU,
  ReLU,
  LeakyReLU,
  ELU,
  Softmax,
  Activation,
] as unknown as LayerConstructor[];

/**
 * Every layer class a saved model may name, by its Keras class name. One fixed map, filled here
 * and never by importing other modules; a `Map`, so names such as `__proto__` or `constructor`
 * find nothing.
 */
export const LAYER_CLASSES: ReadonlyMap<string, LayerConstructor> = new Map(CLASSES.map((c) => [c.className, c]));
