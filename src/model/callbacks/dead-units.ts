import type { Activation } from '../../activations/activation';
import type { Layer, Param } from '../../layers/layer';
import { PReLU } from '../../layers/prelu';
import { markActiveColumns } from '../../tensor/kernels';
import type { Tensor } from '../../tensor/tensor';
import { LayerwiseError } from '../../util/errors';
import { checkOptions } from '../../util/options';
import { Callback, type Logs } from './base';

/**
 * The activations watched: the piecewise ones, whose negative side is flat or nearly so. A ReLU or
 * ReLU6 unit whose input stays on the flat side gets a zero gradient: it is dead and cannot
 * recover. A leaky ReLU, ELU, SELU or PReLU (alpha ≠ 0) unit whose input stays negative still
 * passes a gradient back (alpha, alpha · e^x, ...): it is inactive, not dead, and may recover.
 * Smooth activations (gelu, swish) are not watched.
 */
export const RELU_FAMILY: readonly string[] = ['relu', 'relu6', 'leaky_relu', 'elu', 'selu'];

/**
 * Marks the units (columns of a [rows, units] array) where the activation's derivative f'(x) is
 * not zero in some row: live[j] = 1 then; entries already marked stay marked.
 */
export interface LiveMarker {
  (x: Float32Array, live: Uint8Array): void;
  /** The derivative is not zero exactly where x > 0 (relu without a cap): live is "above threshold 0". */
  readonly wherePositive?: boolean;
}

const WHERE_POSITIVE: LiveMarker = Object.assign((x: Float32Array, live: Uint8Array) => markActiveColumns(x, 0, live), { wherePositive: true });

/** live[j] = 1 for the columns j of a [rows, live.length] array that hold a value in (low, high). */
function markInside(x: Float32Array, low: number, high: number, live: Uint8Array): void {
  const units = live.length;
  for (let start = 0; start < x.length; start += units) {
    for (let j = 0; j < units; j++) {
      const v = x[start + j];
      if (v > low && v < high) live[j] = 1;
    }
  }
}

/**
 * Where the derivative of an activation function is not zero, per unit. The common cases have
 * their closed form, the one their `backward` computes: relu's is 1 on (0, maxValue) and 0
 * elsewhere (at 0 and at maxValue too, as TensorFlow's), leaky_relu's is 1 or alpha, so never 0
 * unless alpha is. Any other function (elu, selu) is asked: its own `forward` and `backward` with
 * dy = 1 give f'(x) exactly as training computes it (ELU's e^x underflows to 0 in float32 below
 * x ≈ -17, which makes such a unit dead). Buffers are kept from call to call.
 */
export function liveMarker(fn: Activation): LiveMarker {
  const { name, config } = fn;
  if (name === 'relu' || name === 'relu6') {
    const max = config.maxValue;
    if (max === undefined) return WHERE_POSITIVE;
    return (x, live) => markInside(x, 0, max, live);
  }
  if (name === 'leaky_relu') {
    if (config.alpha === 0) return WHERE_POSITIVE;
    return (x, live) => {
      if (x.length > 0) live.fill(1);
    };
  }
  let y = new Float32Array(0);
  let grad = new Float32Array(0);
  let ones = new Float32Array(0);
  return (x, live) => {
    if (y.length < x.length) {
      y = new Float32Array(x.length);
      grad = new Float32Array(x.length);
      ones = new Float32Array(x.length).fill(1);
    }
    const [yv, gv, dy] = [y.subarray(0, x.length), grad.subarray(0, x.length), ones.subarray(0, x.length)];
    const shape = [x.length / live.length, live.length];
    fn.forward(x, yv, shape);
    fn.backward(x, yv, dy, gv, shape);
    const units = live.length;
    for (let start = 0; start < x.length; start += units) {
      for (let j = 0; j < units; j++) if (gv[start + j] !== 0) live[j] = 1;
    }
  };
}

/** Where one watched activation reads its input, and where its derivative is not zero. */
interface Source {
  /** The pre-activation of the last forward call. */
  input(): Tensor | undefined;
  /** Before each batch: keep what the derivative depends on and the step may change (a PReLU's alpha). */
  beforeBatch?(): void;
  readonly markLive: LiveMarker;
}

