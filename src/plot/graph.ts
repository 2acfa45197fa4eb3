/**
 * Drawing an autograd graph (what `collectGraph(root)` returns) as a layered diagram: data flows
 * down the page, from leaves and constants at the top to the root (usually the loss) at the
 * bottom, one box per vertex and one arrow per edge.
 *
 * The layout is the classic layered (Sugiyama) recipe, small enough to read:
 *
 * 1. Layers. An op's layer is the longest path to it from a leaf: layer(v) = 1 + max over its
 *    inputs u of layer(u). A leaf or constant sits one layer above its first consumer rather than
 *    at the top, so a constant used only by the last op does not stretch an edge down the page.
 * 2. Long edges are cut into one-layer steps by invisible "dummy" points, so an edge spanning
 *    k layers bends around the boxes in between instead of running through them.
 * 3. Order within layers: a few sweeps of the barycentre heuristic (sort each layer by the mean
 *    position of its neighbours in the layer above, then below), keeping the order with the
 *    fewest crossings.
 * 4. Positions: each point moves towards the mean x of its neighbours; within a layer the order
 *    and a minimum gap are kept by averaging a left-packed and a right-packed placement (each
 *    respects the gaps, so their average does too).
 *
 * Boxes show the op name (or the leaf's name) and `#id · shape`, numbered as in `graphTree`.
 * An op's inputs arrive at its top edge left to right in argument order.
 *
 * @module
 */
import type { GraphData, GraphVertex } from '../autograd/graph.js';
import { fail, formatShape } from '../tensor/errors.js';
import { OKABE_ITO } from './color.js';
import { FONT, INK, rowLegend } from './frame.js';
import { type PlotOptions, px, svgDocument, textElement, textWidth, tooltip, truncateText } from './svg.js';

const BOX_HEIGHT = 36;
const LAYER_GAP = 34;
const NODE_GAP = 16;
const DUMMY_GAP = 10;
const MARGIN = 16;
const MAX_BOX_TEXT = 170;

/** How each kind of vertex is drawn. */
const KIND_STYLE = {
  op: { fill: '#ffffff', stroke: '#374151', dash: '' },
  leaf: { fill: '#d9eefb', stroke: OKABE_ITO[4], dash: '' },
  constant: { fill: '#f3f4f6', stroke: '#9ca3af', dash: ' stroke-dasharray="4 3"' },
} as const;
const ROOT_STROKE = OKABE_ITO[5];

/** A point of the layout: a vertex's box, or a dummy on a long edge. */
interface LayoutNode {
  vertex: GraphVertex | null;
  layer: number;
  width: number;
  x: number;
  /** Neighbours (node indices) in the layer above and below. */
  up: number[];
  down: number[];
}

function boxLines(vertex: GraphVertex): [string, string] {
  const head = vertex.kind === 'op'
    ? (vertex.name === undefined ? (vertex.op ?? 'op') : `${vertex.op ?? 'op'} "${vertex.name}"`)
    : (vertex.name ?? vertex.kind);
  return [truncateText(head, MAX_BOX_TEXT, 12), truncateText(`#${vertex.id} · ${formatShape(vertex.shape)}`, MAX_BOX_TEXT, FONT.small)];
}

function boxWidth(vertex: GraphVertex): number {
  const [head, detail] = boxLines(vertex);
  return Math.max(56, textWidth(head, 12) + 16, textWidth(detail, FONT.small) + 16);
}

/** Checks the graph is well formed and returns each vertex's layer (see step 1 in the notes). */
function assignLayers(graph: GraphData): number[] {
  const count = graph.vertices.length;
  graph.vertices.forEach((vertex, i) => {
    if (vertex.id !== i) fail('graphDiagram', `vertex at index ${i} has id ${vertex.id}; expected the vertices of collectGraph, indexed by id`);
  });
  const incoming = new Array<number>(count).fill(0);
  const outgoing: number[][] = Array.from({ length: count }, () => []);
  for (const edge of graph.edges) {
    if (!(edge.from >= 0 && edge.from < count && edge.to >= 0 && edge.to < count && Number.isInteger(edge.from) && Number.isInteger(edge.to))) {
      fail('graphDiagram', `edge ${edge.from} → ${edge.to} names a vertex outside 0…${count - 1}`);
    }
    incoming[edge.to]++;
    outgoing[edge.from].push(edge.to);
  }
  // Longest path from the sources, in topological order (Kahn's algorithm).
  const layer = new Array<number>(count).fill(0);
  const remaining = incoming.slice();
  const queue = remaining.flatMap((inDegree, v) => (inDegree === 0 ? [v] : []));
  let processed = 0;
  while (processed < queue.length) {
    const v = queue[processed++];
    for (const w of outgoing[v]) {
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--remaining[w] === 0) queue.push(w);
    }
  }
  if (processed < count) fail('graphDiagram', `the graph has a cycle through ${count - processed} vertices; an autograd graph never does`);
  // Sources move down to just above their first consumer.
  for (let v = 0; v < count; v++) {
    if (incoming[v] === 0 && outgoing[v].length > 0) layer[v] = Math.max(0, Math.min(...outgoing[v].map((w) => layer[w])) - 1);
  }
  return layer;
}

