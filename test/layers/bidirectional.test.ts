import { describe, expect, it } from 'vitest';
import { Bidirectional, Dense, Embedding, GRU, initializers, Layer, LSTM, SimpleRNN, LayerwiseError, Sequential, SGD, tensor, type LayerConfig, type LayerOptions, type MergeMode, type Param, type Shape, type Tensor } from 'layerwise';
import { bytesOf, checkLayerContract } from '../helpers/contract';
import { awayFromZero, gradCheckLayer } from '../helpers/gradcheck';
import { inputs } from '../helpers/random-data';
import { optional, required } from '../../src/layers/options';

interface DecayRNNOptions extends LayerOptions {
  units: number;
  returnSequences?: boolean;
  goBackwards?: boolean;
  returnState?: boolean;
}

/**
 * A recurrent layer for these tests only, with the generic Layer API of the real ones:
 * h_k = decay ⊙ h_{k−1} + x_τ(k) · kernel over the steps in reading order k (τ(k) = k, or
 * steps − 1 − k with goBackwards), a masked step keeping h. Returns h at every reading step
 * (in reading order, as Keras's go_backwards does) or the last h.
 */
class DecayRNN extends Layer {
  static override readonly className = 'DecayRNN';
  static override readonly options = { units: required('positiveInteger'), returnSequences: optional('boolean'), goBackwards: optional('boolean'), returnState: optional('boolean') };
  readonly units: number;
  readonly returnSequences: boolean;
  readonly goBackwards: boolean;
  readonly returnState: boolean;
  private kernel?: Param;
  private decay?: Param;
  private saved?: { x: Tensor; h: Float32Array; mask?: Tensor };

  constructor(options: DecayRNNOptions) {
    super(options);
    const { units, returnSequences = false, goBackwards = false, returnState = false } = this.given as DecayRNNOptions;
    this.units = units;
    this.returnSequences = returnSequences;
    this.goBackwards = goBackwards;
    this.returnState = returnState;
  }

  override build(inputShape: Shape): void {
    if (!this.built) {
      this.kernel = this.addWeight('kernel', [inputShape[1], this.units], 'glorotUniform');
      this.decay = this.addWeight('decay', [this.units], initializers.randomUniform({ minval: 0.2, maxval: 0.9, seed: 3 }));
    }
    super.build(inputShape);
  }

  override weightShapes(inputShape: Shape): Shape[] {
    return [[inputShape[1], this.units], [this.units]];
  }

  override computeOutputShape(inputShape: Shape): Shape {
    return this.returnSequences ? [inputShape[0], this.units] : [this.units];
  }

  override computeMask(_x: Tensor, mask: Tensor | undefined): Tensor | undefined {
    return this.returnSequences ? mask : undefined;
  }

  /** The input step read at reading step k. */
  private at(k: number, steps: number): number {
    return this.goBackwards ? steps - 1 - k : k;
  }

  forward(x: Tensor, _training: boolean, mask?: Tensor): Tensor {
    const [batch, steps, features] = x.shape;
    const u = this.units;
    const W = this.kernel!.value.data;
    const a = this.decay!.value.data;
    const h = new Float32Array(batch * (steps + 1) * u);
    for (let b = 0; b < batch; b++)
      for (let k = 0; k < steps; k++) {
        const t = this.at(k, steps);
        const prev = (b * (steps + 1) + k) * u;
        const next = prev + u;
        const on = !mask || mask.data[b * steps + t] !== 0;
        for (let j = 0; j < u; j++) {
          let s = a[j] * h[prev + j];
          for (let i = 0; i < features; i++) s += x.data[(b * steps + t) * features + i] * W[i * u + j];
          h[next + j] = on ? s : h[prev + j];
        }
      }
    this.saved = { x, h, mask };
    const y = new Float32Array(batch * (this.returnSequences ? steps : 1) * u);
    for (let b = 0; b < batch; b++) {
      if (this.returnSequences) y.set(h.subarray((b * (steps + 1) + 1) * u, (b + 1) * (steps + 1) * u), b * steps * u);
      else y.set(h.subarray(((b + 1) * (steps + 1) - 1) * u, (b + 1) * (steps + 1) * u), b * u);
    }
    return tensor(y, this.returnSequences ? [batch, steps, u] : [batch, u]);
  }

