import type { Layer } from '../layers/layer';
import type { Loss } from '../losses/losses';
import type { Shape, Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';

/**
 * The label domains of the regression-style losses that need one: what the labels must be, the test,
 * and the fix. (Keras 3 reads a label outside them silently: msle clips labels below 1e-7, kld clips
 * to [1e-7, 1], poisson takes a log of the prediction weighted by the label.)
 */
const LABEL_DOMAINS: Record<string, { need: string; ok: (v: number) => boolean; fix: string }> = {
  poisson: { need: 'counts ≥ 0', ok: (v) => v >= 0, fix: 'Poisson labels are non-negative counts or rates.' },
  meanSquaredLogarithmicError: {
    need: 'labels ≥ 0',
    ok: (v) => v >= 0,
    fix: 'It compares log(1 + y) and reads every label below 1e-7 as 1e-7; shift the labels, or use meanSquaredError.',
  },
  kullbackLeiblerDivergence: { need: 'probabilities in [0, 1]', ok: (v) => v >= 0 && v <= 1, fix: 'Give rows of probabilities (one-hot rows, or a distribution per sample).' },
  hinge: { need: 'labels in [−1, 1] (−1/1, or 0/1)', ok: (v) => v >= -1 && v <= 1, fix: 'Give −1/1 labels (0/1 are mapped to −1/1).' },
  squaredHinge: { need: 'labels in [−1, 1] (−1/1, or 0/1)', ok: (v) => v >= -1 && v <= 1, fix: 'Give −1/1 labels (0/1 are mapped to −1/1).' },
};

/**
 * Checks, before training starts, that the labels hold values the loss can learn from and that the
 * output layer can produce what the loss needs: binary cross-entropy takes labels in [0, 1] (0/1, or
 * soft labels), categorical cross-entropy one-hot or probability rows, sparse categorical
 * cross-entropy class indices 0..classes−1; the losses of LABEL_DOMAINS their domains. Wrong labels (0/2, −1/1, an index past the classes)
 * would otherwise train to nothing with no word. Sample indices in messages count over all of `y`.
 */
export function checkLabelValues(loss: Loss, labels: Tensor, predShape: Shape, where: string): void {
  const { name } = loss.getConfig();
  const data = labels.data;
  const rowSize = labels.size / Math.max(1, labels.shape[0]);
  const at = (i: number) => `sample ${Math.floor(i / rowSize)}${rowSize > 1 ? ` (value ${i % rowSize} of the sample)` : ''}`;
  const domain = Object.prototype.hasOwnProperty.call(LABEL_DOMAINS, name) ? LABEL_DOMAINS[name] : undefined;
  if (domain) {
    for (let i = 0; i < data.length; i++) {
      if (!domain.ok(data[i])) {
        throw new LayerwiseError(`${where}: the loss ${name} needs ${domain.need}, but y holds ${data[i]} at ${at(i)}. ${domain.fix} The model was not changed.`);
      }
    }
  } else if (name === 'binaryCrossentropy' || name === 'binaryFocalCrossentropy' || name === 'categoricalCrossentropy') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < 0 || v > 1) {
        const fix =
          name !== 'categoricalCrossentropy'
            ? 'Binary labels are 0 and 1 (map −1/1 or 1/2 to 0/1 first).'
            : 'Give one-hot rows (datasets.oneHot(labels, classes)), or class indices with sparseCategoricalCrossentropy.';
        throw new LayerwiseError(`${where}: the loss ${name} needs labels in [0, 1], but y holds ${v} at ${at(i)}. ${fix} The model was not changed.`);
      }
    }
  } else if (name === 'sparseCategoricalCrossentropy') {
    const classes = predShape[predShape.length - 1];
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < 0 || v >= classes) {
        throw new LayerwiseError(
          `${where}: the loss sparseCategoricalCrossentropy needs class indices 0 to ${classes - 1} (the model outputs ${classes} classes), ` +
            `but y holds ${v} at ${at(i)}. Give integer class indices, or add output units for more classes. The model was not changed.`,
        );
      }
    }
  }
}

/** The activation keys whose outputs are not probabilities in [0, 1]. */
const UNBOUNDED = new Set(['linear', 'relu', 'relu6', 'leaky_relu', 'elu', 'selu', 'gelu', 'swish', 'silu', 'softplus', 'softsign', 'tanh']);

/**
 * Refuses an output layer that cannot produce what the loss needs: a softmax over one unit (always
 * 1, so the loss never moves), and a cross-entropy on probabilities after an activation whose
 * outputs are not probabilities.
 */
export function checkOutputForLoss(last: Layer, loss: Loss, predShape: Shape, where: string): void {
  const { name, fromLogits = false } = loss.getConfig();
  const head = last.outputActivation()?.head();
  const fn = head?.fn?.name;
  const units = predShape[predShape.length - 1];
  const axis = head?.fn?.config.axis;
  const overLastAxis = axis === undefined || axis === -1 || axis === predShape.length - 1;
  if (fn === 'softmax' && units === 1 && overLastAxis) {
    throw new LayerwiseError(
      `${where}: ${last.name} applies softmax over 1 unit, which always outputs 1: the loss cannot change. ` +
        `For two classes use one unit with activation 'sigmoid' and binaryCrossentropy, or 2 units with softmax.`,
    );
  }
  const probabilities = name === 'binaryCrossentropy' || name === 'categoricalCrossentropy' || name === 'sparseCategoricalCrossentropy';
  if (probabilities && !fromLogits && fn !== undefined && UNBOUNDED.has(fn)) {
    const want = name === 'binaryCrossentropy' ? "'sigmoid'" : "'softmax'";
    throw new LayerwiseError(
      `${where}: the loss ${name} reads probabilities, but ${last.name}'s activation '${fn}' does not output them. ` +
        `Use activation ${want} on the last layer, or keep it and pass losses.${name}({ fromLogits: true }).`,
    );
  }
}
