import { firstNonFinite, formatShape, sizeOf, toTensor, type Shape, type Tensor, type TensorLike } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, type OptionSpecs } from './options';
import { checkBuiltSample } from './permute';

/** Keras's `backend.epsilon()`: the smallest standard deviation the layer divides by. */
const EPSILON = 1e-7;

export interface NormalizationOptions extends LayerOptions {
  /**
   * The feature axis, which gets its own mean and variance, counted as Keras counts it: with the
   * batch axis (0), so -1 is the last and 1 the first axis of a sample. Default -1.
   */
  axis?: number;
  /** The mean of each feature, or one for all (broadcast as Keras does); give it with `variance`, or call `adapt` instead. */
  mean?: number | number[] | null;
  /** The variance of each feature, or one for all; non-negative. */
  variance?: number | number[] | null;
  /** Undo the normalization instead: y = mean + x · max(√variance, ε). Default false. */
  invert?: boolean;
}

/** Where the feature axis is in a batch: `outer` blocks of `features` blocks of `inner` values. */
interface Layout {
  features: number;
  inner: number;
}

/**
 * Shifts and scales each feature to zero mean and unit variance with statistics computed before
 * training, as Keras 3's preprocessing `Normalization`: y = (x − mean) / max(√variance, ε), ε =
 * 1e-7 (`invert`: y = mean + x · max(√variance, ε)). The statistics are given (`mean`, `variance`,
 * kept in the config) or computed by `adapt(data)` over every axis but the feature axis (the
 * population variance, with float64 sums, as Keras 3), and then stored as weights that are not
 * trainable: `mean`, `variance` and `count` (a scalar Keras 3 keeps for older files and never
 * updates), in Keras 3's order. Before `adapt` the layer is the identity (mean 0, variance 1).
 * TF.js 4.22 has no such layer.
 */
export class Normalization extends Layer {
  static override readonly className = 'Normalization';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = {
    axis: optional('axis', 'an integer axis other than 0 (the batch axis)'),
    mean: optional('numbers'),
    variance: optional('numbers'),
    invert: optional('boolean'),
  };

  readonly axis: number;
  readonly invert: boolean;
  /** The statistics as given to the constructor (absent when `adapt` computes them). */
  private readonly givenMean?: number | number[];
  private readonly givenVariance?: number | number[];
  /** The weights `adapt` fills, when the statistics are not given. */
  private adaptMean?: Param;
  private adaptVariance?: Param;
  /** The given statistics broadcast to one per feature, once built. */
  private readonly constants: { mean: Float32Array; variance: Float32Array } = { mean: new Float32Array(0), variance: new Float32Array(0) };
  private layout?: Layout;
  /** The standard deviations the last forward batch divided by, max(√variance, ε) per feature. */
  private scale?: Float32Array;

  /** `new Normalization()` then `adapt(data)`, or `new Normalization({ mean: [0, 10], variance: [1, 4] })`. */
  constructor(options: NormalizationOptions = {}) {
    super(options);
    const { axis = -1, invert = false } = this.given as NormalizationOptions;
    // Null means absent (checkLayerOptions drops it); the type still says it.
    const mean = (this.given as NormalizationOptions).mean ?? undefined;
    const variance = (this.given as NormalizationOptions).variance ?? undefined;
    if (axis === 0) throw new LayerwiseError(`${this.name}: axis 0 is the batch axis, which cannot be a feature axis. Received: axis=0; use -1 for the last axis.`);
    if ((mean === undefined) !== (variance === undefined)) {
      throw new LayerwiseError(
        `${this.name}: give mean and variance together, or neither (then call adapt). Received: mean=${JSON.stringify(mean)}, variance=${JSON.stringify(variance)}.`,
      );
    }
    if (mean !== undefined && variance !== undefined) {
      const [m, v] = [mean, variance].map((s) => (typeof s === 'number' ? [s] : s));
      if (Array.isArray(mean) !== Array.isArray(variance) || m.length !== v.length || m.length === 0) {
        throw new LayerwiseError(
          `${this.name}: mean and variance must have the same shape: two numbers, or two non-empty lists of the same length. ` +
            `Received: mean=${JSON.stringify(mean)}, variance=${JSON.stringify(variance)}.`,
        );
      }
      if (!m.every(Number.isFinite) || !v.every((x) => Number.isFinite(x) && x >= 0)) {
        throw new LayerwiseError(
          `${this.name}: mean must be finite numbers and variance finite non-negative numbers. Received: mean=${JSON.stringify(mean)}, variance=${JSON.stringify(variance)}.`,
        );
      }
      this.givenMean = typeof mean === 'number' ? mean : [...mean];
      this.givenVariance = typeof variance === 'number' ? variance : [...variance];
    }
    this.axis = axis;
    this.invert = invert;
  }

