export { type Dataset, oneHot } from './dataset';
export {
  xor,
  spirals,
  moons,
  circles,
  blobs,
  type SpiralsOptions,
  type MoonsOptions,
  type CirclesOptions,
  type BlobsOptions,
} from './toy';
export { loadMnist, type MnistOptions, type MnistData, type MnistLabels } from './mnist';
export { digitToAscii, type AsciiOptions } from './ascii';
export { fromArrays, ArrayDataset, type Batch, type BatchSource, type DatasetSource } from './dataset-api';
