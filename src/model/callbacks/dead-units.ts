import type { Layer } from '../../layers/layer';
import { PReLU } from '../../layers/prelu';
import { markActiveColumns } from '../../tensor/kernels';
import type { Tensor } from '../../tensor/tensor';
import { LayerwiseError } from '../../util/errors';
import { Callback, type Logs } from './base';

/**
 * The activations watched: the piecewise ones, whose negative side is flat or nearly so. A
 * ReLU or ReLU6 unit whose input never gets positive has a zero gradient and cannot recover; a
 * leaky, ELU, SELU or PReLU unit still gets a gradient there, so for those "dead" means "never
 * on the positive side this epoch" and may recover. Smooth activations (gelu, swish) are not watched.
 */
export const RELU_FAMILY: readonly string[] = ['relu', 'relu6', 'leaky_relu', 'elu', 'selu'];

/** Something whose last forward input is the pre-activation: an `ActivationSlot` or a PReLU layer. */
interface PreActivation {
  readonly lastInput: Tensor | undefined;
}

/**
 * Where a layer's ReLU-family activation reads its input: a Dense or Conv2D `activation` option
 * (key or instance), a standalone activation layer, or a PReLU (as a layer or as an option).
 */
function preActivationOf(layer: Layer): PreActivation | undefined {
  if (layer instanceof PReLU) return layer;
  const slot = layer.outputActivation();
  if (slot?.layer instanceof PReLU) return slot.layer;
  const head = slot?.head();
  return head?.fn && RELU_FAMILY.includes(head.fn.name) ? head : undefined;
}

export interface DeadUnitMonitorOptions {
  /** Names of the layers to watch. Default: every layer with a ReLU-family activation. */
  layers?: string[];
  /** A unit is active on a sample when its activation's input exceeds this. Default 0. */
  threshold?: number;
}

interface Watched {
  readonly layer: string;
  readonly source: PreActivation;
  /** One flag per unit (channel, for Conv2D): active on some sample this epoch. */
  readonly active: Uint8Array;
}

/**
 * Watches ReLU-family units during training. A unit is dead in an epoch when its activation's
 * input was never above `threshold` on any training sample of the epoch; the last axis holds the
 * units (Dense units, Conv2D channels, NHWC). Each epoch logs the dead fraction per layer as
 * `dead/<layer>` and keeps the dead units' indices in `dead`.
 *
 * The input is read after each training batch; the cost is one pass over the pre-activations,
 * with no allocation per batch.
 */
export class DeadUnitMonitor extends Callback {
  readonly layers?: readonly string[];
  readonly threshold: number;
  /** For each watched layer, the units dead in the last finished epoch. */
  dead: Record<string, number[]> = {};
  private watched: Watched[] = [];

  constructor({ layers, threshold = 0 }: DeadUnitMonitorOptions = {}) {
    super();
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
      return { layer, units: shape[shape.length - 1], found: preActivationOf(layer) };
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
    this.watched = chosen.map(({ layer, units, found }) => ({ layer: layer.name, source: found!, active: new Uint8Array(units) }));
    this.dead = {};
  }

  override onEpochBegin(): void {
    for (const w of this.watched) w.active.fill(0);
  }

  override onBatchEnd(): void {
    for (const w of this.watched) {
      const x = w.source.lastInput;
      if (x) markActiveColumns(x.data, this.threshold, w.active);
    }
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    for (const { layer, active } of this.watched) {
      const dead: number[] = [];
      active.forEach((on, unit) => on || dead.push(unit));
      this.dead[layer] = dead;
      logs[`dead/${layer}`] = dead.length / active.length;
    }
  }
}
