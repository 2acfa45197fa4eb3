/**
 * The lesson's experiments, typed from options to results, one namespace each: `tms`, `phase`,
 * `geometry`, `sae`, `steer`, `mnist` (a real digit classifier and an SAE on it), and the `lesson`
 * that composes them. Each has
 * `run(options, onProgress?)`, returning a typed result, and `toJson(result)`, the document its
 * command prints with `--json`. Nothing here touches files or the terminal, so they run in a
 * browser too; the command line (src/cli) parses flags into options and prints, plots or writes.
 *
 * ```ts
 * import { experiments } from 'superposition';
 * const result = experiments.tms.run(experiments.tms.TMS_DEFAULTS);   // 5 features in 2 dims, 8 densities
 * result.instances[0].status;   // dense, seed 0: ['dedicated', 'dedicated', 'absent', 'absent', 'absent']
 * result.instances[7].status;   // the sparsest: all five 'superposed' (a pentagon)
 * ```
 *
 * @module
 */
export * as tms from './tms.js';
export * as phase from './phase.js';
export * as geometry from './geometry.js';
export * as sae from './sae.js';
export * as steer from './steer.js';
export * as mnist from './mnist.js';
export * as lesson from './lesson.js';
export { OptionError, type Densities, resolveDensities, type ProgressSink, type ProgressTask, SILENT_PROGRESS, progressInterval } from './options.js';