/** Crossings between consecutive layers for the given order (pairs of edges that swap sides). */
function countCrossings(layers: number[][], nodes: LayoutNode[], position: number[]): number {
  let crossings = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const segments: [number, number][] = [];
    for (const a of layers[l]) for (const b of nodes[a].down) segments.push([position[a], position[b]]);
    for (let i = 0; i < segments.length; i++) {
      for (let j = i + 1; j < segments.length; j++) {
        const [a1, b1] = segments[i];
        const [a2, b2] = segments[j];
        if ((a1 - a2) * (b1 - b2) < 0) crossings++;
      }
    }
  }
  return crossings;
}

function positionsOf(layers: number[][], count: number): number[] {
  const position = new Array<number>(count).fill(0);
  for (const layer of layers) layer.forEach((node, i) => { position[node] = i; });
  return position;
}

/** Step 3: barycentre sweeps, keeping the ordering with the fewest crossings. */
function orderLayers(layers: number[][], nodes: LayoutNode[]): number[][] {
  let best = layers.map((layer) => layer.slice());
  let bestCrossings = countCrossings(best, nodes, positionsOf(best, nodes.length));
  let current = best.map((layer) => layer.slice());
  for (let sweep = 0; sweep < 12 && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    const position = positionsOf(current, nodes.length);
    const sequence = downward ? current.keys() : [...current.keys()].reverse();
    for (const l of sequence) {
      const barycentre = new Map<number, number>();
      for (const node of current[l]) {
        const neighbours = downward ? nodes[node].up : nodes[node].down;
        barycentre.set(node, neighbours.length === 0 ? position[node] : neighbours.reduce((sum, n) => sum + position[n], 0) / neighbours.length);
      }
      // A stable sort on the barycentre; ties keep the current order.
      current[l] = current[l].slice().sort((a, b) => (barycentre.get(a) as number) - (barycentre.get(b) as number));
      current[l].forEach((node, i) => { position[node] = i; });
    }
    const crossings = countCrossings(current, nodes, position);
    if (crossings < bestCrossings) {
      bestCrossings = crossings;
      best = current.map((layer) => layer.slice());
    }
  }
  return best;
}

function gapBetween(a: LayoutNode, b: LayoutNode): number {
  return (a.width + b.width) / 2 + (a.vertex === null || b.vertex === null ? DUMMY_GAP : NODE_GAP);
}

/** Step 4: x positions, each point pulled towards its neighbours while keeping order and gaps. */
function placeLayers(layers: number[][], nodes: LayoutNode[]): void {
  for (const layer of layers) {
    let x = 0;
    layer.forEach((node, i) => {
      if (i > 0) x += gapBetween(nodes[layer[i - 1]], nodes[node]);
      nodes[node].x = x;
    });
    const shift = -x / 2;
    for (const node of layer) nodes[node].x += shift;
  }
  for (let round = 0; round < 24; round++) {
    const downward = round % 2 === 0;
    const sequence = downward ? [...layers.keys()] : [...layers.keys()].reverse();
    for (const l of sequence) {
      const layer = layers[l];
      const desired = layer.map((node) => {
        const neighbours = [...(downward ? nodes[node].up : nodes[node].down)];
        const pull = neighbours.length === 0 ? [...nodes[node].up, ...nodes[node].down] : neighbours;
        return pull.length === 0 ? nodes[node].x : pull.reduce((sum, n) => sum + nodes[n].x, 0) / pull.length;
      });
      const left = desired.slice();
      for (let i = 1; i < layer.length; i++) left[i] = Math.max(desired[i], left[i - 1] + gapBetween(nodes[layer[i - 1]], nodes[layer[i]]));
      const right = desired.slice();
      for (let i = layer.length - 2; i >= 0; i--) right[i] = Math.min(desired[i], right[i + 1] - gapBetween(nodes[layer[i]], nodes[layer[i + 1]]));
      layer.forEach((node, i) => { nodes[node].x = (left[i] + right[i]) / 2; });
    }
  }
}

