import type { Param } from '../layers/layer';
import { residentArray, residentCopy } from '../tensor/backend';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';
import { isSchedule, scheduleFromConfig, type LearningRateSchedule, type ScheduleConfig } from './schedules';

export interface OptimizerOptions {
  /** Step size: a number, or a schedule of the step (`schedules.exponentialDecay({ ... })`, or its saved `{ className, config }`). */
  learningRate?: LearningRateSpec;
  /** Clips each weight's gradient to this L2 norm: g ← g · c / max(‖g‖, c). At most one of the three clippings. */
  clipnorm?: number;
  /** Clips each gradient value to [−c, c]. */
  clipvalue?: number;
  /** Clips the gradients of all the weights of a step together to this L2 norm: g ← g · c / max(‖all g‖, c). */
  globalClipnorm?: number;
  /** Decoupled weight decay, before each update: w ← w − w · weightDecay · lr (every trainable weight, biases too, as Keras 3). */
  weightDecay?: number;
}

/** The options every optimizer takes from the base class (Keras 3's base optimizer's), beside the learning rate. */
export const BASE_OPTIONS = ['clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay'] as const;
const CLIPPINGS = ['clipnorm', 'clipvalue', 'globalClipnorm'] as const;

/** A learning rate schedule as a config holds it: its class name and its settings (`getConfig()` of a scheduled optimizer). */
export interface SavedSchedule {
  readonly className: string;
  readonly config: ScheduleConfig;
}

/** What an optimizer's `learningRate` option takes: a number, a schedule, or a saved schedule. */
export type LearningRateSpec = number | LearningRateSchedule | SavedSchedule;

/** An optimizer's settings, as its constructor takes them (`learningRate` a number or a saved schedule). */
export type OptimizerConfig = Record<string, number | boolean | SavedSchedule>;

/**
 * Checks the options an optimizer's constructor receives, against the options its class declares
 * (`static options`): an options object, or a bare learning rate (`new SGD(0.1)`, as Keras's and
 * TF.js's first argument); an unknown key fails naming the class and the nearest known key
 * (`"lr" is not an option of SGD. Did you mean "learningRate"?`). Each constructor calls it first,
 * then checks its values' types and ranges.
 */
export function optimizerOptions<T extends OptimizerOptions>(optimizerClass: { readonly className: string; readonly options: readonly string[] }, options: unknown): T {
  // A bare schedule is the learning rate too (`new SGD(schedules.cosineDecay({ ... }))`).
  if (isSchedule(options)) return { learningRate: options } as T;
  return checkOptions<T>(optimizerClass.className, options, optimizerClass.options, {
    positional: 'learningRate',
    example: `{ learningRate: 0.01 } (or new ${optimizerClass.className}(0.01))`,
  });
}

const RANGES = {
  fraction: { test: (v: number) => v >= 0 && v < 1, text: 'a number in [0, 1)' },
  positive: { test: (v: number) => v > 0 && Number.isFinite(v), text: 'a positive number' },
  nonNegative: { test: (v: number) => v >= 0 && Number.isFinite(v), text: 'a non-negative number' },
} as const;

/** Checks a numeric setting of an optimizer (`Adam: beta1 must be a number in [0, 1). Received: beta1=1.`). */
export function checkNumber(owner: string, name: string, value: unknown, range: keyof typeof RANGES): number {
  const { test, text } = RANGES[range];
  if (typeof value !== 'number' || !test(value)) throw new LayerwiseError(`${owner}: ${name} must be ${text}. Received: ${name}=${describeValue(value)}.`);
  return value;
}

/** Checks a boolean setting of an optimizer. */
export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new LayerwiseError(`${owner}: ${name} must be true or false. Received: ${name}=${describeValue(value)}.`);
  return value;
}

/**
 * The base of every optimizer: it walks the trainable parameters once per step and keeps each
 * one's state (momentum, moments), created on first use. Subclasses write only the update rule.
 *
 * It also applies Keras 3's base-optimizer options, in Keras 3's order (`base_optimizer.py`,
 * `_backend_apply_gradients`): first the gradients are clipped (`clipnorm` per weight,
 * `globalClipnorm` over all the weights of the step, or `clipvalue`; Keras allows one of the
 * three), then the weights decay (`weightDecay`: w ← w − w · weightDecay · lr), then the update rule
 * runs on the decayed weights with the clipped gradients. Clipping writes into one scratch array
 * reused by every parameter and step; the gradients themselves are left as they are.
 */
