import { residentArray } from './backend';
import { sizeOf, tensor, type Shape, type Tensor } from './tensor';

/**
 * Tensors reused across batches, one per key and shape: training allocates nothing after the
 * first batch of each size. They live in the kernels' memory where they can (backend.ts
 * residentArray), so the kernels read and write them without copies.
 */
export class BufferCache {
  private readonly buffers = new Map<string, Tensor>();

  get(key: string, shape: Shape): Tensor {
    const id = `${key}:${shape.join('x')}`;
    let t = this.buffers.get(id);
    if (!t) {
      t = tensor(residentArray(sizeOf(shape)), shape);
      this.buffers.set(id, t);
    }
    return t;
  }
}
