import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { formatShape, sizeOf, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, type OptionSpecs } from './options';
import { checkBuiltSample } from './permute';

export interface LayerNormalizationOptions extends LayerOptions {
  /**
   * The axis or axes to normalize over, counted with the batch axis first (as Keras): -1 (the
   * default) is the last, [1, 2] the rows and columns of an image. Gamma and beta have their sizes.
   */
  axis?: number | number[];
  /** Added to the variance before the square root. Default 1e-3, as Keras. */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  /** Default 'zeros'. */
  betaInitializer?: InitializerSpec;
  /** Default 'ones'. */
  gammaInitializer?: InitializerSpec;
}

/**
 * Where each value of one sample goes: its group (the values normalized together, one per
 * position along the other axes) and its place in gamma and beta (its position along `axes`).
 */
interface Layout {
  group: Int32Array;
  param: Int32Array;
  groups: number;
  /** Values per group, the N of the moments. */
  size: number;
}

/** The layout of a per-sample shape for the normalized (per-sample, 0-based) axes. */
function layoutOf(shape: Shape, axes: readonly number[]): Layout {
  const total = sizeOf(shape);
  const group = new Int32Array(total);
  const param = new Int32Array(total);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < total; i++) {
    let g = 0;
    let p = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      if (axes.includes(axis)) p = p * shape[axis] + index[axis];
      else g = g * shape[axis] + index[axis];
    }
    group[i] = g;
    param[i] = p;
    for (let axis = shape.length - 1; axis >= 0 && ++index[axis] === shape[axis]; axis--) index[axis] = 0;
  }
  const size = axes.reduce((n, axis) => n * shape[axis], 1);
  return { group, param, groups: total / size, size };
}

/**
 * Normalizes each sample over `axis` to zero mean and unit variance, then scales and shifts it:
 * y = gamma · (x − mean) / √(variance + epsilon) + beta, with the mean and (biased) variance taken
 * over the axes for each position along the others, of each sample alone (so training and
 * inference compute the same). Gamma and beta have the sizes of the normalized axes (Keras 3's
 * rule, and TF.js's). Moments are summed in float64. Weights, in Keras's order: gamma, beta.
 * TF.js 4.22 computes the same, but its `fit` fails when center or scale is false.
 */
export class LayerNormalization extends Layer {
  static override readonly className = 'LayerNormalization';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = {
    axis: optional('axes'),
    epsilon: optional('number', 'positive'),
    center: optional('boolean'),
    scale: optional('boolean'),
    betaInitializer: optional('initializer'),
    gammaInitializer: optional('initializer'),
  };

  readonly axis: number | number[];
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly initializers: Record<'beta' | 'gamma', Initializer>;

  private gamma?: Param;
  private beta?: Param;
  private layout?: Layout;
  /** Per group of the last batch: the mean, 1 / √(variance + epsilon), and two sums for backward (float64). */
  private stats = { mean: new Float64Array(0), invStd: new Float64Array(0), sum: new Float64Array(0), sumX: new Float64Array(0) };
  private storage = new Float64Array(0);
  private xhat?: Tensor;