export abstract class Optimizer {
  /** The class name as Keras spells it (`'SGD'`); set by each subclass, and its key in the registry. */
  static readonly className: string = 'Optimizer';
  /** The options the class's constructor takes, the one list `optimizerOptions` checks them against. */
  static readonly options: readonly string[] = ['learningRate', ...BASE_OPTIONS];
  /** The weight decay when the options give none (AdamW's 0.004); undefined: no decay. */
  static readonly defaultWeightDecay: number | undefined = undefined;
  /** Number of steps taken. */
  iterations = 0;
  readonly clipnorm: number | undefined;
  readonly clipvalue: number | undefined;
  readonly globalClipnorm: number | undefined;
  readonly weightDecay: number | undefined;
  private readonly state = new Map<Param, Float32Array[]>();
  /** The learning rate when it is a number. */
  private rate = 0;
  /** The learning rate schedule, if the rate is one. */
  private rateSchedule: LearningRateSchedule | undefined;
  /** The rate of the step being taken (`rateSchedule.at(iterations)` before the step counts), while `stepping`. */
  private stepRate = 0;
  private stepping = false;
  /** The clipped gradient of the parameter being updated (its first `size` values); grown, never per step. */
  private scratch = new Float32Array(0);

  /** `options`: the constructor's checked options, of which the base reads its own (`BASE_OPTIONS`). */
  constructor(learningRate: LearningRateSpec, options: OptimizerOptions = {}) {
    const { className: owner, defaultWeightDecay } = new.target as unknown as typeof Optimizer;
    this.setRate(owner, learningRate);
    for (const name of CLIPPINGS) if (options[name] !== undefined) checkNumber(owner, name, options[name], 'positive');
    const given = CLIPPINGS.filter((name) => options[name] !== undefined);
    if (given.length > 1) {
      throw new LayerwiseError(`${owner}: only one of clipnorm, clipvalue and globalClipnorm can be set. Received: ${given.map((n) => `${n}=${options[n]}`).join(', ')}.`);
    }
    const weightDecay = options.weightDecay === undefined ? defaultWeightDecay : options.weightDecay;
    if (weightDecay !== undefined) checkNumber(owner, 'weightDecay', weightDecay, 'nonNegative');
    this.clipnorm = options.clipnorm;
    this.clipvalue = options.clipvalue;
    this.globalClipnorm = options.globalClipnorm;
    this.weightDecay = weightDecay;
  }

  get className(): string {
    return (this.constructor as typeof Optimizer).className;
  }

  /**
   * The learning rate, a number: with a schedule, that of the next step (`schedule.at(iterations)`,
   * as Keras's `optimizer.learning_rate`), and within a step that step's. Set to a number (as
   * LearningRateScheduler and ReduceLROnPlateau do between batches), it replaces a schedule; set to
   * a schedule, it replaces the rate.
   */
  get learningRate(): number {
    const schedule = this.rateSchedule;
    if (!schedule) return this.rate;
    return this.stepping ? this.stepRate : schedule.at(this.iterations);
  }

  set learningRate(value: LearningRateSpec) {
    this.setRate(this.className, value);
  }

  /** The learning rate schedule, or undefined when the rate is a number. */
  get schedule(): LearningRateSchedule | undefined {
    return this.rateSchedule;
  }

  private setRate(owner: string, value: unknown): void {
    if (isSchedule(value)) {
      this.rateSchedule = value;
    } else if (typeof value === 'object' && value !== null && typeof (value as SavedSchedule).className === 'string' && !Array.isArray(value)) {
      this.rateSchedule = scheduleFromConfig((value as SavedSchedule).className, (value as SavedSchedule).config);
    } else {
      this.rate = checkNumber(owner, 'learningRate', value, 'positive');
      this.rateSchedule = undefined;
    }
  }

  /**
   * The names of the per-parameter state arrays the update rule keeps, in the order `update`
   * receives them (Keras's names: `['momentum']`, `['m', 'v']`). Saved files name the state by them.
   */
  abstract slotNames(): readonly string[];

  /** Number of per-parameter state arrays the update rule needs. */
  get slotCount(): number {
    return this.slotNames().length;
  }

  /**
   * Applies one update to every trainable parameter from its accumulated gradient: clipping, weight
   * decay, then the update rule (see the class comment).
   */
  step(params: readonly Param[]): void {
    // Keras's: the step taken after `iterations` steps uses schedule(iterations).
    if (this.rateSchedule) this.stepRate = this.rateSchedule.at(this.iterations);
    this.iterations++;
    this.stepping = true;
    try {
      this.stepParams(params);
    } finally {
      this.stepping = false;
    }
  }

