export { Layer, type LayerOptions, type LayerConfig, type Param } from './layer';
export { ActivationSlot, type ActivationSpec, type ActivationConfig } from './activation-slot';
export { KernelLayer, type KernelLayerOptions } from './kernel-layer';
export { Dense, type DenseOptions } from './dense';
export { BaseConv, type BaseConvOptions } from './base-conv';
export { Conv1D, type Conv1DOptions } from './conv1d';
export { Conv2D, type Conv2DOptions } from './conv2d';
export { PoolingLayer, WindowPooling, GlobalPooling, type WindowPoolingOptions } from './pooling';
export { Pooling1D, MaxPooling1D, AveragePooling1D, GlobalPooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling1DOptions } from './pooling-1d';
export { Pooling2D, MaxPooling2D, AveragePooling2D, GlobalPooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DOptions } from './pooling-2d';
export type { OptionKind, OptionSpec, OptionSpecs } from './options';
export { Reshape, type ReshapeOptions } from './reshape';
export { ZeroPadding2D, type ZeroPadding2DOptions } from './zero-padding';
export { BatchNormalization, type BatchNormalizationOptions } from './batch-normalization';
export { Flatten } from './flatten';
export { Dropout, type DropoutOptions } from './dropout';
export { PReLU, type PReLUOptions } from './prelu';
export {
  ActivationLayer,
  ReLU,
  LeakyReLU,
  ELU,
  Softmax,
  Activation,
  type ReLUOptions,
  type LeakyReLUOptions,
  type ELUOptions,
  type SoftmaxOptions,
  type ActivationOptions,
} from './activations';
export { clearSession } from './naming';
