/**
 * Sizes the command line refuses up front: flags whose buffers cannot be allocated. A tensor
 * holds at most MAX_ELEMENTS = 2³¹ − 1 elements, and a run's working set must fit in the
 * machine's memory; past either, a run would die part-way (V8's heap abort, a RangeError) or
 * swap the machine to a halt. Refused instead with exit 2 and the flags that set the size.
 *
 *     tms     the batch x [I, B, n], the hidden h [I, B, m] and the output [I, B, n], each with
 *             its gradient; W [I, m, n]
 *     sae     the batch [B, d_in], the latents [B, d_sae] (training and the evaluation batch),
 *             the decoder [d_sae, d_in]
 *
 * @module
 */
import { MAX_ELEMENTS } from '../tensor/shape.js';
import { CliUsageError } from './args.js';
import { nodeProcess } from './node-io.js';

/** One buffer a run allocates: what it is, how many float32 elements, and the flags that set its size. */
export interface BufferSize {
  /** What it is, e.g. `the batch [I, B, n]`. */
  what: string;
  /** Its element count (a float, so products past 2⁵³ still compare right). */
  elements: number;
  /** The flags and values that set it, e.g. `--instances 8 × --batch 1024 × --features 5`. */
  flags: string;
  /** How many buffers of this size the run holds at once (a value and its gradient: 2). Default 1. */
  copies?: number;
}

/** The machine's memory in bytes, or Infinity where it cannot be told. */
function machineMemory(): number {
  try {
    const os = (nodeProcess() as unknown as { getBuiltinModule(id: 'node:os'): { totalmem(): number } }).getBuiltinModule('node:os');
    return os.totalmem();
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * Refuses (CliUsageError) a run one of whose buffers holds more than MAX_ELEMENTS elements, or
 * whose buffers together (4 bytes an element) need more than the machine's memory.
 *
 * @example
 * ```ts
 * refuseOversize([{ what: 'the batch', elements: 8 * 1e8 * 5, flags: '--instances 8 × --batch 100000000 × --features 5' }]);
 * // throws CliUsageError: the batch would hold 4e+9 elements (--instances 8 × …), more than …
 * ```
 */
export function refuseOversize(buffers: readonly BufferSize[], memory: number = machineMemory()): void {
  for (const buffer of buffers) {
    if (buffer.elements > MAX_ELEMENTS) {
      throw new CliUsageError(
        `${buffer.what} would hold ${buffer.elements.toPrecision(3)} elements (${buffer.flags}), more than the ` +
        `${MAX_ELEMENTS} one tensor can hold; make one of those flags smaller`,
      );
    }
  }
  const bytes = buffers.reduce((total, buffer) => total + 4 * buffer.elements * (buffer.copies ?? 1), 0);
  if (bytes > memory) {
    const largest = buffers.reduce((a, b) => (b.elements * (b.copies ?? 1) > a.elements * (a.copies ?? 1) ? b : a));
    throw new CliUsageError(
      `the run's buffers would take ${(bytes / 2 ** 30).toFixed(1)} GiB, more than this machine's ${(memory / 2 ** 30).toFixed(1)} GiB ` +
      `of memory; the largest is ${largest.what} (${largest.flags}): make one of those flags smaller`,
    );
  }
}

/** The buffers of training toy models: I instances of n features in m dims at batch B. */
export function toyModelBuffers(size: { instances: number; batch: number; features: number; hidden: number }, names = {
  instances: '--instances', batch: '--batch', features: '--features', hidden: '--hidden',
}): BufferSize[] {
  const { instances: I, batch: B, features: n, hidden: m } = size;
  const flag = (name: keyof typeof names): string => `${names[name]} ${size[name]}`;
  return [
    { what: 'the toy model\'s batch [I, B, n]', elements: I * B * n, flags: `${flag('instances')} × ${flag('batch')} × ${flag('features')}`, copies: 4 },
    { what: 'the toy model\'s hidden activations [I, B, m]', elements: I * B * m, flags: `${flag('instances')} × ${flag('batch')} × ${flag('hidden')}`, copies: 2 },
    { what: 'the toy model\'s weights W [I, m, n]', elements: I * m * n, flags: `${flag('instances')} × ${flag('hidden')} × ${flag('features')}`, copies: 4 },
  ];
}

/** How `sae` and `steer` name the toy model's size flags in a refusal. */
export const TOY_SIZE_FLAGS = { instances: '--instances', batch: '--tms-batch', features: '--features', hidden: '--hidden' };

/** The buffers of training an SAE of `latents` on d_in-dimensional rows at batch B, measured on `evaluation` rows. */
export function saeBuffers(size: { batch: number; latents: number; inputDim: number; evaluation: number }): BufferSize[] {
  const { batch: B, latents: L, inputDim: d, evaluation: E } = size;
  return [
    { what: 'the SAE\'s latents for one batch [B, d_sae]', elements: B * L, flags: `--batch ${B} × --latents ${L}`, copies: 4 },
    { what: 'the SAE\'s latents for the evaluation batch', elements: E * L, flags: `${E} evaluation rows × --latents ${L}`, copies: 2 },
    { what: 'the SAE\'s weights [d_sae, d_in]', elements: L * d, flags: `--latents ${L} × d_in ${d}`, copies: 8 },
  ];
}
