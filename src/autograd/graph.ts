/**
 * Looking at the graph behind a value: as data, as an indented tree, as Graphviz DOT and as
 * Mermaid text, and stepping through `backward()` one node at a time.
 *
 * The graph. Every Variable made by an op holds a node: the op's name and its inputs. Following
 * inputs from a loss back to the leaves gives a directed acyclic graph:
 *
 *     loss = mean(square(sub(matmul(x, W), y)))
 *
 *     #0 mean → [] float32
 *     └─ #1 square → [4,2] float32
 *        └─ #2 sub → [4,2] float32
 *           ├─ #3 matmul → [4,2] float32
 *           │  ├─ #4 constant [4,3]
 *           │  └─ #5 W [3,2] float32, requires grad
 *           └─ #6 constant [4,2]
 *
 * Three kinds of vertex: ops (a Variable with a node), leaves (a Variable without one that requires
 * grad, e.g. a parameter, shown by its name), and constants (an input that needs no gradient; the
 * node keeps only its shape). Vertices are numbered #0, #1, … in depth-first order from the root,
 * inputs left to right, so the same program always gets the same numbers. A value used twice is
 * one vertex with two out-edges; the tree prints it once and then refers to it as "(see #k)".
 *
 * Draw the graph *before* `backward()`: backward releases it (each node forgets its inputs) unless
 * called with `{ retainGraph: true }`. {@link collectGraph} refuses a released graph.
 *
 * Every walk here uses an explicit stack, so a chain of 100,000 ops is fine.
 *
 * @module
 */
import { fail, formatShape } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { type BackwardStep, backward } from './engine.js';
import { Variable } from './variable.js';

/** One vertex of a collected graph. A plain, JSON-safe object. */
export interface GraphVertex {
  /** The vertex's number: its position in depth-first order from the root (which is 0). */
  id: number;
  /** `"op"`: made by an op. `"leaf"`: an input that requires grad. `"constant"`: needs no gradient. */
  kind: 'op' | 'leaf' | 'constant';
  /** The op's name (`kind` "op"), else undefined. */
  op?: string;
  /** The Variable's name, if one was set (e.g. `"W"`). */
  name?: string;
  /** The value's shape. */
  shape: number[];
  /** The value's dtype; undefined for a constant input, whose node keeps only its shape. */
  dtype?: string;
  /** The ids of the op's inputs, in argument order (empty for leaves and constants). */
  inputs: number[];
  /** The engine's id for the op's node (`GradNode.id`), which `backward`'s steps report. */
  nodeId?: number;
}

/** An edge from an input to the op that consumes it (the direction data flows). */
export interface GraphEdge {
  /** The input's vertex id. */
  from: number;
  /** The consuming op's vertex id. */
  to: number;
  /** Which argument of the op the input is, from 0. */
  argument: number;
}

/** A graph as data: vertices in depth-first order (the root is `vertices[0]`) and every edge. */
export interface GraphData {
  /** The vertices, indexed by id. */
  vertices: GraphVertex[];
  /** One edge per (input, argument) pair: an op that uses x twice has two edges from x. */
  edges: GraphEdge[];
}

/** A pending visit during the walk: a value (or a constant's shape) and who consumes it. */
interface PendingVisit {
  value: Tensor | null;
  constantShape: readonly number[];
  consumer: number;
  argument: number;
}

/**
 * Collects the graph behind `root` as plain data: the vertices in depth-first order from the
 * root (inputs left to right) and one edge per argument. {@link graphTree}, {@link toDot},
 * {@link toMermaid} and {@link stepThroughBackward} all read it, so their numbers agree.
 * Throws if `backward()` already released the graph.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2]), 'w');
 * const { vertices, edges } = collectGraph(sum(mul(w, w)));
 * vertices.map((v) => v.op ?? v.name);   // returns ['sum', 'mul', 'w']
 * edges.length;                          // returns 3   (w→mul twice, mul→sum)
 * ```
 */
