import type { EpochReport } from './session';

/**
 * One row per watched layer: its place among the hidden layers (its name on hover), a square per unit (grey when dead this epoch), and the
 * dead fraction. Smooth activations have no dead units to watch; the panel says so.
 */
export function drawDeadUnits(panel: HTMLElement, dead: EpochReport['dead'], activation: string): void {
  if (dead.length === 0) {
    panel.innerHTML = `<p class="note">${activation} is smooth: its units never die, so there is nothing to watch.</p>`;
    return;
  }
  const rows = dead.map(({ layer, units, dead: which }, i) => {
    const set = new Set(which);
    const cells = Array.from({ length: units }, (_, u) => `<span class="unit${set.has(u) ? ' dead' : ''}"></span>`).join('');
    const fraction = which.length / units;
    return `<div class="dead-row" data-layer="${layer}" data-fraction="${fraction}">
      <span class="layer" title="${layer}">hidden ${i + 1}</span><span class="units">${cells}</span>
      <span class="fraction">${which.length}/${units} dead</span></div>`;
  });
  panel.innerHTML = rows.join('');
}
