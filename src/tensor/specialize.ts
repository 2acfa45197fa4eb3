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
 * The copy is made from the factory's own source text, so the factory must be self-contained:
 * it may use its parameters and globals (Math), nothing else from its module. Where the page
 * forbids building functions from text (a Content-Security-Policy without 'unsafe-eval'), the
 * original factory is used as it is: the results are the same, only slower.
 *
 * @module
 */

/**
 * A fresh copy of a self-contained loop factory (see the module notes), or the factory itself
 * when functions cannot be built from text here.
 */
export function specialize<Factory extends (...args: never[]) => unknown>(factory: Factory): Factory {
  try {
    const copy = new Function(`return (${factory.toString()});`)() as Factory;
    return typeof copy === 'function' ? copy : factory;
  } catch {
    return factory;
  }
}
