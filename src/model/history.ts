import { historyPanels, panelsToSVG, plotPanels, type PlotOptions, type SVGOptions } from '../plot';
import { Callback, type Logs } from './callbacks/base';

/** What `fit` returns, as in Keras: per-epoch values of the loss and metrics, `val_` entries included. */
export class History extends Callback {
  /** Epoch indices, from 0. */
  readonly epoch: number[] = [];
  /** For each logged name (`loss`, `accuracy`, `val_loss`, ...), its value at each epoch. */
  readonly history: Record<string, number[]> = {};

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) (this.history[key] ??= []).push(value);
  }

  /**
   * Charts of the loss and each metric per epoch, validation dashed on the same chart: in the
   * terminal, or into an SVG file with `{ file: 'curves.svg' }`. Returns the chart's text.
   */
  plot(options: PlotOptions = {}): string {
    return plotPanels(historyPanels(this.history), options);
  }

  /** The charts of `plot` as an SVG document. */
  toSVG(options: SVGOptions = {}): string {
    return panelsToSVG(historyPanels(this.history), options);
  }
}
