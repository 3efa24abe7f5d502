import { axpy } from '../tensor/kernels';
import type { Shape, Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import type { Layer, LayerConfig, Param } from './layer';
import { choice, optional, type OptionSpecs } from './options';
import type { LayerConstructor } from './layer-classes';
import { layerFromSpec, savedLayer, Wrapper, type WrappedLayerSpec, type WrapperOptions } from './wrapper';

/** How Bidirectional combines the two directions' outputs. */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalOptions extends WrapperOptions {
  /**
   * A recurrent layer (LSTM, GRU, SimpleRNN): its copy reading forward and another reading
   * backward are made from its config (Keras); the instance itself is not used.
   */
  layer: WrappedLayerSpec;
  /**
   * 'concat' (default: the two outputs side by side, twice the units), 'sum', 'mul' or 'ave'.
   * Keras's None (the two outputs apart) needs a model with two outputs, which Sequential is not.
   */
  mergeMode?: MergeMode;
  /** The layer reading backward, instead of a copy of `layer` with `goBackwards` flipped; copied from its config under its own name, as `layer` is. */
  backwardLayer?: WrappedLayerSpec | null;
}

/** A recurrent layer's settings Bidirectional reads from its config. */
interface Direction {
  returnSequences: boolean;
  goBackwards: boolean;
}

/**
 * Runs a recurrent layer over the sequence in both directions and merges the two outputs
 * (Keras 3's Bidirectional): `new Bidirectional({ layer: new LSTM({ units: 8 }) })`. The
 * directions are `forward_<name>` and `backward_<name>` (with a `backwardLayer`, which keeps its
 * own name, a name that starts with `forward_` is kept as it is: Keras 3 writes `forward_lstm` and
 * `backward_lstm` so; TF.js always prefixes), fresh copies of the layer made from its config,
 * with `goBackwards` flipped for the second (as TF.js and Keras 2 do; Keras 3 sets it to true,
 * and so refuses a layer that reads backwards already). A `backwardLayer` of other units is
 * concatenated with 'concat' (as Keras) and fails with the other merges. With `returnSequences`, the
 * backward output is put back in time order before the merge, and both directions output zeros
 * at masked steps (Keras 3 forces their `zeroOutputForMask`). A mask reaches both directions, and
 * is passed on with `returnSequences`. Weights: the forward layer's, then the backward layer's,
 * saved as `bidirectional_1/forward_lstm_1/kernel` (TF.js's names).
 *
 * TF.js 4.22 differs: it has no `backwardLayer` (it builds the backward copy from `layer`
 * whatever the file says), and its masked steps repeat the previous output instead of zeros.
 */
export class Bidirectional extends Wrapper {
  static override readonly className = 'Bidirectional';
  static override readonly supportsMasking = true;
  static override readonly positional = 'layer';
  static override readonly options: OptionSpecs = {
    ...Wrapper.options,
    mergeMode: {
      ...choice(MERGE_MODES),
      expected: `'concat', 'sum', 'mul' or 'ave' (Keras's None, the two directions apart, needs two outputs, which a Sequential model does not have)`,
    },
    backwardLayer: optional('layer'),
  };

  readonly mergeMode: MergeMode;
  readonly forwardLayer: Layer;
  readonly backwardLayer: Layer;
  readonly returnSequences: boolean;
  /** The wrapped layer's name, which the directions' names extend (what the config writes). */
  private readonly layerName: string;
  /** Whether `backwardLayer` was given (the config writes it then). */
  private readonly customBackward: boolean;
  /** The settings of `layer` and `backwardLayer` as given, where the directions force theirs (zeroOutputForMask): what the config writes. */
  private readonly unforced: [Record<string, unknown>, Record<string, unknown>];
  private last?: { forward: Tensor; backward: Tensor; steps: number };

  /** `new Bidirectional({ layer: new LSTM({ units: 8 }), mergeMode: 'sum' })`, or `new Bidirectional(new LSTM({ units: 8 }))`. */
  constructor(options: BidirectionalOptions | Layer) {
    super(options as BidirectionalOptions);
    const { layer, mergeMode = 'concat', backwardLayer } = this.given as BidirectionalOptions;
    const template = layerFromSpec(layer, this.name, 'layer');
    const forward = this.direction(template, 'layer');
    this.layerName = template.name;
    this.customBackward = backwardLayer !== undefined && backwardLayer !== null;
    // Keras 3 files (which always hold backwardLayer) name the layer forward_lstm already; TF.js's (which never do) prefix it again.
    const forwardName = this.customBackward && template.name.startsWith('forward_') ? template.name : `forward_${template.name}`;
    this.forwardLayer = directionCopy(template, { name: forwardName }, forward.returnSequences);
    const backwardTemplate = this.customBackward ? layerFromSpec(backwardLayer!, this.name, 'backwardLayer') : template;
    const backward = this.customBackward ? this.direction(backwardTemplate, 'backwardLayer') : { ...forward, goBackwards: !forward.goBackwards };
    if (backward.goBackwards === forward.goBackwards || backward.returnSequences !== forward.returnSequences) {
      throw new LayerwiseError(
        `${this.name}: backwardLayer must read the other way (goBackwards ${!forward.goBackwards}) and return what layer returns ` +
          `(returnSequences ${forward.returnSequences}), but it has goBackwards ${backward.goBackwards} and returnSequences ${backward.returnSequences}.`,
      );
    }
    const backwardName = this.customBackward ? backwardTemplate.name : `backward_${template.name}`;
    this.backwardLayer = directionCopy(backwardTemplate, { name: backwardName, goBackwards: backward.goBackwards }, forward.returnSequences);
    this.unforced = [unforced(template), unforced(backwardTemplate)];
    this.mergeMode = mergeMode;
    this.returnSequences = forward.returnSequences;
    this.hold(this.forwardLayer, this.backwardLayer);
  }

  /** Checks that `layer` is a recurrent layer with one output, and reads its direction. */
  private direction(layer: Layer, option: string): Direction {
    const options = (layer.constructor as typeof Layer).options;
    const config = layer.getConfig();
    if (!('goBackwards' in options) || !('returnSequences' in options)) {
      throw new LayerwiseError(
        `${this.name}: ${option} must be a recurrent layer (LSTM, GRU, SimpleRNN), which can read a sequence backwards, ` +
          `but ${layer.name} is a ${layer.className}. To apply it to every step, use TimeDistributed.`,
      );
    }
    if (config.returnState === true) {
      throw new LayerwiseError(`${this.name}: ${option} ${layer.name} has returnState: true, which returns several outputs; a Sequential layer has one. Remove returnState.`);
    }
    return { returnSequences: config.returnSequences === true, goBackwards: config.goBackwards === true };
  }

  /**
   * The forward output's shape, its last axis the two directions' units together ('concat') or
   * those of each ('sum', 'mul', 'ave': a backwardLayer of other units fails, as Keras's merge does).
   */
  override computeOutputShape(inputShape: Shape): Shape {
    const [shape, other] = this.report(() => [this.forwardLayer.computeOutputShape(inputShape), this.backwardLayer.computeOutputShape(inputShape)]);
    const last = shape.length - 1;
    if (this.mergeMode === 'concat') return [...shape.slice(0, last), shape[last] + other[last]];
    if (other[last] !== shape[last]) {
      throw new LayerwiseError(
        `${this.name}: mergeMode '${this.mergeMode}' adds or multiplies the two directions' outputs, but ${this.forwardLayer.name} has ` +
          `${shape[last]} units where ${this.backwardLayer.name} has ${other[last]}. Give backwardLayer the same units, or use mergeMode 'concat'.`,
      );
    }
    return shape;
  }

  override build(inputShape: Shape): void {
    this.buildHeld(inputShape, [
      [this.forwardLayer, inputShape],
      [this.backwardLayer, inputShape],
    ]);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    return this.report(() => [...this.forwardLayer.weightShapes(inputShape), ...this.backwardLayer.weightShapes(inputShape)]);
  }

  protected weightName(_layer: Layer, param: Param): string {
    return param.name;
  }

  /** The mask of the output: the wrapped layer's (the input's mask with returnSequences, else none). */
  override computeMask(x: Tensor, mask: Tensor | undefined): Tensor | undefined {
    return this.forwardLayer.computeMask(x, mask);
  }

  forward(x: Tensor, training: boolean, mask?: Tensor): Tensor {
    const forward = this.report(() => this.forwardLayer.forward(x, training, mask));
    const backward = this.report(() => this.backwardLayer.forward(x, training, mask));
    const steps = this.returnSequences ? x.shape[1] : 1;
    this.last = { forward, backward, steps };
    const widths = unitsOf(forward, backward);
    const y = this.buffer('y', [...forward.shape.slice(0, -1), this.mergeMode === 'concat' ? widths[0] + widths[1] : widths[0]]);
    mergeRows(this.mergeMode, forward.data, backward.data, y.data, widths, steps);
    return y;
  }

  backward(dy: Tensor, inputGradient = true): Tensor {
    const { forward, backward, steps } = this.requireForward(this.last);
    const dForward = this.buffer('dForward', forward.shape);
    const dBackward = this.buffer('dBackward', backward.shape);
    splitRows(this.mergeMode, dy.data, forward.data, backward.data, dForward.data, dBackward.data, unitsOf(forward, backward), steps);
    const dxForward = this.forwardLayer.backward(dForward, inputGradient);
    const dxBackward = this.backwardLayer.backward(dBackward, inputGradient);
    if (!inputGradient) return dxForward;
    const dx = this.buffer('dx', dxForward.shape);
    dx.data.set(dxForward.data);
    axpy(1, dxBackward.data, dx.data);
    return dx;
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), layer: written(this.forwardLayer, this.layerName, this.unforced[0]), mergeMode: this.mergeMode };
    if (this.customBackward) config.backwardLayer = written(this.backwardLayer, this.backwardLayer.name, this.unforced[1]);
    return config;
  }
}

