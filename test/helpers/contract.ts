import { expect } from 'vitest';
import { clone, Sequential, type Layer, type LayerConfig, type Tensor } from 'layerwise';
import { awayFromZero, gradCheckLayer, type GradCheckResult } from './gradcheck';

/**
 * The contract every layer keeps (STYLE.md, "A layer is one small contract"), checked in one place:
 *
 * 1. build: the layer builds for a per-sample input shape, through a `Sequential` with `inputShape`
 *    (the default) or by calling `layer.build` directly;
 * 2. output shape: `computeOutputShape` gives the expected per-sample shape, and a forward pass
 *    returns exactly [batch, ...that shape];
 * 3. parameter count: `countParams()` is the expected number, and equals the sum of the weights' sizes;
 * 4. config round trip: `new Ctor(layer.getConfig())` (name removed) has an equal config apart from
 *    the name, and after `setWeights(getWeights())` gives bit-identical outputs;
 * 5. gradients: `gradCheckLayer` (central differences, for the input and every trainable parameter) stays
 *    within the stated tolerance.
 */
export interface ContractCase<L extends Layer> {
  /** Makes a fresh, unbuilt layer. `inputShape` is passed when building through a Sequential. */
  make: (inputShape?: number[]) => L;
  /** Shape of one sample, no batch dimension. */
  inputShape: number[];
  /** The per-sample output shape the layer must report and produce. */
  outputShape: number[];
  /** The number of weight values after building. */
  params: number;
  /** Build through `new Sequential().add(make(inputShape))` (default) or by `make().build(inputShape)`. */
  via?: 'sequential' | 'build';
  /** Samples in the test batch. Default 3. */
  batch?: number;
  /** The test input; default uniform in [-2, 2] with |x| ≥ 0.1, away from kinks at 0. */
  input?: Tensor;
  /** Gradient-check tolerance: |numeric − analytic| ≤ tol · max(1, |analytic|). Default 1e-3. */
  tol?: number;
  /** Finite-difference step. Default 1e-2. */
  h?: number;
  /** How many coordinates may fall on a kink and be checked one-sided. Default 0. */
  maxKinks?: number;
}

export interface ContractResult<L extends Layer> {
  layer: L;
  x: Tensor;
  /** A copy of the output for `x`. */
  y: Tensor;
  grad: GradCheckResult;
}

/** The raw bytes of a tensor's values, for bit-identical comparisons. */
export function bytesOf(t: Tensor | Float32Array): Uint8Array {
  const data = t instanceof Float32Array ? t : t.data;
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/**
 * A config without its `name`, and without the names of nested layer configs (an activation
 * layer's copy is named after its owner: `dense_3/leaky_re_lu`).
 */
function withoutName(config: LayerConfig): Omit<LayerConfig, 'name'> {
  const { name: _name, ...rest } = config;
  for (const [key, value] of Object.entries(rest)) {
    const nested = value as { className?: unknown; config?: LayerConfig } | null;
    if (typeof nested === 'object' && nested !== null && typeof nested.className === 'string' && nested.config && 'name' in nested.config) {
      rest[key] = { ...nested, config: withoutName(nested.config) };
    }
  }
  return rest;
}

/** Builds a layer as `ContractCase.via` says. */
export function buildLayer<L extends Layer>(make: (inputShape?: number[]) => L, inputShape: number[], via: 'sequential' | 'build' = 'sequential'): L {
  if (via === 'build') {
    const layer = make();
    layer.build(inputShape);
    return layer;
  }
  const layer = make(inputShape);
  new Sequential({ layers: [layer] });
  return layer;
}

/** Checks the whole contract; fails the calling test on the first broken clause. */
export function checkLayerContract<L extends Layer>(c: ContractCase<L>): ContractResult<L> {
  const { inputShape, outputShape, params, via = 'sequential', batch = 3, tol = 1e-3, h = 1e-2, maxKinks = 0 } = c;

  // 1. build
  const layer = buildLayer(c.make, inputShape, via);
  expect(layer.built).toBe(true);
  expect(layer.buildShape).toEqual(inputShape);

  // 2. output shape, declared and actual
  expect(layer.computeOutputShape(inputShape)).toEqual(outputShape);
  const x = c.input ?? awayFromZero([batch, ...inputShape], 11);
  expect(x.shape).toEqual([x.shape[0], ...inputShape]);
  const y = clone(layer.forward(x, false));
  expect(y.shape).toEqual([x.shape[0], ...outputShape]);
  expect(Array.from(y.data).every(Number.isFinite)).toBe(true);

  // 3. parameter count
  expect(layer.countParams()).toBe(params);
  expect(layer.getWeights().reduce((n, w) => n + w.size, 0)).toBe(params);
  expect(layer.params().every((p) => p.grad.shape.join() === p.value.shape.join())).toBe(true);

  // 4. config round trip
  const config = layer.getConfig();
  expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  const Ctor = layer.constructor as new (config: Omit<LayerConfig, 'name'>) => L;
  const copy = new Ctor(withoutName(config));
  expect(copy).toBeInstanceOf(layer.constructor);
  expect(copy.name).not.toBe(layer.name);
  expect(withoutName(copy.getConfig())).toEqual(withoutName(config));
  copy.build(inputShape);
  copy.setWeights(layer.getWeights());
  expect(bytesOf(copy.forward(x, false))).toEqual(bytesOf(y));

  // 5. gradients of the input and of every parameter
  const grad = gradCheckLayer(layer, x, { tol, h });
  expect(grad.maxError).toBeLessThanOrEqual(tol);
  expect(grad.kinks).toBeLessThanOrEqual(maxKinks);
  // Non-trainable weights (moving statistics) get no gradient and are not checked.
  expect(Object.keys(grad.paramErrors)).toEqual(layer.params().filter((p) => p.trainable).map((p) => p.name));
  return { layer, x, y, grad };
}
