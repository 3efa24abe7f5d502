import type { Activation } from '../activations/activation';
import { constraintConfig, getConstraint, type Constraint, type ConstraintSpec } from '../constraints';
import { getInitializer, initializerConfig, type Initializer, type InitializerSpec } from '../initializers';
import { getRegularizer, regularizerConfig, type Regularizer, type RegularizerSpec } from '../regularizers';
import { accumulateColumnSums, addRowVector, dropoutMask, gemm, multiply } from '../tensor/kernels';
import { rngFor, type Rng } from '../tensor/random';
import { formatShape, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { isOptionsObject } from '../util/options';
import { ActivationSlot, type ActivationConfig, type ActivationSpec } from './activation-slot';
import { activationFromConfig, isActivationConfig } from './activations';
import { Layer, type LayerConfig, type LayerOptions, type Param } from './layer';
import { optional, required, type OptionSpecs } from './options';

/** The options SimpleRNN, LSTM and GRU share (Keras 3's names and defaults). */
export interface RecurrentOptions extends LayerOptions {
  /** Size of the state and of each step's output. */
  units: number;
  /** The activation of the candidate state (and, in an LSTM, of the cell state): a key or a Layer instance without weights. Default `'tanh'`. */
  activation?: ActivationSpec | ActivationConfig;
  /** Whether to add bias vectors. Default true. */
  useBias?: boolean;
  /** Initializer of `kernel` [features, gates · units]. Default `'glorotUniform'`. */
  kernelInitializer?: InitializerSpec;
  /** Initializer of `recurrent_kernel` [units, gates · units]. Default `'orthogonal'`. */
  recurrentInitializer?: InitializerSpec;
  /** Initializer of `bias`. Default `'zeros'`. */
  biasInitializer?: InitializerSpec;
  /** Fraction of the input features dropped in training, one mask per sample for the whole sequence. Default 0. */
  dropout?: number;
  /** Fraction of the state units dropped before the recurrent products in training, one mask per sample for the whole sequence. Default 0. */
  recurrentDropout?: number;
  /** Output every step ([batch, steps, units]) instead of the last ([batch, units]). Default false. */
  returnSequences?: boolean;
  /** Read the sequence from its last step to its first; the steps of the output are then in that order too (Keras). Default false. */
  goBackwards?: boolean;
  /**
   * At a masked step, output zeros instead of the previous step's output (the state is carried
   * either way). Default false; Keras's Bidirectional sets it to `returnSequences`.
   */
  zeroOutputForMask?: boolean;
  /** Seed of the initializers and of the dropout masks; without it they draw from the global stream. */
  seed?: number;
  /** A penalty on `kernel`, added to the loss `fit` reports: `'l2'`, `regularizers.l2({ l2: 1e-4 })`. Default none. */
  kernelRegularizer?: RegularizerSpec | null;
  /** A penalty on `recurrent_kernel`. Default none. */
  recurrentRegularizer?: RegularizerSpec | null;
  /** A penalty on `bias`. Default none. */
  biasRegularizer?: RegularizerSpec | null;
  /** A projection of `kernel` after each optimizer step: `'nonNeg'`, `constraints.maxNorm({ maxValue: 2 })`. Default none. */
  kernelConstraint?: ConstraintSpec | null;
  /** A projection of `recurrent_kernel` after each optimizer step. Default none. */
  recurrentConstraint?: ConstraintSpec | null;
  /** A projection of `bias` after each optimizer step. Default none. */
  biasConstraint?: ConstraintSpec | null;
}

/** The options of each weight's regularizer and constraint, in the order of the weights. */
const WEIGHT_OPTIONS = [
  ['kernelRegularizer', 'kernelConstraint'],
  ['recurrentRegularizer', 'recurrentConstraint'],
  ['biasRegularizer', 'biasConstraint'],
] as const;

/** Keras options that have no meaning for a layer in a layerwise model, and why. */
const REFUSED: Readonly<Record<string, string>> = {
  returnState:
    'layerwise models pass one tensor from layer to layer, so a layer cannot return its states as well. ' +
    'Use returnSequences: true for the output of every step, or the default for the last step.',
  stateful: 'the state starts at zeros for every batch (Keras\'s default). To carry state further, train on longer sequences.',
  unroll: 'the time loop always runs over typed arrays; there is nothing to unroll. Remove the option.',
  timeMajor: 'inputs are [batch, steps, features]. Transpose the data instead.',
};

/**
 * The options with the refused Keras options checked: set to their "off" value (false) they are
 * dropped, set otherwise they fail with the reason. Runs before the generic option check, which
 * would only say that the key is unknown.
 */
function withoutRefused(className: string, options: unknown): unknown {
  if (!isOptionsObject(options)) return options;
  const given = options as Record<string, unknown>;
  const out = { ...given };
  for (const [key, reason] of Object.entries(REFUSED)) {
    if (!(key in given)) continue;
    if (given[key] !== false && given[key] !== undefined) {
      const where = typeof given.name === 'string' && given.name !== '' ? given.name : className;
      throw new LayerwiseError(`${where}: ${className} does not take ${key}: ${reason}`);
    }
    delete out[key];
  }
  return out;
}

const MAGIC_ROUND = 6755399441055744; // 1.5 · 2^52: (v + it) − it rounds v to the nearest integer in float64
/** 2^k for k in [−150, 150], at k + 150. */
const POW2 = Float64Array.from({ length: 301 }, (_, i) => 2 ** (i - 150));

/**
 * e^t − 1 split as s · q + (s − 1), with s = 2^k and q = e^r − 1 for t = k · ln 2 + r, |r| ≤ ln 2 / 2:
 * the degree-8 Taylor polynomial of e^r − 1 (relative error below 1e-9 there). Written without
 * the leading 1, it stays exact near 0, where e^t − 1 would cancel. |t| ≤ 103.
 */
function expm1Small(t: number): number {
  const k = t * Math.LOG2E + MAGIC_ROUND - MAGIC_ROUND;
  const r = t - k * Math.LN2;
  const q = r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r / 40320)))))));
  const s = POW2[k + 150];
  return s * q + (s - 1);
}

