export { Layer, type LayerOptions, type LayerConfig, type Param } from './layer';
export { ActivationSlot, type ActivationSpec, type ActivationConfig } from './activation-slot';
export { KernelLayer, type KernelLayerOptions } from './kernel-layer';
export { Dense, type DenseOptions } from './dense';
export { BaseConv, WindowConv, type BaseConvOptions, type WindowOptions } from './base-conv';
export { Conv1D, type Conv1DOptions } from './conv1d';
export { Conv2D, type Conv2DOptions } from './conv2d';
export { Conv2DTranspose, type Conv2DTransposeOptions } from './conv2d-transpose';
export { DepthwiseConv2D, type DepthwiseConv2DOptions, type DepthwiseKernelOptions } from './depthwise-conv2d';
export { SeparableConv2D, type SeparableConv2DOptions } from './separable-conv2d';
export { PoolingLayer, WindowPooling, GlobalPooling, type WindowPoolingOptions } from './pooling';
export { Pooling1D, MaxPooling1D, AveragePooling1D, GlobalPooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, type Pooling1DOptions } from './pooling-1d';
export { Pooling2D, MaxPooling2D, AveragePooling2D, GlobalPooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, type Pooling2DOptions } from './pooling-2d';
export type { OptionKind, OptionSpec, OptionSpecs } from './options';
export { Reshape, type ReshapeOptions } from './reshape';
export { ZeroPadding2D, BorderLayer, type ZeroPadding2DOptions } from './zero-padding';
export { ZeroPadding1D, type ZeroPadding1DOptions } from './zero-padding-1d';
export { Cropping1D, type Cropping1DOptions } from './cropping-1d';
export { Cropping2D, type Cropping2DOptions } from './cropping-2d';
export { UpSampling, UpSampling2D, type UpSampling2DOptions, type Interpolation } from './up-sampling-2d';
export { UpSampling1D, type UpSampling1DOptions } from './up-sampling-1d';
export { LayerNormalization, type LayerNormalizationOptions } from './layer-normalization';
export { GaussianNoise, type GaussianNoiseOptions } from './gaussian-noise';
export { GaussianDropout, type GaussianDropoutOptions } from './gaussian-dropout';
export { AlphaDropout, type AlphaDropoutOptions } from './alpha-dropout';
export { SpatialDropout1D, SpatialDropout2D, type SpatialDropoutOptions } from './spatial-dropout';
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
export { Recurrent, GatedRecurrent, type RecurrentOptions, type GatedRecurrentOptions } from './recurrent';
export { SimpleRNN, type SimpleRNNOptions } from './simple-rnn';
export { LSTM, type LSTMOptions } from './lstm';
export { GRU, type GRUOptions } from './gru';
export { clearSession } from './naming';
export { Embedding, type EmbeddingOptions } from './embedding';
export { Permute, type PermuteOptions } from './permute';
export { RepeatVector, type RepeatVectorOptions } from './repeat-vector';
export { InputLayer, type InputLayerOptions } from './input-layer';
export { Rescaling, type RescalingOptions } from './rescaling';
export { Normalization, type NormalizationOptions } from './normalization';
export { Wrapper, type WrapperOptions, type WrappedLayerSpec, type SavedLayer } from './wrapper';
export { TimeDistributed, type TimeDistributedOptions } from './time-distributed';
export { Bidirectional, type BidirectionalOptions, type MergeMode } from './bidirectional';
