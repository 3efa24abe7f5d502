import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';

/** A schedule's settings, as its factory takes them (Keras's `get_config()`, in camelCase, without `name`). */
export type ScheduleConfig = Record<string, number | boolean | readonly number[]>;

/**
 * A learning rate that changes with the step, Keras 3's `LearningRateSchedule`: give one as any
 * optimizer's `learningRate`, and the step taken after `iterations` steps uses `at(iterations)`.
 * `className` and `config` save it with the optimizer (`{ className: 'ExponentialDecay', config }`),
 * rebuilt by `scheduleFromConfig`. A schedule of one's own needs only the three (it then saves, but
 * loads only where its className is registered, which is layerwise's six).
 */
export interface LearningRateSchedule {
  /** Keras's class name: `'ExponentialDecay'`. */
  readonly className: string;
  /** The options that rebuild it, with the defaults filled in. */
  readonly config: ScheduleConfig;
  /** The learning rate of the step taken after `step` steps (0 for the first step). */
  at(step: number): number;
}

/** Whether a value is a learning rate schedule (an object with a className and an `at` function). */
export function isSchedule(value: unknown): value is LearningRateSchedule {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as LearningRateSchedule).at === 'function' &&
    typeof (value as LearningRateSchedule).className === 'string'
  );
}

const RANGES = {
  positive: { test: (v: number) => v > 0 && Number.isFinite(v), text: 'a positive number' },
  nonNegative: { test: (v: number) => v >= 0 && Number.isFinite(v), text: 'a non-negative number' },
  unit: { test: (v: number) => v >= 0 && v <= 1, text: 'a number in [0, 1]' },
} as const;

function num(owner: string, name: string, value: unknown, range: keyof typeof RANGES): number {
  const { test, text } = RANGES[range];
  if (typeof value !== 'number' || !test(value)) throw new LayerwiseError(`${owner}: ${name} must be ${text}. Received: ${name}=${describeValue(value)}.`);
  return value;
}

function bool(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new LayerwiseError(`${owner}: ${name} must be true or false. Received: ${name}=${describeValue(value)}.`);
  return value;
}

function required(owner: string, options: Record<string, unknown>, names: readonly string[]): void {
  const missing = names.filter((n) => options[n] === undefined);
  if (missing.length) throw new LayerwiseError(`${owner}: ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} required.`);
}

/** The checked options of a schedule's factory: an object of known keys, the required ones present. */
function scheduleOptions<T extends object>(owner: string, options: unknown, known: readonly string[], needed: readonly string[]): T {
  const example = `{ ${needed.map((n) => `${n}: ...`).join(', ')} }`;
  if (options === undefined) throw new LayerwiseError(`${owner}: expected an options object such as ${example}, but received nothing.`);
  const checked = checkOptions<T>(owner, options, known, { example });
  required(owner, checked as Record<string, unknown>, needed);
  return checked;
}

function make(className: string, config: ScheduleConfig, at: (step: number) => number): LearningRateSchedule {
  return Object.freeze({ className, config: Object.freeze(config), at });
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  /** Positive. */
  decaySteps: number;
  decayRate: number;
  /** Decay at whole multiples of decaySteps only. Default false. */
  staircase?: boolean;
}

/** Keras 3's ExponentialDecay: lr(step) = initialLearningRate · decayRate^(step / decaySteps), the exponent floored when staircase. */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  const owner = 'ExponentialDecay';
  const o = scheduleOptions<ExponentialDecayOptions>(owner, options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], ['initialLearningRate', 'decaySteps', 'decayRate']);
  const lr0 = num(owner, 'initialLearningRate', o.initialLearningRate, 'nonNegative');
  const steps = num(owner, 'decaySteps', o.decaySteps, 'positive');
  const rate = num(owner, 'decayRate', o.decayRate, 'nonNegative');
  const staircase = bool(owner, 'staircase', o.staircase ?? false);
  return make(owner, { initialLearningRate: lr0, decaySteps: steps, decayRate: rate, staircase }, (step) => {
    const p = staircase ? Math.floor(step / steps) : step / steps;
    return lr0 * rate ** p;
  });
}

export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing steps. */
  boundaries: readonly number[];
  /** One more than the boundaries: values[0] while step ≤ boundaries[0], ..., values[n] after boundaries[n − 1]. */
  values: readonly number[];
}

