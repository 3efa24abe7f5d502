import { sizeOf, tensor, type Shape, type Tensor } from '../tensor/tensor';
import { Layer } from './layer';

/** Flattens each sample to one dimension: [batch, ...] → [batch, features]. No copy. */
export class Flatten extends Layer {
  static override readonly className = 'Flatten';

  private inputBatchShape?: Shape;

  override computeOutputShape(inputShape: Shape): Shape {
    return [sizeOf(inputShape)];
  }

  forward(x: Tensor, _training = false): Tensor {
    this.inputBatchShape = x.shape;
    return tensor(x.data, [x.shape[0], x.size / x.shape[0]]);
  }

  backward(dy: Tensor): Tensor {
    return tensor(dy.data, this.requireForward(this.inputBatchShape));
  }
}
