#!/usr/bin/env node
/**
 * The `superposition` executable (package.json `bin`): runs {@link main} on the command line's
 * words and leaves its exit code for Node to return.
 *
 * Setting `process.exitCode` rather than calling `process.exit()` lets Node finish writing
 * stdout first: when the JSON goes into a pipe, `exit()` could cut it short.
 *
 * @module
 */
import { main } from './main.js';
import { nodeProcess } from './node-io.js';

const process = nodeProcess();
process.exitCode = await main(process.argv.slice(2));
