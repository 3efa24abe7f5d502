import { zeros, type Shape, type Tensor } from './tensor';

/**
 * Tensors reused across batches, one per key and shape: training allocates nothing after the
 * first batch of each size.
 */
export class BufferCache {
  private readonly buffers = new Map<string, Tensor>();

  get(key: string, shape: Shape): Tensor {
    const id = `${key}:${shape.join('x')}`;
    let t = this.buffers.get(id);
    if (!t) {
      t = zeros(shape);
      this.buffers.set(id, t);
    }
    return t;
  }
}
