import type { Activation as ActivationFunction } from '../activations/activation';
import { elu, leakyRelu, relu, softmax } from '../activations/functions';
import { SOFTMAX, type ActivationKey } from '../activations/registry';
import type { Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { ActivationSlot } from './activation-slot';
import { Layer, type LayerClass, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';
import { PReLU } from './prelu';

/**
 * A layer that applies one activation function element-wise (or along an axis, for softmax).
 * The string keys and these layers share the same functions, so they can never disagree.
 */
export abstract class ActivationLayer extends Layer {
  static override readonly supportsMasking = true;
  protected readonly slot: ActivationSlot;

  /**
   * `fn` makes the function from the checked options (`given`), which a subclass cannot read before
   * this runs; it may throw, naming `layer`.
   */
  protected constructor(options: unknown, fn: (given: LayerOptions, layer: Layer) => ActivationFunction | ActivationKey) {
    super(options as LayerOptions);
    this.slot = new ActivationSlot(fn(this.given, this), this.name);
  }

  forward(x: Tensor, training: boolean): Tensor {
    return this.slot.forward(x, training);
  }

  backward(dy: Tensor, _inputGradient = true, skipOutputActivation = false): Tensor {
    return this.slot.backward(dy, skipOutputActivation);
  }

  override outputActivation(): ActivationSlot {
    return this.slot;
  }
}

/** Throws unless `ok`, with the message the kind check gives (the option's `expected` words). */
function checkNumber(layer: Layer, name: string, value: number, ok: boolean): void {
  if (!ok) {
    const expected = (layer.constructor as typeof Layer).options[name].expected;
    throw new LayerwiseError(`${layer.name}: ${name} must be ${expected}. Received: ${name}=${value}.`);
  }
}

export interface ReLUOptions extends LayerOptions {
  /** Upper bound of the output; default none. */
  maxValue?: number;
}

/**
 * max(x, 0), optionally capped at `maxValue`. Keras's ReLU also takes `negative_slope` and
 * `threshold`; layerwise's does not (use LeakyReLU for a slope).
 */
export class ReLU extends ActivationLayer {
  static override readonly className = 'ReLU';
  static override readonly options: OptionSpecs = { maxValue: optional('optionalNumber', 'a positive number') };
  static override readonly positional = 'maxValue';
  readonly maxValue?: number;

  /** `new ReLU()`, `new ReLU({ maxValue: 6 })`, or `new ReLU(6)` (Keras's first argument, `max_value`). */
  constructor(options: ReLUOptions | number = {}) {
    super(options, ({ maxValue }: ReLUOptions) => (maxValue === undefined ? 'relu' : relu(maxValue)));
    const { maxValue } = this.given as ReLUOptions;
    if (maxValue !== undefined) checkNumber(this, 'maxValue', maxValue, maxValue > 0);
    this.maxValue = maxValue;
  }

  override getConfig(): LayerConfig {
    return this.maxValue === undefined ? super.getConfig() : { ...super.getConfig(), maxValue: this.maxValue };
  }
}

export interface LeakyReLUOptions extends LayerOptions {
  /** Slope for negative inputs. Default 0.3, as Keras's and TF.js's layers. */
  alpha?: number;
  /** Keras 3's name for `alpha` (give one of the two). */
  negativeSlope?: number;
}

/** x for x > 0, alpha · x otherwise: the gradient never dies. */
export class LeakyReLU extends ActivationLayer {
  static override readonly className = 'LeakyReLU';
  static override readonly options: OptionSpecs = { alpha: optional('number', 'a finite number') };
  static override readonly positional = 'alpha';
  /** Keras 3 calls alpha `negative_slope`. */
  static override readonly aliases = { negativeSlope: 'alpha' };
  readonly alpha: number;

  /** `new LeakyReLU({ alpha: 0.2 })`, `new LeakyReLU({ negativeSlope: 0.2 })` (Keras 3's name) or `new LeakyReLU(0.2)`. */
  constructor(options: LeakyReLUOptions | number = {}) {
    super(options, ({ alpha = 0.3 }: LeakyReLUOptions) => leakyRelu(alpha));
    const { alpha = 0.3 } = this.given as LeakyReLUOptions;
    checkNumber(this, 'alpha', alpha, Number.isFinite(alpha));
    this.alpha = alpha;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface ELUOptions extends LayerOptions {
  /** Scale of the negative part. Default 1. */
  alpha?: number;
}

/** x for x > 0, alpha · (e^x − 1) otherwise. */
export class ELU extends ActivationLayer {
  static override readonly className = 'ELU';
  static override readonly options: OptionSpecs = { alpha: optional('number', 'a finite number') };
  static override readonly positional = 'alpha';
  readonly alpha: number;

  /** `new ELU({ alpha: 0.5 })` or `new ELU(0.5)`. */
  constructor(options: ELUOptions | number = {}) {
    super(options, ({ alpha = 1 }: ELUOptions) => elu(alpha));
    const { alpha = 1 } = this.given as ELUOptions;
    checkNumber(this, 'alpha', alpha, Number.isFinite(alpha));
    this.alpha = alpha;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alpha: this.alpha };
  }
}

export interface SoftmaxOptions extends LayerOptions {
  /** The axis to normalize over, counted with the batch as axis 0; default -1 (the last). */
  axis?: number;
}

/** Softmax along one axis, numerically stable. */
export class Softmax extends ActivationLayer {
  static override readonly className = 'Softmax';
  static override readonly options: OptionSpecs = { axis: optional('integer', 'a non-zero integer (axis 0 is the batch)') };
  static override readonly positional = 'axis';
  readonly axis: number;

  /** `new Softmax()`, `new Softmax({ axis: 1 })` or `new Softmax(1)`. */
  constructor(options: SoftmaxOptions | number = {}) {
    super(options, ({ axis = -1 }: SoftmaxOptions) => (axis === -1 ? SOFTMAX : softmax(axis)));
    const { axis = -1 } = this.given as SoftmaxOptions;
    checkNumber(this, 'axis', axis, axis !== 0);
    this.axis = axis;
  }

  override build(inputShape: readonly number[]): void {
    const rank = inputShape.length + 1;
    if (this.axis >= rank || this.axis < -rank) {
      throw new LayerwiseError(
        `${this.name}: axis ${this.axis} is out of range for inputs of rank ${rank} (batch included). Use -1 for the last axis.`,
      );
    }
    super.build(inputShape);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface ActivationOptions extends LayerOptions {
  /** A key of the activation registry (`'relu'`, `'leaky_relu'`, a registered key). */
  activation: ActivationKey;
}

/** Applies an activation from the registry by key, as a layer of its own. */
export class Activation extends ActivationLayer {
  static override readonly className = 'Activation';
  static override readonly options: OptionSpecs = { activation: required('activation', `an activation key (such as 'relu')`) };
  static override readonly positional = 'activation';
  readonly activation: string;

  /** `new Activation({ activation: 'relu' })` or `new Activation('relu')`. A layer given as activation is added as a layer instead. */
  constructor(options: ActivationOptions | ActivationKey) {
    super(options, (given, layer) => {
      const { activation } = given as ActivationOptions;
      if (typeof activation !== 'string') {
        const hint = (activation as unknown) instanceof Layer ? ' Add a layer to the model as a layer of its own.' : '';
        throw new LayerwiseError(`${layer.name}: activation must be an activation key (such as 'relu'). Received: activation=${describeValue(activation)}.${hint}`);
      }
      return activation;
    });
    this.activation = (this.given as ActivationOptions).activation;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), activation: this.activation };
  }
}

/**
 * Every layer class that is an activation (keeps its input's shape, computes one function of it),
 * PReLU included: the one list, read by the layer registry, by formats (an activation written as a
 * layer of its own must be one of these) and by `activationFromConfig`.
 */
export const ACTIVATION_LAYER_CLASSES: readonly LayerClass[] = [ReLU, LeakyReLU, ELU, Softmax, Activation, PReLU];

/** A saved activation layer (`{ className, config }`, as `ActivationSlot.toConfig` writes it) rebuilt as a Layer. */
export function activationFromConfig({ className, config }: { className: string; config: LayerConfig }, owner: string): Layer {
  const found = ACTIVATION_LAYER_CLASSES.find((c) => c.className === className);
  if (!found) {
    throw new LayerwiseError(
      `${owner}: the activation config names the layer class "${className}", which is not an activation layer. ` +
        `Known: ${ACTIVATION_LAYER_CLASSES.map((c) => `"${c.className}"`).join(', ')}.`,
    );
  }
  return new (found as unknown as new (config: LayerConfig) => Layer)(config);
}

/** Whether an `activation` option holds a saved activation layer rather than a key or a Layer. */
export function isActivationConfig(spec: unknown): spec is { className: string; config: LayerConfig } {
  const s = spec as { className?: unknown; config?: unknown } | null;
  return typeof s === 'object' && s !== null && !(s instanceof Layer) && typeof s.className === 'string' && typeof s.config === 'object';
}