export function collectGraph(root: Tensor): GraphData {
  if (!(root instanceof Tensor)) fail('collectGraph', `expected a Tensor, got ${root === null ? 'null' : typeof root}`);
  const vertices: GraphVertex[] = [];
  const edges: GraphEdge[] = [];
  const seen = new Map<Variable, number>();
  const stack: PendingVisit[] = [{ value: root, constantShape: root.shape, consumer: -1, argument: 0 }];
  while (stack.length > 0) {
    const visit = stack.pop() as PendingVisit;
    const value = visit.value;
    let id: number;
    const earlier = value instanceof Variable ? seen.get(value) : undefined;
    if (earlier !== undefined) {
      id = earlier;
    } else {
      id = vertices.length;
      const vertex = describe(id, value, visit.constantShape);
      vertices.push(vertex);
      if (value instanceof Variable) {
        seen.set(value, id);
        const node = value.node;
        if (node !== null) {
          if (node.rule === null) {
            fail('collectGraph', `the graph through ${node.op} (output ${formatShape(value.shape)}) was released by ` +
              `backward(); draw the graph before calling backward(), or pass { retainGraph: true } to it`);
          }
          // Pushed in reverse so they are visited (and numbered) left to right.
          for (let i = node.inputShapes.length - 1; i >= 0; i--) {
            stack.push({ value: node.inputs[i] ?? null, constantShape: node.inputShapes[i], consumer: id, argument: i });
          }
        }
      }
    }
    if (visit.consumer >= 0) {
      vertices[visit.consumer].inputs[visit.argument] = id;
      edges.push({ from: id, to: visit.consumer, argument: visit.argument });
    }
  }
  return { vertices, edges };
}

function describe(id: number, value: Tensor | null, constantShape: readonly number[]): GraphVertex {
  if (value === null) return { id, kind: 'constant', shape: constantShape.slice(), inputs: [] };
  const variable = value instanceof Variable ? value : null;
  const vertex: GraphVertex = {
    id,
    kind: variable?.node ? 'op' : variable?.requiresGrad ? 'leaf' : 'constant',
    shape: value.shape.slice(),
    dtype: value.dtype,
    inputs: [],
  };
  if (variable?.node) {
    vertex.op = variable.node.op;
    vertex.nodeId = variable.node.id;
  }
  if (variable?.name !== undefined) vertex.name = variable.name;
  return vertex;
}

/** How a vertex is labelled everywhere: `matmul → [4,3] float32`, `W [3,2] float32, requires grad`. */
function vertexText(vertex: GraphVertex): string {
  const shape = formatShape(vertex.shape);
  const dtype = vertex.dtype === undefined ? '' : ` ${vertex.dtype}`;
  const named = vertex.name === undefined ? '' : ` "${vertex.name}"`;
  switch (vertex.kind) {
    case 'op':
      return `${vertex.op} → ${shape}${dtype}${named}`;
    case 'leaf':
      return `${vertex.name ?? 'leaf'} ${shape}${dtype}, requires grad`;
    case 'constant':
      return `${vertex.name ?? 'constant'} ${shape}${dtype}`;
  }
}

/** The short name used to point at a vertex: `#3 matmul`, `#5 W`, `#4 constant`. */
function vertexReference(vertex: GraphVertex): string {
  return `#${vertex.id} ${vertex.kind === 'op' ? vertex.op : (vertex.name ?? vertex.kind)}`;
}

/** Options for {@link graphTree}. */
export interface GraphTreeOptions {
  /**
   * Indent at most this many levels; deeper lines show their depth instead, so a long chain stays
   * readable and the text grows linearly. Default 32.
   */
  maxIndent?: number;
}

/**
 * The graph behind `root` as an indented text tree, root first, each op above its inputs.
 * Each vertex is printed once; a value used again appears as `(see #k …)`. See the module notes.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2, 3]), 'w');
 * graphTree(add(mul(w, tensor([2, 2, 2])), w));
 * // returns '#0 add → [3] float32\n' +
 * //         '├─ #1 mul → [3] float32\n' +
 * //         '│  ├─ #2 w [3] float32, requires grad\n' +
 * //         '│  └─ #3 constant [3]\n' +
 * //         '└─ (see #2 w)'
 * ```
 */
