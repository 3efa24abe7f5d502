import type { Activation } from '../activations/activation';
import { linear } from '../activations/functions';
import { getActivation, type ActivationKey } from '../activations/registry';
import { BufferCache } from '../tensor/buffers';
import { formatShape, shapesEqual, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { Layer, type LayerConfig, type Param } from './layer';
import { toSnakeCase } from './naming';

/**
 * What an `activation` option takes: a key of the activation registry (`'leaky_relu'`,
 * `'leakyRelu'`, `'LeakyReLU'`) or a Layer instance (`new LeakyReLU({ alpha: 0.2 })`).
 *
 * A Layer instance is a template: each layer that receives it builds its own copy from the
 * instance's config, so one instance can be passed to many layers and they never share state or
 * trainable weights (each `PReLU` copy learns its own alpha). The instance itself is not changed.
 */
export type ActivationSpec = ActivationKey | Layer;

/** The serialized form of an activation: its key, or a layer's class name and config. */
export type ActivationConfig = string | { className: string; config: LayerConfig };

type LayerConstructor = new (config: LayerConfig) => Layer;

/** The settings of a layer's config that describe its function (not its name or shape). */
function settingsOf(config: LayerConfig): [string, unknown][] {
  return Object.entries(config).filter(([k]) => k !== 'name' && k !== 'trainable' && k !== 'inputShape');
}

/**
 * Applies the activation of a Dense, Conv2D or activation layer, whichever form it was given in.
 * One code path for every layer with an `activation` option.
 */
export class ActivationSlot {
  /** The function, when the activation was given as a key. */
  readonly fn?: Activation;
  /** The owned copy, when the activation was given as a Layer instance. */
  readonly layer?: Layer;
  private readonly buffers = new BufferCache();
  private x?: Tensor;
  private y?: Tensor;

  /**
   * @param spec a key, a Layer instance (copied, see `ActivationSpec`), or an activation function
   *   object; a saved `{ className, config }` is turned into a Layer instance first, by
   *   `activationFromConfig` (activations.ts), which knows the activation layer classes.
   */
  constructor(spec: ActivationSpec | Activation | undefined, readonly owner: string) {
    if (spec instanceof Layer) {
      // An own copy of the template, built from its config.
      const { inputShape: _ignored, ...config } = spec.getConfig();
      this.layer = new (spec.constructor as LayerConstructor)({ ...config, name: `${owner}/${toSnakeCase(spec.className)}` });
    } else if (spec !== undefined && typeof spec === 'object') {
      if (typeof (spec as Activation).forward !== 'function') {
        throw new LayerwiseError(
          `${owner}: activation must be a string key or a Layer instance (such as new LeakyReLU({ alpha: 0.2 })), ` +
            `but received an object of class ${(spec as object).constructor?.name ?? 'Object'}.`,
        );
      }
      this.fn = spec as Activation;
    } else {
      this.fn = getActivation(spec, owner);
    }
  }

  build(inputShape: Shape): void {
    if (!this.layer) return;
    if (!this.layer.built) this.layer.build(inputShape);
    const out = this.layer.computeOutputShape(inputShape);
    if (!shapesEqual(out, inputShape)) {
      throw new LayerwiseError(
        `${this.owner}: an activation layer must keep the shape of its input, but ${this.layer.className} ` +
          `turns ${formatShape(inputShape)} into ${formatShape(out)}. Add it to the model as a layer of its own instead.`,
      );
    }
  }

  forward(x: Tensor, training: boolean): Tensor {
    if (this.layer) return this.layer.forward(x, training);
    this.x = x;
    if (this.fn === linear) return (this.y = x);
    const y = this.buffers.get('y', x.shape);
    this.fn!.forward(x.data, y.data, x.shape);
    return (this.y = y);
  }

  /**
   * The slope for negative inputs when this activation is ReLU (0) or leaky ReLU (alpha), as a key
   * or an activation layer without weights: a kernel may then compute it along with its own
   * output, through `forwardFused`. Undefined for every other activation.
   */
  fusableSlope(): number | undefined {
    if (this.layer) return this.innerSlot()?.fusableSlope();
    const { name, config } = this.fn!;
    if (name === 'relu' && config.maxValue === undefined) return 0;
    return name === 'leaky_relu' ? config.alpha : undefined;
  }

  /**
   * `forward` for a kernel that fused this activation (see `fusableSlope`): `fill` writes the
   * output into the buffer it is given; the input `x` is remembered as `forward` would.
   */
  forwardFused(x: Tensor, fill: (y: Float32Array) => void): Tensor {
    if (this.layer) return this.innerSlot()!.forwardFused(x, fill);
    this.x = x;
    const y = this.buffers.get('y', x.shape);
    fill(y.data);
    return (this.y = y);
  }

  /** The input remembered by the last `forwardFused`, for a kernel that fuses the backward step too. */
  fusedInput(): Tensor | undefined {
    return this.layer ? this.innerSlot()!.fusedInput() : this.x;
  }

  /**
   * The slot of the owned layer when that layer is an activation and nothing else (no transform of
   * its own before it, no weights): then its function may be fused into the owner's kernel.
   */
  private innerSlot(): ActivationSlot | undefined {
    const layer = this.layer!;
    if (this.inner !== undefined) return this.inner ?? undefined;
    const inner = layer.fusedActivation() === undefined && layer.params().length === 0 ? layer.outputActivation() : undefined;
    // Known for good once the layer is built (its weights exist then); asked on every conv step.
    if (layer.built) this.inner = inner ?? null;
    return inner;
  }

  /** innerSlot's answer once the owned layer is built (null: none). */
  private inner?: ActivationSlot | null;

  /**
   * dL/dx from dL/dy. With `passThrough` (the loss read this activation's input directly: softmax
   * with cross-entropy, sigmoid with binary cross-entropy) `dy` is already dL/dx and is returned.
   */
  backward(dy: Tensor, passThrough = false): Tensor {
    if (this.layer) return this.layer.backward(dy, true, passThrough);
    if (passThrough || this.fn === linear) return dy;
    if (!this.x || !this.y) throw new LayerwiseError(`${this.owner}: backward was called before forward.`);
    const dx = this.buffers.get('dx', dy.shape);
    this.fn!.backward(this.x.data, this.y.data, dy.data, dx.data, dy.shape);
    return dx;
  }

  params(): Param[] {
    return this.layer ? this.layer.params() : [];
  }

  /** The slot whose function produces the final output, through nested activation layers. */
  head(): ActivationSlot | undefined {
    return this.layer ? this.layer.outputActivation()?.head() : this;
  }

  /** The input of the last forward call: the logits, when the function is softmax or sigmoid. */
  get lastInput(): Tensor | undefined {
    return this.x;
  }

  /** How summaries show it: `relu`, `LeakyReLU(alpha=0.2)`. */
  describe(): string {
    if (this.fn) {
      const settings = Object.entries(this.fn.config).map(([k, v]) => `${k}=${v}`);
      return settings.length ? `${this.fn.name}(${settings.join(', ')})` : this.fn.name;
    }
    const layer = this.layer!;
    return `${layer.className}(${settingsOf(layer.getConfig()).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')})`;
  }

  /** The form saved in a layer's config. */
  toConfig(): ActivationConfig {
    if (this.fn) return this.fn.name;
    return { className: this.layer!.className, config: this.layer!.getConfig() };
  }
}