/**
 * The logistic sigmoid for the gate loops, 1 / (2 + expm1(−x)): within 2e-9 of 1 / (1 + e^−x)
 * (relative, where the value is a normal float32), at half the cost of Math.exp in V8.
 */
export function gateSigmoid(x: number): number {
  return 1 / (2 + expm1Small(x > 103 ? -103 : x < -103 ? 103 : -x));
}

/** tanh for the gate loops, e / (e + 2) with e = expm1(2x): within 1e-9 of Math.tanh (relative), at a third of its cost. */
export function gateTanh(x: number): number {
  const e = expm1Small(x > 22 ? 44 : x < -22 ? -44 : 2 * x);
  return e / (e + 2);
}

/** GEMM options the cells use on every step, made once. */
export const ACCUMULATE = { beta: 1 } as const;
export const ACCUMULATE_TRANSPOSED_B = { transB: true, beta: 1 } as const;
const ACCUMULATE_TRANSPOSED_A = { transA: true, beta: 1 } as const;

/** The sizes of the last forward batch. */
interface Run {
  batch: number;
  steps: number;
  features: number;
  /** The input dropout scales [batch, features], when dropout ran. */
  inputMask?: Float32Array;
  /** The recurrent dropout scales [batch, units], when recurrent dropout ran. */
  stateMask?: Float32Array;
  /** The mask, time-major and in processing order [steps, batch], when one was given. */
  mask?: Float32Array;
}

/**
 * dst[t, b, :] = src[b, t', :] with t' = t, or steps − 1 − t when `reverse`: [batch, steps, width]
 * to time-major [steps, batch, width] in processing order.
 */
function toTimeMajor(src: Float32Array, dst: Float32Array, batch: number, steps: number, width: number, reverse: boolean): void {
  for (let t = 0; t < steps; t++) {
    const from = reverse ? steps - 1 - t : t;
    for (let b = 0; b < batch; b++) dst.set(src.subarray((b * steps + from) * width, (b * steps + from + 1) * width), (t * batch + b) * width);
  }
}

