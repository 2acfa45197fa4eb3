/**
 * One private copy of a loop per scalar function, so that V8 can inline the function into it.
 *
 * Elementwise kernels are written once, as ordinary loops that call a scalar function `f`:
 *
 *     for (let i = 0; i < n; i++) OUT[i] = f(A[i], B[i]);
 *
 * If every op (add, mul, relu, …) shared that one loop, the call `f(...)` would see many
 * different functions, V8 would mark it megamorphic, and each element would pay for a real
 * call: measured here, 5× slower than a hand-written loop. Giving each op its own copy of the
 * loop makes each call site see exactly one `f`, which V8 then inlines: the copy runs as fast as
 * a loop written by hand for that op, while the source keeps one readable loop per shape of work.
 *
 * The copy is compiled from the factory's own source text, so the factory must be
 * self-contained: it may use its parameters and globals (Math), nothing else from its module.
 * Each copy's text ends in a `//# sourceURL` comment with its own name. That is not decoration:
 * V8 caches compiled code by source text, and two copies with identical text would share one
 * set of type feedback, which is exactly the sharing the copy exists to avoid (measured: the
 * fourth op through a shared dispatcher ran 5× slower until the names made the texts differ).
 * The name also labels the copy in profiles, e.g. `superposition/relu-contiguous.js`.
 *
 * Where the page forbids building functions from text (a Content-Security-Policy without
 * 'unsafe-eval'), the original factory is used as it is: the results are the same, only slower.
 *
 * @module
 */

/** How many copies have been made; part of each copy's name, so that no two texts are equal. */
let copiesMade = 0;

/**
 * A fresh copy of a self-contained loop factory (see the module notes), or the factory itself
 * when functions cannot be built from text here.
 *
 * @param factory - a function that takes the scalar function and returns the loop.
 * @param name - what the copy is for, e.g. `'relu-contiguous'`; shown in profiles.
 */
export function specialize<Factory extends (...args: never[]) => unknown>(factory: Factory, name: string): Factory {
  const label = `${name.replace(/[^\w.-]/g, '_')}-${copiesMade++}`;
  try {
    const source = `return (${factory.toString()});\n//# sourceURL=superposition/${label}.js`;
    const copy = new Function(source)() as Factory;
    return typeof copy === 'function' ? copy : factory;
  } catch {
    return factory;
  }
}
