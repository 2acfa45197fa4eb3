/**
 * Small text helpers for the command line's output: aligned text tables, and (from
 * src/experiments/format.ts) numbers for people and for JSON.
 *
 * @module
 */
// The numbers themselves are written by the experiments (their JSON and progress notes need them
// too); the command line adds its tables.
export { argMax, float32Number, formatNumber, matrixToJson, valuesToJson } from '../experiments/format.js';

/**
 * Rows of cells as aligned text: the header, a rule, then the rows. Columns named in `left` are
 * left-aligned; the rest (numbers) are right-aligned.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = []): string {
  // A loop, not Math.max(...cells): spreading 200,000 rows into one call overflows the stack.
  const widths = header.map((title) => title.length);
  for (const row of rows) header.forEach((_, column) => { widths[column] = Math.max(widths[column], (row[column] ?? '').length); });
  const line = (cells: readonly string[]): string => cells
    .map((cell, column) => (left.includes(column) ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
    .join('  ')
    .trimEnd();
  return [line(header), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.map(line)].join('\n') + '\n';
}
