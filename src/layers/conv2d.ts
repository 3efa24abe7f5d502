import { axisWindow, pair, type Padding, type Window2D } from '../tensor/conv-geometry';
import { conv2d, conv2dBackward } from '../tensor/conv';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KernelLayer, type KernelLayerOptions } from './kernel-layer';
import type { LayerConfig } from './layer';

export interface Conv2DOptions extends KernelLayerOptions {
  /** Number of output channels. */
  filters: number;
  /** Window height and width; one number for a square window. */
  kernelSize: number | [number, number];
  /** Step between windows; default 1. */
  strides?: number | [number, number];
  /** 'valid' (no padding, default) or 'same' (output size ceil(input / stride), TensorFlow's rule). */
  padding?: Padding;
  /** Spacing between the kernel's taps; default 1. */
  dilationRate?: number | [number, number];
}

/** Checks that each entry of a pair option is a positive integer. */
function positivePair(layer: string, name: string, value: number | [number, number]): [number, number] {
  const p = pair(value);
  if (!p.every((v) => Number.isInteger(v) && v > 0)) {
    throw new LayerwiseError(`${layer}: ${name} must be a positive integer or a pair of them. Received: ${name}=${JSON.stringify(value)}.`);
  }
  return p;
}

/**
 * 2-D convolution over channels-last images [batch, height, width, channels]:
 * y = activation(conv(x, kernel) + bias). The kernel is [kh, kw, inChannels, filters], as Keras
 * and TF.js store it. Computed by the convolution kernels of tensor/conv.ts, into buffers reused
 * across batches.
 */
export class Conv2D extends KernelLayer {
  static override readonly className = 'Conv2D';

  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: Padding;
  readonly dilationRate: [number, number];

  private geometry?: Window2D;
  /** The input of the last forward batch. */
  private input?: Tensor;

  constructor({ filters, kernelSize, strides = 1, padding = 'valid', dilationRate = 1, ...options }: Conv2DOptions) {
    super(options);
    if (!Number.isInteger(filters) || filters <= 0) {
      throw new LayerwiseError(`${this.name}: filters must be a positive integer. Received: filters=${filters}.`);
    }
    if (padding !== 'valid' && padding !== 'same') {
      throw new LayerwiseError(`${this.name}: padding must be 'valid' or 'same'. Received: padding=${JSON.stringify(padding)}.`);
    }
    this.filters = filters;
    this.kernelSize = positivePair(this.name, 'kernelSize', kernelSize);
    this.strides = positivePair(this.name, 'strides', strides);
    this.dilationRate = positivePair(this.name, 'dilationRate', dilationRate);
    this.padding = padding;
  }

  /** The window geometry for a per-sample input shape and a batch size. */
  private window(inputShape: Shape, batch: number): Window2D {
    if (inputShape.length !== 3) {
      throw new LayerwiseError(
        `${this.name}: expected images of shape (None, height, width, channels), but received ${formatShape(inputShape)}. ` +
          `Add a Reshape layer first (e.g. new Reshape({ targetShape: [28, 28, 1] })).`,
      );
    }
    const [height, width, channels] = inputShape;
    const h = axisWindow(height, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding);
    const w = axisWindow(width, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding);
    if (!h || !w) {
      throw new LayerwiseError(
        `${this.name}: a ${this.kernelSize.join('x')} kernel (dilation ${this.dilationRate.join('x')}) does not fit in ` +
          `input ${formatShape(inputShape)} with padding 'valid'. Use padding: 'same' or a smaller kernel.`,
      );
    }
    return { batch, channels, h, w };
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const { channels } = this.window(inputShape, 1);
      this.buildKernel(inputShape, [...this.kernelSize, channels, this.filters]);
    }
    super.build(inputShape);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const { h, w } = this.window(inputShape, 1);
    return [h.output, w.output, this.filters];
  }

  forward(x: Tensor, training: boolean): Tensor {
    const kernel = this.requireBuilt(this.kernel).value;
    this.checkDepth(x, kernel.shape[2], 'channels');
    const g = (this.geometry = this.window(x.shape.slice(1), x.shape[0]));
    const z = this.buffer('z', [g.batch, g.h.output, g.w.output, this.filters]);
    this.input = x;
    const slope = this.activation.fusableSlope();
    if (slope !== undefined) {
      // ReLU or leaky ReLU: computed with the convolution, in one pass.
      return this.activation.forwardFused(z, (y) => conv2d(x.data, g, kernel.data, this.bias?.value.data, z.data, { slope, y }));
    }
    conv2d(x.data, g, kernel.data, this.bias?.value.data, z.data);
    return this.activation.forward(z, training);
  }

  backward(dy: Tensor, inputGradient = true): Tensor {
    const g = this.requireForward(this.geometry);
    const x = this.requireForward(this.input);
    const kernel = this.kernel!;
    const dx = this.buffer('dx', [g.batch, g.h.input, g.w.input, g.channels]);
    const grads = { dKernel: kernel.grad.data, dBias: this.bias?.grad.data, dx: inputGradient ? dx.data : undefined };
    const slope = this.activation.fusableSlope();
    if (slope !== undefined) {
      // The activation was fused into forward: its derivative joins the convolution's backward step.
      conv2dBackward(x.data, g, kernel.value.data, dy.data, grads, { slope, z: this.activation.fusedInput()!.data });
    } else conv2dBackward(x.data, g, kernel.value.data, this.activation.backward(dy).data, grads);
    return dx;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
    };
  }
}

