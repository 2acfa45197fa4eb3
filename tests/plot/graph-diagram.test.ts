import { describe, expect, it } from 'vitest';
import {
  add, collectGraph, einsum, matmul, mean, mul, normal, parameter, relu, square, sub, sum, tensor,
} from '../../src/index.js';
import type { GraphData } from '../../src/autograd/graph.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { graphDiagram } from '../../src/plot/index.js';
import { expectOpError } from '../support/expect.js';
import { type XmlElement, checkSvg, elements, texts } from './svg-check.js';

interface Box { left: number; top: number; right: number; bottom: number }

/** Each vertex's box, found by the `#id` its tooltip starts with. */
function boxes(root: XmlElement): Map<number, Box> {
  const out = new Map<number, Box>();
  for (const rect of elements(root, 'rect', 'vertex')) {
    const id = Number(/^#(\d+) /.exec(rect.children[0].text)?.[1]);
    const left = Number(rect.attributes.x);
    const top = Number(rect.attributes.y);
    out.set(id, { left, top, right: left + Number(rect.attributes.width), bottom: top + Number(rect.attributes.height) });
  }
  return out;
}

/** An edge path's first and last points, and the vertex ids its tooltip names. */
function edgeEnds(path: XmlElement): { from: number; to: number; start: number[]; end: number[] } {
  const numbers = path.attributes.d.match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
  const ids = /^#(\d+) .* → #(\d+) /.exec(path.children[0].text);
  return { from: Number(ids?.[1]), to: Number(ids?.[2]), start: numbers.slice(0, 2), end: numbers.slice(-2) };
}

/** A toy model's training step: loss = Σᵢ mean(I ⊙ (ReLU(WᵀW x + b) − x)²). */
function toyModelLoss() {
  const W = parameter(normal([1, 2, 5], { seed: 1 }), 'W');
  const b = parameter(normal([1, 1, 5], { seed: 2 }), 'b');
  const x = normal([1, 8, 5], { seed: 3 });
  const hidden = einsum('ibn,imn->ibm', x, W);
  const out = relu(add(einsum('ibm,imn->ibn', hidden, W), b));
  const importance = tensor([[[1, 0.7, 0.49, 0.34, 0.24]]]);
  return sum(mean(mul(importance, square(sub(out, x))), [1, 2]));
}

/** A two-layer MLP's loss, with a shared weight and a residual, for a wider graph. */
function mlpLoss() {
  const W1 = parameter(normal([4, 6], { seed: 1 }), 'W1');
  const W2 = parameter(normal([6, 4], { seed: 2 }), 'W2');
  const b1 = parameter(normal([6], { seed: 3 }), 'b1');
  let h: Tensor = normal([8, 4], { seed: 4 });
  for (let layer = 0; layer < 3; layer++) h = add(h, matmul(relu(add(matmul(h, W1), b1)), W2));
  return mean(square(sub(h, normal([8, 4], { seed: 5 }))));
}

function checkLayout(graph: GraphData, title: string): XmlElement {
  const root = checkSvg(graphDiagram(graph, { title }), title);
  // One box per vertex, one arrow (path + head) per edge.
  expect(elements(root, 'rect', 'vertex')).toHaveLength(graph.vertices.length);
  expect(elements(root, 'path', 'edge')).toHaveLength(graph.edges.length);
  expect(elements(root, 'polygon', 'edge-head')).toHaveLength(graph.edges.length);
  const placed = boxes(root);
  expect([...placed.keys()].sort((a, b) => a - b)).toEqual(graph.vertices.map((vertex) => vertex.id));
  // No two boxes overlap.
  const all = [...placed.values()];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      const apart = all[i].right <= all[j].left || all[j].right <= all[i].left || all[i].bottom <= all[j].top || all[j].bottom <= all[i].top;
      expect(apart).toBe(true);
    }
  }
  // Every edge runs down the page from the bottom of its input's box to the top of its consumer's.
  const drawn = elements(root, 'path', 'edge').map(edgeEnds);
  drawn.forEach((edge, e) => {
    expect([edge.from, edge.to]).toEqual([graph.edges[e].from, graph.edges[e].to]);
    const source = placed.get(edge.from) as Box;
    const target = placed.get(edge.to) as Box;
    expect(edge.start[1]).toBeCloseTo(source.bottom, 0);
    expect(edge.end[1]).toBeCloseTo(target.top, 0);
    expect(edge.end[0]).toBeGreaterThan(target.left);
    expect(edge.end[0]).toBeLessThan(target.right);
    expect(source.bottom).toBeLessThan(target.top);
  });
  return root;
}

