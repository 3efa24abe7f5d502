import { accumulateColumnSums, addRowVector, fillZeros, gemm } from '../tensor/kernels';
import type { Shape } from '../tensor/tensor';
import type { LayerConfig } from './layer';
import { optional, type OptionSpecs } from './options';
import { ACCUMULATE_TRANSPOSED_B, GatedRecurrent, type GatedRecurrentOptions } from './recurrent';

/** The options of GRU; `recurrentActivation` is that of the update and reset gates. */
export interface GRUOptions extends GatedRecurrentOptions {
  /**
   * Apply the reset gate after the recurrent product (true, Keras 3's default and cuDNN's form, with
   * separate input and recurrent biases: bias [2, 3 · units]) or before it (false: bias [3 · units]).
   * TF.js 4.22 has only false: it cannot load a GRU saved with true.
   */
  resetAfter?: boolean;
}

/**
 * Gated Recurrent Unit (Cho et al., 2014), as Keras 3's GRU. Per step, with the gates in Keras's
 * order z, r, h (the column blocks of kernel [features, 3 · units] and recurrent_kernel [units, 3 · units]):
 *
 *   z, r = recurrentActivation(x · W + h · U + b) (their blocks)
 *   resetAfter:  ĥ = activation(x · W_h + b_h + r ⊙ (h · U_h + b'_h))   (b' the recurrent bias, bias[1])
 *   otherwise:   ĥ = activation(x · W_h + b_h + (r ⊙ h) · U_h)
 *   h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ
 */
export class GRU extends GatedRecurrent {
  static override readonly className = 'GRU';
  static override readonly options: OptionSpecs = { ...GatedRecurrent.options, resetAfter: optional('boolean') };
  protected readonly gates = 3;

  readonly resetAfter: boolean;

  /** Per step, gate-major [3, batch · units]: the gates' inputs and activations, cut into z, r, h. */
  private pre: Float32Array[][] = [];
  private gate: Float32Array[][] = [];
  private hs: Float32Array[] = [];
  /** Scratch of the backward step: the gates' gradients, gate-major, cut into z, r, h. */
  private dGates: Float32Array[] = [];
  /** resetAfter: per step, the recurrent product with its bias (h · U + b') and its gradient, [batch, 3 · units]. */
  private rec: Float32Array[] = [];
  private dRec: Float32Array[] = [];
  /** resetAfter false: the recurrent kernel's z, r columns [units, 2 · units] and h columns [units, units], copied per forward. */
  private uzr: Float32Array = new Float32Array(0);
  private uh: Float32Array = new Float32Array(0);
  /** resetAfter false, per step: r ⊙ h, the gradients of the z, r products [batch, 2 · units] and of the h product [batch, units]. */
  private rh: Float32Array[] = [];
  private dRzr: Float32Array[] = [];
  private dRh: Float32Array[] = [];
  /** resetAfter false, scratch: a step's z, r product, h product, and the gradient of r ⊙ h. */
  private zr: Float32Array = new Float32Array(0);
  private hh: Float32Array = new Float32Array(0);
  private dRH: Float32Array = new Float32Array(0);

  /** `new GRU({ units: 32, returnSequences: true })`, or `new GRU(32)`. */
  constructor(options: GRUOptions | number) {
    super(options);
    this.resetAfter = (this.given as GRUOptions).resetAfter ?? true;
  }

