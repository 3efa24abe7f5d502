/**
 * SGD's update rule over one parameter, in TypeScript: the reference the wasm kernel (`sgd` in
 * kernels.wat) matches bit for bit, since both compute each element in float64 and round to float32
 * where this stores.
 */
export function sgdJs(w: Float32Array, g: Float32Array, v: Float32Array | undefined, learningRate: number, momentum: number, nesterov: boolean): void {
  const lr = learningRate;
  const m = momentum;
  const n = w.length;
  if (!v) {
    for (let i = 0; i < n; i++) w[i] -= lr * g[i];
  } else if (nesterov) {
    for (let i = 0; i < n; i++) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += m * v[i] - lr * g[i];
    }
  } else {
    for (let i = 0; i < n; i++) {
      v[i] = m * v[i] - lr * g[i];
      w[i] += v[i];
    }
  }
}
