/**
 * Looking inside the autograd layer: trace, graph drawings (tree, DOT, Mermaid), stepping through
 * backward, and anomaly mode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../src/tensor/creation.js';
import { normal } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { matmulBackend, setMatmulBackend, wasmSimdAvailable } from '../../src/tensor/matmul.js';
import {
  Variable, add, collectGraph, detectAnomaly, div, formatBackwardSteps, formatTrace, graphTree, log, matmul, mean,
  mul, neg, parameter, relu, setOpObserver, square, stepThroughBackward, sqrt, sub, sum, toDot, toMermaid, trace,
  variable,
} from '../../src/autograd/index.js';
import { expectOpError } from '../support/expect.js';

/** A two-layer regression step: a constant input scaled off the gradient path, then the layers. */
function twoLayerStep() {
  const x = normal([4, 5], { seed: 1 });
  const target = normal([4, 2], { seed: 2 });
  const w1 = parameter(normal([5, 3], { seed: 3 }), 'W1');
  const b1 = parameter(normal([3], { seed: 4 }), 'b1');
  const w2 = parameter(normal([3, 2], { seed: 5 }), 'W2');
  const outputs: Variable[] = [];
  const keep = (value: Variable): Variable => (outputs.push(value), value);
  const scaled = keep(mul(x, 0.5));
  const hidden = keep(relu(keep(add(keep(matmul(scaled, w1)), b1))));
  const out = keep(matmul(hidden, w2));
  const loss = keep(mean(keep(square(keep(sub(out, target))))));
  return { loss, outputs, w1, b1, w2 };
}

