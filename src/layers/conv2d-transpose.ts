import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from '../tensor/conv';
import type { AxisWindow, Padding, Window2D } from '../tensor/conv-geometry';
import { accumulateColumnSums, addRowVector } from '../tensor/kernels';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { BaseConv, convOptions, imageReshapeHint, type BaseConvOptions } from './base-conv';
import type { LayerConfig } from './layer';
import { optional, type OptionSpecs } from './options';

export interface Conv2DTransposeOptions extends BaseConvOptions<number | [number, number]> {
  /**
   * 'valid' (default: output (in − 1) · stride + max(span, stride), span the dilated kernel's
   * extent) or 'same' (output in · stride), Keras's rule.
   */
  padding?: Padding;
  /**
   * Extra rows and columns at the end of the output, each below the stride: the output is then
   * (in − 1) · stride + span + outputPadding ('valid') or (in − 1) · stride + span % 2 +
   * outputPadding ('same'), as Keras 3. Default none (the sizes `padding` gives). TF.js 4.22 ignores it.
   */
  outputPadding?: number | [number, number];
}

/**
 * The windows of a transposed convolution along one axis, as those of the convolution it is the
 * transpose of: that convolution reads the transposed output (its `input`, of the returned length)
 * and has one window per position of the transposed input (`length`). Keras 3's rule (its JAX
 * backend's form): the input, strided, is padded with `before` and `after` zeros and convolved with
 * the flipped kernel; a convolution padded by span − 1 − before is its transpose. Undefined when the
 * output would be empty.
 */
export function transposedAxis(length: number, size: number, stride: number, dilation: number, padding: Padding, outputPadding?: number): AxisWindow | undefined {
  const span = (size - 1) * dilation + 1;
  let before: number;
  let after: number;
  if (padding === 'valid') {
    before = span - 1;
    after = span - 1 + (outputPadding ?? Math.max(span, stride) - span);
  } else {
    const total = outputPadding === undefined ? stride + span - 2 : span + (span % 2) - 2 + outputPadding;
    before = Math.min(Math.ceil(total / 2), span - 1);
    after = total - before;
  }
  const input = (length - 1) * stride + before + after - span + 2;
  if (input < 1) return undefined;
  const padBefore = span - 1 - before;
  return { input, output: length, size, stride, dilation, padBefore, padAfter: (length - 1) * stride + span - padBefore - input };
}

/**
 * Transposed 2-D convolution ("deconvolution") over channels-last images: the gradient of a
 * Conv2D with respect to its input, used as a layer that upsamples, y = activation(convᵀ(x, kernel)
 * + bias). The kernel is [kh, kw, filters, inChannels], as Keras and TF.js store it. Its forward
 * step is the input gradient of the convolution it transposes, its input gradient that
 * convolution itself (tensor/conv.ts). TF.js 4.22 ignores dilationRate and outputPadding
 * (its output has the size of an undilated kernel without output padding); layerwise follows Keras 3.
 */
export class Conv2DTranspose extends BaseConv {
  static override readonly className = 'Conv2DTranspose';
  static override readonly options: OptionSpecs = {
    ...convOptions(2, 'padding'),
    // Read as non-negative integers (zeroPadding2d's reader takes n or a pair); the constructor checks the rest.
    outputPadding: optional('zeroPadding2d'),
  };

  declare readonly padding: Padding;
  /** Per axis; undefined for the sizes `padding` gives. */
  readonly outputPadding?: number[];

  private transposedGeometry?: Window2D;
  /** The input of the last forward batch. */
  private transposedInput?: Tensor;

  constructor(options: Conv2DTransposeOptions) {
    super(2, ['valid', 'same'], options);
    const { outputPadding } = this.given as Conv2DTransposeOptions;
    if (outputPadding !== undefined) this.outputPadding = this.checkOutputPadding(outputPadding);
  }

  reshapeHint(inputShape: Shape): string {
    return imageReshapeHint(inputShape);
  }

  private checkOutputPadding(value: unknown): number[] {
    const entries = typeof value === 'number' ? [value, value] : Array.isArray(value) ? [...(value as unknown[])] : [];
    const fits = entries.length === 2 && entries.every((v, i) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < this.strides[i]);
    if (!fits) {
      throw new LayerwiseError(
        `${this.name}: outputPadding must be a non-negative integer or a pair of them, each below the stride (strides ${this.strides.join('x')}). ` +
          `Received: outputPadding=${JSON.stringify(value)}.`,
      );
    }
    return entries as number[];
  }

  /** The windows of the convolution this layer transposes, for a per-sample input shape and a batch size. */
  private transposedWindow(inputShape: Shape, batch: number): Window2D {
    const [h, w] = this.splitInput(inputShape).spatial.map((n, i) => transposedAxis(n, this.kernelSize[i], this.strides[i], this.dilationRate[i], this.padding, this.outputPadding?.[i]));
    if (!h || !w) {
      throw new LayerwiseError(
        `${this.name}: input ${formatShape(inputShape)} gives an empty output with padding '${this.padding}' and a ${this.kernelSize.join('x')} kernel ` +
          `(dilation ${this.dilationRate.join('x')}). Use a larger input, or outputPadding.`,
      );
    }
    return { batch, channels: this.filters, h, w };
  }

  protected override kernelShape(inputShape: Shape): Shape {
    return [...this.kernelSize, this.filters, this.splitInput(inputShape).channels];
  }

  protected override biasLength(): number {
    return this.filters;
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const g = this.transposedWindow(inputShape, 1);
    return [g.h.input, g.w.input, this.filters];
  }

  override forward(x: Tensor, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel).value;
    this.checkDepth(x, kernel.shape[3], 'channels');
    const g = (this.transposedGeometry = this.transposedWindow(x.shape.slice(1), x.shape[0]));
    const z = this.buffer('z', [g.batch, g.h.input, g.w.input, this.filters]);
    this.transposedInput = x;
    conv2dBackpropInput(x.data, g, kernel.data, z.data);
    if (this.bias) addRowVector(z.data, this.bias.value.data, z.data, z.size / this.filters);
    return this.output(this.activation.forward(z, training));
  }

  override backward(dOutput: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const g = this.requireForward(this.transposedGeometry);
    const x = this.requireForward(this.transposedInput);
    const dz = this.activation.backward(this.withActivityGradient(dOutput, skipOutputActivation), skipOutputActivation);
    const kernel = this.kernel!;
    if (this.bias) accumulateColumnSums(dz.data, this.bias.grad.data, dz.size / this.filters);
    // The transposed convolution's roles swapped: dz is the convolution's input, x its output gradient.
    conv2dBackpropFilter(dz.data, g, x.data, kernel.grad.data);
    const dx = this.buffer('dx', x.shape);
    if (inputGradient) conv2d(dz.data, g, kernel.value.data, undefined, dx.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), ...(this.outputPadding ? { outputPadding: [...this.outputPadding] } : {}) };
  }
}