export function graphTree(root: Tensor, options: GraphTreeOptions = {}): string {
  const maxIndent = options.maxIndent ?? 32;
  const { vertices } = collectGraph(root);
  const lines: string[] = [];
  const printed = new Uint8Array(vertices.length);
  // Each frame: a vertex id, its depth, the guides drawn to its left, and whether it is its
  // parent's last input (└─) or not (├─).
  const stack: { id: number; depth: number; guides: string; last: boolean }[] = [{ id: 0, depth: 0, guides: '', last: true }];
  while (stack.length > 0) {
    const { id, depth, guides, last } = stack.pop() as { id: number; depth: number; guides: string; last: boolean };
    const vertex = vertices[id];
    const deep = depth > maxIndent;
    const branch = depth === 0 ? '' : last ? '└─ ' : '├─ ';
    const prefix = deep ? `${guides}[depth ${depth}] ` : guides + branch;
    if (printed[id] === 1) {
      lines.push(`${prefix}(see ${vertexReference(vertex)})`);
      continue;
    }
    printed[id] = 1;
    lines.push(`${prefix}#${id} ${vertexText(vertex)}`);
    const childGuides = deep || depth === maxIndent ? guides : depth === 0 ? '' : guides + (last ? '   ' : '│  ');
    for (let i = vertex.inputs.length - 1; i >= 0; i--) {
      stack.push({ id: vertex.inputs[i], depth: depth + 1, guides: childGuides, last: i === vertex.inputs.length - 1 });
    }
  }
  return lines.join('\n');
}

/** A DOT string literal: backslashes and quotes escaped, line breaks as DOT's `\n`. */
function dotString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** The label lines of a vertex, shared by DOT and Mermaid. */
function labelLines(vertex: GraphVertex): string[] {
  const shape = formatShape(vertex.shape) + (vertex.dtype === undefined ? '' : ` ${vertex.dtype}`);
  switch (vertex.kind) {
    case 'op':
      return [`#${vertex.id} ${vertex.op}`, shape, ...(vertex.name === undefined ? [] : [`"${vertex.name}"`])];
    case 'leaf':
      return [`#${vertex.id} ${vertex.name ?? 'leaf'}`, shape, 'requires grad'];
    case 'constant':
      return [`#${vertex.id} ${vertex.name ?? 'constant'}`, shape];
  }
}

/**
 * The graph behind `root` as Graphviz DOT. Vertices are `n0`, `n1`, … (numbered as in
 * {@link graphTree}); edges run from each input to its consumer, labelled with the argument
 * position when an op has more than one input. Render with `dot -Tsvg graph.dot > graph.svg`.
 *
 * @example
 * ```ts
 * toDot(sum(parameter(tensor([1, 2]), 'w'))).split('\n').slice(3);
 * // returns ['  n0 [label="#0 sum\\n[] float32", shape=box];',
 * //          '  n1 [label="#1 w\\n[2] float32\\nrequires grad", shape=ellipse, style=filled, fillcolor="#dbeafe"];',
 * //          '  n1 -> n0;', '}']
 * ```
 */
export function toDot(root: Tensor): string {
  const { vertices, edges } = collectGraph(root);
  const lines = ['digraph autograd {', '  rankdir=TB;', '  node [fontname="Helvetica", fontsize=10];'];
  for (const vertex of vertices) {
    const label = dotString(labelLines(vertex).join('\n'));
    const style =
      vertex.kind === 'op' ? 'shape=box'
        : vertex.kind === 'leaf' ? 'shape=ellipse, style=filled, fillcolor="#dbeafe"'
          : 'shape=note, style=dashed';
    lines.push(`  n${vertex.id} [label=${label}, ${style}];`);
  }
  for (const edge of edges) {
    const argumentLabel = vertices[edge.to].inputs.length > 1 ? ` [label="${edge.argument}"]` : '';
    lines.push(`  n${edge.from} -> n${edge.to}${argumentLabel};`);
  }
  lines.push('}');
  return lines.join('\n');
}

/**
 * Mermaid's entity codes for the characters that would end or confuse a quoted label
 * (`#` first of all, since it starts an entity).
 */
