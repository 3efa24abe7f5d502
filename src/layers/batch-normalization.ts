import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { channelMoments, normalize, normalizeBackward } from '../tensor/normalization';
import type { Shape, Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, type OptionSpecs } from './options';

export interface BatchNormalizationOptions extends LayerOptions {
  /** The feature axis; only the last (-1, the default) is supported. */
  axis?: number;
  /** Weight of the old value in the moving averages. Default 0.99, as Keras. */
  momentum?: number;
  /** Added to the variance before the square root. Default 1e-3, as Keras. */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  betaInitializer?: InitializerSpec;
  gammaInitializer?: InitializerSpec;
  movingMeanInitializer?: InitializerSpec;
  movingVarianceInitializer?: InitializerSpec;
}

/**
 * Normalizes each feature (channel) to zero mean and unit variance, then scales and shifts it:
 * y = gamma · (x − mean) / √(variance + epsilon) + beta. In training the batch's statistics are
 * used and folded into moving averages (moving ← momentum · moving + (1 − momentum) · batch, with
 * the biased batch variance, as Keras and TF.js); in inference the moving averages are used.
 * A frozen layer (`trainable = false`) runs in inference mode in `fit` too, as in Keras 2 and 3 (so
 * fine-tuning keeps the statistics it was trained with); TF.js 4.22 keeps using batch statistics.
 * Weights, in Keras's order: gamma, beta, moving mean, moving variance (the last two not trainable).
 */
export class BatchNormalization extends Layer {
  static override readonly className = 'BatchNormalization';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = {
    axis: optional('axis'),
    momentum: optional('number', 'in [0, 1)'),
    epsilon: optional('number', 'positive'),
    center: optional('boolean'),
    scale: optional('boolean'),
    betaInitializer: optional('initializer'),
    gammaInitializer: optional('initializer'),
    movingMeanInitializer: optional('initializer'),
    movingVarianceInitializer: optional('initializer'),
  };

  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly initializers: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', Initializer>;

  private gamma?: Param;
  private beta?: Param;
  private movingMean?: Param;
  private movingVariance?: Param;
  private readonly stats = { mean: new Float32Array(0), variance: new Float32Array(0), invStd: new Float32Array(0) };
  private usedBatchStatistics = false;
  private xhat?: Tensor;

  constructor(options: BatchNormalizationOptions = {}) {
    super(options);
    const {
      axis = -1,
      momentum = 0.99,
      epsilon = 1e-3,
      center = true,
      scale = true,
      betaInitializer = 'zeros',
      gammaInitializer = 'ones',
      movingMeanInitializer = 'zeros',
      movingVarianceInitializer = 'ones',
    } = this.given as BatchNormalizationOptions;
    if (!(momentum >= 0 && momentum < 1)) throw new LayerwiseError(`${this.name}: momentum must be in [0, 1). Received: momentum=${momentum}.`);
    if (!(epsilon > 0)) throw new LayerwiseError(`${this.name}: epsilon must be positive. Received: epsilon=${epsilon}.`);
    if (epsilon === Infinity) throw new LayerwiseError(`${this.name}: epsilon must be finite. Received: epsilon=${epsilon}.`);
    this.axis = axis;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
    this.initializers = {
      beta: getInitializer(betaInitializer, this.name),
      gamma: getInitializer(gammaInitializer, this.name),
      movingMean: getInitializer(movingMeanInitializer, this.name),
      movingVariance: getInitializer(movingVarianceInitializer, this.name),
    };
  }

  /** The channel count of an input shape, checking the axis. */
  private channels(inputShape: Shape): number {
    if (this.axis !== -1 && this.axis !== inputShape.length) {
      throw new LayerwiseError(
        `${this.name}: only the last axis (axis: -1, channels last) can be normalized, but axis=${this.axis} ` +
          `for inputs of rank ${inputShape.length + 1}. Move the features to the last axis.`,
      );
    }
    return inputShape[inputShape.length - 1];
  }

  override weightShapes(inputShape: Shape): Shape[] {
    const c = this.channels(inputShape);
    return Array.from({ length: Number(this.scale) + Number(this.center) + 2 }, () => [c]);
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const channels = [this.channels(inputShape)];
      if (this.scale) this.gamma = this.addWeight('gamma', channels, this.initializers.gamma);
      if (this.center) this.beta = this.addWeight('beta', channels, this.initializers.beta);
      this.movingMean = this.addWeight('moving_mean', channels, this.initializers.movingMean, undefined, false);
      this.movingVariance = this.addWeight('moving_variance', channels, this.initializers.movingVariance, undefined, false);
      const c = channels[0];
      this.stats.mean = new Float32Array(c);
      this.stats.variance = new Float32Array(c);
      this.stats.invStd = new Float32Array(c);
    }
    super.build(inputShape);
  }

  forward(x: Tensor, fitting: boolean): Tensor {
    const training = fitting && this.trainable;
    const movingMean = this.requireBuilt(this.movingMean).value.data;
    const movingVariance = this.movingVariance!.value.data;
    const { mean, variance, invStd } = this.stats;
    if (training) {
      channelMoments(x.data, mean, variance);
      for (let k = 0; k < mean.length; k++) {
        movingMean[k] = this.momentum * movingMean[k] + (1 - this.momentum) * mean[k];
        movingVariance[k] = this.momentum * movingVariance[k] + (1 - this.momentum) * variance[k];
      }
    } else {
      mean.set(movingMean);
      variance.set(movingVariance);
    }
    for (let k = 0; k < mean.length; k++) invStd[k] = 1 / Math.sqrt(variance[k] + this.epsilon);
    const xhat = (this.xhat = this.buffer('xhat', x.shape));
    const y = this.buffer('y', x.shape);
    normalize(x.data, mean, invStd, this.gamma?.value.data, this.beta?.value.data, xhat.data, y.data);
    this.usedBatchStatistics = training;
    return y;
  }

  backward(dy: Tensor): Tensor {
    const xhat = this.requireForward(this.xhat);
    const dx = this.buffer('dx', dy.shape);
    normalizeBackward(dy.data, xhat.data, this.stats.invStd, this.gamma?.value.data, this.usedBatchStatistics, dx.data, this.gamma?.grad.data, this.beta?.grad.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      betaInitializer: initializerConfig(this.initializers.beta),
      gammaInitializer: initializerConfig(this.initializers.gamma),
      movingMeanInitializer: initializerConfig(this.initializers.movingMean),
      movingVarianceInitializer: initializerConfig(this.initializers.movingVariance),
    };
  }
}
