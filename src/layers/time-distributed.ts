import type { ActivationSlot } from './activation-slot';
import { formatShape, reshape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { Layer, LayerConfig, Param } from './layer';
import { layerFromSpec, savedLayer, Wrapper, type WrapperOptions } from './wrapper';

export type TimeDistributedOptions = WrapperOptions;

/**
 * Applies one layer to every step of a sequence: input [batch, steps, ...rest], the layer sees
 * [batch · steps, ...rest] (the steps folded into the batch, without copying) and its output is
 * unfolded to [batch, steps, ...out]. `new TimeDistributed({ layer: new Dense(8) })` on
 * [steps, features], or a Conv2D on [steps, height, width, channels]. The same weights serve
 * every step. A mask passes through unchanged (Keras's `supports_masking`); the layer itself
 * receives none.
 *
 * The layer given as an instance is the one used (Keras), so it must not be used elsewhere.
 * TF.js writes its weights under the wrapper's name (`time_distributed_1/kernel`), as layerwise does.
 */
export class TimeDistributed extends Wrapper {
  static override readonly className = 'TimeDistributed';
  static override readonly supportsMasking = true;
  static override readonly positional = 'layer';

  /** The layer applied at each step. */
  readonly layer: Layer;
  /** The input's shape and the held layer's output's (steps folded into the batch), of the last forward pass. */
  private shapes?: { input: Shape; folded: Shape };

  /** `new TimeDistributed({ layer: new Dense(8) })`, or `new TimeDistributed(new Dense(8))`. */
  constructor(options: TimeDistributedOptions | Layer) {
    super(options as TimeDistributedOptions);
    this.layer = layerFromSpec((this.given as TimeDistributedOptions).layer, this.name, 'layer');
    this.hold(this.layer);
  }

  /** The per-step shape (the sample's shape without its steps). */
  private stepShape(inputShape: Shape): Shape {
    if (inputShape.length < 2) {
      throw new LayerwiseError(
        `${this.name}: expected sequences [steps, ...features] (at least two dimensions a sample), but received ${formatShape(inputShape)}. ` +
          `TimeDistributed applies ${this.layer.name} to each step; put a Reshape before it, or use ${this.layer.className} alone.`,
      );
    }
    return inputShape.slice(1);
  }

  override computeOutputShape(inputShape: Shape): Shape {
    const step = this.stepShape(inputShape);
    return [inputShape[0], ...this.report(() => this.layer.computeOutputShape(step))];
  }

  override build(inputShape: Shape): void {
    this.buildHeld(inputShape, [[this.layer, this.stepShape(inputShape)]]);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    return this.report(() => this.layer.weightShapes(this.stepShape(inputShape)));
  }

  protected weightName(layer: Layer, param: Param): string {
    return param.name.slice(layer.name.length + 1);
  }

  /** The mask (of the steps) is not the held layer's business: it sees single steps. */
  forward(x: Tensor, training: boolean, _mask?: Tensor): Tensor {
    const built = this.requireBuilt(this.buildShape);
    if (x.shape.length !== built.length + 1) {
      throw new LayerwiseError(`${this.name}: expected inputs [batch, ${built.join(', ')}], as the layer was built for, but received shape [${x.shape.join(', ')}].`);
    }
    const [batch, steps] = x.shape;
    const y = this.report(() => this.layer.forward(reshape(x, [batch * steps, ...x.shape.slice(2)]), training));
    this.shapes = { input: x.shape, folded: y.shape };
    return reshape(y, [batch, steps, ...y.shape.slice(1)]);
  }

  backward(dy: Tensor, inputGradient = true, skipOutputActivation = false): Tensor {
    const { input, folded } = this.requireForward(this.shapes);
    const dx = this.layer.backward(reshape(dy, folded), inputGradient, skipOutputActivation);
    // Without inputGradient the layer's buffer holds nothing anyone reads, of any size.
    return inputGradient ? reshape(dx, input) : dx;
  }

  /** The held layer's output activation: a softmax there is the model's output activation (fused with cross-entropy). */
  override outputActivation(): ActivationSlot | undefined {
    return this.layer.outputActivation();
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), layer: savedLayer(this.layer) };
  }
}