/**
 * A direction: a copy of `template` from its config, with `overrides`; its `zeroOutputForMask`,
 * where it has one, set to `returnSequences` (Keras 3: the masked steps of both directions are
 * zeros, so that they merge cleanly).
 */
function directionCopy(template: Layer, overrides: Record<string, unknown>, returnSequences: boolean): Layer {
  const Class = template.constructor as LayerConstructor;
  const { inputShape: _ignored, ...config } = template.getConfig();
  const forced = 'zeroOutputForMask' in Class.options ? { zeroOutputForMask: returnSequences } : {};
  return new Class({ ...config, ...overrides, ...forced } as LayerConfig);
}

/** The settings of a layer's config that `directionCopy` forces, as the layer had them. */
function unforced(layer: Layer): Record<string, unknown> {
  const config = layer.getConfig();
  return 'zeroOutputForMask' in config ? { zeroOutputForMask: config.zeroOutputForMask } : {};
}

/** A direction's saved form under `name`, with the settings its template had. */
function written(layer: Layer, name: string, settings: Record<string, unknown>): { className: string; config: LayerConfig } {
  const saved = savedLayer(layer, name);
  return { className: saved.className, config: { ...saved.config, ...settings } };
}

/**
 * The row of the backward output that pairs with row `r` of the forward output: the same step.
 * Rows are [batch · steps] with `steps` > 1 for whole sequences, which the backward layer gives
 * in reverse time (Keras flips them back); with one row a sample they pair as they are.
 */
