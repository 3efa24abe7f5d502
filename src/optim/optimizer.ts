import type { Param } from '../layers/layer';
import { LayerwiseError } from '../util/errors';

export interface OptimizerOptions {
  /** Step size. */
  learningRate?: number;
}

/**
 * The base of every optimizer: it walks the trainable parameters once per step and keeps each
 * one's state (momentum, moments), created on first use. Subclasses write only the update rule.
 */
export abstract class Optimizer {
  /** The optimizer's name as Keras and TF.js spell it (`'SGD'`). */
  abstract readonly className: string;
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

  /** Number of per-parameter state arrays the update rule needs. */
  abstract readonly slotCount: number;

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

  abstract getConfig(): Record<string, number | boolean>;
}
