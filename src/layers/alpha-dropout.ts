import type { Tensor } from '../tensor/tensor';
import { Dropout, type DropoutOptions } from './dropout';

export type AlphaDropoutOptions = DropoutOptions;

/** SELU's negative saturation, −scale · alpha (Klambauer et al. 2017). */
const ALPHA_P = -1.0507009873554804934193349852946 * 1.6732632423543772848170429916717;

/**
 * Dropout for self-normalizing networks (SELU): in training each input is kept with probability
 * 1 − rate or set to SELU's saturation α' = −1.7580993408473766, then y = a · x' + b with
 * a = ((1 − rate)(1 + rate · α'²))^−½ and b = −a · α' · rate, which keep a zero-mean,
 * unit-variance input so (Keras 3's rule). `noiseShape` shares draws as in Dropout. The identity
 * in inference. TF.js 4.22 sets the dropped inputs to −α' (+1.758) in training, a sign slip, and
 * takes `noiseShape` literally (a null entry fails there).
 */
export class AlphaDropout extends Dropout {
  static override readonly className = 'AlphaDropout';

  /** `new AlphaDropout({ rate: 0.1, seed: 1 })`, or `new AlphaDropout(0.1)`. */
  constructor(options: AlphaDropoutOptions | number) {
    super(options);
  }

  /** The affine correction (a, b) for the rate. */
  private get affine(): [a: number, b: number] {
    const a = ((1 - this.rate) * (1 + this.rate * ALPHA_P * ALPHA_P)) ** -0.5;
    return [a, -a * ALPHA_P * this.rate];
  }

  /** Scales a for the kept inputs and 0 for the dropped: y = scale · x + offset, dx = scale · dy. */
  protected override drawScales(scales: Float32Array): void {
    const [a] = this.affine;
    for (let i = 0; i < scales.length; i++) scales[i] = this.rng.uniform() < this.rate ? 0 : a;
  }

  override forward(x: Tensor, training: boolean): Tensor {
    const y = super.forward(x, training);
    if (!this.mask) return y;
    const [a, b] = this.affine;
    const dropped = a * ALPHA_P + b;
    const scales = this.mask.data;
    for (let i = 0; i < y.size; i++) y.data[i] += scales[i] === 0 ? dropped : b;
    return y;
  }
}
