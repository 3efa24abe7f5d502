import { drawBoundary, EXTENT, GRID } from './boundary';
import { drawDeadUnits } from './dead-units';
import { Session, type EpochReport } from './session';
import { initControls, onControlsChange, readSettings } from './settings';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const canvas = $<HTMLCanvasElement>('boundary');
const trainButton = $<HTMLButtonElement>('train');

let session: Session;
let latest: EpochReport | undefined;
let frameRequested = false;
/** When accuracy first passed 0.9, for the readout. */
let reached: { epoch: number; seconds: number } | undefined;

function setStat(id: string, value: number, text: string): void {
  const cell = $(id);
  cell.dataset.value = String(value);
  cell.textContent = text;
}

/** Redraws everything from the latest epoch; at most once per animation frame. */
function render(): void {
  frameRequested = false;
  drawBoundary(canvas, session.predictGrid(GRID, EXTENT), session.points);
  const r = latest;
  setStat('epoch', r?.epoch ?? 0, String(r?.epoch ?? 0));
  setStat('loss', r?.loss ?? NaN, r ? r.loss.toFixed(4) : '–');
  setStat('accuracy', r?.accuracy ?? 0, r ? r.accuracy.toFixed(3) : '–');
  setStat('seconds', r?.seconds ?? 0, r ? `${r.seconds.toFixed(1)} s` : '–');
  $('reached').textContent = reached ? `accuracy passed 0.9 at epoch ${reached.epoch}, after ${reached.seconds.toFixed(1)} s` : '';
  $('curves').innerHTML = r ? session.history.toSVG({ width: 420, panelHeight: 150 }) : '<p class="note">Press Train to draw the loss and accuracy.</p>';
  drawDeadUnits($('dead'), r?.dead ?? [], session.settings.activation);
}

function requestRender(): void {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function onEpoch(report: EpochReport): void {
  latest = report;
  if (!reached && report.accuracy > 0.9) reached = { epoch: report.epoch, seconds: report.seconds };
  requestRender();
}

function setTraining(on: boolean): void {
  trainButton.textContent = on ? 'Pause' : 'Train';
  trainButton.classList.toggle('running', on);
  document.body.dataset.state = on ? 'training' : 'idle';
}

/** A new model from the controls' settings; any training stops. */
async function reset(): Promise<void> {
  if (session) await session.stop();
  session = new Session(readSettings());
  latest = undefined;
  reached = undefined;
  setTraining(false);
  requestRender();
}

trainButton.addEventListener('click', async () => {
  if (session.training) {
    await session.stop();
    setTraining(false);
  } else {
    session.start(onEpoch);
    setTraining(true);
  }
});
$('reset').addEventListener('click', () => void reset());

initControls();
onControlsChange(() => void reset());
void reset();
