/**
 * SGD's update rule over one parameter, in TypeScript: the reference the wasm kernel (`sgd` in
 * kernels.wat) matches bit for bit. Both compute in float32, as Keras 3 does (its learning rate
 * and momentum cast to the variables' float32): here every operation is rounded with Math.fround,
 * which gives exactly the float32 operation's result.
 */
export function sgdJs(w: Float32Array, g: Float32Array, v: Float32Array | undefined, learningRate: number, momentum: number, nesterov: boolean): void {
  const f = Math.fround;
  const lr = f(learningRate);
  const m = f(momentum);
  const n = w.length;
  if (!v) {
    for (let i = 0; i < n; i++) w[i] -= f(g[i] * lr);
  } else if (nesterov) {
    for (let i = 0; i < n; i++) {
      v[i] = f(v[i] * m) - f(g[i] * lr);
      w[i] += f(f(v[i] * m) - f(g[i] * lr));
    }
  } else {
    for (let i = 0; i < n; i++) {
      v[i] = f(v[i] * m) - f(g[i] * lr);
      w[i] += v[i];
    }
  }
}
