import { sigmoid, tanh } from '../activations/functions';
import type { Initializer } from '../initializers';
import { gemm } from '../tensor/kernels';
import { tensor } from '../tensor/tensor';
import type { LayerConfig } from './layer';
import { optional, type OptionSpecs } from './options';
import { ACCUMULATE, ACCUMULATE_TRANSPOSED_B, fromGateMajor, gateSigmoid, gateTanh, GatedRecurrent, toGateMajor, type GatedRecurrentOptions } from './recurrent';

/** The options of LSTM; `recurrentActivation` is that of the input, forget and output gates. */
export interface LSTMOptions extends GatedRecurrentOptions {
  /** Initialize the forget gate's bias to 1 (Jozefowicz et al., 2015), as Keras. Default true (TF.js: false). */
  unitForgetBias?: boolean;
}

/**
 * Long Short-Term Memory layer (Hochreiter & Schmidhuber, 1997), as Keras 3's LSTM. Per step, with
 * the gates in Keras's order i, f, c, o (the column blocks of kernel [features, 4 · units],
 * recurrent_kernel [units, 4 · units] and bias [4 · units]):
 *
 *   i, f, o = recurrentActivation(x · W + h · U + b) (their blocks); g = activation(the c block)
 *   c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ activation(c_t)
 *
 * The output is h. TF.js's defaults differ (recurrentActivation 'hardSigmoid', unitForgetBias
 * false); given the same settings, it computes the same.
 */
export class LSTM extends GatedRecurrent {
  static override readonly className = 'LSTM';
  static override readonly options: OptionSpecs = { ...GatedRecurrent.options, unitForgetBias: optional('boolean') };
  protected readonly gates = 4;
  protected override readonly stateCount = 2;

  readonly unitForgetBias: boolean;
  /** Whether the activations are the registry's sigmoid and tanh (the defaults), which one fused loop computes inline. */
  private fused = false;

  /** Per step, gate-major [4, batch · units]: the gates' inputs, and the same cut into the four gates. */
  private preSteps: Float32Array[] = [];
  private pre: Float32Array[][] = [];
  /** Per step, the gates' activations, cut into the four gates. */
  private gate: Float32Array[][] = [];
  /** Per step, activation(c_t). */
  private tc: Float32Array[] = [];
  private cs: Float32Array[] = [];
  /** Scratch of the backward step: the gates' gradients (gate-major, whole and cut) and that of activation(c_t). */
  private dGate: Float32Array = new Float32Array(0);
  private dGates: Float32Array[] = [];
  private dTc: Float32Array = new Float32Array(0);

  /** `new LSTM({ units: 64, returnSequences: true })`, or `new LSTM(64)`. */
  constructor(options: LSTMOptions | number) {
    super(options);
    this.unitForgetBias = (this.given as LSTMOptions).unitForgetBias ?? true;
  }

  protected override resolveActivations(): void {
    super.resolveActivations();
    this.fused = this.recurrent === sigmoid && this.act === tanh;
  }

  /** With unitForgetBias, the bias initializer's values for i, then ones for f, then its values for c and o (Keras). */
  protected override biasInitializerForBuild(): Initializer {
    if (!this.unitForgetBias) return this.biasInitializer;
    const base = this.biasInitializer;
    const units = this.units;
    return {
      className: base.className,
      config: base.config,
      init: (shape, rng) => {
        const values = new Float32Array(4 * units);
        values.set(base.init([units], rng).data, 0);
        values.fill(1, units, 2 * units);
        values.set(base.init([2 * units], rng).data, 2 * units);
        return tensor(values, shape);
      },
    };
  }

  protected prepare(steps: number, batch: number): void {
    const block = batch * this.units;
    this.preSteps = this.stepBuffer('lstmPre', steps, [4, block]);
    this.pre = this.preSteps.map((v) => this.parts(v, 4));
    this.gate = this.stepBuffer('lstmGate', steps, [4, block]).map((v) => this.parts(v, 4));
    this.tc = this.stepBuffer('lstmTc', steps, [block]);
    this.cs = this.stepBuffer('state1', steps + 1, [batch, this.units]);
    this.dGate = this.buffer('lstmDGate', [4, block]).data;
    this.dGates = this.parts(this.dGate, 4);
    this.dTc = this.buffer('lstmDTc', [block]).data;
  }

  protected stepForward(t: number, z: Float32Array, hd: Float32Array, prev: Float32Array[], next: Float32Array[]): void {
    const units = this.units;
    const shape = this.blockShape;
    gemm(hd, this.recurrentKernel!.value.data, z, shape[0], 4 * units, units, ACCUMULATE);
    if (this.fused) return this.fusedForward(t, z, prev[1], next);
    toGateMajor(z, this.preSteps[t], shape[0], 4, units);
    const p = this.pre[t];
    const [i, f, g, o] = this.gate[t];
    const recurrent = this.recurrent!;
    recurrent.forward(p[0], i, shape);
    recurrent.forward(p[1], f, shape);
    this.act!.forward(p[2], g, shape);
    recurrent.forward(p[3], o, shape);
    const [cPrev, c, h, tc] = [prev[1], next[1], next[0], this.tc[t]];
    for (let k = 0; k < c.length; k++) c[k] = f[k] * cPrev[k] + i[k] * g[k];
    this.act!.forward(c, tc, shape);
    for (let k = 0; k < h.length; k++) h[k] = o[k] * tc[k];
  }