  /** The layout of the feature axis for a per-sample input shape; throws for an axis the shape lacks. */
  private layoutFor(inputShape: Shape): Layout {
    const rank = inputShape.length + 1;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (!(axis >= 1 && axis < rank)) {
      throw new LayerwiseError(
        `${this.name}: axis ${this.axis} is not an axis of a sample of shape ${formatShape(inputShape)} (rank ${rank} with the batch axis). ` +
          `Use -1 for the last axis, or 1 to ${rank - 1}.`,
      );
    }
    return { features: inputShape[axis - 1], inner: sizeOf(inputShape.slice(axis)) };
  }

  /** The given statistics, one value per feature (a single value is broadcast, as Keras does). */
  private broadcast(values: number | number[], features: number, what: string): Float32Array {
    const list = typeof values === 'number' ? [values] : values;
    if (list.length !== 1 && list.length !== features) {
      throw new LayerwiseError(
        `${this.name}: ${what} has ${list.length} values, but the feature axis (axis ${this.axis}) has ${features} features. ` +
          `Give one value, or one per feature.`,
      );
    }
    return Float32Array.from({ length: features }, (_, k) => list[list.length === 1 ? 0 : k]);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    const { features } = this.layoutFor(inputShape);
    return this.givenMean === undefined ? [[features], [features], []] : [];
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const layout = this.layoutFor(inputShape);
      if (this.givenMean !== undefined && this.givenVariance !== undefined) {
        this.constants.mean = this.broadcast(this.givenMean, layout.features, 'mean');
        this.constants.variance = this.broadcast(this.givenVariance, layout.features, 'variance');
      } else {
        this.adaptMean = this.addWeight('mean', [layout.features], 'zeros', undefined, false);
        this.adaptVariance = this.addWeight('variance', [layout.features], 'ones', undefined, false);
        this.addWeight('count', [], 'zeros', undefined, false);
      }
      this.layout = layout;
    }
    super.build(inputShape);
  }

  /**
   * Computes each feature's mean and (population) variance over the samples and every other axis,
   * with float64 sums, and stores them in the layer's weights; builds the layer for the data's
   * sample shape when it is not built. Data that is not finite, or of another sample shape than the
   * layer was built for, fails and leaves the layer unchanged.
   */
  adapt(data: TensorLike | Tensor): void {
    const where = `${this.name}.adapt`;
    if (this.givenMean !== undefined) {
      throw new LayerwiseError(`${where}: the layer was given its mean and variance, which adapt would replace. Create it without mean and variance to adapt it.`);
    }
    const x = toTensor(data, where);
    const sample = x.shape.slice(1);
    if (x.shape.length < 2 || x.shape[0] === 0) {
      throw new LayerwiseError(`${where}: expected a batch of samples [samples, ...sample shape] with at least one sample, but received shape [${x.shape.join(', ')}].`);
    }
    if (this.buildShape && formatShape(this.buildShape) !== formatShape(sample)) {
      throw new LayerwiseError(`${where}: the layer was built for samples of shape ${formatShape(this.buildShape)}, but the data has samples of shape ${formatShape(sample)}.`);
    }
    const bad = firstNonFinite(x.data);
    if (bad >= 0) {
      throw new LayerwiseError(`${where}: the data holds ${x.data[bad]} at flat index ${bad}, so the mean and variance would not be finite. Remove or fill the missing values first.`);
    }
    const { mean, variance } = moments(x.data, this.layoutFor(sample));
    const big = firstNonFinite(variance);
    if (big >= 0) throw new LayerwiseError(`${where}: the variance of feature ${big} is too large for float32. Scale the data down first.`);
    this.build(sample);
    this.adaptMean!.value.data.set(mean);
    this.adaptVariance!.value.data.set(variance);
  }

  /** Checks weights for `setWeights` (and loading) as every layer does, and that no variance is negative (its square root would be NaN). */
  override checkWeights(weights: readonly Tensor[]): Tensor[] {
    const checked = super.checkWeights(weights);
    const variance = checked[1]?.data ?? new Float32Array(0);
    const bad = variance.findIndex((v) => v < 0);
    if (bad >= 0) {
      throw new LayerwiseError(
        `${this.name}: weight 1 (${this.name}/variance) holds ${variance[bad]} at index ${bad}, but a variance is never negative. ` +
          `The layer was not changed; give variances ≥ 0 (or call adapt on the data).`,
      );
    }
    return checked;
  }

  /** The mean and variance in use, one per feature. */
  private statistics(): { mean: Float32Array; variance: Float32Array } {
    if (this.adaptMean) return { mean: this.adaptMean.value.data, variance: this.adaptVariance!.value.data };
    return this.constants;
  }

  forward(x: Tensor, _training = false): Tensor {
    const { features, inner } = this.requireBuilt(this.layout);
    checkBuiltSample(this, x);
    const { mean, variance } = this.statistics();
    const scale = this.buffer('scale', [features]).data;
    for (let k = 0; k < features; k++) scale[k] = Math.max(Math.sqrt(variance[k]), EPSILON);
    this.scale = scale;
    const y = this.buffer('y', x.shape);
    const block = features * inner;
    for (let start = 0; start < x.size; start += block) {
      for (let k = 0; k < features; k++) {
        const m = mean[k];
        const s = scale[k];
        const from = start + k * inner;
        if (this.invert) for (let i = from; i < from + inner; i++) y.data[i] = m + x.data[i] * s;
        else for (let i = from; i < from + inner; i++) y.data[i] = (x.data[i] - m) / s;
      }
    }
    return y;
  }

  backward(dy: Tensor): Tensor {
    const { features, inner } = this.layout!;
    const scale = this.requireForward(this.scale);
    const dx = this.buffer('dx', dy.shape);
    const block = features * inner;
    for (let start = 0; start < dy.size; start += block) {
      for (let k = 0; k < features; k++) {
        const s = scale[k];
        const from = start + k * inner;
        if (this.invert) for (let i = from; i < from + inner; i++) dx.data[i] = dy.data[i] * s;
        else for (let i = from; i < from + inner; i++) dx.data[i] = dy.data[i] / s;
      }
    }
    return dx;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), axis: this.axis, invert: this.invert };
    if (this.givenMean !== undefined) config.mean = structuredClone(this.givenMean);
    if (this.givenVariance !== undefined) config.variance = structuredClone(this.givenVariance);
    return config;
  }
}

/** Each feature's mean and population variance over `data` (feature axis as `layout` says), summed in float64 in two passes. */
function moments(data: Float32Array, { features, inner }: Layout): { mean: Float32Array; variance: Float32Array } {
  const block = features * inner;
  const count = data.length / features;
  const sum = new Float64Array(features);
  const squares = new Float64Array(features);
  for (let start = 0; start < data.length; start += block) {
    for (let k = 0; k < features; k++) for (let i = start + k * inner, end = i + inner; i < end; i++) sum[k] += data[i];
  }
  for (let k = 0; k < features; k++) sum[k] /= count;
  for (let start = 0; start < data.length; start += block) {
    for (let k = 0; k < features; k++) {
      const m = sum[k];
      for (let i = start + k * inner, end = i + inner; i < end; i++) squares[k] += (data[i] - m) ** 2;
    }
  }
  return { mean: Float32Array.from(sum), variance: Float32Array.from(squares, (s) => s / count) };
}
