import { randomNormal, randomUniform, rngFor, truncatedNormal, type Rng } from '../tensor/random';
import { full, sizeOf, tensor, type Shape, type Tensor } from '../tensor/tensor';
import { LayerwiseError } from '../util/errors';
import { KeyRegistry, type SnakeToCamel } from '../util/keys';
import { checkOptions, describeValue, type OptionsCheck } from '../util/options';
import { orthonormalColumns } from './qr';

/**
 * Makes the initial values of a weight. `fanIn`/`fanOut` follow Keras: for a kernel of shape
 * [..., in, out] they are in and out times the product of the leading (receptive field) dims.
 */
export interface Initializer {
  /** The Keras/TF.js class name (`'GlorotUniform'`), used in configs and files. */
  readonly className: string;
  readonly config: Readonly<Record<string, number | string | null>>;
  init(shape: Shape, rng: Rng): Tensor;
}

/** Fan-in and fan-out of a weight shape, as Keras computes them. */
export function fans(shape: Shape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const receptive = sizeOf(shape.slice(0, -2));
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

interface SeedOption {
  /** Seed of this initializer's own generator (an integer); without it, or null, values come from the global stream. */
  seed?: number | null;
}

/**
 * Checks the options of an initializer factory (`name` is its TF.js name, as `initializers.heNormal`):
 * every key one it takes (`"std" is not an option of randomNormal. Did you mean "stddev"?`), a
 * seed an integer or null, every other value a finite number.
 */
function initializerOptions<T extends object>(name: string, options: unknown, known: readonly string[], check: OptionsCheck = {}): T {
  const out = checkOptions<T>(name, options, known, { example: known.length ? `{ ${known[0]}: ${known[0] === 'seed' ? 42 : 0.1} }` : '{}', ...check });
  for (const [key, value] of Object.entries(out)) {
    if (value === undefined || (key === 'seed' && value === null)) continue;
    if (key === 'seed' ? !Number.isInteger(value) : typeof value !== 'number' || !Number.isFinite(value)) {
      throw new LayerwiseError(`${name}: ${key} must be ${key === 'seed' ? 'an integer or null' : 'a finite number'}. Received: ${key}=${describeValue(value)}.`);
    }
  }
  return out;
}

/** The seed option, null read as absent. */
const seedOf = ({ seed }: SeedOption): number | undefined => seed ?? undefined;

function seeded(className: string, config: Record<string, number | string | null>, seed: number | undefined, make: (shape: Shape, rng: Rng) => Tensor): Initializer {
  return {
    className,
    config: { ...config, seed: seed ?? null },
    init: (shape, rng) => make(shape, seed === undefined ? rng : rngFor(seed)),
  };
}

type Mode = 'fanIn' | 'fanOut' | 'fanAvg';
type Distribution = 'normal' | 'uniform';

/** Keras's VarianceScaling: scale / fan, drawn truncated-normal or uniform. */
function varianceScaling(className: string, scale: number, mode: Mode, distribution: Distribution, seed?: number): Initializer {
  return seeded(className, {}, seed, (shape, rng) => {
    const { fanIn, fanOut } = fans(shape);
    const fan = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / Math.max(1, fan);
    if (distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      return randomUniform(shape, -limit, limit, rng);
    }
    // 0.87962566103423978 is the standard deviation of a unit normal truncated to [-2, 2].
    return truncatedNormal(shape, 0, Math.sqrt(variance) / 0.8796256610342398, rng);
  });
}

/** A VarianceScaling initializer's factory, named as in `initializers` (`'glorotUniform'`); it takes a seed. */
function scaled(name: string, className: string, scale: number, mode: Mode, distribution: Distribution) {
  return (options: SeedOption = {}): Initializer => varianceScaling(className, scale, mode, distribution, seedOf(initializerOptions(name, options, ['seed'])));
}

export const glorotUniform = scaled('glorotUniform', 'GlorotUniform', 1, 'fanAvg', 'uniform');
export const glorotNormal = scaled('glorotNormal', 'GlorotNormal', 1, 'fanAvg', 'normal');
export const heNormal = scaled('heNormal', 'HeNormal', 2, 'fanIn', 'normal');
export const heUniform = scaled('heUniform', 'HeUniform', 2, 'fanIn', 'uniform');
export const lecunNormal = scaled('lecunNormal', 'LecunNormal', 1, 'fanIn', 'normal');
export const lecunUniform = scaled('lecunUniform', 'LecunUniform', 1, 'fanIn', 'uniform');

export type RandomNormalOptions = SeedOption & { mean?: number; stddev?: number };

export function randomNormalInit(options: RandomNormalOptions = {}): Initializer {
  const { mean = 0, stddev = 0.05, ...seed } = initializerOptions<RandomNormalOptions>('randomNormal', options, ['mean', 'stddev', 'seed']);
  if (!(stddev >= 0)) throw new LayerwiseError(`randomNormal: stddev must be a non-negative number. Received: stddev=${stddev}.`);
  return seeded('RandomNormal', { mean, stddev }, seedOf(seed), (shape, rng) => randomNormal(shape, mean, stddev, rng));
}

export type RandomUniformOptions = SeedOption & { minval?: number; maxval?: number };

export function randomUniformInit(options: RandomUniformOptions = {}): Initializer {
  const { minval = -0.05, maxval = 0.05, ...seed } = initializerOptions<RandomUniformOptions>('randomUniform', options, ['minval', 'maxval', 'seed']);
  if (!(minval <= maxval)) {
    throw new LayerwiseError(`randomUniform: minval must not be above maxval. Received: minval=${minval}, maxval=${maxval}.`);
  }
  return seeded('RandomUniform', { minval, maxval }, seedOf(seed), (shape, rng) => randomUniform(shape, minval, maxval, rng));
}

export type OrthogonalOptions = SeedOption & { gain?: number };

/**
 * A (semi-)orthogonal matrix times `gain`, as Keras 3's Orthogonal: the weight's shape flattened to
 * [rows, cols] (cols its last dimension), a normal matrix of [max, min] of them drawn, Q of its QR
 * decomposition with R's diagonal made positive, transposed when rows < cols. The recurrent
 * kernels' default. TF.js's Orthogonal is the same rule with its own random stream.
 */
export function orthogonal(options: OrthogonalOptions = {}): Initializer {
  const { gain = 1, ...seed } = initializerOptions<OrthogonalOptions>('orthogonal', options, ['gain', 'seed']);
  return seeded('Orthogonal', { gain }, seedOf(seed), (shape, rng) => {
    if (shape.length < 2) {
      throw new LayerwiseError(`orthogonal: the weight to initialize must have at least 2 dimensions. Received: shape [${shape.join(', ')}].`);
    }
    const cols = shape[shape.length - 1];
    const rows = sizeOf(shape) / cols;
    const [tall, narrow] = [Math.max(rows, cols), Math.min(rows, cols)];
    const a = new Float64Array(tall * narrow);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    const q = orthonormalColumns(a, tall, narrow);
    const out = new Float32Array(rows * cols);
    // q is [tall, narrow]; the weight is q itself when rows ≥ cols, else its transpose.
    for (let i = 0; i < tall; i++) {
      for (let j = 0; j < narrow; j++) out[rows >= cols ? i * cols + j : j * cols + i] = gain * q[i * narrow + j];
    }
    return tensor(out, shape);
  });
}

/** Every value `value`: `initializers.constant({ value: 0.1 })`, or `initializers.constant(0.1)`. */
export function constant(options: { value: number } | number): Initializer {
  const { value } = initializerOptions<{ value?: number }>('constant', options, ['value'], { positional: 'value', example: '{ value: 0.1 } (or constant(0.1))' });
  if (value === undefined) throw new LayerwiseError(`constant: the option value (a finite number) is missing. Write, for example, initializers.constant({ value: 0.1 }).`);
  return { className: 'Constant', config: { value }, init: (shape) => full(shape, value) };
}

/** Zeros; it takes no options. */
export function zeros(options?: Record<string, never>): Initializer {
  initializerOptions('zeros', options, []);
  return { className: 'Zeros', config: {}, init: (shape) => full(shape, 0) };
}

/** Ones; it takes no options. */
export function ones(options?: Record<string, never>): Initializer {
  initializerOptions('ones', options, []);
  return { className: 'Ones', config: {}, init: (shape) => full(shape, 1) };
}

const BY_KEY = {
  glorot_uniform: glorotUniform,
  glorot_normal: glorotNormal,
  he_normal: heNormal,
  he_uniform: heUniform,
  lecun_normal: lecunNormal,
  lecun_uniform: lecunUniform,
  random_normal: randomNormalInit,
  random_uniform: randomUniformInit,
  // Keras's short names: 'uniform' is Embedding's default there.
  uniform: randomUniformInit,
  normal: randomNormalInit,
  orthogonal,
  zeros,
  ones,
} as const;

const registry = new KeyRegistry<() => Initializer>('initializer', BY_KEY);

/** An initializer key, in Keras snake_case or TF.js camelCase (`'he_normal'`, `'heNormal'`). */
export type InitializerKey = keyof typeof BY_KEY | SnakeToCamel<keyof typeof BY_KEY>;

/** An initializer given by key or as an object from the `initializers` namespace. */
export type InitializerSpec = InitializerKey | Initializer;

/** The JSON form of an initializer option: its key, or its class name and config. */
export type InitializerConfig = string | { className: string; config: Record<string, unknown> };

type FromConfig = (config: Record<string, unknown>) => Initializer;

/** The initializers by class name (`'HeNormal'`, `'Constant'`), to rebuild one from its config. */
const byClassName = new KeyRegistry<FromConfig>('initializer', { ...BY_KEY, constant } as unknown as Record<string, FromConfig>);

/**
 * Resolves an initializer key, object, or the config `initializerConfig` saved (so that a layer
 * rebuilt from its config gets the same initializer); `where` names the layer for errors.
 */
export function getInitializer(spec: InitializerSpec | InitializerConfig, where: string): Initializer {
  if (typeof spec === 'string') return registry.get(spec, where)();
  const given = spec as Partial<Initializer> & { config?: unknown };
  if (typeof spec === 'object' && spec !== null && typeof given.init === 'function') return spec as Initializer;
  const config = given?.config;
  if (typeof spec !== 'object' || spec === null || typeof given.className !== 'string' || (config !== undefined && (typeof config !== 'object' || config === null || Array.isArray(config)))) {
    throw new LayerwiseError(
      `${where}: an initializer must be a key (such as 'heNormal'), an initializer (such as initializers.heNormal({ seed: 1 })) ` +
        `or its config { className, config }. Received: ${describeValue(spec)}.`,
    );
  }
  // A saved seed of null means "no seed of its own": draw from the layer's generator.
  const { seed, ...settings } = (config ?? {}) as Record<string, unknown>;
  return byClassName.get(given.className, where)(seed === null || seed === undefined ? settings : { ...settings, seed });
}

/** An initializer option in its JSON form, for `getConfig`. */
export function initializerConfig(spec: InitializerSpec): InitializerConfig {
  return typeof spec === 'string' ? spec : { className: spec.className, config: { ...spec.config } };
}
