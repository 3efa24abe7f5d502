import { gemm } from '../tensor/kernels';
import { ACCUMULATE, ACCUMULATE_TRANSPOSED_B, Recurrent, type RecurrentOptions } from './recurrent';

/** The options of SimpleRNN: those every recurrent layer takes (see `RecurrentOptions`). */
export type SimpleRNNOptions = RecurrentOptions;

/**
 * Fully connected recurrent layer: h_t = activation(x_t · kernel + h_{t−1} · recurrent_kernel + bias),
 * the output each step's h (Keras 3's SimpleRNN; kernel [features, units], recurrent_kernel
 * [units, units], bias [units]).
 */
export class SimpleRNN extends Recurrent {
  static override readonly className = 'SimpleRNN';
  protected readonly gates = 1;

  private zs: Float32Array[] = [];
  private hs: Float32Array[] = [];

  /** `new SimpleRNN({ units: 32, returnSequences: true })`, or `new SimpleRNN(32)`. */
  constructor(options: SimpleRNNOptions | number) {
    super(options);
  }

  protected prepare(steps: number, batch: number): void {
    this.zs = this.stepBuffer('z', steps, [batch, this.units]);
    this.hs = this.stepBuffer('state0', steps + 1, [batch, this.units]);
  }

  protected stepForward(_t: number, z: Float32Array, hd: Float32Array, _prev: Float32Array[], next: Float32Array[]): void {
    const units = this.units;
    gemm(hd, this.recurrentKernel!.value.data, z, this.blockShape[0], units, units, ACCUMULATE);
    this.act!.forward(z, next[0], this.blockShape);
  }

  protected stepBackward(t: number, dz: Float32Array, dNext: Float32Array[], dPrev: Float32Array[], dHd: Float32Array): void {
    const units = this.units;
    this.act!.backward(this.zs[t], this.hs[t + 1], dNext[0], dz, this.blockShape);
    dPrev[0].fill(0);
    gemm(dz, this.recurrentKernel!.value.data, dHd, this.blockShape[0], units, units, ACCUMULATE_TRANSPOSED_B);
  }

  protected recurrentGradients(dz: readonly Float32Array[]): void {
    this.accumulateOverSteps(this.recurrentInputs, dz, this.recurrentKernel!.grad.data, this.units, this.units);
  }
}