  protected override biasShape(): Shape {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected prepare(steps: number, batch: number): void {
    const units = this.units;
    const block = batch * units;
    this.pre = this.stepBuffer('gruPre', steps, [3, block]).map((v) => this.parts(v, 3));
    this.gate = this.stepBuffer('gruGate', steps, [3, block]).map((v) => this.parts(v, 3));
    this.hs = this.stepBuffer('state0', steps + 1, [batch, units]);
    this.dGates = this.parts(this.buffer('gruDGate', [3, block]).data, 3);
    if (this.resetAfter) {
      this.rec = this.stepBuffer('gruRec', steps, [batch, 3 * units]);
      this.dRec = this.stepBuffer('gruDRec', steps, [batch, 3 * units]);
      return;
    }
    this.uzr = this.buffer('gruUzr', [units, 2 * units]).data;
    this.uh = this.buffer('gruUh', [units, units]).data;
    const u = this.recurrentKernel!.value.data;
    for (let p = 0; p < units; p++) {
      this.uzr.set(u.subarray(p * 3 * units, p * 3 * units + 2 * units), p * 2 * units);
      this.uh.set(u.subarray(p * 3 * units + 2 * units, (p + 1) * 3 * units), p * units);
    }
    this.rh = this.stepBuffer('gruRh', steps, [batch, units]);
    this.dRzr = this.stepBuffer('gruDRzr', steps, [batch, 2 * units]);
    this.dRh = this.stepBuffer('gruDRh', steps, [batch, units]);
    this.zr = this.buffer('gruZr', [batch, 2 * units]).data;
    this.hh = this.buffer('gruHh', [batch, units]).data;
    this.dRH = this.buffer('gruDRH', [batch, units]).data;
  }

  /**
   * The gate inputs of z and r, gate-major: the input projection's blocks plus the recurrent
   * product's (`rec`, rows of `recWidth` values).
   */
  private zrInputs(t: number, z: Float32Array, rec: Float32Array, recWidth: number): void {
    const units = this.units;
    const [pz, pr] = this.pre[t];
    for (let b = 0; b < this.blockShape[0]; b++) {
      const row = b * 3 * units;
      const recRow = b * recWidth;
      for (let j = 0; j < units; j++) {
        pz[b * units + j] = z[row + j] + rec[recRow + j];
        pr[b * units + j] = z[row + units + j] + rec[recRow + units + j];
      }
    }
    this.recurrent!.forward(pz, this.gate[t][0], this.blockShape);
    this.recurrent!.forward(pr, this.gate[t][1], this.blockShape);
  }

  protected stepForward(t: number, z: Float32Array, hd: Float32Array, prev: Float32Array[], next: Float32Array[]): void {
    const units = this.units;
    const batch = this.blockShape[0];
    const [, r] = this.gate[t];
    const ph = this.pre[t][2];
    if (this.resetAfter) {
      const rec = this.rec[t];
      gemm(hd, this.recurrentKernel!.value.data, rec, batch, 3 * units, units);
      if (this.bias) addRowVector(rec, this.parts(this.bias.value.data, 2)[1], rec, batch);
      this.zrInputs(t, z, rec, 3 * units);
      for (let b = 0; b < batch; b++) {
        const row = b * 3 * units + 2 * units;
        for (let j = 0; j < units; j++) ph[b * units + j] = z[row + j] + r[b * units + j] * rec[row + j];
      }
    } else {
      gemm(hd, this.uzr, this.zr, batch, 2 * units, units);
      this.zrInputs(t, z, this.zr, 2 * units);
      const rh = this.rh[t];
      for (let k = 0; k < rh.length; k++) rh[k] = r[k] * hd[k];
      gemm(rh, this.uh, this.hh, batch, units, units);
      for (let b = 0; b < batch; b++) {
        const row = b * 3 * units + 2 * units;
        for (let j = 0; j < units; j++) ph[b * units + j] = z[row + j] + this.hh[b * units + j];
      }
    }
    const [u, , hc] = this.gate[t];
    this.act!.forward(ph, hc, this.blockShape);
    const [hPrev, h] = [prev[0], next[0]];
    for (let k = 0; k < h.length; k++) h[k] = u[k] * hPrev[k] + (1 - u[k]) * hc[k];
  }

  protected stepBackward(t: number, dz: Float32Array, dNext: Float32Array[], dPrev: Float32Array[], dHd: Float32Array): void {
    const units = this.units;
    const batch = this.blockShape[0];
    const dh = dNext[0];
    const [u, r, hc] = this.gate[t];
    const ph = this.pre[t][2];
    const [du, dr, dhc] = this.dGates;
    const hPrev = this.hs[t];
    for (let k = 0; k < dh.length; k++) {
      dhc[k] = dh[k] * (1 - u[k]);
      du[k] = dh[k] * (hPrev[k] - hc[k]);
      dPrev[0][k] = dh[k] * u[k];
    }
    this.act!.backward(ph, hc, dhc, dhc, this.blockShape);
    const kernel = this.recurrentKernel!.value.data;
    if (this.resetAfter) {
      const [rec, dRec] = [this.rec[t], this.dRec[t]];
      for (let b = 0; b < batch; b++) {
        const row = b * 3 * units + 2 * units;
        for (let j = 0; j < units; j++) {
          const k = b * units + j;
          dr[k] = dhc[k] * rec[row + j];
          dRec[row + j] = dhc[k] * r[k];
        }
      }
      this.zrBackward(t, dz, dRec, 3 * units);
      gemm(dRec, kernel, dHd, batch, units, 3 * units, ACCUMULATE_TRANSPOSED_B);
      return;
    }
    // (r ⊙ h) · U_h: its gradient dhc reaches r and h through dRH = dhc · U_hᵀ.
    this.dRh[t].set(dhc);
    gemm(dhc, this.uh, this.dRH, batch, units, units, { transB: true });
    const hd = this.recurrentInputs[t];
    for (let k = 0; k < dr.length; k++) {
      dr[k] = this.dRH[k] * hd[k];
      dHd[k] += this.dRH[k] * r[k];
    }
    this.zrBackward(t, dz, this.dRzr[t], 2 * units);
    gemm(this.dRzr[t], this.uzr, dHd, batch, units, 2 * units, ACCUMULATE_TRANSPOSED_B);
  }

  /**
   * Through the z and r activations; writes dz (all three blocks, h's from dGates) and the z, r
   * blocks of the recurrent product's gradient `dRec` (rows of `recWidth`).
   */
  private zrBackward(t: number, dz: Float32Array, dRec: Float32Array, recWidth: number): void {
    const units = this.units;
    const [u, r] = this.gate[t];
    const [pz, pr] = this.pre[t];
    const [du, dr, dhc] = this.dGates;
    this.recurrent!.backward(pz, u, du, du, this.blockShape);
    this.recurrent!.backward(pr, r, dr, dr, this.blockShape);
    for (let b = 0; b < this.blockShape[0]; b++) {
      const row = b * 3 * units;
      const recRow = b * recWidth;
      for (let j = 0; j < units; j++) {
        const k = b * units + j;
        dz[row + j] = dRec[recRow + j] = du[k];
        dz[row + units + j] = dRec[recRow + units + j] = dr[k];
        dz[row + 2 * units + j] = dhc[k];
      }
    }
  }

  protected recurrentGradients(dz: readonly Float32Array[]): void {
    const units = this.units;
    const grad = this.recurrentKernel!.grad.data;
    const hd = this.recurrentInputs;
    if (this.resetAfter) {
      this.accumulateOverSteps(hd, this.dRec, grad, units, 3 * units);
      const all = this.buffer('gruDRec', [dz.length, this.blockShape[0], 3 * units]).data;
      if (this.bias) accumulateColumnSums(all, this.parts(this.bias.grad.data, 2)[1], dz.length * this.blockShape[0]);
      return;
    }
    const dUzr = this.buffer('gruDUzr', [units, 2 * units]).data;
    const dUh = this.buffer('gruDUh', [units, units]).data;
    fillZeros(dUzr);
    fillZeros(dUh);
    this.accumulateOverSteps(hd, this.dRzr, dUzr, units, 2 * units);
    this.accumulateOverSteps(this.rh, this.dRh, dUh, units, units);
    for (let p = 0; p < units; p++) {
      for (let j = 0; j < 2 * units; j++) grad[p * 3 * units + j] += dUzr[p * 2 * units + j];
      for (let j = 0; j < units; j++) grad[p * 3 * units + 2 * units + j] += dUh[p * units + j];
    }
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), resetAfter: this.resetAfter };
  }
}
