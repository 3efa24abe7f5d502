export { serializeModel, readModelFromJSON, type SerializeOptions, type LoadOptions, type ModelFromJSONOptions } from './tfjs/artifacts';
export { saveModel, readModelFiles, type SaveResult } from './tfjs/files';
export type { ModelJSON, ModelArtifacts, WeightSpec, WeightsGroup, KerasObject, TrainingConfig, LayerwiseMetadata } from './tfjs/format';
export type { CompileSettings, SavableModel, LoadableModel, ModelFactory } from './model-parts';
export { toOnnx, exportOnnx, readOnnx } from './onnx';
