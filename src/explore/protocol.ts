/**
 * The messages between the explorable's page and its training worker. The page says what to do;
 * the worker answers with reports (what to draw) and, if training fails, an error.
 *
 *     page → worker   settings {settings}   new settings (a new model, or a live change; see session.ts)
 *                     play | pause          run steps continuously, or stop
 *                     step {count}          take `count` steps now (paused or not), then report
 *                     reset                 a fresh model with the current settings
 *     worker → page   report {report, running, stepsPerSecond}
 *                     error {message}       training stopped (e.g. the loss overflowed); the worker pauses
 *
 * @module
 */
import type { ExploreReport } from './session.js';
import type { ExploreSettings } from './settings.js';

/** What the page asks of the worker. */
export type ToWorker =
  | { type: 'settings'; settings: ExploreSettings }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step'; count: number }
  | { type: 'reset' };

/** What the worker tells the page. */
export type FromWorker =
  | { type: 'report'; report: ExploreReport; running: boolean; stepsPerSecond: number }
  | { type: 'error'; message: string };
