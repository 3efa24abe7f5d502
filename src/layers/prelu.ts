import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { prelu, preluBackward } from '../tensor/kernels';
import type { Shape, Tensor } from '../tensor/tensor';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, type OptionSpecs } from './options';

export interface PReLUOptions extends LayerOptions {
  /** Initial slopes for negative inputs. Default `'zeros'`, as Keras. */
  alphaInitializer?: InitializerSpec;
}

/**
 * Leaky ReLU with a learned slope per unit: x for x > 0, alpha · x otherwise, where alpha has the
 * shape of one sample (He et al., 2015).
 */
export class PReLU extends Layer {
  static override readonly className = 'PReLU';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = { alphaInitializer: optional('initializer') };

  private readonly alphaInitializer: Initializer;
  private alpha?: Param;
  private x?: Tensor;

  constructor(options: PReLUOptions = {}) {
    super(options);
    const { alphaInitializer = 'zeros' } = this.given as PReLUOptions;
    this.alphaInitializer = getInitializer(alphaInitializer, this.name);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    return [inputShape];
  }

  override build(inputShape: Shape): void {
    if (!this.built) this.alpha = this.addWeight('alpha', inputShape, this.alphaInitializer);
    super.build(inputShape);
  }

  forward(x: Tensor, _training = false): Tensor {
    const alpha = this.requireBuilt(this.alpha);
    const y = this.buffer('y', x.shape);
    prelu(x.data, alpha.value.data, y.data);
    this.x = x;
    return y;
  }

  /** The input of the last forward call (read by DeadUnitMonitor, as `ActivationSlot.lastInput`). */
  get lastInput(): Tensor | undefined {
    return this.x;
  }

  backward(dy: Tensor): Tensor {
    const x = this.requireForward(this.x);
    const { value, grad } = this.alpha!;
    const dx = this.buffer('dx', dy.shape);
    preluBackward(x.data, value.data, dy.data, dx.data, grad.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), alphaInitializer: initializerConfig(this.alphaInitializer) };
  }
}
