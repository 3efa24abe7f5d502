import type { Param } from '../layers/layer';
import { LayerwiseError } from '../util/errors';
import { checkOptions, describeValue } from '../util/options';

export interface OptimizerOptions {
  /** Step size. */
  learningRate?: number;
}

/** An optimizer's settings, as its constructor takes them. */
export type OptimizerConfig = Record<string, number | boolean>;

/**
 * Checks the options an optimizer's constructor receives, against the options its class declares
 * (`static options`): an options object, or a bare learning rate (`new SGD(0.1)`, as Keras's and
 * TF.js's first argument); an unknown key fails naming the class and the nearest known key
 * (`"lr" is not an option of SGD. Did you mean "learningRate"?`). Each constructor calls it first,
 * then checks its values' types and ranges.
 */
export function optimizerOptions<T extends OptimizerOptions>(optimizerClass: { readonly className: string; readonly options: readonly string[] }, options: unknown): T {
  return checkOptions<T>(optimizerClass.className, options, optimizerClass.options, {
    positional: 'learningRate',
    example: `{ learningRate: 0.01 } (or new ${optimizerClass.className}(0.01))`,
  });
}

/**
 * The base of every optimizer: it walks the trainable parameters once per step and keeps each
 * one's state (momentum, moments), created on first use. Subclasses write only the update rule.
 */
export abstract class Optimizer {
  /** The class name as Keras spells it (`'SGD'`); set by each subclass, and its key in the registry. */
  static readonly className: string = 'Optimizer';
  /** The options the class's constructor takes, the one list `optimizerOptions` checks them against. */
  static readonly options: readonly string[] = ['learningRate'];
  /** Read on every step, so schedulers may change it between batches. */
  learningRate: number;
  /** Number of steps taken. */
  iterations = 0;
  private readonly state = new Map<Param, Float32Array[]>();

  constructor(learningRate: number) {
    if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
      const owner = (new.target as unknown as typeof Optimizer).className;
      throw new LayerwiseError(`${owner}: learningRate must be a positive number. Received: learningRate=${describeValue(learningRate)}.`);
    }
    this.learningRate = learningRate;
  }

  get className(): string {
    return (this.constructor as typeof Optimizer).className;
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

  /** Applies one update to every trainable parameter from its accumulated gradient. */
  step(params: readonly Param[]): void {
    this.iterations++;
    for (const param of params) {
      if (!param.trainable) continue;
      let slots = this.state.get(param);
      if (!slots) {
        slots = Array.from({ length: this.slotCount }, () => new Float32Array(param.value.size));
        this.state.set(param, slots);
      }
      this.update(param.value.data, param.grad.data, slots);
    }
  }

  /** Forgets every parameter's state (momentum, moments): the next step starts them afresh. */
  resetState(): void {
    this.state.clear();
  }

  /** The state arrays of a parameter (not copies), or undefined before its first step. */
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
    this.state.set(param, slots.map((s) => Float32Array.from(s)));
  }

  /** Updates `w` in place from its gradient `g` and its state arrays. */
  protected abstract update(w: Float32Array, g: Float32Array, slots: Float32Array[]): void;

  /** The settings that rebuild the optimizer: `new (its class)(getConfig())` is an equal optimizer. */
  abstract getConfig(): OptimizerConfig;
}
