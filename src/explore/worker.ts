/**
 * The explorable's training worker: owns one {@link ExploreSession}, runs it in time slices while
 * playing, and posts a report after every slice, so the page only ever draws.
 *
 * A slice is {@link SLICE_MS} of steps, then a report, then a yield to the worker's event loop so
 * the page's messages (a slider moved, pause) are handled within a slice. The yield goes through a
 * MessageChannel rather than setTimeout(0), which browsers clamp to 4 ms once nested: that would
 * idle the worker a seventh of the time.
 *
 * Bundled by build.ts into a string that the page starts as a Worker from a Blob URL. No DOM types
 * are used: the worker's global is described by the few members it needs.
 *
 * @module
 */
import type { FromWorker, ToWorker } from './protocol.js';
import { ExploreSession } from './session.js';
import { DEFAULT_SETTINGS } from './settings.js';

/** Training time between reports: about 30 reports a second, more than the page needs to draw 20. */
export const SLICE_MS = 30;

/** The parts of a dedicated worker's global scope used here. */
interface WorkerScope {
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const session = new ExploreSession(DEFAULT_SETTINGS);
let running = false;
let sliceQueued = false;
/** Steps and wall time of recent slices, for the steps-per-second figure. */
let rate = { steps: 0, ms: 0 };
const yieldChannel = new MessageChannel();

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function sendReport(): void {
  const stepsPerSecond = rate.ms > 0 ? (1000 * rate.steps) / rate.ms : 0;
  post({ type: 'report', report: session.report(), running, stepsPerSecond });
}

/** Runs `work`; on an error, pauses and tells the page why. */
function guarded(work: () => void): void {
  try {
    work();
  } catch (error) {
    running = false;
    post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

function slice(): void {
  sliceQueued = false;
  if (!running) return;
  guarded(() => {
    const started = performance.now();
    const steps = session.run(SLICE_MS);
    const ms = performance.now() - started;
    // A decaying window: the figure follows a change of settings within a second or so.
    rate = { steps: rate.steps * 0.8 + steps, ms: rate.ms * 0.8 + ms };
    sendReport();
  });
  queueSlice();
}

function queueSlice(): void {
  if (running && !sliceQueued) {
    sliceQueued = true;
    yieldChannel.port2.postMessage(null);
  }
}

yieldChannel.port1.onmessage = slice;

scope.addEventListener('message', (event) => {
  const message = event.data;
  guarded(() => {
    switch (message.type) {
      case 'settings':
        if (session.apply(message.settings) === 'reset') rate = { steps: 0, ms: 0 };
        sendReport();
        break;
      case 'play':
        running = true;
        queueSlice();
        sendReport();
        break;
      case 'pause':
        running = false;
        sendReport();
        break;
      case 'step':
        for (let i = 0; i < message.count; i++) session.advance();
        sendReport();
        break;
      case 'reset':
        session.reset();
        rate = { steps: 0, ms: 0 };
        sendReport();
        break;
    }
  });
});
