/**
 * The explorable's page: the controls, the URL hash, the worker, and drawing at a steady rate.
 *
 *     controls ──settings──▶ worker (session.ts: trains in time slices)
 *        │                      │ report, about 30 a second
 *        ▼                      ▼
 *     URL hash            latest report ──requestAnimationFrame──▶ panels (views.ts → src/plot SVG)
 *
 * The page never trains: every frame it draws the newest report, if one came since the last frame,
 * so drawing keeps the display's pace and training keeps the worker's. The worker is started from
 * a Blob URL of its bundled code (build.ts puts that code in {@link EXPLORE_WORKER_SOURCE}), which
 * the page's Content-Security-Policy allows with `worker-src blob:`.
 *
 * For tests and the curious, `window.explorable.snapshot()` returns `{ step, loss, W, settings }`
 * (W as m rows of n numbers) and `window.explorable.stats()` the rates measured here.
 *
 * Keyboard: every control is a native input with a label; P plays or pauses, S steps once and R
 * resets, when the focus is not in a text field.
 *
 * @module
 */
import type { FromWorker, ToWorker } from './protocol.js';
import type { ExploreReport } from './session.js';
import {
  type ExploreModel, type ExploreSettings, type NumericKey, EXPLORE_MODELS, RANGES, formatHash, fromSlider, parseHash, sliderBounds,
  toSlider,
} from './settings.js';
import {
  dimensionalityView, gramView, lossView, normsView, phaseLossesView, phaseView, saeArrowsView, saeCosinesView, weightsView,
} from './views.js';

/** The worker's bundled source, put in by build.ts at build time. */
declare const EXPLORE_WORKER_SOURCE: string;

/** What `window.explorable.snapshot()` returns. */
export interface ExplorableSnapshot {
  /** Steps taken by the current model. */
  step: number;
  /** The recent mean loss (NaN before the first step). */
  loss: number;
  /** W as m rows of n numbers. */
  W: number[][];
  /** The settings the worker trains under. */
  settings: ExploreSettings;
}

/** What `window.explorable.stats()` returns: rates measured by the page. */
export interface ExplorableStats {
  /** Training steps per second, as the worker measured them over its recent slices. */
  stepsPerSecond: number;
  /** Frames drawn per second, over the last second. */
  drawsPerSecond: number;
  /** Frames drawn since the page opened. */
  draws: number;
  /** When the first frame was drawn, in ms since navigation started (null until then). */
  readyMs: number | null;
  /** Whether the worker is training continuously. */
  running: boolean;
  /** Time per drawn frame in script and layout, ms (a running mean; painting comes after it). */
  drawMs: number;
}

/** The loss curve keeps at most this many points; past it every other one is dropped. */
const MAX_LOSS_POINTS = 1200;

const LABELS: Record<NumericKey, string> = {
  n: 'Features n', m: 'Hidden dimensions m', density: 'Feature density p (log scale)', importance: 'Importance decay r, Iᵢ = rⁱ (log scale)',
  lr: 'Learning rate (log scale)', batch: 'Batch size', seed: 'Seed',
};

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`explore.html: the page has no element #${id}`);
  return found as T;
}

const status = element<HTMLParagraphElement>('status');
const facts = element<HTMLDListElement>('facts');
const playButton = element<HTMLButtonElement>('play');
const panels = {
  weights: element('view-weights'), gram: element('view-gram'), norms: element('view-norms'), loss: element('view-loss'),
  dimensionality: element('view-dimensionality'), phase: element('view-phase'), phaseLosses: element('view-phase-losses'),
  saeArrows: element('view-sae-arrows'), saeCosines: element('view-sae-cosines'),
};

const parsed = parseHash(location.hash);
let settings: ExploreSettings = parsed.settings;
let latest: ExploreReport | null = null;
/** Whether the reader wants training to run (the worker follows the page's play and pause). */
let running = false;
let stepsPerSecond = 0;
let generation = -1;
let lossHistory: [number, number][] = [];
let drawMs = 0;
let draws = 0;
const drawTimes: number[] = [];
let readyMs: number | null = null;
if (parsed.problems.length > 0) showStatus(`Some settings in the address were not used: ${parsed.problems.join('. ')}.`);

