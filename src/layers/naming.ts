/**
 * Keras's snake_case of a class name: `Dense` → `dense`, `Conv2D` → `conv2d`,
 * `MaxPooling2D` → `max_pooling2d`, `LeakyReLU` → `leaky_re_lu`.
 */
export function toSnakeCase(className: string): string {
  return className
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const counters = new Map<string, number>();

/** A name not given before in this session: `dense_1`, `dense_2`, ... */
export function uniqueName(className: string): string {
  const prefix = toSnakeCase(className);
  const n = (counters.get(prefix) ?? 0) + 1;
  counters.set(prefix, n);
  return `${prefix}_${n}`;
}

/** Restarts automatic layer names from `_1`, like Keras's `clear_session()`. */
export function clearSession(): void {
  counters.clear();
}