  backward(dy: Tensor): Tensor {
    const { x, h, mask } = this.saved!;
    const [batch, steps, features] = x.shape;
    const u = this.units;
    const W = this.kernel!.value.data;
    const a = this.decay!.value.data;
    const dW = this.kernel!.grad.data;
    const da = this.decay!.grad.data;
    const dx = new Float32Array(x.size);
    for (let b = 0; b < batch; b++) {
      const g = new Float64Array(u);
      for (let k = steps - 1; k >= 0; k--) {
        const t = this.at(k, steps);
        for (let j = 0; j < u; j++) g[j] += this.returnSequences ? dy.data[(b * steps + k) * u + j] : k === steps - 1 ? dy.data[b * u + j] : 0;
        if (mask && mask.data[b * steps + t] === 0) continue;
        const prev = (b * (steps + 1) + k) * u;
        for (let j = 0; j < u; j++) {
          da[j] += g[j] * h[prev + j];
          for (let i = 0; i < features; i++) {
            dW[i * u + j] += x.data[(b * steps + t) * features + i] * g[j];
            dx[(b * steps + t) * features + i] += g[j] * W[i * u + j];
          }
          g[j] *= a[j];
        }
      }
    }
    return tensor(dx, x.shape);
  }

  override getConfig(): LayerConfig {
    const config: LayerConfig = { ...super.getConfig(), units: this.units, returnSequences: this.returnSequences, goBackwards: this.goBackwards };
    if (this.returnState) config.returnState = true;
    return config;
  }
}

const MODES: MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

/** y = merge(forward, backward) by Keras's rule, from the two directions' outputs computed alone, in float64. */
function merged(mode: MergeMode, f: Tensor, b: Tensor, returnSequences: boolean): Float64Array {
  const units = f.shape[f.shape.length - 1];
  const rows = f.size / units;
  const steps = returnSequences ? f.shape[1] : 1;
  const out = new Float64Array(rows * (mode === 'concat' ? 2 * units : units));
  for (let r = 0; r < rows; r++) {
    const t = r % steps;
    const br = r - t + (steps - 1 - t); // the backward output, flipped back in time
    for (let j = 0; j < units; j++) {
      const u = f.data[r * units + j];
      const v = b.data[br * units + j];
      if (mode === 'concat') {
        out[r * 2 * units + j] = u;
        out[r * 2 * units + units + j] = v;
      } else out[r * units + j] = mode === 'sum' ? u + v : mode === 'mul' ? u * v : (u + v) / 2;
    }
  }
  return out;
}

