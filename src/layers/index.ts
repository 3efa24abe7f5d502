export { Layer, type LayerOptions, type LayerConfig, type Param } from './layer';
export { ActivationSlot, type ActivationSpec, type ActivationConfig } from './activation-slot';
export { Dense, type DenseOptions } from './dense';
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
