/**
 * The optimizer kernels: SGD's step on the wasm backend gives the bits of the TypeScript reference
 * (both compute in float32, as Keras 3 does, every operation rounded), for every rule (plain,
 * momentum, Nesterov), lengths that are not multiples of the 4-float SIMD step nor of the
 * kernel's 8,192-value chunks, and a gradient longer than the weights (the optimizer's clipping
 * scratch), on the module with its own memory and on the shared one with worker threads alike;
 * and the reference is Keras's rule: within float32 rounding of the definition in float64, and
 * exactly the float32 computation written out with Math.fround.
 */
import { describe, expect, it } from 'vitest';
import { randomUniform, Rng } from 'layerwise';
import { sgdJs } from '../../src/tensor/js/optim';
import { createWasmKernels } from '../../src/tensor/wasm/wasm-backend';

const random = (length: number, rng: Rng): Float32Array => randomUniform([length], -1, 1, rng).data;
const bits = (values: Float32Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

const LENGTHS = [1, 3, 4, 5, 8, 17, 64, 1001, 8193, 100_352];
const RULES = [
  { momentum: 0, nesterov: false, v: false },
  { momentum: 0.9, nesterov: false, v: true },
  { momentum: 0.5, nesterov: true, v: true },
];

describe('sgd on the wasm kernels', () => {
  const variants = [
    { name: 'one thread', kernels: createWasmKernels(1) },
    { name: 'its own memory', kernels: createWasmKernels(1, { shared: false }) },
    { name: '3 threads', kernels: createWasmKernels(3) },
  ];
  const rng = new Rng('sgd-kernel');
  for (const rule of RULES) {
    for (const { name, kernels } of variants) {
      it(`matches the TypeScript kernel bit for bit (momentum ${rule.momentum}${rule.nesterov ? ', Nesterov' : ''}; ${name}), over 3 steps`, () => {
        for (const n of LENGTHS) {
          const w = random(n, rng);
          // The gradient may be longer than the weights: only the first n values count.
          const g = random(n + 3, rng);
          const v = rule.v ? random(n, rng) : undefined;
          const [w2, v2] = [w.slice(), v?.slice()];
          for (let step = 0; step < 3; step++) {
            const lr = 0.01 * (step + 1) + 1e-9;
            sgdJs(w, g, v, lr, rule.momentum, rule.nesterov);
            kernels.sgd(w2, g, v2, lr, rule.momentum, rule.nesterov);
            expect(bits(w2), `n=${n}`).toBe(bits(w));
            if (v) expect(bits(v2!), `n=${n}`).toBe(bits(v));
          }
        }
      });
    }
  }

  it("the TypeScript kernel is Keras's rule (the float64 definition; Keras 3's float32 computation, bit for bit)", () => {
    for (const rule of RULES) {
      const n = 37;
      const w = random(n, rng);
      const g = random(n, rng);
      const v = rule.v ? random(n, rng) : undefined;
      const expected = Float64Array.from(w);
      const velocity = v ? Float64Array.from(v) : undefined;
      for (let i = 0; i < n; i++) {
        if (!velocity) expected[i] -= 0.1 * g[i];
        else {
          velocity[i] = rule.momentum * velocity[i] - 0.1 * g[i];
          expected[i] += rule.nesterov ? rule.momentum * velocity[i] - 0.1 * g[i] : velocity[i];
        }
      }
      // Keras 3's graph in float32: lr and momentum cast, each multiply and subtract rounded.
      const f = Math.fround;
      const [lr, m] = [f(0.1), f(rule.momentum)];
      const w32 = Float32Array.from(w);
      const v32 = v ? Float32Array.from(v) : undefined;
      for (let i = 0; i < n; i++) {
        if (!v32) w32[i] = f(w32[i] - f(g[i] * lr));
        else {
          v32[i] = f(f(v32[i] * m) - f(g[i] * lr));
          w32[i] = f(w32[i] + (rule.nesterov ? f(f(v32[i] * m) - f(g[i] * lr)) : v32[i]));
        }
      }
      sgdJs(w, g, v, 0.1, rule.momentum, rule.nesterov);
      for (let i = 0; i < n; i++) expect(w[i]).toBeCloseTo(expected[i], 6);
      expect(bits(w)).toBe(bits(w32));
      if (v) expect(bits(v)).toBe(bits(v32!));
    }
  });
});
