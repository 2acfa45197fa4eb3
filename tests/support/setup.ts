/**
 * Runs before every test file: fixes fast-check's seed so that a failing property can be replayed.
 * Set FC_SEED to explore other seeds, and FC_RUNS to run more cases.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED === undefined ? 20261124 : Number(process.env.FC_SEED);
const numRuns = process.env.FC_RUNS === undefined ? 100 : Number(process.env.FC_RUNS);
fc.configureGlobal({ seed, numRuns });