/**
 * A PReLU's derivative is 1 for x > 0 and alpha otherwise, alpha per element of a sample (so per
 * position and channel after a Conv2D). Alpha is read before each batch, as the forward pass of
 * that batch reads it, since the step at the batch's end changes it.
 */
function preluSource(layer: PReLU): Source {
  let alpha: Param | undefined;
  let seen = new Float32Array(0);
  return {
    input: () => layer.lastInput,
    beforeBatch() {
      alpha ??= layer.params()[0];
      if (seen.length !== alpha.value.data.length) seen = new Float32Array(alpha.value.data.length);
      seen.set(alpha.value.data);
    },
    markLive(x, live) {
      const units = live.length;
      const per = seen.length; // alpha holds one sample: a multiple of the units
      if (per === 0) return; // no batch has begun
      for (let start = 0; start < x.length; start += per) {
        for (let k = 0; k < per; k++) if (x[start + k] > 0 || seen[k] !== 0) live[k % units] = 1;
      }
    },
  };
}

/**
 * Where a layer's ReLU-family activation reads its input: a Dense or Conv2D `activation` option
 * (key or instance), a standalone activation layer, or a PReLU (as a layer or as an option).
 */
function sourceOf(layer: Layer): Source | undefined {
  if (layer instanceof PReLU) return preluSource(layer);
  const slot = layer.outputActivation();
  if (slot?.layer instanceof PReLU) return preluSource(slot.layer);
  const head = slot?.head();
  if (!head?.fn || !RELU_FAMILY.includes(head.fn.name)) return undefined;
  return { input: () => head.lastInput, markLive: liveMarker(head.fn) };
}

export interface DeadUnitMonitorOptions {
  /** Names of the layers to watch. Default: every layer with a ReLU-family activation. */
  layers?: string[];
  /**
   * A unit is active on a sample when its activation's input exceeds this; one never active in an
   * epoch but not dead is inactive. Default 0. Dead units are found from the derivative, whatever
   * the threshold.
   */
  threshold?: number;
}

const OPTIONS: readonly (keyof DeadUnitMonitorOptions)[] = ['layers', 'threshold'];

interface Watched {
  readonly layer: string;
  readonly source: Source;
  /** One flag per unit (channel, for Conv2D): its input exceeded the threshold on some sample this epoch. */
  readonly active: Uint8Array;
  /**
   * One flag per unit: its activation's derivative was not zero on some sample this epoch. The
   * `active` array itself when the two are the same test (relu at threshold 0): one pass, not two.
   */
  readonly live: Uint8Array;
}

/**
 * Watches ReLU-family units during training, per epoch; the last axis holds the units (Dense
 * units, Conv2D channels, NHWC). A unit is
 *
 * - **dead** in an epoch when its activation's derivative was 0 on every training sample of the
 *   epoch: no gradient reaches the weights before it, so it cannot recover. ReLU with an input
 *   ≤ 0 everywhere; ReLU6 (relu with `maxValue`) with an input ≤ 0 or ≥ the cap everywhere; a
 *   PReLU whose alpha is exactly 0 (its alpha still learns from x · dy, and may bring it back);
 * - **inactive** when it is not dead but its input never exceeded `threshold` (default 0): leaky
 *   ReLU, ELU, SELU or PReLU (alpha ≠ 0) units on the negative side, which still get a gradient
 *   and may move back;
 * - active otherwise.
 *
 * Each epoch logs, per layer, the dead fraction as `dead/<layer>` and the inactive fraction as
 * `inactive/<layer>`, and over all watched layers the counts `dead_units` and `inactive_units`;
 * `dead` and `inactive` keep the units' indices.
 *
 * The input is read after each training batch; the cost is one pass over the pre-activations for
 * relu at threshold 0, two for the others (ELU and SELU: their own forward and backward), with no
 * allocation per batch.
 */