describe('graphDiagram', () => {
  it('draws sum(w·w): three vertices, and two edges from w entering mul at different ports', () => {
    const w = parameter(tensor([1, 2]), 'w');
    const graph = collectGraph(sum(mul(w, w)));
    const root = checkLayout(graph, 'sum(w·w)');
    expect(texts(root, 'vertex-label')).toEqual(['sum', 'mul', 'w']);
    expect(texts(root, 'vertex-detail')).toEqual(['#0 · []', '#1 · [2]', '#2 · [2]']);
    const [first, second] = elements(root, 'path', 'edge').map(edgeEnds).filter((edge) => edge.to === 1);
    expect(first.end[0]).toBeLessThan(second.end[0]);
    // The root is outlined; the leaf is drawn as a leaf.
    expect(elements(root, 'g', 'vertex-leaf')).toHaveLength(1);
    expect(texts(root, 'legend-label')).toEqual(['op', 'leaf (requires grad)', 'constant', 'output']);
  });

  it("lays out one toy-model training step's graph readably", () => {
    const graph = collectGraph(toyModelLoss());
    expect(graph.vertices.length).toBeGreaterThan(10);
    const root = checkLayout(graph, 'one training step');
    // The loss (vertex 0) is the lowest box; W feeds two einsums.
    const placed = boxes(root);
    const lowest = Math.max(...[...placed.values()].map((box) => box.bottom));
    expect((placed.get(0) as Box).bottom).toBe(lowest);
    const wId = graph.vertices.find((vertex) => vertex.name === 'W')?.id;
    expect(graph.edges.filter((edge) => edge.from === wId)).toHaveLength(2);
  });

  it('handles a wider graph with long edges (residuals) and shared weights', () => {
    const graph = collectGraph(mlpLoss());
    expect(graph.vertices.length).toBeGreaterThanOrEqual(20);
    checkLayout(graph, 'residual MLP');
    // Deterministic: the same graph draws the same picture.
    expect(graphDiagram(graph, { title: 'a' })).toBe(graphDiagram(collectGraph(mlpLoss()), { title: 'a' }));
  });

  it('scales to a requested width, keeping the aspect ratio; escapes the title', () => {
    const graph = collectGraph(toyModelLoss());
    const root = checkSvg(graphDiagram(graph, { title: 'a <b> & c', width: 300 }), 'a <b> & c', { scaled: true });
    const [, , viewWidth, viewHeight] = root.attributes.viewBox.split(' ').map(Number);
    expect(Number(root.attributes.width)).toBe(300);
    expect(Number(root.attributes.height)).toBeCloseTo((viewHeight * 300) / viewWidth, -1);
  });

  it('draws a single vertex and an empty graph', () => {
    const root = checkLayout(collectGraph(parameter(tensor([1]), 'alone')), 'one');
    expect(texts(root, 'vertex-label')).toEqual(['alone']);
    checkSvg(graphDiagram({ vertices: [], edges: [] }, { title: 'empty' }), 'empty');
  });

  it('refuses malformed graphs, naming the plot', () => {
    const vertex = (id: number) => ({ id, kind: 'op' as const, op: 'add', shape: [1], inputs: [] });
    expectOpError(() => graphDiagram({ vertices: [vertex(0)], edges: [{ from: 0, to: 3, argument: 0 }] }, { title: 't' }), 'graphDiagram', 'outside');
    expectOpError(() => graphDiagram({
      vertices: [vertex(0), vertex(1)],
      edges: [{ from: 0, to: 1, argument: 0 }, { from: 1, to: 0, argument: 0 }],
    }, { title: 't' }), 'graphDiagram', 'cycle');
    expectOpError(() => graphDiagram({ vertices: [vertex(5)], edges: [] }, { title: 't' }), 'graphDiagram', 'id 5');
  });
});
