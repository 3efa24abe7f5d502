import type { Param } from '../layers/layer';
import { LayerwiseError } from '../util/errors';

export interface OptimizerOptions {
  /** Step size. */
  learningRate?: number;
}

/** An optimizer's settings, as its constructor takes them. */
export type OptimizerConfig = Record<string, number | boolean>;

/**
 * The base of every optimizer: it walks the trainable parameters once per step and keeps each
 * one's state (momentum, moments), created on first use. Subclasses write only the update rule.
 */
export abstract class Optimizer {
  /** The class name as Keras spells it (`'SGD'`); set by each subclass, and its key in the registry. */
  static readonly className: string = 'Optimizer';
  /** Read on every step, so schedulers may change it between batches. */
  learningRate: number;
  /** Number of steps taken. */
  iterations = 0;
  private readonly state = new Map<Param, Float32Array[]>();

  constructor(learningRate: number) {
    if (typeof learningRate !== 'number' || !(learningRate > 0) || !Number.isFinite(learningRate)) {
      throw new LayerwiseError(`${new.target.name}: learningRate must be a positive number. Received: learningRate=${learningRate}.`);
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
