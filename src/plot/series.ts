import { LayerwiseError } from '../util/errors';

/** One line of a chart: a value per epoch. */
export interface Series {
  name: string;
  values: readonly number[];
  /** Index into the palette; a `val_` line shares its training twin's. */
  color: number;
  /** Drawn dashed: validation values. */
  dashed?: boolean;
}

/** One chart: a titled y axis and its lines over the epochs. */
export interface Panel {
  title: string;
  series: Series[];
}

/** Per-epoch values by name, as `History.history` holds them. */
export type Curves = Record<string, readonly number[]>;

/**
 * The charts for a History: one per logged value, with its `val_` twin dashed on the same chart,
 * and one per group of names with a slash (all `dead/<layer>` entries on one chart).
 */
export function historyPanels(curves: Curves): Panel[] {
  const panels = new Map<string, Panel>();
  for (const [name, values] of Object.entries(curves)) {
    const isTwin = name.startsWith('val_') && name.slice(4) in curves;
    if (isTwin) continue;
    const title = name.includes('/') ? name.slice(0, name.indexOf('/')) : name;
    let panel = panels.get(title);
    if (!panel) panels.set(title, (panel = { title, series: [] }));
    const color = panel.series.filter((s) => !s.dashed).length;
    panel.series.push({ name, values, color, dashed: name.startsWith('val_') });
    const twin = curves[`val_${name}`];
    if (twin) panel.series.push({ name: `val_${name}`, values: twin, color, dashed: true });
  }
  return [...panels.values()];
}

/** One chart of `metric` for several runs, with their `val_` values dashed when they have them. */
export function comparisonPanel(runs: Record<string, Curves>, metric: string): Panel {
  const series = Object.entries(runs).flatMap(([label, curves], color): Series[] => {
    const values = curves[metric];
    if (!values) {
      throw new LayerwiseError(
        `plotHistories: the run "${label}" has no "${metric}"; it has ${Object.keys(curves).map((k) => `"${k}"`).join(', ')}. Choose another metric.`,
      );
    }
    const twin = curves[`val_${metric}`];
    return twin ? [{ name: label, values, color }, { name: `${label} (val)`, values: twin, color, dashed: true }] : [{ name: label, values, color }];
  });
  return { title: metric, series };
}
