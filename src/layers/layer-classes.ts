import { ACTIVATION_LAYER_CLASSES } from './activations';
import { BatchNormalization } from './batch-normalization';
import { Conv1D } from './conv1d';
import { Conv2D } from './conv2d';
import { Conv2DTranspose } from './conv2d-transpose';
import { DepthwiseConv2D } from './depthwise-conv2d';
import { SeparableConv2D } from './separable-conv2d';
import { Dense } from './dense';
import { Dropout } from './dropout';
import { Embedding } from './embedding';
import { Flatten } from './flatten';
import { GRU } from './gru';
import { Normalization } from './normalization';
import { Permute } from './permute';
import type { Layer, LayerClass, LayerConfig } from './layer';
import { LSTM } from './lstm';
import { AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D } from './pooling-1d';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from './pooling-2d';
import { Reshape } from './reshape';
import { SimpleRNN } from './simple-rnn';
import { RepeatVector } from './repeat-vector';
import { Rescaling } from './rescaling';
import { ZeroPadding2D } from './zero-padding';
import { AlphaDropout } from './alpha-dropout';
import { Cropping1D } from './cropping-1d';
import { Cropping2D } from './cropping-2d';
import { GaussianDropout } from './gaussian-dropout';
import { GaussianNoise } from './gaussian-noise';
import { LayerNormalization } from './layer-normalization';
import { SpatialDropout1D, SpatialDropout2D } from './spatial-dropout';
import { UpSampling1D } from './up-sampling-1d';
import { UpSampling2D } from './up-sampling-2d';
import { ZeroPadding1D } from './zero-padding-1d';

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
  Conv2DTranspose,
  DepthwiseConv2D,
  SeparableConv2D,
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
  ZeroPadding1D,
  Cropping1D,
  Cropping2D,
  UpSampling1D,
  UpSampling2D,
  LayerNormalization,
  GaussianNoise,
  GaussianDropout,
  AlphaDropout,
  SpatialDropout1D,
  SpatialDropout2D,
  Dropout,
  BatchNormalization,
  Embedding,
  Permute,
  RepeatVector,
  Rescaling,
  Normalization,
  SimpleRNN,
  LSTM,
  GRU,
  ...ACTIVATION_LAYER_CLASSES,
] as unknown as LayerConstructor[];

/** The classes above by class name; a `Map`, so names such as `__proto__` find nothing. */
export const PLAIN_LAYER_CLASSES: ReadonlyMap<string, LayerConstructor> = new Map(CLASSES.map((c) => [c.className, c]));


