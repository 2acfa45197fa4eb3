/**
 * The lesson's HTML report: one self-contained page that strings the plots together. Everything
 * is inline (the SVG drawings, the CSS), there is no script, and a Content-Security-Policy of
 * `default-src 'none'` tells the browser to fetch nothing, so the page opens from disk, offline,
 * exactly as written.
 *
 * A report is data ({@link ReportDocument}): a header, then sections, each a list of blocks
 * drawn in order:
 *
 *     paragraph   a sentence or two of plain text (`code` in backticks is set as code)
 *     facts       the figures measured, as a two-column list: "polysemantic neurons  0, 2, 5 of 5"
 *     figures     a row of plots, each an SVG string with a caption (a <figure> and <figcaption>);
 *                 a lone plot is kept to a readable width (`maxWidth`, default 760 px)
 *     table       a small table (the op-by-op trace of a training step, the latents that fired)
 *     command     the command line that reproduces the section
 *
 * {@link renderReport} escapes every piece of text; only the SVG strings (made by the plot
 * functions, which escape their own text) go in as they are.
 *
 * @module
 */
import { TensorError } from '../tensor/errors.js';
import { escapeXml } from './svg.js';

/** One plot with its caption. */
export interface ReportFigure {
  /** The drawing: an `<svg …>…</svg>` string from a plot function. */
  svg: string;
  /** What the plot shows, in a sentence (plain text). */
  caption: string;
}

/** One figure measured, e.g. `{ label: 'MMCS', value: '0.998' }`. */
export interface ReportFact {
  /** What was measured. */
  label: string;
  /** Its value, as people read it. */
  value: string;
}

/** A sentence or two of plain text; `code` in backticks is set as code. */
export interface ParagraphBlock {
  /** Which block this is. */
  kind: 'paragraph';
  /** The text (plain, escaped when drawn). */
  text: string;
}

/** The figures measured, as a two-column list. */
export interface FactsBlock {
  /** Which block this is. */
  kind: 'facts';
  /** The facts, in order. */
  facts: ReportFact[];
}

/** A row (or grid) of plots with captions. */
export interface FiguresBlock {
  /** Which block this is. */
  kind: 'figures';
  /** The plots. */
  figures: ReportFigure[];
  /** A small heading above them. */
  heading?: string;
  /** Plots per row, 1 to 6. Default: as many as there are, at most 3. */
  columns?: number;
  /** The grid's largest width in CSS pixels. Default 760 for one column, else the page's width. */
  maxWidth?: number;
}

/** A small table of text cells. */
export interface TableBlock {
  /** Which block this is. */
  kind: 'table';
  /** A line above the table saying what it holds. */
  caption: string;
  /** The column titles. */
  header: string[];
  /** The rows, one cell per column. */
  rows: string[][];
  /** Which columns hold numbers (right-aligned). */
  numeric?: boolean[];
}

/** A command line, set as code. */
export interface CommandBlock {
  /** Which block this is. */
  kind: 'command';
  /** The command. */
  text: string;
}

/** A block of a section; see the module notes. */
export type ReportBlock = ParagraphBlock | FactsBlock | FiguresBlock | TableBlock | CommandBlock;

/** One section of the report, with an `id` to link to (`act-1`). */
export interface ReportSection {
  /** The element id, for links: letters, digits and dashes. */
  id: string;
  /** The heading. */
  title: string;
  /** The content, in order. */
  blocks: ReportBlock[];
}

/** A link from the report's header to a file beside it. */
export interface ReportLink {
  /** A file name beside the report, optionally with a #fragment: `explore.html#n=5`. No scheme, no folders. */
  href: string;
  /** The link's text (plain). */
  text: string;
  /** A sentence after the link, saying what it leads to (plain). */
  note?: string;
}

/** A file name with an optional fragment: what a report may link to (nothing that could leave the folder or run code). */
const LOCAL_HREF = /^[A-Za-z0-9][A-Za-z0-9._-]*(#[A-Za-z0-9._~=&%-]*)?$/;

/** A whole report. */
export interface ReportDocument {
  /** The page's title and main heading. */
  title: string;
  /** A line under the heading. */
  subtitle: string;
  /** Paragraphs of introduction, under the header. */
  intro: string[];
  /** Facts about the run (seed, mode, run time), shown in the header. */
  meta: ReportFact[];
  /** The sections, in order; each gets a link in the contents. */
  sections: ReportSection[];
  /** Links to files beside the report (e.g. the live explore.html), shown in the header. */
  links?: ReportLink[];
  /** A closing line (plain text). */
  footer: string;
}

/** The page's style: readable text, plots that shrink to fit, no external fonts. */
const STYLE = `
:root { color-scheme: light; --ink: #1d2430; --muted: #5b6472; --rule: #d9dee5; --panel: #f6f8fa; --accent: #0072b2; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 20px 64px; }
header { border-bottom: 1px solid var(--rule); padding-bottom: 16px; margin-bottom: 8px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 8px 0 4px; }
h2 { font-size: 1.45rem; margin: 0 0 8px; }
h3 { font-size: 1.05rem; margin: 20px 0 8px; color: var(--muted); font-weight: 600; }
.subtitle { color: var(--muted); margin: 0 0 12px; font-size: 1.05rem; }
nav ol { margin: 8px 0 0; padding-left: 1.4em; columns: 2; }
nav a, footer a, .link a { color: var(--accent); }
.link a { font-weight: 600; }
section { border-top: 1px solid var(--rule); padding: 28px 0 8px; margin-top: 20px; }
p { max-width: 80ch; margin: 8px 0; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 0.9em; }
p code { background: var(--panel); padding: 1px 4px; border-radius: 3px; }
pre.command { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
dl.facts { display: grid; grid-template-columns: minmax(12em, max-content) 1fr; gap: 4px 16px; margin: 12px 0; padding: 12px 16px; background: var(--panel); border-radius: 6px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
.figures { display: grid; gap: 16px; margin: 12px 0; align-items: start; }
figure { margin: 0; padding: 8px; border: 1px solid var(--rule); border-radius: 6px; background: #fff; min-width: 0; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-size: 0.88rem; color: var(--muted); margin-top: 6px; }
.table-wrap { overflow-x: auto; margin: 12px 0; max-height: 480px; overflow-y: auto; border: 1px solid var(--rule); border-radius: 6px; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
caption { caption-side: top; text-align: left; padding: 8px 10px; color: var(--muted); }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left; white-space: nowrap; }
th { position: sticky; top: 0; background: var(--panel); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td code { font-size: 0.95em; }
footer { border-top: 1px solid var(--rule); margin-top: 32px; padding-top: 12px; color: var(--muted); font-size: 0.9rem; }
@media (max-width: 720px) { .figures { grid-template-columns: 1fr !important; } nav ol { columns: 1; } }
`;

/** Plain text as HTML, with `code` in backticks set as <code>. */
function inlineText(text: string): string {
  return escapeXml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** An id safe for an attribute and a link: letters, digits, dashes and underscores. */
function safeId(id: string): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`renderReport: section id ${JSON.stringify(id)} must be letters, digits and dashes, starting with a letter`);
  return id;
}

