import { LayerwiseError } from '../../util/errors';
import { Callback, HOOKS, type Hook } from './base';

/** Any of the hooks of `Callback`, as plain functions. */
export type LambdaCallbackOptions = Partial<Pick<Callback, Hook>>;

/**
 * A callback made of plain functions, for one-off needs:
 *
 *   new LambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) })
 */
export class LambdaCallback extends Callback {
  constructor(hooks: LambdaCallbackOptions = {}) {
    super();
    for (const [name, fn] of Object.entries(hooks)) {
      if (!HOOKS.includes(name as Hook)) {
        throw new LayerwiseError(`LambdaCallback: unknown hook "${name}". Known: ${HOOKS.map((h) => `"${h}"`).join(', ')}.`);
      }
      if (typeof fn !== 'function') throw new LayerwiseError(`LambdaCallback: ${name} must be a function, but received ${typeof fn}.`);
      (this as unknown as Record<string, unknown>)[name] = fn;
    }
  }
}
