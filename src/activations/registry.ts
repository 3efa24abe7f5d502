import { LayerwiseError } from '../util/errors';
import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import { elementwise, type Activation, type ElementwiseDefinition } from './activation';
import * as f from './functions';

/** The built-in activations by their Keras key. Fixed: user activations live in a separate map. */
const BUILTIN = {
  linear: f.linear,
  relu: f.relu(),
  leaky_relu: f.leakyRelu(),
  sigmoid: f.sigmoid,
  tanh: f.tanh,
  softmax: f.softmax(),
  elu: f.elu(),
  selu: f.selu,
  gelu: f.gelu,
  swish: f.swish(),
  silu: f.swish('silu'),
  softplus: f.softplus,
  softsign: f.softsign,
  hard_sigmoid: f.hardSigmoid,
  relu6: f.relu(6, 'relu6'),
} as const;

/** The key of a built-in activation, in Keras snake_case or TF.js camelCase. */
export type BuiltinActivationKey = keyof typeof BUILTIN | SnakeToCamel<keyof typeof BUILTIN>;

/**
 * A key of the activation registry. Class-name spellings (`'LeakyReLU'`) and keys added with
 * `registerActivation` are accepted too; unknown keys fail with the nearest known one.
 */
// `string & {}` keeps editor completion for the built-in keys while admitting registered ones.
export type ActivationKey = BuiltinActivationKey | (string & {});

const builtins = new KeyRegistry<Activation>('activation', BUILTIN);
const registered = new KeyRegistry<Activation>('activation');

/** The softmax over the last axis: the one a cross-entropy loss may fuse with. */
export const SOFTMAX: Activation = BUILTIN.softmax;
/** The sigmoid that binary cross-entropy may fuse with. */
export const SIGMOID: Activation = BUILTIN.sigmoid;

/** Every known activation key: the built-ins, then those registered by the user. */
export function activationKeys(): string[] {
  return [...builtins.keys(), ...registered.keys()];
}

/**
 * Resolves an activation key in any spelling. `undefined` means linear. `where` names the layer
 * for the error an unknown key raises.
 */
export function getActivation(key: ActivationKey | undefined, where = 'getActivation'): Activation {
  if (key === undefined) return BUILTIN.linear;
  if (typeof key !== 'string') {
    throw new LayerwiseError(
      `${where}: an activation must be a string key or a Layer instance, but received ${typeof key}.`,
    );
  }
  return builtins.find(key) ?? registered.get(key, where, builtins.keys());
}

/**
 * Adds a user activation, usable by key afterwards everywhere an `activation` option exists.
 * Give either a full `Activation` (array kernels) or `{ fn, grad }` for an element-wise function.
 * Registering a key that is already taken throws: a built-in's always, a registered one's until
 * it is unregistered.
 */
export function registerActivation(name: string, definition: ElementwiseDefinition | Omit<Activation, 'name' | 'config'>): Activation {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
    throw new LayerwiseError(
      `registerActivation: the name must start with a letter and hold only letters, digits and "_". Received: "${name}".`,
    );
  }
  const builtin = builtins.canonical(name);
  if (builtin !== undefined) {
    throw new LayerwiseError(
      `registerActivation: "${name}" is already taken by the built-in activation "${builtin}". Choose another name.`,
    );
  }
  const taken = registered.canonical(name);
  if (taken !== undefined) {
    throw new LayerwiseError(
      `registerActivation: "${name}" is already taken by the activation "${taken}". ` +
        `Choose another name, or call unregisterActivation("${taken}") first.`,
    );
  }
  const activation: Activation =
    'fn' in definition && 'grad' in definition
      ? elementwise(name, definition)
      : { ...(definition as Omit<Activation, 'name' | 'config'>), name, config: {} };
  if (typeof activation.forward !== 'function' || typeof activation.backward !== 'function') {
    throw new LayerwiseError(
      `registerActivation("${name}"): expected { fn, grad } or { forward, backward } functions.`,
    );
  }
  registered.set(name, activation);
  return activation;
}

/** Removes a user activation; returns whether it was registered. Built-ins cannot be removed. */
export function unregisterActivation(name: string): boolean {
  return registered.delete(name);
}
