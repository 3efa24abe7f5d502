export {
  type Tensor,
  type Shape,
  type NestedArray,
  type TensorLike,
  tensor,
  zeros,
  ones,
  full,
  fromArray,
  toArray,
  toTensor,
  reshape,
  clone,
  sizeOf,
} from './tensor';
export { Rng, setSeed, randomNormal, randomUniform, truncatedNormal } from './random';
export { setBackend, getBackend, wasmReady, wasmUnavailableReason, type BackendName } from './backend';