/** The inverse of `toTimeMajor`: time-major [steps, batch, width] back to [batch, steps, width]. */
function toBatchMajor(src: Float32Array, dst: Float32Array, batch: number, steps: number, width: number, reverse: boolean): void {
  for (let t = 0; t < steps; t++) {
    const to = reverse ? steps - 1 - t : t;
    for (let b = 0; b < batch; b++) dst.set(src.subarray((t * batch + b) * width, (t * batch + b + 1) * width), (b * steps + to) * width);
  }
}

/** Multiplies each run of `scale.length` values of `data` by `scale`: one dropout mask applied to every step. */
function scaleBlocks(data: Float32Array, scale: Float32Array): void {
  const n = scale.length;
  for (let start = 0; start < data.length; start += n) {
    for (let i = 0; i < n; i++) data[start + i] *= scale[i];
  }
}

/**
 * Row-major gate values [batch, gates · units] (Keras's column blocks) to gate-major
 * [gates, batch · units], so that each gate's values are one contiguous run an activation reads.
 */
export function toGateMajor(src: Float32Array, dst: Float32Array, batch: number, gates: number, units: number): void {
  const block = batch * units;
  for (let b = 0; b < batch; b++) {
    const row = b * gates * units;
    for (let g = 0; g < gates; g++) {
      const from = row + g * units;
      const to = g * block + b * units;
      for (let j = 0; j < units; j++) dst[to + j] = src[from + j];
    }
  }
}

/** The inverse of `toGateMajor`. */
export function fromGateMajor(src: Float32Array, dst: Float32Array, batch: number, gates: number, units: number): void {
  const block = batch * units;
  for (let b = 0; b < batch; b++) {
    const row = b * gates * units;
    for (let g = 0; g < gates; g++) {
      const from = g * block + b * units;
      const to = row + g * units;
      for (let j = 0; j < units; j++) dst[to + j] = src[from + j];
    }
  }
}

/**
 * The base of the recurrent layers (Keras's RNN with its cell): SimpleRNN, LSTM and GRU differ
 * only in their cell, the subclass's `stepForward`/`stepBackward`. The base owns the options, the
 * weights (kernel [features, gates · units], recurrent_kernel [units, gates · units], bias, in
 * Keras's order and layout), the time loop with masking and dropout, and the products with the
 * kernel: x · kernel for all steps in one GEMM before the loop, and after the loop of the
 * backward pass dKernel = xᵀ · dz and dx = dz · kernelᵀ in one GEMM each.
 *
 * Inside, everything is time-major ([steps, batch, ...]) in processing order (reversed with
 * `goBackwards`), so that each step's rows are contiguous. States are kept for every step
 * ([steps + 1, batch, units], step 0 the zero initial state) for backpropagation through time.
 *
 * Masking (Keras 3): at a step whose mask is 0 a sample's states are carried over unchanged, and
 * its output is the previous step's (zeros with `zeroOutputForMask`); no gradient flows into that
 * step's gates.
 */
export abstract class Recurrent extends Layer {
  static override readonly options: OptionSpecs = {
    units: required('positiveInteger'),
    activation: optional('activation'),
    useBias: optional('boolean'),
    kernelInitializer: optional('initializer'),
    recurrentInitializer: optional('initializer'),
    biasInitializer: optional('initializer'),
    dropout: optional('number', 'a number in [0, 1)'),
    recurrentDropout: optional('number', 'a number in [0, 1)'),
    returnSequences: optional('boolean'),
    goBackwards: optional('boolean'),
    zeroOutputForMask: optional('boolean'),
    seed: { kind: 'seed', layerwiseOnly: true },
    kernelRegularizer: optional('regularizer'),
    recurrentRegularizer: optional('regularizer'),
    biasRegularizer: optional('regularizer'),
    kernelConstraint: optional('constraint'),
    recurrentConstraint: optional('constraint'),
    biasConstraint: optional('constraint'),
  };
  static override readonly positional = 'units';

  readonly units: number;
  readonly useBias: boolean;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly zeroOutputForMask: boolean;
  readonly dropout: number;
  readonly recurrentDropout: number;
  readonly activation: ActivationSlot;
  readonly seed?: number;
  protected readonly kernelInitializer: Initializer;
  protected readonly recurrentInitializer: Initializer;
  protected readonly biasInitializer: Initializer;
  private readonly dropoutRng: Rng;
  /** Each weight's regularizer and constraint (kernel, recurrent_kernel, bias), where given. */
  private readonly regularizers: (Regularizer | undefined)[];
  private readonly constraints: (Constraint | undefined)[];

