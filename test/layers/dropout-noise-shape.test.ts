import { describe, expect, it } from 'vitest';
import { Dropout, full, randomUniform, Rng } from 'layerwise';
import { buildLayer, bytesOf, checkLayerContract } from '../helpers/contract';
import { gradCheckNoise } from '../helpers/noise';

const dropout = (noiseShape: (number | null)[], seed = 3) => (inputShape?: number[]) => new Dropout({ rate: 0.5, noiseShape, seed, inputShape });

describe("Dropout's noiseShape (Keras's noise_shape: batch first, null is the input's size, 1 shares a draw)", () => {
  it('keeps the contract and the config', () => {
    const { layer } = checkLayerContract({ make: dropout([null, 1, null]), inputShape: [4, 2], outputShape: [4, 2], params: 0 });
    expect(layer.getConfig()).toMatchObject({ rate: 0.5, noiseShape: [null, 1, null], seed: 3 });
    expect(new Dropout(0.5).getConfig()).not.toHaveProperty('noiseShape');
  });

  const cases: [string, (number | null)[], number[]][] = [
    ['[null, 1, null]: one draw per sample and feature, shared by the steps', [null, 1, null], [1]],
    ['[null, null, 1]: one draw per sample and step, shared by the features', [null, null, 1], [2]],
    ['[1, 5, 6]: one draw per step and feature, shared by the samples', [1, 5, 6], [0]],
    ['[null, 1, 1]: one draw per sample', [null, 1, 1], [1, 2]],
  ];
  for (const [label, noiseShape, shared] of cases) {
    it(label, () => {
      const layer = buildLayer(dropout(noiseShape, 11), [5, 6]);
      const y = layer.forward(full([4, 5, 6], 1), true).data;
      const dx = layer.backward(full([4, 5, 6], 1)).data;
      const at = (n: number, t: number, c: number) => y[(n * 5 + t) * 6 + c];
      for (let n = 0; n < 4; n++) {
        for (let t = 0; t < 5; t++) {
          for (let c = 0; c < 6; c++) {
            const first = at(shared.includes(0) ? 0 : n, shared.includes(1) ? 0 : t, shared.includes(2) ? 0 : c);
            expect(at(n, t, c)).toBe(first);
            expect(dx[(n * 5 + t) * 6 + c]).toBe(first);
          }
        }
      }
      expect(new Set(y)).toEqual(new Set([0, 2]));
    });
  }

  it('a full noiseShape draws as without one, bit for bit; training gradients check', () => {
    const x = randomUniform([4, 5, 6], -1, 1, new Rng(2));
    const a = bytesOf(buildLayer(dropout([null, 5, 6], 9), [5, 6]).forward(x, true));
    expect(bytesOf(buildLayer((s) => new Dropout({ rate: 0.5, seed: 9, inputShape: s }), [5, 6]).forward(x, true))).toEqual(a);
    expect(gradCheckNoise(dropout([null, 1, 3], 8), randomUniform([2, 4, 3], -1, 1, new Rng(2)))).toBeLessThan(1e-3);
  });

  it('fails, naming the layer, for entries that are not positive integers or null, or a shape that does not fit', () => {
    expect(() => new Dropout({ rate: 0.5, noiseShape: [null, 0], name: 'dn_0' })).toThrow(/^dn_0: noiseShape must list positive integers or null \(the input's size\), batch dimension first\. Received: noiseShape=\[null,0\]\.$/);
    expect(() => buildLayer((s) => new Dropout({ rate: 0.5, noiseShape: [null, 3], name: 'dn_a', inputShape: s }), [4])).toThrow(/^dn_a: noiseShape \[null,3\] does not fit a batch of shape \[1, 4\]/);
    expect(() => buildLayer((s) => new Dropout({ rate: 0.5, noiseShape: [null, 1], name: 'dn_r', inputShape: s }), [4, 2])).toThrow(/^dn_r: noiseShape \[null,1\] does not fit/);
    const layer = buildLayer((s) => new Dropout({ rate: 0.5, noiseShape: [2, 1], name: 'dn_b', inputShape: s }), [4]);
    expect(() => layer.forward(full([3, 4], 1), true)).toThrow(/^dn_b: noiseShape \[2,1\] does not fit a batch of shape \[3, 4\].*Write null for the batch\.$/);
  });
});