function pairedRow(r: number, steps: number): number {
  const t = r % steps;
  return r - t + (steps - 1 - t);
}

/** The units of the two directions' outputs (their last axes), as [forward, backward]. */
function unitsOf(forward: Tensor, backward: Tensor): [number, number] {
  return [forward.shape[forward.shape.length - 1], backward.shape[backward.shape.length - 1]];
}

/**
 * y = merge(forward, backward flipped in time), row by row: rows of `units` values ([forward,
 * backward], the same but for 'concat', whose rows hold both side by side).
 */
function mergeRows(mode: MergeMode, f: Float32Array, b: Float32Array, y: Float32Array, [units, backUnits]: [number, number], steps: number): void {
  if (mode === 'concat') return concatRows(y, f, b, [units, backUnits], steps, false);
  const rows = f.length / units;
  for (let r = 0; r < rows; r++) {
    const fo = r * units;
    const bo = pairedRow(r, steps) * backUnits;
    for (let j = 0; j < units; j++) {
      const u = f[fo + j];
      const v = b[bo + j];
      y[fo + j] = mode === 'sum' ? u + v : mode === 'mul' ? u * v : 0.5 * (u + v);
    }
  }
}

/**
 * 'concat' both ways: each row of `y` holds a forward row, then its paired backward row; written
 * from `f` and `b` (the forward pass), or read back out into them when `split` (the backward pass).
 */
function concatRows(y: Float32Array, f: Float32Array, b: Float32Array, [units, backUnits]: [number, number], steps: number, split: boolean): void {
  const rows = f.length / units;
  for (let r = 0; r < rows; r++) {
    const fo = r * units;
    const bo = pairedRow(r, steps) * backUnits;
    const yo = r * (units + backUnits);
    if (split) {
      for (let j = 0; j < units; j++) f[fo + j] = y[yo + j];
      for (let j = 0; j < backUnits; j++) b[bo + j] = y[yo + units + j];
    } else {
      for (let j = 0; j < units; j++) y[yo + j] = f[fo + j];
      for (let j = 0; j < backUnits; j++) y[yo + units + j] = b[bo + j];
    }
  }
}

/** The gradients of the two outputs from the merged output's, `dy`: the transpose of `mergeRows`. */
function splitRows(mode: MergeMode, dy: Float32Array, f: Float32Array, b: Float32Array, df: Float32Array, db: Float32Array, [units, backUnits]: [number, number], steps: number): void {
  if (mode === 'concat') return concatRows(dy, df, db, [units, backUnits], steps, true);
  const rows = f.length / units;
  for (let r = 0; r < rows; r++) {
    const fo = r * units;
    const bo = pairedRow(r, steps) * backUnits;
    for (let j = 0; j < units; j++) {
      const g = dy[fo + j];
      df[fo + j] = mode === 'sum' ? g : mode === 'mul' ? g * b[bo + j] : 0.5 * g;
      db[bo + j] = mode === 'sum' ? g : mode === 'mul' ? g * f[fo + j] : 0.5 * g;
    }
  }
}
