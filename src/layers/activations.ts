import type { Activation as ActivationFunction } from '../activations/activation';
import { elu, leakyRelu, relu, softmax } from '../activations/functions';
import { SOFTMAX, type ActivationKey } from '../activations/registry';
import type { Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { ActivationSlot } from './activation-slot';
import { Layer, type LayerClass, type LayerConfig, type LayerOptions } from './layer';
import { optional, required, type OptionSpecs } from './options';
import { PReLU } from './prelu';

/**
 * A layer that applies one activation function element-wise (or along an axis, for softmax).
 * The string keys and these layers share the same functions, so they can never disagree.
 */
export abstract class ActivationLayer extends Layer {
  protected readonly slot: ActivationSlot;

  protected constructor(fn: ActivationFunction | ActivationKey, options: LayerOptions) {
    super(options);
    this.slot = new ActivationSlot(fn, this.name);
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

function checkNumber(layer: Layer, name: string, value: number, ok: boolean, expected: string): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !ok) {
    throw new LayerwiseError(`${layer.name}: ${name} must be ${expected}. Received: ${name}=${value}.`);
  }
}

export interface ReLUOptions extends LayerOptions {
  /** Upper bound of the output; default none. */
  maxValue?: number;
}

/** max(x, 0), optionally capped at `maxValue`. */
export class ReLU extends ActivationLayer {
  static override readonly className = 'ReLU';
  static override readonly options: OptionSpecs = { maxValue: optional('optionalNumber') };
  readonly maxValue?: number;

  constructor({ maxValue, ...base }: ReLUOptions = {}) {
    super(maxValue === undefined ? 'relu' : relu(maxValue), base);
    if (maxValue !== undefined) checkNumber(this, 'maxValue', maxValue, maxValue > 0, 'a positive number');
    this.maxValue = maxValue;
  }

  override getConfig(): LayerConfig {
    return this.maxValue === undefined ? super.getConfig() : { ...super.getConfig(), maxValue: this.maxValue };
  }
}

export interface LeakyReLUOptions extends LayerOptions {
  /** Slope for negative inputs. Default 0.3, as Keras and TF.js. */
  alpha?: number;
}

/** x for x > 0, alpha · x otherwise: the gradient never dies. */
export class LeakyReLU extends ActivationLayer {
  static override readonly className = 'LeakyReLU';
  static override readonly options: OptionSpecs = { alpha: optional('number') };
  readonly alpha: number;

  constructor({ alpha = 0.3, ...base }: LeakyReLUOptions = {}) {
    super(leakyRelu(alpha), base);
    checkNumber(this, 'alpha', alpha, Number.isFinite(alpha), 'a finite number');
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
  static override readonly options: OptionSpecs = { alpha: optional('number') };
  readonly alpha: number;

  constructor({ alpha = 1, ...base }: ELUOptions = {}) {
    super(elu(alpha), base);
    checkNumber(this, 'alpha', alpha, Number.isFinite(alpha), 'a finite number');
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
  static override readonly options: OptionSpecs = { axis: optional('integer') };
  readonly axis: number;

  constructor({ axis = -1, ...base }: SoftmaxOptions = {}) {
    super(axis === -1 ? SOFTMAX : softmax(axis), base);
    checkNumber(this, 'axis', axis, Number.isInteger(axis) && axis !== 0, 'a non-zero integer (axis 0 is the batch)');
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
  static override readonly options: OptionSpecs = { activation: required('activation') };
  readonly activation: string;

  constructor({ activation, ...base }: ActivationOptions) {
    super(activation, base);
    this.activation = activation;
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
