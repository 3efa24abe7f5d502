/**
 * Assembles kernels.wat into kernels-wasm.ts (the bytes as base64), with wabt from npm:
 *
 *   npm run build:wasm
 *
 * Not part of the library bundle: nothing in src imports it but this script's own entry point, and
 * the test that checks kernels-wasm.ts is up to date with kernels.wat.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import wabtInit from 'wabt';

export const WAT_FILE = path.join(__dirname, 'kernels.wat');
export const GENERATED_FILE = path.join(__dirname, 'kernels-wasm.ts');

/** The two variants of the module: one with its own memory, one importing a shared memory (for worker threads). */
export interface Assembled {
  single: Uint8Array;
  shared: Uint8Array;
}

const MEMORY_LINE = /^ *;; MEMORY .*$/m;

/** The modules' bytes, assembled from kernels.wat with SIMD (and, for the shared one, threads) enabled. */
export async function assemble(): Promise<Assembled> {
  const wabt = await wabtInit();
  const text = fs.readFileSync(WAT_FILE, 'utf8');
  if (!MEMORY_LINE.test(text)) throw new Error('kernels.wat: the ";; MEMORY" placeholder line is missing');
  const build = (memory: string): Uint8Array => {
    const features = { simd: true, bulk_memory: true, threads: true };
    const module = wabt.parseWat('kernels.wat', text.replace(MEMORY_LINE, memory), features);
    try {
      // wabt's types omit validate's features argument, which shared memories need.
      (module as unknown as { validate(features: object): void }).validate(features);
      return module.toBinary({ log: false, write_debug_names: false }).buffer;
    } finally {
      module.destroy();
    }
  };
  return {
    single: build('  (memory (export "memory") 1)'),
    // A shared memory must declare a maximum: 65,536 pages, 4 GiB, as much as wasm32 addresses
    // (address space reserved up front, not memory).
    shared: build('  (import "env" "memory" (memory 1 65536 shared))'),
  };
}

function base64Constant(name: string, doc: string, bytes: Uint8Array): string {
  const lines = Buffer.from(bytes).toString('base64').match(/.{1,100}/g) ?? [];
  return [`/** ${doc} (${bytes.length} bytes), base64. */`, `export const ${name} =`, lines.map((l) => `  '${l}'`).join(' +\n') + ';'].join('\n');
}

/** The text of kernels-wasm.ts for these bytes. */
export function generatedSource({ single, shared }: Assembled): string {
  return [
    '// Generated from kernels.wat by `npm run build:wasm` (src/tensor/wasm/assemble.ts). Do not edit.',
    base64Constant('KERNELS_WASM_BASE64', "layerwise's SIMD kernels, with their own memory", single),
    '',
    base64Constant('KERNELS_SHARED_WASM_BASE64', 'The same kernels over an imported shared memory, for worker threads', shared),
    '',
  ].join('\n');
}

if (require.main === module) {
  void assemble().then((modules) => {
    fs.writeFileSync(GENERATED_FILE, generatedSource(modules));
    console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)} (${modules.single.length} + ${modules.shared.length} bytes of wasm)`);
  });
}
