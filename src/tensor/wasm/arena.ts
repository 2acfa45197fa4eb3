/**
 * One instance of an emitted kernel module and its memory, as the drivers of the streaming
 * kernels use it (the fused training ops, the elementwise streams, Adam's update): compile once,
 * lay operands out in the memory, copy them in, call, copy results out.
 *
 *     const arena = new KernelArena<MyExports>(bytes);
 *     const [x, y, end] = layoutRegions([4 * n, 4 * n]);     // byte addresses, 16-byte aligned
 *     arena.reserve(end);
 *     arena.f32.set(input, x / 4);  arena.exports.kernel(x, y, n);  out.set(arena.f32.subarray(y / 4, y / 4 + n));
 *
 * Memory: grown to the largest call and then reused, so a training loop allocates nothing here
 * after its first step. Growing replaces the memory's `ArrayBuffer` and detaches every view of the
 * old one, so `reserve` re-makes the views whenever the buffer has changed: read `f32`, `f64` and
 * `u32` after `reserve`, never across it.
 *
 * @module
 */

/** Bytes per WebAssembly page. */
export const PAGE_BYTES = 65536;

/** What every kernel module exports besides its functions. */
export interface WithMemory {
  memory: WebAssembly.Memory;
}

/** A compiled kernel module's instance, with float32 and float64 views of its memory. */
export class KernelArena<Exports extends WithMemory> {
  /** The module's exports: its kernels and its memory. */
  readonly exports: Exports;
  /** Views of the whole memory; valid until the next {@link KernelArena.reserve} that grows it. */
  f32: Float32Array;
  f64: Float64Array;
  /** Whole 32-bit words: byte addresses the kernels read (thin.ts), a generator's state (features-wasm.ts). */
  u32: Uint32Array;
  private buffer: ArrayBuffer;

  /**
   * Compiles and instantiates `bytes` synchronously (kernel modules are a few kilobytes, well under
   * browsers' limit for compiling on the main thread).
   *
   * @throws whatever the engine throws where WebAssembly SIMD is missing or forbidden.
   */
  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
    this.buffer = this.exports.memory.buffer;
    this.f32 = new Float32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
  }

  /** Grows the memory to at least `bytes`, re-making the views when its buffer changes. */
  reserve(bytes: number): void {
    const { memory } = this.exports;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE_BYTES));
    if (memory.buffer !== this.buffer) {
      this.buffer = memory.buffer;
      this.f32 = new Float32Array(this.buffer);
      this.f64 = new Float64Array(this.buffer);
      this.u32 = new Uint32Array(this.buffer);
    }
  }
}

/**
 * Byte addresses of consecutive regions of the given byte sizes, each 16-byte aligned (so v128
 * loads of a region's start are aligned); the last entry is the end, what to `reserve`.
 */
export function layoutRegions(sizes: readonly number[]): number[] {
  const starts: number[] = [];
  let at = 0;
  for (const size of sizes) {
    starts.push(at);
    at += Math.ceil(size / 16) * 16;
  }
  starts.push(at);
  return starts;
}
