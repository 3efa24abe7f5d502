import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The playground page, served by `npm run playground` and built by `npm run playground:build`.
// `layerwise` resolves to the library's sources, the way a bundler resolves the package's ESM entry.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { layerwise: fileURLToPath(new URL('../src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', chunkSizeWarningLimit: 300 },
  server: { host: '127.0.0.1', port: 5173 },
  preview: { host: '127.0.0.1', port: 4173 },
});