  protected kernel?: Param;
  protected recurrentKernel?: Param;
  protected bias?: Param;
  /** The activation functions, resolved at build (see `activationFunction`). */
  protected act?: Activation;

  /** Values per step of the gates: 1 (SimpleRNN), 4 (LSTM), 3 (GRU). */
  protected abstract readonly gates: number;
  /** States carried from step to step: 1 (h), or 2 in an LSTM (h, c). The first is the output. */
  protected readonly stateCount: number = 1;

  /** The shape of one step's values of one gate, [batch, units], as the activations read it. */
  protected blockShape: Shape = [];
  /** The recurrent inputs of every step of the last forward pass (the previous outputs, with recurrent dropout applied). */
  protected recurrentInputs: Float32Array[] = [];

  private run?: Run;
  private readonly viewCache = new WeakMap<Float32Array, Float32Array[]>();

  protected constructor(options: unknown) {
    super(withoutRefused((new.target as unknown as typeof Layer).className, options) as LayerOptions);
    const given = this.given as RecurrentOptions;
    const { units, activation = 'tanh', useBias = true, dropout = 0, recurrentDropout = 0, seed } = given;
    this.units = units;
    this.useBias = useBias;
    this.returnSequences = given.returnSequences ?? false;
    this.goBackwards = given.goBackwards ?? false;
    this.zeroOutputForMask = given.zeroOutputForMask ?? false;
    for (const [option, rate] of [['dropout', dropout], ['recurrentDropout', recurrentDropout]] as const) {
      if (!(rate >= 0 && rate < 1)) throw new LayerwiseError(`${this.name}: ${option} must be a number in [0, 1). Received: ${option}=${rate}.`);
    }
    this.dropout = dropout;
    this.recurrentDropout = recurrentDropout;
    this.activation = this.slot(activation);
    this.kernelInitializer = getInitializer(given.kernelInitializer ?? 'glorotUniform', this.name);
    this.recurrentInitializer = getInitializer(given.recurrentInitializer ?? 'orthogonal', this.name);
    this.biasInitializer = getInitializer(given.biasInitializer ?? 'zeros', this.name);
    this.seed = seed;
    this.dropoutRng = rngFor(seed === undefined ? undefined : `${seed}/dropout`);
    this.regularizers = WEIGHT_OPTIONS.map(([r]) => (given[r] ? getRegularizer(given[r], this.name) : undefined));
    this.constraints = WEIGHT_OPTIONS.map(([, c]) => (given[c] ? getConstraint(given[c], this.name) : undefined));
  }

  /** The weights in the order of WEIGHT_OPTIONS (the bias undefined without one). */
  private weightList(): (Param | undefined)[] {
    return [this.kernel, this.recurrentKernel, this.bias];
  }

  override regularizationLoss(accumulateGrad: boolean): number {
    return this.weightList().reduce((sum, w, i) => sum + this.weightPenalty(w, this.regularizers[i], accumulateGrad), 0);
  }

  override applyConstraints(): void {
    this.weightList().forEach((w, i) => w?.trainable && this.constraints[i]?.apply(w.value.data, w.value.shape));
  }

  /** An activation option as a slot (a key, a Layer instance, or a saved config). */
  protected slot(spec: ActivationSpec | ActivationConfig): ActivationSlot {
    return new ActivationSlot(isActivationConfig(spec) ? activationFromConfig(spec, this.name) : spec, this.name);
  }

  /**
   * The function of an activation slot, for the gate loops: its key's function, or that of a Layer
   * instance that is an activation and nothing else. A layer with weights (PReLU) is refused: the
   * gates of every step would share them, which Keras does not do either (it takes functions).
   */
  protected activationFunction(slot: ActivationSlot, option: string): Activation {
    if (slot.fn) return slot.fn;
    const layer = slot.layer!;
    slot.build([this.units]);
    const fn = layer.params().length === 0 && layer.fusedActivation() === undefined ? slot.head()?.fn : undefined;
    if (!fn) {
      throw new LayerwiseError(
        `${this.name}: ${option} must be an activation without weights (a key such as 'tanh', or a layer such as new LeakyReLU({ alpha: 0.2 })), ` +
          `but received a ${layer.className}${layer.params().length ? `, which has weights` : ''}. Put it after the layer as a layer of its own instead.`,
      );
    }
    return fn;
  }