// ─── Controls ────────────────────────────────────────────────────────────────────────────────

const controls = element<HTMLDivElement>('controls');
const modelSelect = document.createElement('select');
const ranges = new Map<NumericKey, { input: HTMLInputElement; output: HTMLOutputElement }>();

function controlRow(id: string, text: string): HTMLDivElement {
  const row = document.createElement('div');
  row.className = 'control';
  const label = document.createElement('label');
  label.htmlFor = id;
  label.textContent = text;
  row.append(label);
  controls.append(row);
  return row;
}

{
  modelSelect.id = 'model';
  for (const model of EXPLORE_MODELS) modelSelect.add(new Option(model, model));
  controlRow('model', 'Model').append(modelSelect);
  modelSelect.addEventListener('change', () => change({ model: modelSelect.value as ExploreModel }));
}

for (const key of ['n', 'm', 'density', 'importance', 'lr', 'batch'] as const) {
  const row = controlRow(key, LABELS[key]);
  const input = document.createElement('input');
  input.type = 'range';
  input.id = key;
  const bounds = sliderBounds(key);
  input.min = String(bounds.min);
  input.max = String(bounds.max);
  input.step = String(bounds.step);
  const output = document.createElement('output');
  output.htmlFor.add(key);
  output.id = `${key}-value`;
  row.append(input, output);
  ranges.set(key, { input, output });
  input.addEventListener('input', () => change({ [key]: fromSlider(key, Number(input.value)) }));
}

const seedInput = document.createElement('input');
{
  seedInput.type = 'number';
  seedInput.id = 'seed';
  seedInput.min = String(RANGES.seed.min);
  seedInput.max = String(RANGES.seed.max);
  seedInput.step = '1';
  controlRow('seed', LABELS.seed).append(seedInput);
  seedInput.addEventListener('change', () => {
    const seed = Number(seedInput.value);
    if (Number.isInteger(seed) && seed >= RANGES.seed.min && seed <= RANGES.seed.max) change({ seed });
    else {
      showStatus(`Seed: expected a whole number from ${RANGES.seed.min} to ${RANGES.seed.max}, got "${seedInput.value}"; keeping ${settings.seed}.`);
      seedInput.value = String(settings.seed);
    }
  });
}

/** Shows `settings` in every control. */
function showSettings(): void {
  modelSelect.value = settings.model;
  for (const [key, { input, output }] of ranges) {
    input.value = String(toSlider(key, settings[key]));
    output.value = String(settings[key]);
    input.setAttribute('aria-valuetext', String(settings[key]));
  }
  seedInput.value = String(settings.seed);
}

function showStatus(text: string): void {
  status.textContent = text;
}

/** A change from a control: new settings, into the hash and to the worker. */
function change(patch: Partial<ExploreSettings>): void {
  settings = { ...settings, ...patch };
  showSettings();
  writeHash();
  send({ type: 'settings', settings });
}

function writeHash(): void {
  const hash = formatHash(settings);
  if (location.hash === hash) return;
  // replaceState: sliding does not fill the history with every position it passed.
  history.replaceState(null, '', hash);
}

window.addEventListener('hashchange', () => {
  const next = parseHash(location.hash);
  if (next.problems.length > 0) showStatus(`Some settings in the address were not used: ${next.problems.join('. ')}.`);
  if (formatHash(next.settings) === formatHash(settings)) return;
  settings = next.settings;
  showSettings();
  send({ type: 'settings', settings });
});

// ─── The worker ──────────────────────────────────────────────────────────────────────────────

const worker = new Worker(URL.createObjectURL(new Blob([EXPLORE_WORKER_SOURCE], { type: 'text/javascript' })));

