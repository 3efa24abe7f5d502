import { LayerwiseError } from '../../util/errors';
import { checkOptions, describeValue } from '../../util/options';
import { Callback, HOOKS, type Hook } from './base';

/** Any of the hooks of `Callback`, as plain functions. */
export type LambdaCallbackOptions = Partial<Pick<Callback, Hook>>;

/**
 * A callback made of plain functions, for one-off needs:
 *
 *   new LambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) })
 */
export class LambdaCallback extends Callback {
  /** The options the constructor takes: the hooks. */
  static readonly options: readonly string[] = HOOKS;

  constructor(hooks: LambdaCallbackOptions = {}) {
    super();
    const checked = checkOptions<Record<string, unknown>>('LambdaCallback', hooks, LambdaCallback.options, { example: '{ onEpochEnd: (epoch, logs) => ... }' });
    for (const [name, fn] of Object.entries(checked)) {
      if (fn === undefined) continue;
      if (typeof fn !== 'function') throw new LayerwiseError(`LambdaCallback: ${name} must be a function. Received: ${name}=${describeValue(fn)}.`);
      (this as unknown as Record<string, unknown>)[name] = fn;
    }
  }
}