  private stepParams(params: readonly Param[]): void {
    const { clipnorm, clipvalue, globalClipnorm } = this;
    const decay = this.weightDecay ? this.weightDecay * this.learningRate : 0;
    // Keras's clip_by_global_norm: g · c · min(1 / norm, 1 / c), NaN for every gradient when the norm is not finite.
    let globalScale = 1;
    if (globalClipnorm !== undefined) {
      let sum = 0;
      for (const param of params) if (param.trainable) sum += squaredNorm(param.grad.data);
      const norm = Math.sqrt(sum);
      globalScale = Number.isFinite(norm) ? globalClipnorm / Math.max(norm, globalClipnorm) : NaN;
    }
    for (const param of params) {
      if (!param.trainable) continue;
      let slots = this.state.get(param);
      if (!slots) {
        const initial = this.initialSlotValue();
        slots = Array.from({ length: this.slotCount }, () => residentArray(param.value.size).fill(initial));
        this.state.set(param, slots);
      }
      const w = param.value.data;
      let g = param.grad.data;
      if (clipnorm !== undefined) {
        // Keras's _clip_by_norm: g · c / max(‖g‖, c).
        const scale = clipnorm / Math.max(Math.sqrt(squaredNorm(g)), clipnorm);
        if (scale !== 1) g = this.scaled(g, scale);
      } else if (globalClipnorm !== undefined) {
        if (globalScale !== 1) g = this.scaled(g, globalScale);
      } else if (clipvalue !== undefined) {
        const out = this.scratchFor(g.length);
        for (let i = 0; i < g.length; i++) out[i] = Math.min(Math.max(g[i], -clipvalue), clipvalue);
        g = out;
      }
      if (decay) for (let i = 0; i < w.length; i++) w[i] -= w[i] * decay;
      this.update(w, g, slots);
    }
  }

  /** The scratch array, at least `size` long. */
  private scratchFor(size: number): Float32Array {
    if (this.scratch.length < size) this.scratch = new Float32Array(size);
    return this.scratch;
  }

  /** `g · scale` in the scratch array. */
  private scaled(g: Float32Array, scale: number): Float32Array {
    const out = this.scratchFor(g.length);
    for (let i = 0; i < g.length; i++) out[i] = g[i] * scale;
    return out;
  }

  /** Forgets every parameter's state (momentum, moments): the next step starts them afresh. */
  resetState(): void {
    this.state.clear();
  }

  /** The state arrays of a parameter (not copies; in the wasm kernels' memory where they can be, as Param says), or undefined before its first step. */
  getSlots(param: Param): readonly Float32Array[] | undefined {
    return this.state.get(param);
  }

  /** Sets the state of a parameter (copies of `slots`), as restored from a saved model. */
  setSlots(param: Param, slots: readonly Float32Array[]): void {
    if (slots.length !== this.slotCount || slots.some((s) => s.length !== param.value.size)) {
      throw new LayerwiseError(
        `${this.className}.setSlots: ${param.name} needs ${this.slotCount} state arrays of ${param.value.size} values, ` +
          `but received ${slots.length} of ${slots.map((s) => s.length).join(', ') || 'none'}.`,
      );
    }
    this.state.set(param, slots.map((s) => residentCopy(s)));
  }

  /**
   * Updates `w` in place from its gradient and its state arrays. The gradient is the first
   * `w.length` values of `g`, which may be longer (a clipped gradient lives in a scratch array
   * shared by all the parameters): loop to `w.length`.
   */
  protected abstract update(w: Float32Array, g: Float32Array, slots: Float32Array[]): void;

  /** The value a parameter's state arrays start at (0; Adagrad's accumulator starts at its initialAccumulatorValue). */
  protected initialSlotValue(): number {
    return 0;
  }

  /** The settings of the update rule, the learning rate among them (`getConfig()` adds the base options). */
  protected abstract ruleConfig(): OptimizerConfig;

  /**
   * The settings that rebuild the optimizer: `new (its class)(getConfig())` is an equal optimizer.
   * The base options appear only when set.
   */
  getConfig(): OptimizerConfig {
    const config = this.ruleConfig();
    const schedule = this.rateSchedule;
    if (schedule) config.learningRate = { className: schedule.className, config: schedule.config };
    for (const name of BASE_OPTIONS) if (this[name] !== undefined) config[name] = this[name]!;
    return config;
  }
}

function squaredNorm(g: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return sum;
}
