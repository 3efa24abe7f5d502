import { formatShape, type Shape } from '../tensor/tensor';
import type { Sequential } from './sequential';

export interface SummaryOptions {
  /** Where each line goes; default `console.log`. Pass `() => {}` to only get the text back. */
  printFn?: (line: string) => void;
  /** Total width of the table. Default 80. */
  lineLength?: number;
}

function cells(values: string[], widths: number[]): string {
  return values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i] - 1) + ' ')).join('').trimEnd();
}

/** A Keras-like table: layer (type), output shape, parameter count and activation; then totals. */
export function summarize(model: Sequential, { printFn = console.log, lineLength = 80 }: SummaryOptions = {}): string {
  let shape: Shape | undefined = model.inputShape;
  const rows = model.layers.map((layer) => {
    shape = shape ? layer.computeOutputShape(shape) : undefined;
    const activation = layer.outputActivation();
    return [
      `${layer.name} (${layer.className})`,
      shape ? formatShape(shape) : 'unbuilt',
      String(layer.countParams()),
      activation ? activation.describe() : '',
    ];
  });
  // Keras's proportions, widened where a cell would not fit.
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Activation'];
  const widths = [0.36, 0.22, 0.12].map((f, i) => Math.max(Math.round(f * lineLength), ...[header, ...rows].map((r) => r[i].length + 2)));
  const width = Math.max(lineLength, widths.reduce((a, b) => a + b, 0) + Math.max(...[header, ...rows].map((r) => r[3].length)));
  const lines = [`Model: "${model.name}"`, '_'.repeat(width), cells(header, widths), '='.repeat(width)];
  rows.forEach((row, i) => {
    lines.push(cells(row, widths));
    if (i < rows.length - 1) lines.push('');
  });
  const params = model.params();
  const trainable = params.filter((p) => p.trainable).reduce((n, p) => n + p.value.size, 0);
  const total = params.reduce((n, p) => n + p.value.size, 0);
  lines.push(
    '='.repeat(width),
    `Total params: ${total.toLocaleString('en-US')}`,
    `Trainable params: ${trainable.toLocaleString('en-US')}`,
    `Non-trainable params: ${(total - trainable).toLocaleString('en-US')}`,
    '_'.repeat(width),
  );
  const text = lines.join('\n');
  for (const line of lines) printFn(line);
  return text;
}