  /**
   * stepForward's gate maths for sigmoid gates and tanh, in one pass over z (row-major) without the
   * gate-major copy of the gates' inputs, which the derivatives of sigmoid and tanh do not need
   * (they come from the outputs), with the cheaper gateSigmoid and gateTanh (within 2e-9 of the
   * registry's functions). The tests compare it with the general path.
   */
  private fusedForward(t: number, z: Float32Array, cPrev: Float32Array, next: Float32Array[]): void {
    const units = this.units;
    const [gi, gf, gg, go] = this.gate[t];
    const tc = this.tc[t];
    const c = next[1];
    const h = next[0];
    const batch = this.blockShape[0];
    for (let b = 0; b < batch; b++) {
      const row = 4 * units * b;
      for (let j = 0; j < units; j++) {
        const k = b * units + j;
        const i = gateSigmoid(z[row + j]);
        const f = gateSigmoid(z[row + units + j]);
        const g = gateTanh(z[row + 2 * units + j]);
        const o = gateSigmoid(z[row + 3 * units + j]);
        gi[k] = i;
        gf[k] = f;
        gg[k] = g;
        go[k] = o;
        const cell = f * cPrev[k] + i * g;
        c[k] = cell;
        const squashed = gateTanh(cell);
        tc[k] = squashed;
        h[k] = o * squashed;
      }
    }
  }

  /** stepBackward's gate maths for sigmoid gates and tanh (see fusedForward): writes dz row-major and dc_{t−1}. */
  private fusedBackward(t: number, dz: Float32Array, dNext: Float32Array[], dcPrev: Float32Array): void {
    const units = this.units;
    const [gi, gf, gg, go] = this.gate[t];
    const tc = this.tc[t];
    const cPrev = this.cs[t];
    const [dh, dc] = dNext;
    const batch = this.blockShape[0];
    for (let b = 0; b < batch; b++) {
      const row = 4 * units * b;
      for (let j = 0; j < units; j++) {
        const k = b * units + j;
        const i = gi[k];
        const f = gf[k];
        const g = gg[k];
        const o = go[k];
        const squashed = tc[k];
        const dcTotal = dh[k] * o * (1 - squashed * squashed) + dc[k];
        dz[row + j] = dcTotal * g * i * (1 - i);
        dz[row + units + j] = dcTotal * cPrev[k] * f * (1 - f);
        dz[row + 2 * units + j] = dcTotal * i * (1 - g * g);
        dz[row + 3 * units + j] = dh[k] * squashed * o * (1 - o);
        dcPrev[k] = dcTotal * f;
      }
    }
  }

  protected stepBackward(t: number, dz: Float32Array, dNext: Float32Array[], dPrev: Float32Array[], dHd: Float32Array): void {
    const units = this.units;
    const shape = this.blockShape;
    if (this.fused) this.fusedBackward(t, dz, dNext, dPrev[1]);
    else this.generalBackward(t, dz, dNext, dPrev[1]);
    dPrev[0].fill(0);
    gemm(dz, this.recurrentKernel!.value.data, dHd, shape[0], units, 4 * units, ACCUMULATE_TRANSPOSED_B);
  }

  /** The gate maths of stepBackward for any activations: through the gate-major gradients and each activation's backward. */
  private generalBackward(t: number, dz: Float32Array, dNext: Float32Array[], dcPrev: Float32Array): void {
    const shape = this.blockShape;
    const [dh, dc] = dNext;
    const [i, f, g, o] = this.gate[t];
    const [di, df, dg, dO] = this.dGates;
    const [tc, c, cPrev, dTc] = [this.tc[t], this.cs[t + 1], this.cs[t], this.dTc];
    for (let k = 0; k < dh.length; k++) {
      dO[k] = dh[k] * tc[k];
      dTc[k] = dh[k] * o[k];
    }
    this.act!.backward(c, tc, dTc, dTc, shape);
    for (let k = 0; k < dh.length; k++) {
      const dcTotal = dTc[k] + dc[k];
      di[k] = dcTotal * g[k];
      df[k] = dcTotal * cPrev[k];
      dg[k] = dcTotal * i[k];
      dcPrev[k] = dcTotal * f[k];
    }
    const p = this.pre[t];
    const recurrent = this.recurrent!;
    recurrent.backward(p[0], i, di, di, shape);
    recurrent.backward(p[1], f, df, df, shape);
    this.act!.backward(p[2], g, dg, dg, shape);
    recurrent.backward(p[3], o, dO, dO, shape);
    fromGateMajor(this.dGate, dz, shape[0], 4, this.units);
  }

  protected recurrentGradients(dz: readonly Float32Array[]): void {
    this.accumulateOverSteps(this.recurrentInputs, dz, this.recurrentKernel!.grad.data, this.units, 4 * this.units);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), unitForgetBias: this.unitForgetBias };
  }
}