/** Keras 3's PiecewiseConstantDecay: values[0] for step ≤ boundaries[0], values[i] for boundaries[i − 1] < step ≤ boundaries[i], the last value after the last boundary. */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): LearningRateSchedule {
  const owner = 'PiecewiseConstantDecay';
  const o = scheduleOptions<PiecewiseConstantDecayOptions>(owner, options, ['boundaries', 'values'], ['boundaries', 'values']);
  const numbers = (name: string, value: unknown): number[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new LayerwiseError(`${owner}: ${name} must be an array of finite numbers. Received: ${name}=${describeValue(value)}.`);
    }
    return [...(value as number[])];
  };
  const boundaries = numbers('boundaries', o.boundaries);
  const values = numbers('values', o.values);
  if (boundaries.length === 0) throw new LayerwiseError(`${owner}: boundaries must hold at least one step.`);
  if (values.length !== boundaries.length + 1) {
    throw new LayerwiseError(`${owner}: values must have one more element than boundaries. Received: ${boundaries.length} boundaries and ${values.length} values.`);
  }
  for (let i = 1; i < boundaries.length; i++) {
    if (!(boundaries[i] > boundaries[i - 1])) throw new LayerwiseError(`${owner}: boundaries must be strictly increasing. Received: boundaries=${describeValue(boundaries)}.`);
  }
  for (const v of values) if (!(v >= 0)) throw new LayerwiseError(`${owner}: values must be non-negative learning rates. Received: values=${describeValue(values)}.`);
  return make(owner, { boundaries: Object.freeze([...boundaries]), values: Object.freeze([...values]) }, (step) => {
    for (let i = 0; i < boundaries.length; i++) if (step <= boundaries[i]) return values[i];
    return values[boundaries.length];
  });
}

export interface InverseTimeDecayOptions {
  initialLearningRate: number;
  /** Positive. */
  decaySteps: number;
  decayRate: number;
  /** Floor step / decaySteps. Default false. */
  staircase?: boolean;
}

/** Keras 3's InverseTimeDecay: lr(step) = initialLearningRate / (1 + decayRate · step / decaySteps), the quotient floored when staircase. */
export function inverseTimeDecay(options: InverseTimeDecayOptions): LearningRateSchedule {
  const owner = 'InverseTimeDecay';
  const o = scheduleOptions<InverseTimeDecayOptions>(owner, options, ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'], ['initialLearningRate', 'decaySteps', 'decayRate']);
  const lr0 = num(owner, 'initialLearningRate', o.initialLearningRate, 'nonNegative');
  const steps = num(owner, 'decaySteps', o.decaySteps, 'positive');
  const rate = num(owner, 'decayRate', o.decayRate, 'nonNegative');
  const staircase = bool(owner, 'staircase', o.staircase ?? false);
  return make(owner, { initialLearningRate: lr0, decaySteps: steps, decayRate: rate, staircase }, (step) => {
    const p = staircase ? Math.floor(step / steps) : step / steps;
    return lr0 / (1 + rate * p);
  });
}

export interface PolynomialDecayOptions {
  initialLearningRate: number;
  /** Positive. */
  decaySteps: number;
  /** Default 0.0001, as Keras. */
  endLearningRate?: number;
  /** Default 1 (linear). */
  power?: number;
  /** Decay again over the next multiple of decaySteps. Default false. */
  cycle?: boolean;
}

/**
 * Keras 3's PolynomialDecay: lr(step) = (initial − end) · (1 − step / decaySteps)^power + end, with
 * step ← min(step, decaySteps); when cycle, decaySteps ← decaySteps · ceil(step / decaySteps)
 * instead (1 at step 0).
 */
export function polynomialDecay(options: PolynomialDecayOptions): LearningRateSchedule {
  const owner = 'PolynomialDecay';
  const o = scheduleOptions<PolynomialDecayOptions>(owner, options, ['initialLearningRate', 'decaySteps', 'endLearningRate', 'power', 'cycle'], ['initialLearningRate', 'decaySteps']);
  const lr0 = num(owner, 'initialLearningRate', o.initialLearningRate, 'nonNegative');
  const steps = num(owner, 'decaySteps', o.decaySteps, 'positive');
  const end = num(owner, 'endLearningRate', o.endLearningRate ?? 0.0001, 'nonNegative');
  const power = num(owner, 'power', o.power ?? 1, 'nonNegative');
  const cycle = bool(owner, 'cycle', o.cycle ?? false);
  return make(owner, { initialLearningRate: lr0, decaySteps: steps, endLearningRate: end, power, cycle }, (step) => {
    let s = step;
    let d = steps;
    if (cycle) d = steps * (s === 0 ? 1 : Math.ceil(s / steps));
    else s = Math.min(s, steps);
    return (lr0 - end) * (1 - s / d) ** power + end;
  });
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  /** Positive: the steps of the decay (after the warmup). */
  decaySteps: number;
  /** The rate at the end, as a fraction of the rate decayed from. Default 0. */
  alpha?: number;
  /** The rate a linear warmup from initialLearningRate reaches after warmupSteps; none: no warmup. */
  warmupTarget?: number;
  /** Default 0. */
  warmupSteps?: number;
}

/**
 * Keras 3's CosineDecay: with d = min(step, decaySteps), lr(step) = from · ((1 − alpha) · ½(1 +
 * cos(π d / decaySteps)) + alpha), from = initialLearningRate. With a warmupTarget: step ←
 * min(step, decaySteps + warmupSteps); below warmupSteps, lr = (target − initial) · step /
 * warmupSteps + initial; then the decay above of step − warmupSteps, from = warmupTarget.
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const owner = 'CosineDecay';
  const o = scheduleOptions<CosineDecayOptions>(owner, options, ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'], ['initialLearningRate', 'decaySteps']);
  const lr0 = num(owner, 'initialLearningRate', o.initialLearningRate, 'nonNegative');
  const steps = num(owner, 'decaySteps', o.decaySteps, 'positive');
  const alpha = num(owner, 'alpha', o.alpha ?? 0, 'unit');
  const target = o.warmupTarget === undefined ? undefined : num(owner, 'warmupTarget', o.warmupTarget, 'nonNegative');
  const warmup = num(owner, 'warmupSteps', o.warmupSteps ?? 0, 'nonNegative');
  const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / steps))) + alpha);
  const config: ScheduleConfig = { initialLearningRate: lr0, decaySteps: steps, alpha, warmupSteps: warmup };
  if (target !== undefined) config.warmupTarget = target;
  return make(owner, config, (step) => {
    if (target === undefined) return decay(Math.min(step, steps), lr0);
    const s = Math.min(step, steps + warmup);
    return s < warmup ? (target - lr0) * (s / warmup) + lr0 : decay(s - warmup, target);
  });
}

export interface CosineDecayRestartsOptions {
  initialLearningRate: number;
  /** Positive: the steps of the first period. */
  firstDecaySteps: number;
  /** Each period is tMul times as long as the one before. Default 2. */
  tMul?: number;
  /** Each period starts at mMul times the rate the one before started at. Default 1. */
  mMul?: number;
  /** The least rate, as a fraction of initialLearningRate. Default 0. */
  alpha?: number;
}

