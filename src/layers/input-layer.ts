import type { Shape, Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { describeValue } from '../util/options';
import { Layer, type LayerConfig, type LayerOptions } from './layer';
import { optional, type OptionSpecs } from './options';

export interface InputLayerOptions extends LayerOptions {
  /** The shape of one sample, without the batch axis (Keras 3 calls it `shape`, accepted too). Give it, or one of the batch forms. */
  inputShape?: number[];
  /** TF.js's and Keras 2's form: the batch axis first (`[null, 8]`; a batch size there is not kept). */
  batchInputShape?: (number | null)[];
  /** Keras 3's name for `batchInputShape`. */
  batchShape?: (number | null)[];
}

/**
 * Declares a model's input shape, as the first layer of a `Sequential` (Keras 3's `keras.Input`
 * or `InputLayer`): `new Sequential({ layers: [new InputLayer({ inputShape: [8] }), new Dense(4)] })`.
 * The model takes the shape from it and does not keep it as a layer (Keras 3's `model.layers`
 * leaves it out too, and its summary does not list it; TF.js 4.22 keeps it as a layer of no
 * weights). Used alone it is the identity.
 */
export class InputLayer extends Layer {
  static override readonly className = 'InputLayer';
  static override readonly supportsMasking = true;
  static override readonly options: OptionSpecs = {
    batchInputShape: optional('shape', 'a batch shape [null, ...dims] of positive integers'),
    batchShape: optional('shape', 'a batch shape [null, ...dims] of positive integers'),
  };
  static override readonly aliases: Readonly<Record<string, string>> = { shape: 'inputShape' };

  /** The per-sample shape it declares. */
  declare readonly inputShape: Shape;

  /** `new InputLayer({ inputShape: [28, 28, 1] })`, `new InputLayer({ shape: [8] })` or `new InputLayer({ batchInputShape: [null, 8] })`. */
  constructor(options: InputLayerOptions) {
    super(options);
    const { inputShape, batchInputShape, batchShape } = this.given as InputLayerOptions;
    const given = [['inputShape', inputShape], ['batchInputShape', batchInputShape], ['batchShape', batchShape]].filter(([, v]) => v !== undefined);
    if (given.length !== 1) {
      throw new LayerwiseError(
        `${this.name}: give the input shape once, as inputShape (one sample: [8]) or batchInputShape ([null, 8]). ` +
          `Received ${given.length === 0 ? 'none' : given.map(([k]) => k).join(' and ')}.`,
      );
    }
    const batch = batchInputShape ?? batchShape;
    if (batch !== undefined) {
      const [first, ...dims] = batch;
      if (batch.length < 2 || !(first === null || (Number.isInteger(first) && first > 0)) || !dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
        throw new LayerwiseError(
          `${this.name}: ${given[0][0]} must be the batch axis (null or a positive integer) then the sample's positive dimensions, such as [null, 8]. ` +
            `Received: ${describeValue(batch)}.`,
        );
      }
      this.inputShape = dims as number[];
    } else {
      this.inputShape = [...(inputShape as number[])];
    }
  }

  forward(x: Tensor, _training = false): Tensor {
    return x;
  }

  backward(dy: Tensor): Tensor {
    return dy;
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), inputShape: [...this.inputShape] };
  }
}
