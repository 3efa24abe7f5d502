export type { Activation as ActivationFunction, ElementwiseDefinition } from './activation';
export { elementwise } from './activation';
export * as activations from './functions';
export {
  getActivation,
  registerActivation,
  unregisterActivation,
  activationKeys,
  type ActivationKey,
  type BuiltinActivationKey,
} from './registry';