/** The facts as a definition list. */
function renderFacts(facts: readonly ReportFact[]): string {
  const items = facts.map((fact) => `<dt>${inlineText(fact.label)}</dt><dd>${inlineText(fact.value)}</dd>`).join('');
  return `<dl class="facts">${items}</dl>`;
}

/** One block as HTML. */
function renderBlock(block: ReportBlock): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p>${inlineText(block.text)}</p>`;
    case 'facts':
      return renderFacts(block.facts);
    case 'figures': {
      const columns = Math.max(1, Math.min(6, Math.round(block.columns ?? Math.min(block.figures.length, 3))));
      const heading = block.heading === undefined ? '' : `<h3>${inlineText(block.heading)}</h3>`;
      const figures = block.figures
        .map((figure) => `<figure>${figure.svg}<figcaption>${inlineText(figure.caption)}</figcaption></figure>`)
        .join('\n');
      // One plot across the whole page would be drawn far larger than its text needs.
      const maxWidth = block.maxWidth ?? (columns === 1 ? 760 : undefined);
      const width = maxWidth === undefined ? '' : `; max-width: ${Math.round(maxWidth)}px`;
      return `${heading}<div class="figures" style="grid-template-columns: repeat(${columns}, minmax(0, 1fr))${width}">\n${figures}\n</div>`;
    }
    case 'table': {
      const numeric = (column: number): string => (block.numeric?.[column] ? ' class="num"' : '');
      const head = block.header.map((title, column) => `<th${numeric(column)}>${inlineText(title)}</th>`).join('');
      const rows = block.rows
        .map((row) => `<tr>${row.map((cell, column) => `<td${numeric(column)}>${inlineText(cell)}</td>`).join('')}</tr>`)
        .join('\n');
      return `<div class="table-wrap"><table><caption>${inlineText(block.caption)}</caption>` +
        `<thead><tr>${head}</tr></thead>\n<tbody>\n${rows}\n</tbody></table></div>`;
    }
    case 'command':
      return `<pre class="command"><code>${escapeXml(block.text)}</code></pre>`;
  }
}

function renderLink(link: ReportLink): string {
  if (!LOCAL_HREF.test(link.href)) {
    throw new TensorError('renderReport', `a link must name a file beside the report (with an optional #fragment), got ${JSON.stringify(link.href)}`);
  }
  const note = link.note === undefined ? '' : ` ${inlineText(link.note)}`;
  return `<p class="link"><a href="${escapeXml(link.href)}">${inlineText(link.text)}</a>${note}</p>`;
}

/**
 * The report as one HTML document (UTF-8): inline CSS, inline SVG, no scripts, and a
 * Content-Security-Policy that forbids fetching anything.
 *
 * @example
 * ```ts
 * const html = renderReport({
 *   title: 'Superposition', subtitle: 'a lesson', intro: [], meta: [], footer: '',
 *   sections: [{ id: 'act-1', title: 'Act 1', blocks: [{ kind: 'paragraph', text: 'Neurons.' }] }],
 * });
 * html.includes('<section id="act-1">');   // returns true
 * ```
 */
export function renderReport(document: ReportDocument): string {
  const contents = document.sections
    .map((section) => `<li><a href="#${safeId(section.id)}">${inlineText(section.title)}</a></li>`)
    .join('');
  const sections = document.sections.map((section) =>
    `<section id="${safeId(section.id)}">\n<h2>${inlineText(section.title)}</h2>\n${section.blocks.map(renderBlock).join('\n')}\n</section>`,
  ).join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing to fetch: no scripts, fonts, images or frames; only the inline style may apply.
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">',
    `<title>${escapeXml(document.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1>${inlineText(document.title)}</h1>`,
    `<p class="subtitle">${inlineText(document.subtitle)}</p>`,
    ...document.intro.map((text) => `<p>${inlineText(text)}</p>`),
    ...(document.links ?? []).map(renderLink),
    document.meta.length > 0 ? renderFacts(document.meta) : '',
    `<nav aria-label="Contents"><strong>Contents</strong><ol>${contents}</ol></nav>`,
    '</header>',
    sections,
    `<footer>${inlineText(document.footer)}</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
