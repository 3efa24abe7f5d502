import { LayerwiseError } from '../../util/errors';
import type { History } from '../history';
import { ProgressLogger } from '../progress';
import { Callback } from './base';

/**
 * The callbacks `fit` runs, in this order: the user's, as given; then the progress logger (the
 * ProgressLogger among `callbacks`, else a new one when verbose > 0); then History. So what a
 * callback adds to an epoch's logs in `onEpochEnd` (DeadUnitMonitor's `dead/<layer>`, the
 * schedulers' `learning_rate`) reaches the progress line and the History. Keras also appends its
 * History and progress bar after the user's callbacks.
 */
export function fitCallbacks(callbacks: readonly Callback[], verbose: number, history: History): Callback[] {
  if (!Array.isArray(callbacks)) throw new LayerwiseError(`fit: callbacks must be an array of Callback objects. Received: ${String(callbacks)}.`);
  callbacks.forEach((callback, i) => {
    if (!(callback instanceof Callback)) {
      throw new LayerwiseError(
        `fit: callbacks[${i}] is not a Callback. Extend Callback, or use new LambdaCallback({ onEpochEnd: (epoch, logs) => ... }).`,
      );
    }
  });
  const loggers = callbacks.filter((c) => c instanceof ProgressLogger);
  if (loggers.length === 0 && verbose > 0) loggers.push(new ProgressLogger({ verbose: verbose as 1 | 2 }));
  return [...callbacks.filter((c) => !(c instanceof ProgressLogger)), ...loggers, history];
}
