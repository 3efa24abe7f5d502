import { Bidirectional } from './bidirectional';
import { ACTIVATION_LAYER_CLASSES, PLAIN_LAYER_CLASSES, type LayerConstructor } from './layer-classes';
import { TimeDistributed } from './time-distributed';

export { ACTIVATION_LAYER_CLASSES, type LayerConstructor };

/** The layers that hold another layer (they find its class in PLAIN_LAYER_CLASSES). */
const WRAPPERS = [Bidirectional, TimeDistributed] as unknown as LayerConstructor[];

/**
 * Every layer class a saved model may name, by its Keras class name: the plain ones (a new layer
 * is one file and one line in `layer-classes.ts`) and the wrappers. Fixed, never filled by
 * importing other modules; a `Map`, so names such as `__proto__` or `constructor` find nothing.
 */
export const LAYER_CLASSES: ReadonlyMap<string, LayerConstructor> = new Map([...PLAIN_LAYER_CLASSES, ...WRAPPERS.map((c) => [c.className, c] as const)]);

/** Whether a class name is one of the activation layers (`ACTIVATION_LAYER_CLASSES`). */
export function isActivationLayerClass(className: string): boolean {
  return ACTIVATION_LAYER_CLASSES.some((c) => c.className === className);
}
