import { DATASETS, type DatasetName } from './data';

/** The activations offered; every one is a key of layerwise's activation registry. */
export const ACTIVATIONS = ['leaky_relu', 'relu', 'elu', 'selu', 'tanh', 'sigmoid', 'gelu', 'swish'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Everything the controls choose. */
export interface Settings {
  dataset: DatasetName;
  noise: number;
  /** Hidden Dense layers. */
  layers: number;
  /** Units in each hidden layer. */
  units: number;
  activation: ActivationName;
  /** Slope of leaky_relu for negative inputs. */
  alpha: number;
  learningRate: number;
  momentum: number;
  batchSize: number;
}

export const DEFAULTS: Settings = {
  dataset: 'spirals',
  noise: 0.05,
  layers: 2,
  units: 16,
  activation: 'leaky_relu',
  alpha: 0.1,
  learningRate: 0.03,
  momentum: 0.9,
  batchSize: 10,
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`playground: the page has no element #${id}`);
  return found as T;
}

/** Fills the select boxes and sets every control to its default. */
export function initControls(): void {
  const fill = (id: string, values: readonly string[]): void => {
    element<HTMLSelectElement>(id).replaceChildren(...values.map((v) => new Option(v, v)));
  };
  fill('dataset', DATASETS);
  fill('activation', ACTIVATIONS);
  for (const [key, value] of Object.entries(DEFAULTS)) element<HTMLInputElement>(key).value = String(value);
  showValues();
}

/** The controls' current values. */
export function readSettings(): Settings {
  const num = (id: keyof Settings): number => Number(element<HTMLInputElement>(id).value);
  return {
    dataset: element<HTMLSelectElement>('dataset').value as DatasetName,
    noise: num('noise'),
    layers: num('layers'),
    units: num('units'),
    activation: element<HTMLSelectElement>('activation').value as ActivationName,
    alpha: num('alpha'),
    learningRate: num('learningRate'),
    momentum: num('momentum'),
    batchSize: num('batchSize'),
  };
}

/** Writes each slider's value beside it, and shows the alpha slider only for leaky_relu. */
export function showValues(): void {
  for (const output of document.querySelectorAll<HTMLOutputElement>('output[for]')) {
    output.value = element<HTMLInputElement>(output.htmlFor.value).value;
  }
  element('alpha-row').hidden = element<HTMLSelectElement>('activation').value !== 'leaky_relu';
}

/** Calls `onChange` whenever a control changes. */
export function onControlsChange(onChange: () => void): void {
  for (const control of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#controls input, #controls select')) {
    control.addEventListener('input', () => {
      showValues();
      onChange();
    });
  }
}