  /** Resolves the activation functions; subclasses add theirs. Runs at build, before any weight is added. */
  protected resolveActivations(): void {
    this.act = this.activationFunction(this.activation, 'activation');
  }

  /** The bias's shape: [gates · units] (GRU with resetAfter: [2, 3 · units]). */
  protected biasShape(): Shape {
    return [this.gates * this.units];
  }

  /** The initializer of the bias (an LSTM with unitForgetBias sets its forget gate's to 1). */
  protected biasInitializerForBuild(): Initializer {
    return this.biasInitializer;
  }

  /** Throws unless the per-sample input shape is [steps, features]. */
  private checkInputShape(inputShape: Shape): void {
    if (inputShape.length !== 2 || !(inputShape[1] > 0)) {
      throw new LayerwiseError(
        `${this.name}: expected inputs of shape [batch, steps, features] (a per-sample shape [steps, features]), ` +
          `but received a per-sample shape ${formatShape(inputShape)}. Reshape the data, or put an Embedding or a Reshape first.`,
      );
    }
  }

  override computeOutputShape(inputShape: Shape): Shape {
    this.checkInputShape(inputShape);
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  override weightShapes(inputShape: Shape): Shape[] {
    this.checkInputShape(inputShape);
    const width = this.gates * this.units;
    return [[inputShape[1], width], [this.units, width], ...(this.useBias ? [this.biasShape()] : [])];
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      const shapes = this.weightShapes(inputShape);
      ['kernel', 'recurrent_kernel', 'bias'].forEach((name, i) => shapes[i] && this.checkWeightSize(name, shapes[i]));
      this.checkOutputSize(inputShape);
      this.resolveActivations();
      const rng = rngFor(this.seed);
      this.kernel = this.addWeight('kernel', shapes[0], this.kernelInitializer, rng);
      this.recurrentKernel = this.addWeight('recurrent_kernel', shapes[1], this.recurrentInitializer, rng);
      if (this.useBias) this.bias = this.addWeight('bias', shapes[2], this.biasInitializerForBuild(), rng);
    }
    super.build(inputShape);
  }

  /** `data` cut into `parts` equal consecutive views, made once per array (no allocation per step). */
  protected parts(data: Float32Array, parts: number): Float32Array[] {
    let views = this.viewCache.get(data);
    if (!views || views.length !== parts) {
      const size = data.length / parts;
      views = Array.from({ length: parts }, (_, i) => data.subarray(i * size, (i + 1) * size));
      this.viewCache.set(data, views);
    }
    return views;
  }

  /**
   * into[m, n] += Σ_t a_tᵀ · d_t over the steps (a_t [batch, m], d_t [batch, n]): a recurrent
   * kernel's gradient, one accumulating GEMM per step. Each product stays small enough for one
   * thread; one GEMM over all steps would go to the worker threads, whose waiting cost more than it
   * saved where it was measured (LSTM(64), batch 32, 2 busy cores).
   */
  protected accumulateOverSteps(a: readonly Float32Array[], d: readonly Float32Array[], into: Float32Array, m: number, n: number): void {
    const batch = this.blockShape[0];
    for (let t = 0; t < d.length; t++) gemm(a[t], d[t], into, m, n, batch, ACCUMULATE_TRANSPOSED_A);
  }

  /** A reused time-major buffer [steps, ...rest] and its per-step views. */
  protected stepBuffer(key: string, steps: number, rest: Shape): Float32Array[] {
    return this.parts(this.buffer(key, [steps, ...rest]).data, steps);
  }

  /** Checks x (and its mask) against what the layer was built for; returns [batch, steps, features]. */
  private checkInput(x: Tensor, mask: Tensor | undefined): [number, number, number] {
    const features = this.requireBuilt(this.kernel).value.shape[0];
    if (x.shape.length !== 3 || x.shape[2] !== features || x.shape[1] < 1) {
      throw new LayerwiseError(
        `${this.name}: expected inputs of shape [batch, steps, ${features}] (features as the layer was built for), ` +
          `but received shape [${x.shape.join(', ')}].`,
      );
    }
    const [batch, steps] = x.shape;
    if (mask && (mask.shape.length !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps)) {
      throw new LayerwiseError(`${this.name}: expected a mask of shape [${batch}, ${steps}] for inputs [${x.shape.join(', ')}], but received shape [${mask.shape.join(', ')}].`);
    }
    return [batch, steps, features];
  }

