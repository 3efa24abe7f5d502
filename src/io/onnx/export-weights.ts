import type { Layer } from '../../layers/layer';

/** The weights of a layer by their short name (`kernel`, `bias`, `moving_mean`): its own, not those of layers it holds. */
export function weightsOf(layer: Layer): Map<string, { data: Float32Array; shape: number[] }> {
  const own = layer.params().filter((p) => p.name.startsWith(`${layer.name}/`) && !p.name.slice(layer.name.length + 1).includes('/'));
  return new Map(own.map((p) => [p.name.slice(layer.name.length + 1), { data: p.value.data, shape: [...p.value.shape] }]));
}
