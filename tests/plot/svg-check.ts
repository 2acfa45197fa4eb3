/**
 * A tiny XML reader for the plot tests (Node has no DOM): it tokenizes an SVG string, throws on
 * anything that is not well-formed XML (unbalanced or crossed tags, a bare `<` or `&` in text, an
 * unquoted, duplicated or badly escaped attribute, more than one root), and returns the element
 * tree so tests can count marks and read labels.
 */
import { expect } from 'vitest';

/** An element of the parsed tree. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own character data (entities decoded), not its descendants'. */
  text: string;
}

const NAME = /^[A-Za-z_][\w.:-]*$/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(raw: string, where: string): string {
  const bare = raw.replace(ENTITY, '');
  if (bare.includes('&')) throw new Error(`unescaped & in ${where}: ${raw.slice(0, 80)}`);
  if (bare.includes('<')) throw new Error(`unescaped < in ${where}: ${raw.slice(0, 80)}`);
  return raw.replace(ENTITY, (entity) => {
    const named: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'" };
    if (entity in named) return named[entity];
    const code = entity.startsWith('&#x') ? parseInt(entity.slice(3, -1), 16) : parseInt(entity.slice(2, -1), 10);
    return String.fromCodePoint(code);
  });
}

function parseAttributes(source: string, tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = /\s+([^\s=/>]+)\s*=\s*("([^"]*)"|'([^']*)')/gy;
  let rest = source;
  let match: RegExpExecArray | null;
  let consumed = 0;
  pattern.lastIndex = 0;
  while ((match = pattern.exec(rest)) !== null) {
    const name = match[1];
    if (!NAME.test(name)) throw new Error(`bad attribute name ${name} in <${tag}>`);
    if (name in attributes) throw new Error(`duplicate attribute ${name} in <${tag}>`);
    attributes[name] = decode(match[3] ?? match[4], `attribute ${name} of <${tag}>`);
    consumed = pattern.lastIndex;
  }
  rest = rest.slice(consumed);
  if (rest.trim() !== '') throw new Error(`malformed attributes in <${tag}>: ${rest.slice(0, 80)}`);
  return attributes;
}

/** Parses `xml` strictly; throws a descriptive Error when it is not well-formed. */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', attributes: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let position = 0;
  while (position < xml.length) {
    const open = xml.indexOf('<', position);
    const text = xml.slice(position, open === -1 ? xml.length : open);
    if (text !== '') {
      const top = stack[stack.length - 1];
      const decoded = decode(text, `text of <${top.name}>`);
      if (top === root && decoded.trim() !== '') throw new Error(`text outside the root element: ${text.slice(0, 40)}`);
      top.text += decoded;
    }
    if (open === -1) break;
    if (xml.startsWith('<!--', open)) {
      const end = xml.indexOf('-->', open);
      if (end === -1) throw new Error('unterminated comment');
      position = end + 3;
      continue;
    }
    const close = xml.indexOf('>', open);
    if (close === -1) throw new Error(`unterminated tag at ${open}`);
    const inner = xml.slice(open + 1, close);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim();
      const top = stack.pop();
      if (top === undefined || top === root || top.name !== name) throw new Error(`</${name}> closes <${top?.name}>`);
    } else {
      const selfClosing = inner.endsWith('/');
      const body = selfClosing ? inner.slice(0, -1) : inner;
      const nameMatch = /^[^\s/>]+/.exec(body);
      if (nameMatch === null || !NAME.test(nameMatch[0])) throw new Error(`bad tag <${inner.slice(0, 40)}>`);
      const element: XmlElement = { name: nameMatch[0], attributes: parseAttributes(body.slice(nameMatch[0].length), nameMatch[0]), children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent === root && root.children.length > 0) throw new Error('more than one root element');
      parent.children.push(element);
      if (!selfClosing) stack.push(element);
    }
    position = close + 1;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('no root element');
  return root.children[0];
}

/** Every element of the tree, depth first. */
export function allElements(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const stack = [element];
  while (stack.length > 0) {
    const next = stack.pop() as XmlElement;
    out.push(next);
    for (let i = next.children.length - 1; i >= 0; i--) stack.push(next.children[i]);
  }
  return out;
}

/** Elements named `name` (and with class `className`, when given). */
export function elements(root: XmlElement, name: string, className?: string): XmlElement[] {
  return allElements(root).filter((element) => element.name === name &&
    (className === undefined || (element.attributes.class ?? '').split(/\s+/).includes(className)));
}

/**
 * Checks what every plot must satisfy and returns the parsed tree: well-formed, an `<svg>` root
 * with the SVG namespace and a viewBox matching width and height (or scaled, for `scaled`), the
 * accessible `<title>` first, and no NaN, undefined or Infinity anywhere.
 */
export function checkSvg(svg: string, title: string, options: { scaled?: boolean } = {}): XmlElement {
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  expect(root.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
  const viewBox = root.attributes.viewBox.split(' ').map(Number);
  expect(viewBox.length).toBe(4);
  expect(viewBox.slice(0, 2)).toEqual([0, 0]);
  const width = Number(root.attributes.width);
  const height = Number(root.attributes.height);
  expect(width).toBeGreaterThan(0);
  expect(height).toBeGreaterThan(0);
  if (!options.scaled) expect([width, height]).toEqual(viewBox.slice(2));
  expect(root.children[0].name).toBe('title');
  expect(root.children[0].text).toBe(title);
  expect(svg).not.toMatch(/NaN|undefined|Infinity|null/);
  for (const element of allElements(root)) {
    for (const attribute of ['x', 'y', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'width', 'height']) {
      const value = element.attributes[attribute];
      if (value !== undefined) expect(Number.isFinite(Number(value)), `${element.name} ${attribute}="${value}"`).toBe(true);
    }
  }
  return root;
}

/** The texts of `<text>` elements with the given class. */
export function texts(root: XmlElement, className: string): string[] {
  return elements(root, 'text', className).map((element) => element.text);
}

/** Parses a tick label back to a number: plain decimals, `1e-5`, or `10⁻⁴`-style powers of ten. */
export function tickValue(label: string): number {
  const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';
  const power = /^10([⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$/.exec(label);
  if (power !== null) {
    const digits = [...power[1]].map((c) => (c === '⁻' ? '-' : String(superscripts.indexOf(c)))).join('');
    return 10 ** Number(digits);
  }
  return Number(label);
}