  /**
   * Runs the sequence. `mask` [batch, steps] holds 1 for a real step and 0 for padding. Returns the
   * last output [batch, units], or every step's [batch, steps, units] with `returnSequences`.
   */
  forward(x: Tensor, training: boolean, mask?: Tensor): Tensor {
    const [batch, steps, features] = this.checkInput(x, mask);
    const units = this.units;
    const width = this.gates * units;
    const run: Run = { batch, steps, features };
    const xs = this.buffer('xs', [steps, batch, features]);
    toTimeMajor(x.data, xs.data, batch, steps, features, this.goBackwards);
    if (training && this.dropout > 0) {
      run.inputMask = this.buffer('inputMask', [batch, features]).data;
      dropoutMask(run.inputMask, this.dropout, () => this.dropoutRng.uniform());
      scaleBlocks(xs.data, run.inputMask);
    }
    if (training && this.recurrentDropout > 0) {
      run.stateMask = this.buffer('stateMask', [batch, units]).data;
      dropoutMask(run.stateMask, this.recurrentDropout, () => this.dropoutRng.uniform());
    }
    if (mask) {
      run.mask = this.buffer('mask', [steps, batch]).data;
      toTimeMajor(mask.data, run.mask, batch, steps, 1, this.goBackwards);
    }
    // The input projection of every step in one GEMM: z = x · kernel + bias (the input bias).
    const z = this.buffer('z', [steps, batch, width]);
    gemm(xs.data, this.kernel!.value.data, z.data, steps * batch, width, features);
    if (this.bias) addRowVector(z.data, this.parts(this.bias.value.data, this.bias.value.size / width)[0], z.data, steps * batch);
    const zs = this.parts(z.data, steps);
    const states = this.states(steps, batch);
    const hd = run.stateMask ? this.stepBuffer('hd', steps, [batch, units]) : states[0];
    this.recurrentInputs = hd;
    if (this.blockShape[0] !== batch) this.blockShape = [batch, units];
    this.prepare(steps, batch);
    const prev: Float32Array[] = states.map((s) => s[0]);
    const next: Float32Array[] = states.map((s) => s[1]);
    for (let t = 0; t < steps; t++) {
      for (let k = 0; k < states.length; k++) {
        prev[k] = states[k][t];
        next[k] = states[k][t + 1];
      }
      if (run.stateMask) multiply(states[0][t], run.stateMask, hd[t]);
      this.stepForward(t, zs[t], hd[t], prev, next);
      if (run.mask) this.carryMasked(run.mask, t, batch, states);
    }
    this.run = run;
    return this.output(run, states[0]);
  }

  /** The state buffers [steps + 1, batch, units] as per-step views, step 0 zeroed (the initial state). */
  private states(steps: number, batch: number): Float32Array[][] {
    return Array.from({ length: this.stateCount }, (_, k) => {
      const views = this.stepBuffer(`state${k}`, steps + 1, [batch, this.units]);
      views[0].fill(0);
      return views;
    });
  }

  /** At step t, each masked sample keeps its previous states. */
  private carryMasked(mask: Float32Array, t: number, batch: number, states: Float32Array[][]): void {
    const units = this.units;
    for (let b = 0; b < batch; b++) {
      if (mask[t * batch + b] !== 0) continue;
      for (const s of states) s[t + 1].set(s[t].subarray(b * units, (b + 1) * units), b * units);
    }
  }