describe('trace', () => {
  it('lists a two-layer step forward then backward, with shapes and grad-path flags', () => {
    const { result, ops } = trace(() => {
      const step = twoLayerStep();
      step.loss.backward();
      return step;
    });
    const forward = ops.filter((entry) => entry.phase === 'forward');
    const backward = ops.filter((entry) => entry.phase === 'backward');
    expect(forward.map((entry) => entry.op)).toEqual(['mul', 'matmul', 'add', 'relu', 'matmul', 'sub', 'square', 'mean']);
    // The forward rows describe exactly the values the code made, in that order.
    forward.forEach((entry, i) => {
      const value = result.outputs[i];
      expect(entry.outputShapes).toEqual([value.shape]);
      expect(entry.dtype).toBe(value.dtype);
      expect(entry.onGradPath).toBe(value.requiresGrad);
    });
    // Input shapes as written in twoLayerStep; the scalar 0.5 shows as [].
    expect(forward.map((entry) => entry.inputShapes)).toEqual([
      [[4, 5], []], [[4, 5], [5, 3]], [[4, 3], [3]], [[4, 3]], [[4, 3], [3, 2]], [[4, 2], [4, 2]], [[4, 2]], [[4, 2]],
    ]);
    expect(forward[0].onGradPath).toBe(false); // x·0.5 involves no parameter
    expect(forward.slice(1).every((entry) => entry.onGradPath)).toBe(true);
    // Backward visits the on-path ops latest first; a constant input gets no gradient (null).
    expect(backward.map((entry) => entry.op)).toEqual(['mean', 'square', 'sub', 'matmul', 'relu', 'add', 'matmul']);
    expect(backward.map((entry) => entry.inputShapes)).toEqual([[[]], [[4, 2]], [[4, 2]], [[4, 2]], [[4, 3]], [[4, 3]], [[4, 3]]]);
    expect(backward.map((entry) => entry.outputShapes)).toEqual([
      [[4, 2]], [[4, 2]], [[4, 2], null], [[4, 3], [3, 2]], [[4, 3]], [[4, 3], [3]], [null, [5, 3]],
    ]);
    expect(ops.indexOf(backward[0])).toBe(forward.length); // all of forward came first
    expect(ops.map((entry) => entry.index)).toEqual(ops.map((_, i) => i));
    expect(ops.every((entry) => entry.ms >= 0)).toBe(true);
  });

  it('returns plain, JSON-safe data', () => {
    const { ops } = trace(() => sum(mul(parameter(tensor([1, 2])), 3)).backward());
    expect(JSON.parse(JSON.stringify(ops))).toEqual(ops);
    for (const entry of ops) expect(Object.getPrototypeOf(entry)).toBe(Object.prototype);
  });

  it('prints an aligned table with every op and a totals line', () => {
    const traced = trace(() => twoLayerStep().loss.backward());
    const text = traced.table();
    expect(text).toBe(formatTrace(traced.ops));
    const lines = text.split('\n');
    expect(lines).toHaveLength(traced.ops.length + 2);
    const header = lines[0];
    for (const title of ['#', 'phase', 'op', 'inputs', 'output', 'dtype', 'grad path', 'time µs']) expect(header).toContain(title);
    const rows = lines.slice(1, -1);
    rows.forEach((row, i) => {
      const entry = traced.ops[i];
      // Every column starts where its title does.
      expect(row.slice(header.indexOf('phase')).startsWith(entry.phase)).toBe(true);
      expect(row.slice(header.indexOf(' op ') + 1).startsWith(`${entry.op} `)).toBe(true);
      expect(row.slice(header.indexOf('dtype')).startsWith(entry.dtype)).toBe(true);
      expect(row.slice(header.indexOf('grad path')).startsWith(entry.onGradPath ? 'yes' : 'no')).toBe(true);
      expect(row.endsWith((entry.ms * 1000).toFixed(1))).toBe(true);
      expect(row.length).toBe(header.length); // the time column is right-aligned under its title
    });
    expect(rows[0]).toMatch(/^ *0 +forward +mul +\[4,5\] \[\] +\[4,5\] +float32 +no /);
    expect(rows[10]).toMatch(/ dy \[4,2\] +\[4,2\] — +float32 +yes /); // sub: the target gets no gradient
    const forwardCount = traced.ops.filter((entry) => entry.phase === 'forward').length;
    expect(lines.at(-1)).toContain(`${traced.ops.length} ops: ${forwardCount} forward (${forwardCount - 1} on the gradient path)`);
    expect(lines.at(-1)).toContain(`${traced.ops.length - forwardCount} backward`);
  });

  it('nests: the outer trace sees every op, the inner only its own, and the observer is restored', () => {
    const w = parameter(tensor([1, 2]));
    const outer = trace(() => {
      const a = mul(w, 2);
      const inner = trace(() => sum(a));
      return { inner, b: neg(inner.result) };
    });
    expect(outer.result.inner.ops.map((entry) => entry.op)).toEqual(['sum']);
    expect(outer.ops.map((entry) => entry.op)).toEqual(['mul', 'sum', 'neg']);
    expect(setOpObserver(null)).toBeNull();
  });

  it('names the matmul kernel that ran on each matmul row, and on no other row', () => {
    const previous = matmulBackend();
    try {
      const kernelsUnder = (backend: 'js' | 'wasm', dtype: 'float32' | 'float64') => {
        setMatmulBackend(backend);
        const a = parameter(normal([16, 12], { seed: 3, dtype }));
        const b = parameter(normal([12, 16], { seed: 4, dtype }));
        return trace(() => sum(relu(matmul(a, b))).backward());
      };
      const js = kernelsUnder('js', 'float32');
      const rows = js.ops.filter((entry) => entry.op === 'matmul');
      expect(rows.map((entry) => entry.phase)).toEqual(['forward', 'backward']);
      for (const entry of rows) expect(entry.kernel).toMatch(/^js-/);
      expect(js.ops.filter((entry) => entry.op !== 'matmul').every((entry) => !('kernel' in entry))).toBe(true);
      const table = js.table().split('\n');
      expect(table.filter((line) => / matmul js-/.test(line))).toHaveLength(2);
      // Float64 never goes to WebAssembly, whatever the backend says.
      for (const entry of kernelsUnder('wasm', 'float64').ops.filter((e) => e.op === 'matmul')) expect(entry.kernel).toMatch(/^js-/);
      if (wasmSimdAvailable()) {
        const wasm = kernelsUnder('wasm', 'float32').ops.filter((entry) => entry.op === 'matmul');
        expect(wasm.map((entry) => entry.kernel)).toEqual(['wasm-simd-4x8', 'wasm-simd-4x8']);
      }
    } finally {
      setMatmulBackend(previous);
    }
  });

  it('restores the previous observer when fn throws', () => {
    const seen: string[] = [];
    const mine = (event: { op: string }) => seen.push(event.op);
    setOpObserver(mine);
    try {
      expect(() => trace(() => {
        mul(parameter(tensor([1])), 2);
        throw new Error('boom');
      })).toThrow('boom');
      expect(seen).toEqual(['mul']); // passed on while the trace ran
      expect(setOpObserver(null)).toBe(mine);
    } finally {
      setOpObserver(null);
    }
  });
});