function send(message: ToWorker): void {
  worker.postMessage(message);
}

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === 'error') {
    running = false;
    showStatus(`Training stopped: ${message.message}`);
    showRunning();
    return;
  }
  const { report } = message;
  if (report.generation !== generation) {
    generation = report.generation;
    lossHistory = [];
  }
  for (const point of report.lossPoints) lossHistory.push(point);
  if (lossHistory.length > MAX_LOSS_POINTS) lossHistory = lossHistory.filter((_, i) => i % 2 === 1);
  latest = report;
  // Whether to train is the page's to say (a report may predate the last play or pause it sent);
  // only an error, above, stops it from the worker's side.
  stepsPerSecond = message.stepsPerSecond;
});

worker.addEventListener('error', (event) => {
  running = false;
  showStatus(`The training worker failed: ${event.message}`);
  showRunning();
});

function showRunning(): void {
  playButton.textContent = running ? 'Pause (P)' : 'Play (P)';
  playButton.setAttribute('aria-pressed', String(running));
}

function togglePlay(): void {
  send({ type: running ? 'pause' : 'play' });
  running = !running;
  showRunning();
}

playButton.addEventListener('click', togglePlay);
element<HTMLButtonElement>('step').addEventListener('click', () => send({ type: 'step', count: 1 }));
element<HTMLButtonElement>('reset').addEventListener('click', () => send({ type: 'reset' }));

document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement | null;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (target !== null && (target.tagName === 'INPUT' && (target as HTMLInputElement).type === 'number' || target.tagName === 'SELECT')) return;
  const key = event.key.toLowerCase();
  if (key === 'p') togglePlay();
  else if (key === 's') send({ type: 'step', count: 1 });
  else if (key === 'r') send({ type: 'reset' });
  else return;
  event.preventDefault();
});

// ─── Drawing ─────────────────────────────────────────────────────────────────────────────────

function fact(label: string, value: string): string {
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return `<dt>${escape(label)}</dt><dd>${escape(value)}</dd>`;
}

function format(value: number, digits = 3): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(digits))) : '–';
}

/** The panels and how each is drawn from a report; `weights` is drawn every frame, the rest in turn. */
type PanelName = keyof typeof panels;

/** The theory's panels depend on (r, p) alone and cost a root-finding per cell: drawn once per point. */
const theoryCache = new Map<string, string>();

function theoryView(name: string, report: ExploreReport, view: (importance: number, density: number) => string): string {
  const { importance, density } = report.settings;
  const key = `${name} ${importance} ${density}`;
  let markup = theoryCache.get(key);
  if (markup === undefined) {
    if (theoryCache.size > 64) theoryCache.clear();
    markup = view(importance, density);
    theoryCache.set(key, markup);
  }
  return markup;
}

function panelMarkup(name: PanelName, report: ExploreReport): string {
  switch (name) {
    case 'weights': return weightsView(report);
    case 'gram': return gramView(report);
    case 'norms': return normsView(report);
    case 'loss': return lossView(lossHistory);
    case 'dimensionality': return dimensionalityView(report);
    case 'phase': return theoryView('phase', report, phaseView);
    case 'phaseLosses': return theoryView('phaseLosses', report, phaseLossesView);
    case 'saeArrows': return saeArrowsView(report) ?? '';
    case 'saeCosines': return saeCosinesView(report);
  }
}

/** What each panel shows now, so an unchanged one is not parsed again. */
const shown = new Map<PanelName, string>();
/** Which report each panel last drew, and when: stale panels are drawn, the longest-waiting first. */
const drawnFrom = new Map<PanelName, ExploreReport>();
const drawnAt = new Map<PanelName, number>();
/** The W panel is the heart of it: every frame brings it up to date. */
const EVERY_FRAME: readonly PanelName[] = ['weights'];
/**
 * Past this much time (script and layout) in a frame the other panels wait for a later one,
 * longest-waiting first, so a slow machine keeps a steady frame rate. A panel costs 5 to 15 ms
 * here (its SVG text is what costs, in layout), so on a busy machine most frames draw W alone.
 * Measured in headless Chromium on the shared 2-core machine (load average 8): 18 to 26 frames a
 * second this way, against 13 to 16 when every frame also drew one more panel.
 */
