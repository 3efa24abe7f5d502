import { randomNormal, randomUniform, rngFor, truncatedNormal, type Rng } from '../tensor/random';
import { full, sizeOf, type Shape, type Tensor } from '../tensor/tensor';
import { KeyRegistry, type SnakeToCamel } from '../util/keys';

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
  /** Seed of this initializer's own generator; without it, values come from the global stream. */
  seed?: number;
}

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

export const glorotUniform = ({ seed }: SeedOption = {}) => varianceScaling('GlorotUniform', 1, 'fanAvg', 'uniform', seed);
export const glorotNormal = ({ seed }: SeedOption = {}) => varianceScaling('GlorotNormal', 1, 'fanAvg', 'normal', seed);
export const heNormal = ({ seed }: SeedOption = {}) => varianceScaling('HeNormal', 2, 'fanIn', 'normal', seed);
export const heUniform = ({ seed }: SeedOption = {}) => varianceScaling('HeUniform', 2, 'fanIn', 'uniform', seed);
export const lecunNormal = ({ seed }: SeedOption = {}) => varianceScaling('LecunNormal', 1, 'fanIn', 'normal', seed);
export const lecunUniform = ({ seed }: SeedOption = {}) => varianceScaling('LecunUniform', 1, 'fanIn', 'uniform', seed);

export function randomNormalInit({ mean = 0, stddev = 0.05, seed }: SeedOption & { mean?: number; stddev?: number } = {}): Initializer {
  return seeded('RandomNormal', { mean, stddev }, seed, (shape, rng) => randomNormal(shape, mean, stddev, rng));
}

export function randomUniformInit({ minval = -0.05, maxval = 0.05, seed }: SeedOption & { minval?: number; maxval?: number } = {}): Initializer {
  return seeded('RandomUniform', { minval, maxval }, seed, (shape, rng) => randomUniform(shape, minval, maxval, rng));
}

export function constant({ value }: { value: number }): Initializer {
  return { className: 'Constant', config: { value }, init: (shape) => full(shape, value) };
}

export const zeros = (): Initializer => ({ className: 'Zeros', config: {}, init: (shape) => full(shape, 0) });
export const ones = (): Initializer => ({ className: 'Ones', config: {}, init: (shape) => full(shape, 1) });

const BY_KEY = {
  glorot_uniform: glorotUniform,
  glorot_normal: glorotNormal,
  he_normal: heNormal,
  he_uniform: heUniform,
  lecun_normal: lecunNormal,
  lecun_uniform: lecunUniform,
  random_normal: randomNormalInit,
  random_uniform: randomUniformInit,
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
  if ('init' in spec) return spec;
  // A saved seed of null means "no seed of its own": draw from the layer's generator.
  const { seed, ...config } = spec.config ?? {};
  return byClassName.get(spec.className, where)({ ...config, seed: seed ?? undefined });
}

/** An initializer option in its JSON form, for `getConfig`. */
export function initializerConfig(spec: InitializerSpec): InitializerConfig {
  return typeof spec === 'string' ? spec : { className: spec.className, config: { ...spec.config } };
}