  constructor(options: LayerNormalizationOptions = {}) {
    super(options);
    const { axis = -1, epsilon = 1e-3, center = true, scale = true, betaInitializer = 'zeros', gammaInitializer = 'ones' } = this.given as LayerNormalizationOptions;
    const axes = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(axes) || axes.length === 0 || !axes.every(Number.isInteger) || new Set(axes).size !== axes.length) {
      throw new LayerwiseError(`${this.name}: axis must be an integer or a non-empty list of distinct integers. Received: axis=${JSON.stringify(axis)}.`);
    }
    if (!(epsilon > 0 && epsilon < Infinity)) throw new LayerwiseError(`${this.name}: epsilon must be a positive finite number. Received: epsilon=${epsilon}.`);
    this.axis = typeof axis === 'number' ? axis : [...axis];
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.initializers = { beta: getInitializer(betaInitializer, this.name), gamma: getInitializer(gammaInitializer, this.name) };
  }

  /**
   * The normalized axes of a per-sample shape, 0-based without the batch axis, in the order given:
   * gamma and beta have their sizes in that order (as TF.js 4.22 and Keras up to 3.13; Keras 3.14
   * sorts the axes first, which gives the same for axes listed in increasing order, as Keras 3.14
   * writes them in its files), and their values laid out in the order of the axes in the input
   * (Keras reshapes them so).
   */
  private axes(inputShape: Shape): number[] {
    const rank = inputShape.length + 1;
    const axes = (typeof this.axis === 'number' ? [this.axis] : this.axis).map((a) => (a < 0 ? a + rank : a));
    if (!axes.every((a) => a >= 1 && a < rank) || new Set(axes).size !== axes.length) {
      throw new LayerwiseError(
        `${this.name}: axis=${JSON.stringify(this.axis)} does not fit inputs of shape ${formatShape(inputShape)}: each axis must be one of ` +
          `1 to ${rank - 1} (or -1 to -${rank - 1}), without repeats; the batch axis 0 cannot be normalized over (each sample is normalized alone).`,
      );
    }
    return axes.map((a) => a - 1);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    const shape = this.axes(inputShape).map((a) => inputShape[a]);
    return Array.from({ length: Number(this.scale) + Number(this.center) }, () => shape);
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const axes = this.axes(inputShape);
      const shape = axes.map((a) => inputShape[a]);
      this.checkOutputSize(inputShape);
      if (this.scale) this.gamma = this.addWeight('gamma', shape, this.initializers.gamma);
      if (this.center) this.beta = this.addWeight('beta', shape, this.initializers.beta);
      this.layout = layoutOf(inputShape, axes);
    }
    super.build(inputShape);
  }

  /** The per-group arrays for `groups` groups: views of storage grown as needed and reused (a smaller last batch allocates nothing). */
  private statsFor(groups: number): typeof this.stats {
    if (this.storage.length < 4 * groups) this.storage = new Float64Array(4 * groups);
    const view = (k: number) => this.storage.subarray(k * groups, (k + 1) * groups);
    if (this.stats.mean.length !== groups) this.stats = { mean: view(0), invStd: view(1), sum: view(2), sumX: view(3) };
    return this.stats;
  }

  forward(x: Tensor, _training = false): Tensor {
    const layout = this.requireBuilt(this.layout);
    checkBuiltSample(this, x);
    const { group, param, groups, size } = layout;
    const perSample = group.length;
    const samples = x.size / perSample;
    const { mean, invStd } = this.statsFor(samples * groups);
    mean.fill(0);
    invStd.fill(0);
    const xs = x.data;
    for (let n = 0, o = 0; n < samples; n++, o += perSample) for (let i = 0; i < perSample; i++) mean[n * groups + group[i]] += xs[o + i];
    for (let g = 0; g < mean.length; g++) mean[g] /= size;
    // Two passes: the variance as the mean of squared deviations, in float64.
    for (let n = 0, o = 0; n < samples; n++, o += perSample) {
      for (let i = 0; i < perSample; i++) {
        const d = xs[o + i] - mean[n * groups + group[i]];
        invStd[n * groups + group[i]] += d * d;
      }
    }
    for (let g = 0; g < invStd.length; g++) invStd[g] = 1 / Math.sqrt(invStd[g] / size + this.epsilon);
    const xhat = (this.xhat = this.buffer('xhat', x.shape));
    const y = this.buffer('y', x.shape);
    const gamma = this.gamma?.value.data;
    const beta = this.beta?.value.data;
    for (let n = 0, o = 0; n < samples; n++, o += perSample) {
      for (let i = 0; i < perSample; i++) {
        const g = n * groups + group[i];
        const h = (xs[o + i] - mean[g]) * invStd[g];
        xhat.data[o + i] = h;
        y.data[o + i] = (gamma ? gamma[param[i]] * h : h) + (beta ? beta[param[i]] : 0);
      }
    }
    return y;
  }

  /**
   * With ĝ = dy · gamma: dx = invStd / N · (N · ĝ − Σ ĝ − xhat · Σ ĝ · xhat), the sums over each
   * group; dGamma += Σ dy · xhat and dBeta += Σ dy over the samples and the other axes.
   */
  backward(dy: Tensor): Tensor {
    const xhat = this.requireForward(this.xhat).data;
    const { group, param, groups, size } = this.layout!;
    const perSample = group.length;
    const samples = dy.size / perSample;
    const { invStd, sum, sumX } = this.stats;
    sum.fill(0);
    sumX.fill(0);
    const gamma = this.gamma?.value.data;
    const dGamma = this.gamma?.grad.data;
    const dBeta = this.beta?.grad.data;
    const d = dy.data;
    for (let n = 0, o = 0; n < samples; n++, o += perSample) {
      for (let i = 0; i < perSample; i++) {
        const g = n * groups + group[i];
        const scaled = gamma ? d[o + i] * gamma[param[i]] : d[o + i];
        sum[g] += scaled;
        sumX[g] += scaled * xhat[o + i];
        if (dGamma) dGamma[param[i]] += d[o + i] * xhat[o + i];
        if (dBeta) dBeta[param[i]] += d[o + i];
      }
    }
    const dx = this.buffer('dx', dy.shape);
    for (let n = 0, o = 0; n < samples; n++, o += perSample) {
      for (let i = 0; i < perSample; i++) {
        const g = n * groups + group[i];
        const scaled = gamma ? d[o + i] * gamma[param[i]] : d[o + i];
        dx.data[o + i] = (invStd[g] / size) * (size * scaled - sum[g] - xhat[o + i] * sumX[g]);
      }
    }
    return dx;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerConfig(this.initializers.beta),
      gammaInitializer: initializerConfig(this.initializers.gamma),
    };
  }
}