/**
 * A layered drawing of an autograd graph: one `<rect class="vertex">` per vertex (ops white,
 * leaves blue, constants grey and dashed, the root outlined in vermillion) and one
 * `<path class="edge">` with an arrowhead per edge, from input to consumer. `xLabel` and `yLabel`
 * are not used (there are no axes). `width`, when given, scales the drawing (keeping its aspect);
 * otherwise it is drawn at its natural size.
 *
 * @example
 * ```ts
 * const w = parameter(tensor([1, 2]), 'w');
 * const graph = collectGraph(sum(mul(w, w)));
 * graphDiagram(graph, { title: 'sum(w·w)' }).match(/class="edge"/g)?.length;   // returns 3
 * ```
 */
export function graphDiagram(graph: GraphData, o: PlotOptions): string {
  if (graph === null || typeof graph !== 'object' || !Array.isArray(graph.vertices) || !Array.isArray(graph.edges)) {
    fail('graphDiagram', 'expected { vertices, edges } as returned by collectGraph(root)');
  }
  const vertexLayer = assignLayers(graph);
  const layerCount = graph.vertices.length === 0 ? 0 : Math.max(...vertexLayer) + 1;
  const nodes: LayoutNode[] = graph.vertices.map((vertex, v) => ({ vertex, layer: vertexLayer[v], width: boxWidth(vertex), x: 0, up: [], down: [] }));
  // Each edge as a chain of nodes, one per layer it passes (step 2).
  const chains = graph.edges.map((edge) => {
    const chain = [edge.from];
    for (let l = vertexLayer[edge.from] + 1; l < vertexLayer[edge.to]; l++) {
      nodes.push({ vertex: null, layer: l, width: 0, x: 0, up: [], down: [] });
      chain.push(nodes.length - 1);
    }
    chain.push(edge.to);
    for (let k = 0; k + 1 < chain.length; k++) {
      nodes[chain[k]].down.push(chain[k + 1]);
      nodes[chain[k + 1]].up.push(chain[k]);
    }
    return chain;
  });
  // Initial order: vertices by id (depth-first numbering keeps related vertices close), dummies
  // after the vertex their edge starts from.
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  const sortKey = (node: number): number => (node < graph.vertices.length ? node : 0);
  nodes.forEach((node, i) => layers[node.layer].push(i));
  for (const layer of layers) layer.sort((a, b) => sortKey(a) - sortKey(b) || a - b);
  const ordered = orderLayers(layers, nodes);
  placeLayers(ordered, nodes);

  // Legend row under the title, then the layers.
  const legend = rowLegend([
    { label: 'op', color: KIND_STYLE.op.fill },
    { label: 'leaf (requires grad)', color: KIND_STYLE.leaf.fill },
    { label: 'constant', color: KIND_STYLE.constant.fill },
    { label: 'output', color: '#ffffff', extra: `style="stroke:${ROOT_STROKE};stroke-width:2"` },
  ]);
  const top = 34 + legend.height + 14;
  const minX = Math.min(0, ...nodes.map((node) => node.x - node.width / 2));
  const maxX = Math.max(0, ...nodes.map((node) => node.x + node.width / 2));
  const naturalWidth = Math.max(maxX - minX + 2 * MARGIN, legend.width + 2 * MARGIN, textWidth(o.title, FONT.title) + 2 * MARGIN, 240);
  const offsetX = (naturalWidth - (maxX - minX)) / 2 - minX;
  const layerTop = (layer: number): number => top + layer * (BOX_HEIGHT + LAYER_GAP);
  const naturalHeight = layerTop(Math.max(1, layerCount)) - LAYER_GAP + MARGIN;
  const centre = (node: number): number => nodes[node].x + offsetX;

  const edgePaths: string[] = ['<g class="edges" fill="none">'];
  const heads: string[] = [];
  graph.edges.forEach((edge, e) => {
    const chain = chains[e];
    const target = graph.vertices[edge.to];
    const inputs = Math.max(1, target.inputs.length);
    const spacing = inputs > 1 ? Math.min(14, (nodes[edge.to].width - 16) / (inputs - 1)) : 0;
    const portX = centre(edge.to) + (edge.argument - (inputs - 1) / 2) * spacing;
    const points: [number, number][] = [[centre(edge.from), layerTop(vertexLayer[edge.from]) + BOX_HEIGHT]];
    for (const dummy of chain.slice(1, -1)) {
      points.push([centre(dummy), layerTop(nodes[dummy].layer)], [centre(dummy), layerTop(nodes[dummy].layer) + BOX_HEIGHT]);
    }
    points.push([portX, layerTop(vertexLayer[edge.to])]);
    let d = `M${px(points[0][0])} ${px(points[0][1])}`;
    for (let k = 1; k < points.length; k++) {
      const [x0, y0] = points[k - 1];
      const [x1, y1] = points[k];
      // Vertical tangents at both ends: the curve leaves and enters boxes straight.
      d += x0 === x1 ? `L${px(x1)} ${px(y1)}` : `C${px(x0)} ${px((y0 + y1) / 2)} ${px(x1)} ${px((y0 + y1) / 2)} ${px(x1)} ${px(y1)}`;
    }
    const from = graph.vertices[edge.from];
    edgePaths.push(`<path class="edge" d="${d}" stroke="${INK.muted}" stroke-width="1.3">` +
      `${tooltip(`#${from.id} ${from.op ?? from.name ?? from.kind} → #${target.id} ${target.op ?? target.kind} (argument ${edge.argument})`)}</path>`);
    const [tipX, tipY] = points[points.length - 1];
    heads.push(`<polygon class="edge-head" points="${px(tipX)},${px(tipY)} ${px(tipX - 3.5)},${px(tipY - 7)} ${px(tipX + 3.5)},${px(tipY - 7)}" fill="${INK.muted}"/>`);
  });
  edgePaths.push('</g>');

  const boxes: string[] = ['<g class="vertices">'];
  graph.vertices.forEach((vertex, v) => {
    const style = KIND_STYLE[vertex.kind] ?? KIND_STYLE.op;
    const isRoot = v === 0;
    const left = centre(v) - nodes[v].width / 2;
    const boxTop = layerTop(vertexLayer[v]);
    const [head, detail] = boxLines(vertex);
    const full = `#${vertex.id} ${vertex.kind === 'op' ? vertex.op : (vertex.name ?? vertex.kind)} ${formatShape(vertex.shape)}` +
      `${vertex.dtype === undefined ? '' : ' ' + vertex.dtype}${vertex.kind === 'leaf' ? ', requires grad' : ''}`;
    boxes.push(`<g class="vertex-${vertex.kind}">`);
    boxes.push(`<rect class="vertex" x="${px(left)}" y="${px(boxTop)}" width="${px(nodes[v].width)}" height="${BOX_HEIGHT}" rx="5" ` +
      `fill="${style.fill}" stroke="${isRoot ? ROOT_STROKE : style.stroke}" stroke-width="${isRoot ? 2 : 1}"${isRoot ? '' : style.dash}>${tooltip(full)}</rect>`);
    boxes.push(textElement(centre(v), boxTop + 13, head, { size: 12, anchor: 'middle', baseline: 'middle', weight: vertex.kind === 'op' ? 600 : 400, fill: '#111827', className: 'vertex-label' }));
    boxes.push(textElement(centre(v), boxTop + 27, detail, { size: FONT.small, anchor: 'middle', baseline: 'middle', fill: '#4b5563', className: 'vertex-detail' }));
    boxes.push('</g>');
  });
  boxes.push('</g>');

  const body = [...legend.draw((naturalWidth - legend.width) / 2, 34), ...edgePaths, ...heads, ...boxes];
  if (graph.vertices.length === 0) {
    body.push(textElement(naturalWidth / 2, top + BOX_HEIGHT / 2, 'empty graph', { size: FONT.label, anchor: 'middle', baseline: 'middle', fill: INK.muted, className: 'plot-note' }));
  }
  const natural = { width: naturalWidth, height: naturalHeight };
  const display = o.width !== undefined
    ? { width: o.width, height: o.height ?? (naturalHeight * o.width) / naturalWidth }
    : o.height !== undefined ? { width: (naturalWidth * o.height) / naturalHeight, height: o.height } : natural;
  const ops = graph.vertices.filter((vertex) => vertex.kind === 'op').length;
  return svgDocument(natural, o.title, body,
    `Computation graph: ${graph.vertices.length} vertices (${ops} ops) and ${graph.edges.length} edges in ${layerCount} layers, inputs at the top, output at the bottom.`,
    display);
}
