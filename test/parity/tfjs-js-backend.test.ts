/**
 * The TF.js parity suites again, on the pure TypeScript kernels (`setBackend('js')`): the other
 * files run on the default wasm kernels, so both backends are checked against TF.js. Importing a
 * test file registers its tests here, where the hooks below select the backend around them.
 */
import { afterAll, beforeAll } from 'vitest';
import { setBackend } from 'layerwise';
import './tfjs-conv.test';
import './tfjs-dense.test';

beforeAll(() => setBackend('js'));
afterAll(() => setBackend('wasm'));
