import {
  DeadUnitMonitor,
  Dense,
  History,
  LambdaCallback,
  LeakyReLU,
  RELU_FAMILY,
  Sequential,
  SGD,
  setSeed,
  tensor,
  type ActivationSpec,
  type Logs,
} from 'layerwise';
import { makeDataset, type Points } from './data';
import type { Settings } from './settings';

/** What the page shows after each epoch. */
export interface EpochReport {
  /** Epochs trained so far, from 1. */
  epoch: number;
  loss: number;
  accuracy: number;
  /** Seconds of training so far (pauses excluded). */
  seconds: number;
  /**
   * Per watched layer: its name, its units, and which of them were dead this epoch (zero gradient
   * on every point) and which inactive (input never positive, gradient alive).
   */
  dead: { layer: string; units: number; dead: readonly number[]; inactive: readonly number[] }[];
}

/** Enough epochs to train until the user pauses: `fit` stops at the batch after `stop()`. */
const UNTIL_STOPPED = 1_000_000;

/** One model, trained on one dataset, that can be started and paused. */
export class Session {
  readonly model = new Sequential();
  readonly points: Points;
  /** Loss and accuracy per epoch, across pauses (only those two, so its SVG holds two charts). */
  readonly history = new History();
  private readonly monitor?: DeadUnitMonitor;
  private epochs = 0;
  private trainingMs = 0;
  private running?: Promise<unknown>;

  constructor(readonly settings: Settings) {
    setSeed(1);
    this.points = makeDataset(settings.dataset, settings.noise);
    const activation = (): ActivationSpec =>
      settings.activation === 'leaky_relu' ? new LeakyReLU({ alpha: settings.alpha }) : settings.activation;
    for (let i = 0; i < settings.layers; i++) {
      this.model.add(new Dense({ units: settings.units, activation: activation(), ...(i === 0 ? { inputShape: [2] } : {}) }));
    }
    this.model.add(new Dense({ units: 1, activation: 'sigmoid' }));
    this.model.compile({
      optimizer: new SGD({ learningRate: settings.learningRate, momentum: settings.momentum }),
      loss: 'binaryCrossentropy',
      metrics: ['accuracy'],
    });
    if (RELU_FAMILY.includes(settings.activation)) this.monitor = new DeadUnitMonitor();
  }

  get training(): boolean {
    return this.running !== undefined;
  }

  /** Trains until `stop()`, calling `onEpoch` after every epoch. */
  start(onEpoch: (report: EpochReport) => void): void {
    if (this.running) return;
    let started = performance.now();
    const report = new LambdaCallback({
      onEpochEnd: (_epoch: number, logs: Logs) => {
        this.epochs += 1;
        this.trainingMs += performance.now() - started;
        started = performance.now();
        this.history.onEpochEnd(this.epochs - 1, { loss: logs.loss, accuracy: logs.accuracy });
        onEpoch({ epoch: this.epochs, loss: logs.loss, accuracy: logs.accuracy, seconds: this.trainingMs / 1000, dead: this.deadUnits() });
      },
    });
    const callbacks = this.monitor ? [this.monitor, report] : [report];
    this.model.stopTraining = false;
    const { x, y } = this.points;
    this.running = this.model
      .fit(x, y, { epochs: UNTIL_STOPPED, batchSize: this.settings.batchSize, verbose: 0, callbacks })
      .finally(() => (this.running = undefined));
  }

  /** Stops training after the current batch; resolves once `fit` has returned. */
  async stop(): Promise<void> {
    this.model.stopTraining = true;
    await this.running;
  }

  /** The model's probability of class 1 on an n × n grid over [-extent, extent]², row by row from the top. */
  predictGrid(n: number, extent: number): Float32Array {
    const grid = new Float32Array(n * n * 2);
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        const k = 2 * (row * n + col);
        grid[k] = -extent + (2 * extent * (col + 0.5)) / n;
        grid[k + 1] = extent - (2 * extent * (row + 0.5)) / n;
      }
    }
    return this.model.predict(tensor(grid, [n * n, 2]), { batchSize: n * n }).data;
  }

  private deadUnits(): EpochReport['dead'] {
    if (!this.monitor) return [];
    const { dead, inactive } = this.monitor;
    return Object.keys(dead).map((layer) => ({ layer, units: this.settings.units, dead: dead[layer], inactive: inactive[layer] }));
  }
}
