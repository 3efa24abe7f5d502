export { serializeModel, modelFromJSON, type SerializeOptions, type LoadOptions, type ModelFromJSONOptions } from './artifacts';
export { saveModel, loadModel, type SaveResult } from './files';
export type { ModelJSON, ModelArtifacts, WeightSpec, WeightsGroup, KerasObject, TrainingConfig, LayerwiseMetadata } from './format';
