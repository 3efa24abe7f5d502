import type { Points } from './data';

/** Half the side of the square shown, in data coordinates: the data fill [-1, 1]². */
export const EXTENT = 1.25;
/** Cells per side of the predicted grid; the canvas scales it up smoothly. */
export const GRID = 64;

/** Class colours (0: orange, 1: blue), as RGB, and the neutral colour of p = 0.5. */
const CLASS0 = [245, 147, 34];
const CLASS1 = [8, 119, 189];
const NEUTRAL = [248, 248, 248];

function mix(a: readonly number[], b: readonly number[], t: number): number[] {
  return a.map((v, i) => Math.round(v + (b[i] - v) * t));
}

/** The colour of probability p of class 1: the nearer p is to 0 or 1, the stronger the class colour. */
export function colourOf(p: number): number[] {
  return p < 0.5 ? mix(NEUTRAL, CLASS0, 0.8 * (1 - 2 * p)) : mix(NEUTRAL, CLASS1, 0.8 * (2 * p - 1));
}

const grid = document.createElement('canvas');
grid.width = grid.height = GRID;

/** Draws the probabilities (GRID × GRID, row by row from the top) as a heat map, and the points over it. */
export function drawBoundary(canvas: HTMLCanvasElement, probabilities: Float32Array, points: Points): void {
  const cells = grid.getContext('2d')!;
  const image = cells.createImageData(GRID, GRID);
  probabilities.forEach((p, k) => {
    image.data.set([...colourOf(p), 255], 4 * k);
  });
  cells.putImageData(image, 0, 0);

  const ctx = canvas.getContext('2d')!;
  const side = canvas.width;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(grid, 0, 0, side, side);

  const toPixel = (v: number): number => ((v + EXTENT) / (2 * EXTENT)) * side;
  const { x, y } = points;
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)';
  for (let i = 0; i < y.data.length; i++) {
    ctx.beginPath();
    ctx.arc(toPixel(x.data[2 * i]), toPixel(-x.data[2 * i + 1]), 3.5, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${(y.data[i] > 0.5 ? CLASS1 : CLASS0).join(',')})`;
    ctx.fill();
    ctx.stroke();
  }
}
