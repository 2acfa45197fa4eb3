/**
 * The lesson's models: the toy models of superposition and the data they train on, and a digit
 * classifier with the digits it trains on.
 *
 * @module
 */
export * from './data.js';
export * from './tms.js';
export * from './sae.js';
export * from './training-state.js';
export * from './digits.js';
export * from './mlp.js';
export * from './divergence.js';