const FRAME_BUDGET_MS = 6;
/** Past its budget a frame still draws the longest-waiting panel once it has waited this long: 2.5 refreshes a second at worst. */
const MAX_WAIT_MS = 400;
const PANEL_NAMES = Object.keys(panels) as PanelName[];

function updatePanel(name: PanelName, report: ExploreReport): void {
  const markup = panelMarkup(name, report);
  drawnFrom.set(name, report);
  drawnAt.set(name, performance.now());
  if (shown.get(name) === markup) return;
  panels[name].innerHTML = markup;
  panels[name].hidden = markup === '';
  shown.set(name, markup);
  // Lay it out now, so the frame's budget counts the layout (SVG text costs more there than in parsing).
  panels[name].getBoundingClientRect();
}

/** Brings panels up to date with `report` within the frame's budget; returns whether any was stale. */
function draw(report: ExploreReport): boolean {
  const stale = PANEL_NAMES.filter((name) => drawnFrom.get(name) !== report);
  if (stale.length === 0) return false;
  const started = performance.now();
  const first = stale.filter((name) => EVERY_FRAME.includes(name) || !drawnAt.has(name));
  const rest = stale.filter((name) => !first.includes(name)).sort((a, b) => (drawnAt.get(a) ?? 0) - (drawnAt.get(b) ?? 0));
  for (const name of first) updatePanel(name, report);
  // Within the budget; past it, only the longest-waiting panel, and only once it has waited MAX_WAIT_MS.
  rest.forEach((name, i) => {
    const waited = started - (drawnAt.get(name) ?? 0);
    if (performance.now() - started <= FRAME_BUDGET_MS || (i === 0 && waited > MAX_WAIT_MS)) updatePanel(name, report);
  });
  const counts = { dedicated: 0, superposed: 0, absent: 0 };
  for (const kind of report.statuses) counts[kind]++;
  facts.innerHTML = [
    fact('step', String(report.step)),
    fact('loss', format(report.loss)),
    fact('features', `${counts.superposed} superposed, ${counts.dedicated} dedicated, ${counts.absent} absent (of ${report.norms.length}) in ${report.W.length} dims`),
    fact('dimensions per feature', format(report.dimensionsPerFeature)),
    fact('SAE', `MMCS ${format(report.sae.mmcs)}, L0 ${format(report.sae.l0)}`),
    fact('speed', `${Math.round(stepsPerSecond)} steps/s, ${Math.round(drawsPerSecond())} frames/s`),
  ].join('');
  drawMs = drawMs * 0.9 + (performance.now() - started) * 0.1;
  return true;
}

function drawsPerSecond(): number {
  const now = performance.now();
  while (drawTimes.length > 0 && drawTimes[0] < now - 1000) drawTimes.shift();
  return drawTimes.length;
}

function frame(): void {
  if (latest !== null && draw(latest)) {
    draws++;
    drawTimes.push(performance.now());
    if (readyMs === null) {
      readyMs = performance.now();
      document.documentElement.dataset.ready = 'true';
    }
  }
  requestAnimationFrame(frame);
}

// ─── For tests and the curious ───────────────────────────────────────────────────────────────

const explorable = {
  /** The model now: `{ step, loss, W, settings }`, W as m rows of n numbers (copies). */
  snapshot(): ExplorableSnapshot | null {
    if (latest === null) return null;
    return { step: latest.step, loss: latest.loss, W: latest.W.map((row) => row.slice()), settings: { ...latest.settings } };
  },
  /** The rates measured by the page. */
  stats(): ExplorableStats {
    return { stepsPerSecond, drawsPerSecond: drawsPerSecond(), draws, readyMs, running, drawMs };
  },
};
(window as unknown as { explorable: typeof explorable }).explorable = explorable;

showSettings();
writeHash();
send({ type: 'settings', settings });
send({ type: 'play' });
running = true;
showRunning();
requestAnimationFrame(frame);