describe('graph drawings', () => {
  /**
   * h = x·W used three times: loss = sum(h⊙h + h). Vertices: sum, add, mul, matmul, x, W.
   * Edges: add→sum; mul→add, h→add; h→mul twice; x→matmul, W→matmul: 7.
   */
  function sharedGraph() {
    const x = tensor([[1, 2], [3, 4]]);
    const w = parameter(tensor([[1, 0], [0, 1]]), 'W');
    const h = matmul(x, w);
    return sum(add(mul(h, h), h));
  }

  it('collects every vertex once and every edge, numbered depth-first', () => {
    const { vertices, edges } = collectGraph(sharedGraph());
    expect(vertices.map((v) => (v.kind === 'op' ? v.op : `${v.kind}:${v.name ?? ''}`)))
      .toEqual(['sum', 'add', 'mul', 'matmul', 'constant:', 'leaf:W']);
    expect(vertices.map((v) => v.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(vertices.map((v) => v.inputs)).toEqual([[1], [2, 3], [3, 3], [4, 5], [], []]);
    expect(edges).toHaveLength(7);
    expect(vertices[4]).toEqual({ id: 4, kind: 'constant', shape: [2, 2], inputs: [] });
    expect(vertices[5]).toMatchObject({ kind: 'leaf', name: 'W', shape: [2, 2], dtype: 'float32' });
  });

  it('prints a tree with each shared value once, then "(see #k)"', () => {
    const text = graphTree(sharedGraph());
    expect(text.split('\n')).toEqual([
      '#0 sum → [] float32',
      '└─ #1 add → [2,2] float32',
      '   ├─ #2 mul → [2,2] float32',
      '   │  ├─ #3 matmul → [2,2] float32',
      '   │  │  ├─ #4 constant [2,2]',
      '   │  │  └─ #5 W [2,2] float32, requires grad',
      '   │  └─ (see #3 matmul)',
      '   └─ (see #3 matmul)',
    ]);
  });

  it('writes DOT and Mermaid with one statement per vertex and per edge', () => {
    const root = sharedGraph();
    const { vertices, edges } = collectGraph(root);
    const dot = toDot(root);
    expect(dot.startsWith('digraph autograd {\n')).toBe(true);
    expect(dot.endsWith('\n}')).toBe(true);
    const dotVertices = [...dot.matchAll(/^ {2}n(\d+) \[label="(?:[^"\\]|\\.)*", [^\]]*\];$/gm)].map((m) => Number(m[1]));
    expect(dotVertices).toEqual(vertices.map((v) => v.id));
    const dotEdges = [...dot.matchAll(/^ {2}n(\d+) -> n(\d+)(?: \[label="(\d+)"\])?;$/gm)];
    expect(dotEdges.map((m) => [Number(m[1]), Number(m[2])])).toEqual(edges.map((e) => [e.from, e.to]));
    expect(dotEdges.filter((m) => m[1] === '3' && m[2] === '2')).toHaveLength(2); // h⊙h: two edges
    expect(dot.split('\n')).toHaveLength(3 + vertices.length + edges.length + 1);

    const mermaid = toMermaid(root);
    expect(mermaid.split('\n')[0]).toBe('graph TD');
    const mermaidVertices = [...mermaid.matchAll(/^ {2}n(\d+)[[(]{1,2}"[^"]*"[\])]{1,2}$/gm)].map((m) => Number(m[1]));
    expect(mermaidVertices).toEqual(vertices.map((v) => v.id));
    const mermaidEdges = [...mermaid.matchAll(/^ {2}n(\d+) -->(?:\|(\d+)\|)? n(\d+)$/gm)];
    expect(mermaidEdges.map((m) => [Number(m[1]), Number(m[3])])).toEqual(edges.map((e) => [e.from, e.to]));
    expect(mermaid).toContain('class n5 leaf');
    expect(mermaid).toContain('class n4 constant');
  });

  it('escapes names in DOT and Mermaid labels', () => {
    const w = parameter(tensor([1]), 'say "hi" \\ <b>#1;');
    const dot = toDot(sum(w));
    expect(dot).toContain('label="#1 say \\"hi\\" \\\\ <b>#1;\\n[1] float32\\nrequires grad"');
    const mermaid = toMermaid(sum(w));
    const line = mermaid.split('\n').find((l) => l.startsWith('  n1'));
    expect(line).toBe('  n1(["#35;1 say #34;hi#34; \\ #60;b#62;#35;1;<br/>[1] float32<br/>requires grad"])');
  });

  it('draws a lone leaf and a constant', () => {
    expect(graphTree(parameter(tensor([1, 2]), 'w'))).toBe('#0 w [2] float32, requires grad');
    expect(graphTree(tensor([1, 2]))).toBe('#0 constant [2] float32');
    expect(graphTree(variable(tensor([3]), { name: 'x' }))).toBe('#0 x [1] float32');
  });

  it('refuses a graph that backward() released, and draws one it retained', () => {
    const w = parameter(tensor([1, 2]));
    const retained = sum(square(w));
    retained.backward(undefined, { retainGraph: true });
    expect(collectGraph(retained).vertices).toHaveLength(3);
    const released = sum(square(w));
    released.backward();
    expectOpError(() => graphTree(released), 'collectGraph', 'sum', 'released by backward()', 'retainGraph');
  });

  it('handles a chain of 100,000 ops without overflowing the stack', () => {
    const length = 100_000;
    let value: Variable = parameter(tensor([1]), 'x');
    for (let i = 0; i < length; i++) value = neg(value);
    const tree = graphTree(value).split('\n');
    expect(tree).toHaveLength(length + 1);
    expect(tree.at(-1)).toBe(`${'   '.repeat(31)}[depth ${length}] #${length} x [1] float32, requires grad`);
    expect(toDot(value).match(/ -> /g)).toHaveLength(length);
    expect(toMermaid(value).match(/ --> /g)).toHaveLength(length);
    expect(stepThroughBackward(value)).toHaveLength(length);
  });

  it('matches an independent count on random DAGs: one vertex per value, one edge per argument', () => {
    // A random program over a pool that starts with two parameters and a constant; each step
    // applies a unary or binary op to values already in the pool.
    const program = fc.array(
      fc.record({ binary: fc.boolean(), a: fc.nat(), b: fc.nat() }),
      { minLength: 1, maxLength: 25 },
    );
    fc.assert(fc.property(program, (steps) => {
      const pool: Tensor[] = [parameter(tensor([1, 2]), 'p'), parameter(tensor([3, 4]), 'q'), tensor([5, 6])];
      for (const step of steps) {
        const a = pool[step.a % pool.length];
        const b = pool[step.b % pool.length];
        pool.push(step.binary ? mul(a, b) : neg(a));
      }
      const root = sum(pool[pool.length - 1]);
      // The oracle: recursion over the (small) graph, counting Variables by identity.
      const reached = new Set<Variable>();
      let constants = 0;
      let arguments_ = 0;
      const visit = (value: Variable): void => {
        if (reached.has(value)) return;
        reached.add(value);
        if (value.node === null) return;
        value.node.inputs.forEach((input) => {
          arguments_++;
          if (input === null) constants++;
          else visit(input);
        });
      };
      visit(root);
      const { vertices, edges } = collectGraph(root);
      expect(vertices).toHaveLength(reached.size + constants);
      expect(edges).toHaveLength(arguments_);
      const tree = graphTree(root);
      // Each vertex printed in full once, in order; every other arrival at it is a "(see #k)" line,
      // so the tree has one line per edge plus the root.
      const printed = [...tree.matchAll(/^[│ ├└─]*#(\d+) /gm)].map((m) => Number(m[1]));
      expect(printed).toEqual(vertices.map((v) => v.id));
      expect(tree.split('\n')).toHaveLength(arguments_ + 1);
      expect(toDot(root).match(/ -> /g)?.length ?? 0).toBe(arguments_);
      expect(toMermaid(root).match(/ -->/g)?.length ?? 0).toBe(arguments_);
    }), { numRuns: 60 });
  });
});

describe('stepThroughBackward', () => {
  it('shows the gradients of y = w⊙x + w by hand: ∂y/∂w = x + 1', () => {
    // w = [2, −1], x = [3, 5], loss = Σ y. By hand: sum sends 1s to add; add sends them to mul
    // and to w; mul sends dy⊙x = [3, 5] to w and nothing to the constant x. w.grad = [4, 6].
    const w = parameter(tensor([2, -1]), 'w');
    const x = tensor([3, 5]);
    const loss = sum(add(mul(w, x), w));
    const tree = graphTree(loss);
    const steps = stepThroughBackward(loss);
    expect(steps.map((s) => [s.step, s.vertex, s.op])).toEqual([[0, 0, 'sum'], [1, 1, 'add'], [2, 2, 'mul']]);
    expect(steps[0].gradOutput).toEqual({ shape: [], dtype: 'float32', norm: 1, values: [1] });
    expect(steps[0].sent.map((s) => [s.label, s.grad?.values])).toEqual([['#1 add', [1, 1]]]);
    expect(steps[1].sent.map((s) => [s.label, s.grad?.values])).toEqual([['#2 mul', [1, 1]], ['#3 w', [1, 1]]]);
    expect(steps[2].sent.map((s) => [s.label, s.grad?.values ?? null])).toEqual([['#3 w', [3, 5]], ['#4 constant', null]]);
    expect(steps[2].sent[1]).toEqual({ to: 4, label: '#4 constant', shape: [2], grad: null });
    expect(w.grad?.toArray()).toEqual([4, 6]);
    // The labels point at the same numbers as the tree drawn before backward.
    expect(tree).toContain('#3 w [2] float32, requires grad');
    expect(tree).toContain('#4 constant [2]');
    expect(formatBackwardSteps(steps).split('\n')).toEqual([
      'step 0  #0 sum  dy [] [1]',
      '  → #1 add [2] [1, 1]',
      'step 1  #1 add  dy [2] [1, 1]',
      '  → #2 mul [2] [1, 1]',
      '  → #3 w [2] [1, 1]',
      'step 2  #2 mul  dy [2] [1, 1]',
      '  → #3 w [2] [3, 5]',
      '  → #4 constant [2] (no gradient)',
    ]);
  });

  it('reports gradients after un-broadcasting, and only the norm of large ones', () => {
    // loss = Σ (w + b) with w [5,5], b [1]: b fed 25 outputs, so it gets 25; w gets ones, ‖·‖ = 5.
    const w = parameter(tensor(new Array(25).fill(0), [5, 5]), 'w');
    const b = parameter(tensor([0]), 'b');
    const [, addStep] = stepThroughBackward(sum(add(w, b)), { maxValues: 16 });
    expect(addStep.sent[0].grad).toEqual({ shape: [5, 5], dtype: 'float32', norm: 5, values: null });
    expect(addStep.sent[1].grad).toEqual({ shape: [1], dtype: 'float32', norm: 25, values: [25] });
    expect(formatBackwardSteps([addStep])).toContain('→ #2 w [5,5] ‖·‖ = 5');
  });

  it('passes the seed and retainGraph on to backward', () => {
    const w = parameter(tensor([1, 2]), 'w');
    const y = mul(w, 3);
    const steps = stepThroughBackward(y, { seed: tensor([1, 10]), retainGraph: true });
    expect(steps[0].gradOutput.values).toEqual([1, 10]);
    expect(w.grad?.toArray()).toEqual([3, 30]);
    expect(() => collectGraph(y)).not.toThrow();
  });

  it('refuses a plain Tensor', () => {
    expectOpError(() => stepThroughBackward(tensor([1]) as Variable), 'stepThroughBackward', 'plain Tensor');
  });
});

describe('detectAnomaly', () => {
  it('throws at a forward NaN, naming the op and its input shapes', () => {
    const x = parameter(tensor([[1, -1]]));
    expectOpError(() => detectAnomaly(() => log(x)), 'log', 'forward produced NaN', 'flat index 1', 'input shapes [1,2]');
    expect(Number.isNaN(log(x).at(0, 1))).toBe(true); // outside the mode, the NaN passes silently
  });

  it('throws at a forward Inf from a division by zero', () => {
    const a = parameter(tensor([1, 2]));
    const b = tensor([[1, 0], [1, 1]]);
    expectOpError(() => detectAnomaly(() => div(a, b)), 'div', 'forward produced Infinity', 'input shapes [2], [2,2]');
    expect(div(a, b).at(0, 1)).toBe(Infinity);
  });

  it('throws at a backward Inf and a backward NaN from sqrt at 0', () => {
    // √x has derivative 1/(2√x), which is 1/0 = Inf at x = 0, and 0/0 = NaN when dy = 0 there.
    const atZero = () => parameter(tensor([0, 4]));
    expectOpError(
      () => detectAnomaly(() => sum(sqrt(atZero())).backward()), 'sqrt', 'backward produced Infinity', 'input shapes [2]',
    );
    expectOpError(
      () => detectAnomaly(() => sum(mul(sqrt(atZero()), 0)).backward()), 'sqrt', 'backward produced NaN', 'input shapes [2]',
    );
    const x = atZero();
    sum(sqrt(x)).backward(); // outside the mode: no error, the Inf reaches .grad
    expect(x.grad?.toArray()).toEqual([Infinity, 0.25]);
  });

  it('leaves the mode and the trace observer when it throws', () => {
    const x = parameter(tensor([-1]));
    expect(() => trace(() => detectAnomaly(() => sub(log(x), 1)))).toThrow('log: anomaly');
    expect(setOpObserver(null)).toBeNull();
    expect(Number.isNaN(log(x).item())).toBe(true); // anomaly mode is off again
  });
});