function mermaidText(text: string): string {
  return text.replace(/[#"<>&]/g, (character) => `#${character.charCodeAt(0)};`);
}

/**
 * The graph behind `root` as a Mermaid flowchart (`graph TD`), numbered as in {@link graphTree}:
 * ops are boxes, leaves are stadiums, constants are rounded boxes. Paste it into a Markdown
 * ```` ```mermaid ```` block, or the Mermaid live editor.
 *
 * @example
 * ```ts
 * toMermaid(sum(parameter(tensor([1, 2]), 'w'))).split('\n').slice(0, 4);
 * // returns ['graph TD', '  n0["#35;0 sum<br/>[] float32"]',
 * //          '  n1(["#35;1 w<br/>[2] float32<br/>requires grad"])', '  n1 --> n0']
 * ```
 */
export function toMermaid(root: Tensor): string {
  const { vertices, edges } = collectGraph(root);
  const lines = ['graph TD'];
  for (const vertex of vertices) {
    const label = `"${labelLines(vertex).map(mermaidText).join('<br/>')}"`;
    const shaped = vertex.kind === 'op' ? `[${label}]` : vertex.kind === 'leaf' ? `([${label}])` : `(${label})`;
    lines.push(`  n${vertex.id}${shaped}`);
  }
  for (const edge of edges) {
    const argumentLabel = vertices[edge.to].inputs.length > 1 ? `|${edge.argument}|` : '';
    lines.push(`  n${edge.from} -->${argumentLabel} n${edge.to}`);
  }
  const leaves = vertices.filter((vertex) => vertex.kind === 'leaf').map((vertex) => `n${vertex.id}`);
  const constants = vertices.filter((vertex) => vertex.kind === 'constant').map((vertex) => `n${vertex.id}`);
  lines.push('  classDef leaf fill:#dbeafe,stroke:#1d4ed8');
  lines.push('  classDef constant stroke-dasharray:4 3');
  if (leaves.length > 0) lines.push(`  class ${leaves.join(',')} leaf`);
  if (constants.length > 0) lines.push(`  class ${constants.join(',')} constant`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Stepping through backward.
// ---------------------------------------------------------------------------------------------

/** A gradient as a step shows it: shape, dtype, L2 norm, and the values when there are few. */
export interface GradientSummary {
  /** The gradient's shape. */
  shape: number[];
  /** Its dtype. */
  dtype: string;
  /** √(Σ g²), to spot vanishing or exploding gradients in tensors too big to print. */
  norm: number;
  /** The values in row-major order, or null when there are more than `maxValues`. */
  values: number[] | null;
}

/** Where one gradient went during a step: to which input, and what it was. */
export interface GradientSent {
  /** The input's vertex id, as numbered by {@link collectGraph} and {@link graphTree}. */
  to: number;
  /** How the input is referred to, e.g. `"#5 W"` or `"#4 constant"`. */
  label: string;
  /** The input's shape. */
  shape: number[];
  /** The gradient sent (already un-broadcast to the input's shape), or null for none. */
  grad: GradientSummary | null;
}

/** One node of the backward walk: the gradient that arrived and the gradients it sent on. */
export interface BackwardStepRecord {
  /** Position in the walk, from 0. */
  step: number;
  /** The node's vertex id, as numbered by {@link graphTree}. */
  vertex: number;
  /** The op's name. */
  op: string;
  /** dy = ∂L/∂(this op's output). */
  gradOutput: GradientSummary;
  /** One entry per input of the op, in argument order. */
  sent: GradientSent[];
}

/** Options for {@link stepThroughBackward}. */
export interface StepThroughOptions {
  /** ∂L/∂root, as for `backward(seed)`; default 1 for a one-element root. */
  seed?: Tensor;
  /** Keep the graph after the walk. Default false, as for `backward()`. */
  retainGraph?: boolean;
  /** Record the values of gradients with at most this many elements. Default 16. */
  maxValues?: number;
}

/**
 * Runs `loss.backward()` and returns one record per node, in the order the walk visits them:
 * the gradient that arrived at the node and the gradient it sent to each input. Leaves' `.grad`
 * are updated as by `backward()`. Vertex numbers match {@link graphTree} drawn before the call.
 *
 * @example
 * y = w·x + w, so ∂y/∂w = x + 1:
 * ```ts
 * const w = parameter(tensor([2]), 'w');
 * const steps = stepThroughBackward(sum(add(mul(w, tensor([3])), w)));
 * steps.map((s) => s.op);                      // returns ['sum', 'add', 'mul']
 * steps[2].sent[0].grad?.values;               // returns [3]   (∂(w·x)/∂w = x)
 * w.grad?.toArray();                           // returns [4]   (x + 1)
 * ```
 */
export function stepThroughBackward(loss: Variable, options: StepThroughOptions = {}): BackwardStepRecord[] {
  if (!(loss instanceof Variable)) {
    const got: unknown = loss;
    fail('stepThroughBackward', `expected a Variable (the output of a differentiable op), got ` +
      (got instanceof Tensor ? 'a plain Tensor, which has no graph' : got === null ? 'null' : typeof got));
  }
  const maxValues = options.maxValues ?? 16;
  const { vertices } = collectGraph(loss);
  const vertexOfNode = new Map<number, GraphVertex>();
  for (const vertex of vertices) if (vertex.nodeId !== undefined) vertexOfNode.set(vertex.nodeId, vertex);
  const steps: BackwardStepRecord[] = [];
  const onStep = (step: BackwardStep): void => {
    const vertex = vertexOfNode.get(step.id);
    if (vertex === undefined) return; // cannot happen: the walk only visits nodes collectGraph saw
    steps.push({
      step: steps.length,
      vertex: vertex.id,
      op: step.op,
      gradOutput: summarize(step.gradOutput, maxValues),
      sent: vertex.inputs.map((input, i) => ({
        to: input,
        label: vertexReference(vertices[input]),
        shape: vertices[input].shape.slice(),
        grad: step.gradInputs[i] ? summarize(step.gradInputs[i] as Tensor, maxValues) : null,
      })),
    });
  };
  backward(loss, options.seed, { retainGraph: options.retainGraph, onStep });
  return steps;
}

function summarize(gradient: Tensor, maxValues: number): GradientSummary {
  const flat = gradient.toTypedArray();
  let squares = 0;
  for (let i = 0; i < flat.length; i++) squares += flat[i] * flat[i];
  return {
    shape: gradient.shape.slice(),
    dtype: gradient.dtype,
    norm: Math.sqrt(squares),
    values: flat.length <= maxValues ? Array.from(flat) : null,
  };
}

/** Up to 6 significant digits, so float32 noise does not fill the page. */
function numberText(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

function summaryText(summary: GradientSummary): string {
  const values = summary.values === null
    ? `‖·‖ = ${numberText(summary.norm)}`
    : `[${summary.values.map(numberText).join(', ')}]`;
  return `${formatShape(summary.shape)} ${values}`;
}

/**
 * Prints backward steps, one block per node: the gradient that arrived, then an arrow per input
 * with the gradient sent there (values when small, else the norm).
 *
 * @example
 * ```ts
 * const w = parameter(tensor([2]), 'w');
 * formatBackwardSteps(stepThroughBackward(sum(mul(w, tensor([3])))));
 * // returns 'step 0  #0 sum  dy [] [1]\n' +
 * //         '  → #1 mul [1] [1]\n' +
 * //         'step 1  #1 mul  dy [1] [1]\n' +
 * //         '  → #2 w [1] [3]\n' +
 * //         '  → #3 constant [1] (no gradient)'
 * ```
 */
export function formatBackwardSteps(steps: readonly BackwardStepRecord[]): string {
  const lines: string[] = [];
  for (const step of steps) {
    lines.push(`step ${step.step}  #${step.vertex} ${step.op}  dy ${summaryText(step.gradOutput)}`);
    for (const sent of step.sent) {
      lines.push(`  → ${sent.label} ${sent.grad === null ? `${formatShape(sent.shape)} (no gradient)` : summaryText(sent.grad)}`);
    }
  }
  return lines.join('\n');
}
