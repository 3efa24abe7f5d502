import type { Shape } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { PLAIN_LAYER_CLASSES, type LayerConstructor } from './layer-classes';
import { required, type OptionSpecs } from './options';

/** A layer in its saved form: its class name and its config (what a wrapper's `getConfig` writes). */
export interface SavedLayer {
  className: string;
  config: Partial<LayerConfig> & Record<string, unknown>;
}

/** What a wrapper's `layer` option takes: a Layer instance, or a saved `{ className, config }`. */
export type WrappedLayerSpec = Layer | SavedLayer;

export interface WrapperOptions extends LayerOptions {
  /** The layer to wrap: an instance (`new LSTM({ units: 8 })`) or its saved `{ className, config }`. */
  layer: WrappedLayerSpec;
}

/**
 * The saved form of a layer, as wrappers write it into their config: its class name and config,
 * under `name`, without an input shape (a wrapped layer takes its wrapper's input).
 */
export function savedLayer(layer: Layer, name = layer.name): { className: string; config: LayerConfig } {
  const { inputShape: _ignored, ...config } = layer.getConfig();
  return { className: layer.className, config: { ...config, name } };
}

/** The class a saved layer names, among those that hold no other layer; `where` and `option` name the wrapper's option in errors. */
export function wrappedClass(className: string, where: string, option: string): LayerConstructor {
  const layerClass = PLAIN_LAYER_CLASSES.get(className);
  if (!layerClass) {
    throw new LayerwiseError(
      `${where}: ${option} names the layer class "${className}", which is not one a wrapper can rebuild from a config ` +
        `(${[...PLAIN_LAYER_CLASSES.keys()].join(', ')}). A wrapper inside a wrapper cannot be rebuilt from its config: pass it as a Layer instance.`,
    );
  }
  return layerClass;
}

/** The layer a wrapper's option gives: the instance itself, or a new layer built from a saved `{ className, config }`. */
export function layerFromSpec(spec: WrappedLayerSpec, where: string, option: string): Layer {
  if (spec instanceof Layer) return spec;
  const saved = spec as Partial<SavedLayer>;
  if (typeof saved.className !== 'string' || typeof saved.config !== 'object' || saved.config === null) {
    throw new LayerwiseError(
      `${where}: ${option} must be a Layer instance (such as new LSTM({ units: 8 })) or a saved { className, config }. Received: ${describeValue(spec)}.`,
    );
  }
  const { inputShape: _ignored, ...config } = saved.config;
  const layerClass = wrappedClass(saved.className, where, option);
  try {
    return new layerClass(config as LayerConfig);
  } catch (error) {
    if (error instanceof LayerwiseError) throw new LayerwiseError(`${where}: ${option} (a ${saved.className}) cannot be built: ${error.message}`);
    throw error;
  }
}

/**
 * The built wrapper using each held layer. A layer keeps from its forward pass what its backward
 * pass reads, so one instance serves one place: a second wrapper building it would overwrite that
 * state between the first's forward and backward passes (silently wrong gradients).
 */
const users = new WeakMap<Layer, Layer>();

/**
 * The base of the layers that hold other layers (Keras's `Wrapper`): Bidirectional and
 * TimeDistributed. It owns what holding means, so that the subclasses only compute:
 * - `trainable` follows Keras: setting the wrapper's sets the held layers';
 * - `params()` gives the held layers' weights (the same tensors) under names the file formats use,
 *   made once when the wrapper is built (an optimizer keeps its state by parameter);
 * - weight regularizers and constraints of the held layers apply;
 * - errors of a held layer are reported with the wrapper's name in front.
 */
export abstract class Wrapper extends Layer {
  static override readonly options: OptionSpecs = { layer: required('layer') };

  /** The layers this wrapper holds, in weight order; set by the subclass's constructor through `hold`. */
  private held?: readonly Layer[];
  private wrapped?: Param[];

  override get trainable(): boolean {
    return super.trainable;
  }

  override set trainable(value: boolean) {
    super.trainable = value;
    // The base constructor sets it before the subclass holds anything.
    for (const layer of this.held ?? []) layer.trainable = value;
  }

  override heldLayers(): readonly Layer[] {
    return this.held ?? [];
  }

  /** Records the held layers; a wrapper made not trainable makes them not trainable (Keras). */
  protected hold(...layers: Layer[]): void {
    this.held = layers;
    if (!this.trainable) for (const layer of layers) layer.trainable = false;
  }

  /** The file name of a held layer's weight (without the wrapper's name): `forward_lstm_1/kernel`, or `kernel`. */
  protected abstract weightName(layer: Layer, param: Param): string;

  /**
   * Builds the held layers for their input shapes (checked first, so that a failed build adds no
   * weights), then the wrapper. A layer another built wrapper uses already fails.
   */
  protected buildHeld(inputShape: Shape, layers: readonly [Layer, Shape][]): void {
    if (!this.built) {
      for (const [layer] of layers) {
        const user = users.get(layer);
        if (user && user !== this) {
          throw new LayerwiseError(
            `${this.name}: ${layer.name} is used by ${user.name} already, and a layer instance serves one place only (its forward pass ` +
              `keeps what its backward pass reads). Wrap a new layer: new ${layer.className}(...) with the same options.`,
          );
        }
      }
      // The wrapper's output shape (and its size) asks every held layer for its own, and checks how they combine.
      this.report(() => this.checkOutputSize(inputShape));
      this.report(() => layers.forEach(([layer, shape]) => layer.build(shape)));
      this.wrapped = layers.flatMap(([layer]) => layer.params().map((p) => this.wrap(layer, p)));
      for (const [layer] of layers) users.set(layer, this);
    }
    super.build(inputShape);
  }

  private wrap(layer: Layer, param: Param): Param {
    const wrapper = this;
    return {
      name: `${this.name}/${this.weightName(layer, param)}`,
      value: param.value,
      grad: param.grad,
      get trainable() {
        return wrapper.trainable && param.trainable;
      },
    };
  }

  /** Runs `f`, putting the wrapper's name in front of a held layer's error. */
  protected report<T>(f: () => T): T {
    try {
      return f();
    } catch (error) {
      if (error instanceof LayerwiseError && !error.message.startsWith(`${this.name}:`) && !error.message.startsWith(`${this.name} (`)) {
        throw new LayerwiseError(`${this.name} (${this.className}): ${error.message}`);
      }
      throw error;
    }
  }

  override params(): Param[] {
    return [...(this.wrapped ?? [])];
  }

  override regularizationLoss(accumulateGrad: boolean): number {
    return (this.held ?? []).reduce((sum, layer) => sum + layer.regularizationLoss(accumulateGrad), 0);
  }

  override applyConstraints(): void {
    for (const layer of this.held ?? []) layer.applyConstraints();
  }
}