describe('Bidirectional over a recurrent layer (a test-only DecayRNN)', () => {
  for (const returnSequences of [true, false]) {
    for (const mode of MODES) {
      it(`${mode}, returnSequences ${returnSequences}: the merge of the two directions, shapes, weights, gradients`, () => {
        const layer = new Bidirectional({ layer: new DecayRNN({ units: 3, returnSequences, name: 'rnn' }), mergeMode: mode, name: 'bi' });
        const inputShape = [5, 2];
        layer.build(inputShape);
        const units = mode === 'concat' ? 6 : 3;
        expect(layer.computeOutputShape(inputShape)).toEqual(returnSequences ? [5, units] : [units]);
        expect(layer.forwardLayer.name).toBe('forward_rnn');
        expect(layer.backwardLayer.name).toBe('backward_rnn');
        expect(layer.backwardLayer.getConfig().goBackwards).toBe(true);
        expect(layer.params().map((p) => p.name)).toEqual(['bi/forward_rnn/kernel', 'bi/forward_rnn/decay', 'bi/backward_rnn/kernel', 'bi/backward_rnn/decay']);
        expect(layer.countParams()).toBe(2 * (2 * 3 + 3));
        expect(layer.weightShapes(inputShape)).toEqual([[2, 3], [3], [2, 3], [3]]);
        // Different weights in the two directions, so that a mix-up shows.
        layer.setWeights(layer.getWeights().map((w, i) => tensor(Float32Array.from(w.data, (v, j) => v + 0.1 * i - 0.05 * j), w.shape)));

        const x = awayFromZero([2, ...inputShape], 3);
        const y = Float32Array.from(layer.forward(x, false).data);
        const f = layer.forwardLayer.forward(x, false);
        const fCopy = tensor(Float32Array.from(f.data), f.shape);
        const b = layer.backwardLayer.forward(x, false);
        expect(y).toBeAllClose(merged(mode, fCopy, b, returnSequences), { rtol: 1e-6, atol: 1e-6 });

        const check = gradCheckLayer(layer, x);
        expect(check.maxError).toBeLessThanOrEqual(1e-3);
        expect(Object.keys(check.paramErrors)).toHaveLength(4);
      });
    }
  }

  it('a mask reaches both directions, and passes on with returnSequences only', () => {
    const mask = tensor(Float32Array.from([1, 1, 1, 0, 0, 1, 1, 1, 1, 1]), [2, 5]);
    const x = awayFromZero([2, 5, 2], 4);
    for (const returnSequences of [true, false]) {
      const layer = new Bidirectional({ layer: new DecayRNN({ units: 2, returnSequences }), mergeMode: 'sum' });
      layer.build([5, 2]);
      const masked = Float32Array.from(layer.forward(x, false, mask).data);
      const f = Float32Array.from(layer.forwardLayer.forward(x, false, mask).data);
      const b = layer.backwardLayer.forward(x, false, mask);
      expect(masked).toBeAllClose(merged('sum', tensor(f, b.shape), b, returnSequences), { rtol: 1e-6, atol: 1e-6 });
      expect(masked).not.toBeAllClose(layer.forward(x, false), { rtol: 1e-3, atol: 1e-3 });
      expect(layer.computeMask(x, mask)).toBe(returnSequences ? mask : undefined);
      // Gradients with the mask: central differences of the masked forward.
      layer.forward(x, false, mask);
      const dy = awayFromZero([2, ...layer.computeOutputShape([5, 2])], 6);
      for (const p of layer.params()) p.grad.data.fill(0);
      layer.forward(x, true, mask);
      const dx = Float32Array.from(layer.backward(dy).data);
      const h = 1e-2;
      const objective = () => layer.forward(x, false, mask).data.reduce((s, v, i) => s + v * dy.data[i], 0);
      for (const i of [0, 7, 13, 19]) {
        const saved = x.data[i];
        x.data[i] = saved + h;
        const up = objective();
        x.data[i] = saved - h;
        const down = objective();
        x.data[i] = saved;
        expect(Math.abs((up - down) / (2 * h) - dx[i])).toBeLessThan(1e-3);
      }
      // Masked steps get no input gradient in either direction.
      expect(dx[3 * 2]).toBe(0);
      expect(dx[4 * 2 + 1]).toBe(0);
    }
  });

  it('the config writes the wrapped layer under its own name; a copy computes the same', () => {
    const layer = new Bidirectional({ layer: new DecayRNN({ units: 2, returnSequences: true, name: 'rnn' }), mergeMode: 'ave', name: 'bi' });
    layer.build([4, 3]);
    const config = layer.getConfig();
    expect(config).toEqual({ name: 'bi', trainable: true, mergeMode: 'ave', layer: { className: 'DecayRNN', config: { name: 'rnn', trainable: true, units: 2, returnSequences: true, goBackwards: false } } });
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    // The saved form names a class that only a wrapper's registry could rebuild; an instance carries its class.
    const copy = new Bidirectional({ layer: new DecayRNN((config.layer as { config: DecayRNNOptions }).config), mergeMode: 'ave' });
    copy.build([4, 3]);
    copy.setWeights(layer.getWeights());
    const x = inputs([2, 4, 3]);
    expect(bytesOf(copy.forward(x, false))).toEqual(bytesOf(layer.forward(x, false)));
    expect(copy.forwardLayer.name).toBe('forward_rnn');
  });

  it('a layer reading backwards already: the forward copy reads backwards, the backward one forwards', () => {
    const layer = new Bidirectional(new DecayRNN({ units: 2, goBackwards: true }));
    expect(layer.forwardLayer.getConfig().goBackwards).toBe(true);
    expect(layer.backwardLayer.getConfig().goBackwards).toBe(false);
  });

  it('backwardLayer: copied under its own name, written in the config, checked against layer', () => {
    const back = new DecayRNN({ units: 2, goBackwards: true, returnSequences: true, name: 'mine' });
    const layer = new Bidirectional({ layer: new DecayRNN({ units: 2, returnSequences: true }), backwardLayer: back, name: 'bi' });
    expect(layer.backwardLayer).toBeInstanceOf(DecayRNN);
    expect(layer.backwardLayer).not.toBe(back);
    expect(layer.backwardLayer.name).toBe('mine');
    layer.build([3, 2]);
    expect(layer.params().map((p) => p.name).slice(2)).toEqual(['bi/mine/kernel', 'bi/mine/decay']);
    expect(layer.getConfig().backwardLayer).toEqual({ className: 'DecayRNN', config: { name: 'mine', trainable: true, units: 2, returnSequences: true, goBackwards: true } });
    expect(() => new Bidirectional({ layer: new DecayRNN({ units: 2 }), backwardLayer: new DecayRNN({ units: 2 }), name: 'b2' })).toThrow(
      /^b2: backwardLayer must read the other way \(goBackwards true\) .* but it has goBackwards false/,
    );
    expect(() => new Bidirectional({ layer: new DecayRNN({ units: 2 }), backwardLayer: new DecayRNN({ units: 2, goBackwards: true, returnSequences: true }), name: 'b3' })).toThrow(
      /returnSequences false\), but it has goBackwards true and returnSequences true/,
    );
    expect(new Bidirectional({ layer: new DecayRNN({ units: 2 }), backwardLayer: null }).getConfig()).not.toHaveProperty('backwardLayer');
  });

  it('trainable follows Keras: the wrapper sets both directions', () => {
    const layer = new Bidirectional({ layer: new DecayRNN({ units: 2 }), trainable: false });
    expect(layer.forwardLayer.trainable).toBe(false);
    expect(layer.backwardLayer.trainable).toBe(false);
    layer.build([3, 2]);
    expect(layer.params().every((p) => !p.trainable)).toBe(true);
    layer.trainable = true;
    expect([layer.forwardLayer.trainable, layer.backwardLayer.trainable]).toEqual([true, true]);
    expect(layer.params().every((p) => p.trainable)).toBe(true);
    layer.backwardLayer.trainable = false;
    expect(layer.params().map((p) => p.trainable)).toEqual([true, true, false, false]);
  });

  it('trains in a Sequential, with a summary that counts both directions', async () => {
    const model = new Sequential({
      layers: [new Bidirectional({ layer: new DecayRNN({ units: 3, returnSequences: true }), inputShape: [6, 2] }), new Bidirectional(new DecayRNN({ units: 2 })), new Dense({ units: 1, seed: 1 })],
    });
    expect(model.outputShape).toEqual([1]);
    model.compile({ optimizer: new SGD({ learningRate: 0.002 }), loss: 'mse' });
    const x = inputs([16, 6, 2]);
    const y = tensor(Float32Array.from({ length: 16 }, (_, i) => x.data[i * 12] - x.data[i * 12 + 11]), [16, 1]);
    const history = await model.fit(x, y, { epochs: 20, verbose: 0, batchSize: 8 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    const text = model.summary({ printFn: () => {} });
    expect(text).toMatch(/bidirectional_\d+ \(Bidirectional\)\s+\(None, 6, 6\)\s+18/);
    expect(text).toMatch(/bidirectional_\d+ \(Bidirectional\)\s+\(None, 4\)\s+28/);
  });
});

describe('Bidirectional contract over LSTM, GRU and SimpleRNN', () => {
  const cases: [string, (returnSequences: boolean) => Layer, number][] = [
    ['LSTM', (returnSequences) => new LSTM({ units: 2, returnSequences, seed: 1, biasInitializer: 'randomNormal' }), 4 * 2 * (3 + 2) + 4 * 2],
    ['GRU', (returnSequences) => new GRU({ units: 2, returnSequences, seed: 2, biasInitializer: 'randomNormal' }), 3 * 2 * (3 + 2) + 2 * 3 * 2],
    ['SimpleRNN', (returnSequences) => new SimpleRNN({ units: 2, returnSequences, seed: 3, biasInitializer: 'randomNormal' }), 2 * (3 + 2) + 2],
  ];
  for (const [i, [kind, make, params]] of cases.entries()) {
    for (const returnSequences of [true, false]) {
      const mergeMode = MODES[(2 * i + Number(returnSequences)) % 4];
      it(`${kind}, ${mergeMode}, returnSequences ${returnSequences}: shapes, both directions' weights, config round trip, gradients`, () => {
        const units = mergeMode === 'concat' ? 4 : 2;
        const { layer } = checkLayerContract({
          make: (inputShape) => new Bidirectional({ layer: make(returnSequences), mergeMode, inputShape }),
          inputShape: [4, 3],
          outputShape: returnSequences ? [4, units] : [units],
          params: 2 * params,
          batch: 2,
        });
        const names = layer.params().map((p) => p.name);
        expect(names.slice(0, names.length / 2).every((n) => n.startsWith(`${layer.name}/forward_${kind === 'SimpleRNN' ? 'simple_rnn' : kind.toLowerCase()}_`))).toBe(true);
        expect(names.slice(names.length / 2).every((n) => n.startsWith(`${layer.name}/backward_`))).toBe(true);
        expect(layer.forwardLayer.getConfig().zeroOutputForMask).toBe(returnSequences);
        expect((layer.getConfig().layer as { config: LayerConfig }).config.zeroOutputForMask).toBe(false);
      });
    }
  }
});

describe('Bidirectional with a mask from an Embedding (maskZero), in a model', () => {
  it('padding at the end changes nothing, in either direction; and the model trains', async () => {
    const make = (steps: number) =>
      new Sequential({
        layers: [
          new Embedding({ inputDim: 9, outputDim: 3, maskZero: true, inputShape: [steps] }),
          new Bidirectional({ layer: new GRU({ units: 3, returnSequences: true, seed: 2 }), mergeMode: 'ave' }),
          new Bidirectional({ layer: new LSTM({ units: 2, seed: 3 }) }),
          new Dense({ units: 1, seed: 4 }),
        ],
      });
    const short = make(5);
    const long = make(8);
    long.setWeights(short.getWeights());
    const rows = [
      [3, 1, 4, 1, 5],
      [2, 6, 0, 0, 0],
      [8, 0, 0, 0, 0],
    ];
    const padded = (steps: number) => tensor(Float32Array.from(rows.flatMap((r) => [...r, ...new Array(steps - r.length).fill(0)])), [rows.length, steps]);
    expect(long.predict(padded(8))).toBeAllClose(short.predict(padded(5)), { rtol: 1e-6, atol: 1e-6 });

    short.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse' });
    const history = await short.fit(padded(5), tensor(Float32Array.from([1, -1, 0.5]), [3, 1]), { epochs: 10, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });
});

describe('Bidirectional errors name the wrapper and what it received', () => {
  it("mergeMode null (Keras's None, two outputs) and unknown modes", () => {
    expect(() => new Bidirectional({ layer: new DecayRNN({ units: 2 }), mergeMode: null as never, name: 'bi' })).toThrow(
      /^bi: mergeMode must be 'concat', 'sum', 'mul' or 'ave' \(Keras's None, the two directions apart, needs two outputs/,
    );
    expect(() => new Bidirectional({ layer: new DecayRNN({ units: 2 }), mergeMode: 'max' as never, name: 'bi' })).toThrow(/^bi: mergeMode must be/);
  });

  it('a layer that is not recurrent, or returns its state', () => {
    expect(() => new Bidirectional({ layer: new Dense({ units: 2, name: 'd' }), name: 'bi' })).toThrow(
      /^bi: layer must be a recurrent layer \(LSTM, GRU, SimpleRNN\), which can read a sequence backwards, but d is a Dense\. To apply it to every step, use TimeDistributed\./,
    );
    expect(() => new Bidirectional({ layer: new DecayRNN({ units: 2, returnState: true, name: 'r' }), name: 'bi' })).toThrow(/^bi: layer r has returnState: true/);
    expect(() => new Bidirectional({ layer: 'lstm' as never, name: 'bi' })).toThrow(LayerwiseError);
    expect(() => new Bidirectional({ layer: { className: 'Bidirectional', config: {} }, name: 'bi' })).toThrow(/A wrapper inside a wrapper cannot be rebuilt from its config/);
  });

  it("the held layers' errors carry the wrapper's name", () => {
    const layer = new Bidirectional({ layer: new DecayRNN({ units: 2 }), name: 'bi' });
    expect(() => layer.backward(tensor(new Float32Array(4), [2, 2]))).toThrow(/^bi: backward was called before forward/);
  });
});