  /** The output from the first state of every step. */
  private output(run: Run, h: Float32Array[]): Tensor {
    const { batch, steps } = run;
    const units = this.units;
    const zeroMasked = this.zeroOutputForMask && run.mask !== undefined;
    if (!this.returnSequences) {
      const y = this.buffer('y', [batch, units]);
      y.data.set(h[steps]);
      if (zeroMasked) for (let b = 0; b < batch; b++) if (run.mask![(steps - 1) * batch + b] === 0) y.data.fill(0, b * units, (b + 1) * units);
      return y;
    }
    const y = this.buffer('ySequence', [batch, steps, units]);
    const all = this.buffer('state0', [steps + 1, batch, units]).data.subarray(batch * units);
    toBatchMajor(all, y.data, batch, steps, units, false);
    if (zeroMasked) {
      for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) if (run.mask![t * batch + b] === 0) y.data.fill(0, (b * steps + t) * units, (b * steps + t + 1) * units);
    }
    return y;
  }

  /** Sizes the cell's own buffers for a forward pass (and copies what it needs of the weights). */
  protected abstract prepare(steps: number, batch: number): void;

  /**
   * One step of the cell: from z (the input projection of step t with the input bias, [batch,
   * gates · units], which the cell may overwrite), hd (the previous output as the recurrent
   * products read it: with recurrent dropout applied) and the previous states, writes the new states.
   */
  protected abstract stepForward(t: number, z: Float32Array, hd: Float32Array, prev: Float32Array[], next: Float32Array[]): void;

  /**
   * One step back: from the gradients of the new states (`dNext`), writes dz (the gradient of step
   * t's input projection), writes into `dPrev` the gradients of the previous states through
   * everything but the recurrent products, and then adds the gradient through those products into
   * `dHd` (which may be `dPrev[0]`).
   */
  protected abstract stepBackward(t: number, dz: Float32Array, dNext: Float32Array[], dPrev: Float32Array[], dHd: Float32Array): void;

  /**
   * After the backward loop: accumulates the gradients of the recurrent kernel (and of a recurrent
   * bias), from `recurrentInputs` and `dz`, the gradients of every step's input projection.
   */
  protected abstract recurrentGradients(dz: readonly Float32Array[]): void;

  /** Backpropagation through time over the last forward batch; accumulates every weight's gradient and returns dL/dx. */
  backward(dy: Tensor, inputGradient = true): Tensor {
    const run = this.requireForward(this.run);
    const { batch, steps, features } = run;
    const units = this.units;
    const width = this.gates * units;
    const dzs = this.stepBuffer('dz', steps, [batch, width]);
    const dz = this.buffer('dz', [steps, batch, width]).data;
    let dNext = Array.from({ length: this.stateCount }, (_, k) => this.buffer(`dNext${k}`, [batch, units]).data);
    let dPrev = Array.from({ length: this.stateCount }, (_, k) => this.buffer(`dPrev${k}`, [batch, units]).data);
    for (const d of dNext) d.fill(0);
    const carry = run.mask ? this.parts(this.buffer('carry', [this.stateCount, batch, units]).data, this.stateCount) : [];
    const dHd = run.stateMask ? this.buffer('dHd', [batch, units]).data : undefined;
    for (let t = steps - 1; t >= 0; t--) {
      this.addOutputGradient(dy.data, dNext[0], run, t);
      if (run.mask) this.holdMasked(run.mask, t, batch, dNext, carry);
      dHd?.fill(0);
      this.stepBackward(t, dzs[t], dNext, dPrev, dHd ?? dPrev[0]);
      if (dHd) for (let i = 0; i < dHd.length; i++) dPrev[0][i] += dHd[i] * run.stateMask![i];
      if (run.mask) this.releaseMasked(run.mask, t, batch, dPrev, carry);
      const done = dNext;
      dNext = dPrev;
      dPrev = done;
    }
    const xs = this.buffer('xs', [steps, batch, features]).data;
    const rows = steps * batch;
    gemm(xs, dz, this.kernel!.grad.data, features, width, rows, ACCUMULATE_TRANSPOSED_A);
    if (this.bias) accumulateColumnSums(dz, this.parts(this.bias.grad.data, this.bias.value.size / width)[0], rows);
    this.recurrentGradients(dzs);
    const dx = this.buffer('dx', [batch, steps, features]);
    if (!inputGradient) return dx;
    const dxs = this.buffer('dxs', [steps, batch, features]);
    gemm(dz, this.kernel!.value.data, dxs.data, rows, features, width, { transB: true });
    if (run.inputMask) scaleBlocks(dxs.data, run.inputMask);
    toBatchMajor(dxs.data, dx.data, batch, steps, features, this.goBackwards);
    return dx;
  }

  /** Adds the gradient of step t's output (dy of every step, or of the last) to that of its first state. */
  private addOutputGradient(dy: Float32Array, dh: Float32Array, run: Run, t: number): void {
    const { batch, steps } = run;
    const units = this.units;
    if (!this.returnSequences && t !== steps - 1) return;
    for (let b = 0; b < batch; b++) {
      if (this.zeroOutputForMask && run.mask && run.mask[t * batch + b] === 0) continue;
      const from = this.returnSequences ? (b * steps + t) * units : b * units;
      const to = b * units;
      for (let j = 0; j < units; j++) dh[to + j] += dy[from + j];
    }
  }

  /** Before a masked step's cell: set its samples' state gradients aside (they pass the step unchanged) and zero them for the cell. */
  private holdMasked(mask: Float32Array, t: number, batch: number, dNext: Float32Array[], carry: Float32Array[]): void {
    const units = this.units;
    for (let b = 0; b < batch; b++) {
      if (mask[t * batch + b] !== 0) continue;
      dNext.forEach((d, k) => {
        carry[k].set(d.subarray(b * units, (b + 1) * units), b * units);
        d.fill(0, b * units, (b + 1) * units);
      });
    }
  }

  /** After a masked step's cell: its samples' previous-state gradients are those set aside. */
  private releaseMasked(mask: Float32Array, t: number, batch: number, dPrev: Float32Array[], carry: Float32Array[]): void {
    const units = this.units;
    for (let b = 0; b < batch; b++) {
      if (mask[t * batch + b] !== 0) continue;
      dPrev.forEach((d, k) => d.set(carry[k].subarray(b * units, (b + 1) * units), b * units));
    }
  }

  /**
   * The mask of the output: with `returnSequences`, the input's mask (steps stay steps), else none
   * (the sequence is used up), as Keras.
   */
  override computeMask(_x: Tensor, mask: Tensor | undefined): Tensor | undefined {
    return this.returnSequences ? mask : undefined;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation.toConfig(),
      useBias: this.useBias,
      kernelInitializer: initializerConfig(this.kernelInitializer),
      recurrentInitializer: initializerConfig(this.recurrentInitializer),
      biasInitializer: initializerConfig(this.biasInitializer),
      dropout: this.dropout,
      recurrentDropout: this.recurrentDropout,
      returnSequences: this.returnSequences,
      goBackwards: this.goBackwards,
      zeroOutputForMask: this.zeroOutputForMask,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
      ...this.penaltyConfig(),
    };
  }

  /** The regularizers and constraints given, in their saved form. */
  private penaltyConfig(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    WEIGHT_OPTIONS.forEach(([r, c], i) => {
      const [regularizer, constraint] = [this.regularizers[i], this.constraints[i]];
      if (regularizer) out[r] = regularizerConfig(regularizer);
      if (constraint) out[c] = constraintConfig(constraint);
    });
    return out;
  }
}

/** The options of the recurrent layers with gates (LSTM, GRU). */
export interface GatedRecurrentOptions extends RecurrentOptions {
  /** The activation of the gates: a key or a Layer instance without weights. Default `'sigmoid'` (TF.js: `'hardSigmoid'`). */
  recurrentActivation?: ActivationSpec | ActivationConfig;
}

/** A recurrent layer whose gates have an activation of their own, `recurrentActivation` (Keras's LSTM and GRU). */
export abstract class GatedRecurrent extends Recurrent {
  static override readonly options: OptionSpecs = { ...Recurrent.options, recurrentActivation: optional('activation') };

  readonly recurrentActivation: ActivationSlot;
  /** The gates' activation function, resolved at build. */
  protected recurrent?: Activation;

  protected constructor(options: unknown) {
    super(options);
    this.recurrentActivation = this.slot((this.given as GatedRecurrentOptions).recurrentActivation ?? 'sigmoid');
  }

  protected override resolveActivations(): void {
    super.resolveActivations();
    this.recurrent = this.activationFunction(this.recurrentActivation, 'recurrentActivation');
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), recurrentActivation: this.recurrentActivation.toConfig() };
  }
}
