import { compact, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { isTensor } from './dataset';

export interface AsciiOptions {
  /**
   * Shade characters from 0 (first) to 1 (last); values are clamped to [0, 1]. Default `' .:-=+*#@'`
   * (no '%': `console.log` would print '%%' as '%' and break the columns).
   */
  shades?: string;
  /** Characters per pixel along a row; 2 makes a square image look square in a terminal. Default 2. */
  pixelWidth?: number;
  /** Pixels per row of a flat array; default: its square root. A tensor's own shape is used instead. */
  width?: number;
}

/**
 * One grayscale image as text, one line per pixel row: a value v in [0, 1] becomes
 * `shades[⌊v · shades.length⌋]` (1 maps to the last shade), repeated `pixelWidth` times; NaN shows as
 * '?'. The image is a tensor [H, W] or [H, W, 1] (one image of a batch: `x.pick(i)`), or H·W values
 * row by row. A 28×28 MNIST digit gives 28 lines of 56 characters, joined by '\n'.
 */
export function digitToAscii(image: Tensor | ArrayLike<number>, { shades = ' .:-=+*#@', pixelWidth = 2, width }: AsciiOptions = {}): string {
  if (shades.length === 0) throw new LayerwiseError(`digitToAscii: shades must hold at least one character. Received: shades=''.`);
  if (!Number.isInteger(pixelWidth) || pixelWidth < 1) {
    throw new LayerwiseError(`digitToAscii: pixelWidth must be a positive integer. Received: pixelWidth=${pixelWidth}.`);
  }
  const { values, cols } = pixels(image, width);
  const lines: string[] = [];
  for (let start = 0; start < values.length; start += cols) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const v = values[start + c];
      const shade = Number.isNaN(v) ? '?' : shades[Math.min(shades.length - 1, Math.max(0, Math.floor(v * shades.length)))];
      line += shade.repeat(pixelWidth);
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The image's values row by row and its width in pixels. */
function pixels(image: Tensor | ArrayLike<number>, width: number | undefined): { values: ArrayLike<number>; cols: number } {
  if (isTensor(image)) {
    const t = compact(image);
    const dims = t.shape.length === 3 && t.shape[2] === 1 ? t.shape.slice(0, 2) : t.shape;
    if (dims.length !== 2) {
      throw new LayerwiseError(
        `digitToAscii: expected one image of shape [H, W] or [H, W, 1], but received shape [${t.shape.join(', ')}]. ` +
          `For image i of a batch x [N, H, W, 1], pass x.pick(i).`,
      );
    }
    return { values: t.data, cols: dims[1] };
  }
  const values = image;
  const cols = width ?? Math.round(Math.sqrt(values.length));
  if (!Number.isInteger(cols) || cols < 1 || values.length % cols !== 0 || values.length === 0) {
    throw new LayerwiseError(
      `digitToAscii: ${values.length} values do not make rows of ${cols} pixels. ` +
        `Pass a square image, a tensor [H, W], or the width option.`,
    );
  }
  return { values, cols };
}
