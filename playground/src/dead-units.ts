import type { EpochReport } from './session';

/**
 * One row per watched layer: its place among the hidden layers (its name on hover), a square per
 * unit (green when active this epoch, yellow when inactive: input never positive but the gradient
 * alive, grey when dead: zero gradient on every point), and the counts. Smooth activations have no
 * dead units to watch; the panel says so.
 */
export function drawDeadUnits(panel: HTMLElement, dead: EpochReport['dead'], activation: string): void {
  if (dead.length === 0) {
    panel.innerHTML = `<p class="note">${activation} is smooth: its units never die, so there is nothing to watch.</p>`;
    return;
  }
  const rows = dead.map(({ layer, units, dead: gone, inactive }, i) => {
    const [deadSet, inactiveSet] = [new Set(gone), new Set(inactive)];
    const state = (u: number): string => (deadSet.has(u) ? ' dead' : inactiveSet.has(u) ? ' inactive' : '');
    const cells = Array.from({ length: units }, (_, u) => `<span class="unit${state(u)}"></span>`).join('');
    return `<div class="dead-row" data-layer="${layer}" data-fraction="${gone.length / units}" data-inactive="${inactive.length / units}">
      <span class="layer" title="${layer}">hidden ${i + 1}</span><span class="units">${cells}</span>
      <span class="fraction">${gone.length} dead, ${inactive.length} inactive</span></div>`;
  });
  panel.innerHTML = rows.join('');
}