export class DeadUnitMonitor extends Callback {
  readonly layers?: readonly string[];
  readonly threshold: number;
  /** For each watched layer, the units dead in the last finished epoch (zero gradient on every sample). */
  dead: Record<string, number[]> = {};
  /** For each watched layer, the units inactive in the last finished epoch (never above `threshold`, gradient alive). */
  inactive: Record<string, number[]> = {};
  private watched: Watched[] = [];

  constructor(options: DeadUnitMonitorOptions = {}) {
    super();
    const { layers, threshold = 0 } = checkOptions<DeadUnitMonitorOptions>('DeadUnitMonitor', options, OPTIONS, {
      example: "{ layers: ['dense_1'], threshold: 0 }",
    });
    if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
      throw new LayerwiseError(`DeadUnitMonitor: threshold must be a finite number. Received: threshold=${threshold}.`);
    }
    if (layers !== undefined && (!Array.isArray(layers) || !layers.every((name) => typeof name === 'string'))) {
      throw new LayerwiseError(`DeadUnitMonitor: layers must be an array of layer names. Received: ${JSON.stringify(layers)}.`);
    }
    this.layers = layers && [...layers];
    this.threshold = threshold;
  }

  override onTrainBegin(): void {
    const model = this.model;
    const family = RELU_FAMILY.join(', ');
    let shape = model.inputShape!;
    const candidates = model.layers.map((layer) => {
      shape = layer.computeOutputShape(shape);
      return { layer, units: shape[shape.length - 1], found: sourceOf(layer) };
    });
    const chosen = this.layers
      ? this.layers.map((name) => {
          const candidate = candidates.find((c) => c.layer.name === name);
          if (!candidate) {
            throw new LayerwiseError(`DeadUnitMonitor: ${model.name} has no layer "${name}". Layers: ${model.layers.map((l) => l.name).join(', ')}.`);
          }
          if (!candidate.found) {
            const activation = candidate.layer.outputActivation()?.describe() ?? 'none';
            throw new LayerwiseError(`DeadUnitMonitor: ${name} has activation ${activation}, which is not of the ReLU family (${family}, PReLU).`);
          }
          return candidate;
        })
      : candidates.filter((c) => c.found);
    if (chosen.length === 0) {
      throw new LayerwiseError(`DeadUnitMonitor: ${model.name} has no layer with a ReLU-family activation (${family}, PReLU) to watch.`);
    }
    this.watched = chosen.map(({ layer, units, found }) => {
      const active = new Uint8Array(units);
      const same = found!.markLive.wherePositive === true && this.threshold === 0;
      return { layer: layer.name, source: found!, active, live: same ? active : new Uint8Array(units) };
    });
    this.dead = {};
    this.inactive = {};
  }

  override onEpochBegin(): void {
    for (const w of this.watched) {
      w.active.fill(0);
      w.live.fill(0);
    }
  }

  override onBatchBegin(): void {
    for (const w of this.watched) w.source.beforeBatch?.();
  }

  override onBatchEnd(): void {
    for (const w of this.watched) {
      const x = w.source.input();
      if (!x) continue;
      markActiveColumns(x.data, this.threshold, w.active);
      if (w.live !== w.active) w.source.markLive(x.data, w.live);
    }
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    let deadUnits = 0;
    let inactiveUnits = 0;
    for (const { layer, active, live } of this.watched) {
      const dead: number[] = [];
      const inactive: number[] = [];
      live.forEach((on, unit) => {
        if (!on) dead.push(unit);
        else if (!active[unit]) inactive.push(unit);
      });
      this.dead[layer] = dead;
      this.inactive[layer] = inactive;
      deadUnits += dead.length;
      inactiveUnits += inactive.length;
    }
    // Every dead/ entry, then every inactive/ entry: each group is one chart in History.plot().
    for (const { layer, live } of this.watched) logs[`dead/${layer}`] = this.dead[layer].length / live.length;
    for (const { layer, live } of this.watched) logs[`inactive/${layer}`] = this.inactive[layer].length / live.length;
    logs.dead_units = deadUnits;
    logs.inactive_units = inactiveUnits;
  }
}