/**
 * Keras 3's CosineDecayRestarts (SGDR): f = step / firstDecaySteps; the period i and the fraction
 * done in it are i = floor(f), f − i when tMul = 1, else i = floor(log(1 − f(1 − tMul)) / log tMul),
 * (f − (1 − tMul^i) / (1 − tMul)) / tMul^i; lr = initial · ((1 − alpha) · ½ mMul^i (1 + cos(π ·
 * fraction)) + alpha).
 */
export function cosineDecayRestarts(options: CosineDecayRestartsOptions): LearningRateSchedule {
  const owner = 'CosineDecayRestarts';
  const o = scheduleOptions<CosineDecayRestartsOptions>(owner, options, ['initialLearningRate', 'firstDecaySteps', 'tMul', 'mMul', 'alpha'], ['initialLearningRate', 'firstDecaySteps']);
  const lr0 = num(owner, 'initialLearningRate', o.initialLearningRate, 'nonNegative');
  const first = num(owner, 'firstDecaySteps', o.firstDecaySteps, 'positive');
  const tMul = num(owner, 'tMul', o.tMul ?? 2, 'positive');
  const mMul = num(owner, 'mMul', o.mMul ?? 1, 'nonNegative');
  const alpha = num(owner, 'alpha', o.alpha ?? 0, 'unit');
  return make(owner, { initialLearningRate: lr0, firstDecaySteps: first, tMul, mMul, alpha }, (step) => {
    let fraction = step / first;
    let restart: number;
    if (tMul === 1) {
      restart = Math.floor(fraction);
      fraction -= restart;
    } else {
      restart = Math.floor(Math.log(1 - fraction * (1 - tMul)) / Math.log(tMul));
      const sum = (1 - tMul ** restart) / (1 - tMul);
      fraction = (fraction - sum) / tMul ** restart;
    }
    const cosine = 0.5 * mMul ** restart * (1 + Math.cos(Math.PI * fraction));
    return lr0 * ((1 - alpha) * cosine + alpha);
  });
}

/** The schedules by Keras's class name, to rebuild a saved one; a `Map`, so `__proto__` finds nothing. */
export const SCHEDULE_FACTORIES: ReadonlyMap<string, (options: never) => LearningRateSchedule> = new Map<string, (options: never) => LearningRateSchedule>([
  ['ExponentialDecay', exponentialDecay],
  ['PiecewiseConstantDecay', piecewiseConstantDecay],
  ['InverseTimeDecay', inverseTimeDecay],
  ['PolynomialDecay', polynomialDecay],
  ['CosineDecay', cosineDecay],
  ['CosineDecayRestarts', cosineDecayRestarts],
]);

/** A schedule from its className and config (as a schedule's `className` and `config`, or a saved optimizer's `learningRate`). */
export function scheduleFromConfig(className: string, config: unknown): LearningRateSchedule {
  const factory = SCHEDULE_FACTORIES.get(className) as ((options: unknown) => LearningRateSchedule) | undefined;
  if (!factory) {
    throw new LayerwiseError(`"${className}" is not a learning rate schedule layerwise has (${[...SCHEDULE_FACTORIES.keys()].join(', ')}).`);
  }
  return factory(config);
}
