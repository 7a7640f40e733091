// Incremental markdown for a streamed answer.
//
// Re-rendering the whole answer on every chunk is quadratic and freezes panels on long
// answers. Here the source is split into a committed prefix, rendered once into its own
// DOM node and never touched again, and an open tail, which is the only part re-parsed
// and re-rendered, at most once per animation frame.
//
// A top-level block is committed once a later top-level block has started on a complete
// line: text appended after that line cannot change it. (Setext headings and tables
// re-interpret earlier lines, but only lines of the block that is still open.) The only
// cross-block construct this gives up is a link reference definition placed after the
// paragraphs that use it.
//
// A retry can take text back (`dropTail`): committed blocks that lie wholly or partly in the
// dropped text leave the DOM, and so does the last block kept (its commit relied on text
// that may be gone); their remaining text joins the open tail. Blocks before them stay.

import type MarkdownIt from 'markdown-it';

export interface RenderStats {
  /** Renders that did any DOM work. */
  renders: number;
  /** Characters of source re-rendered as the open tail, summed over renders. */
  tailChars: number;
  /** The longest open tail re-rendered at once: bounded by the last block, not the answer. */
  maxTailChars: number;
  /** Characters rendered into committed blocks (each character once). */
  committedChars: number;
  /** Milliseconds spent rendering, summed, and the worst single render. */
  totalMs: number;
  maxMs: number;
}

export const stats: RenderStats = {
  renders: 0,
  tailChars: 0,
  maxTailChars: 0,
  committedChars: 0,
  totalMs: 0,
  maxMs: 0,
};

interface Block {
  node: HTMLElement;
  /** The block's source range, in UTF-16 units. */
  start: number;
  end: number;
  /** Committed because the text was complete, not because a later block had started. */
  final: boolean;
}

/**
 * Where to cut `text` to drop its last `count` code points (what the server counts, as
 * Python's str length), and how many of them it was short of.
 */
export function cutCodePoints(text: string, count: number): { offset: number; missing: number } {
  let offset = text.length;
  let missing = Math.max(0, Math.floor(count));
  while (missing > 0 && offset > 0) {
    const last = text.charCodeAt(offset - 1);
    const pair =
      last >= 0xdc00 &&
      last <= 0xdfff &&
      offset >= 2 &&
      text.charCodeAt(offset - 2) >= 0xd800 &&
      text.charCodeAt(offset - 2) <= 0xdbff;
    offset -= pair ? 2 : 1;
    missing -= 1;
  }
  return { offset, missing };
}

export class StreamingMarkdown {
  readonly element: HTMLElement;
  private readonly live: HTMLElement;
  private source = '';
  private committed = 0;
  private readonly blocks: Block[] = [];
  private dirty = false;
  /** The live tail's last HTML, as rendered (decoration changes the DOM's). */
  private rendered = '';

  constructor(
    private readonly md: MarkdownIt,
    className: string,
    /** Called on each freshly rendered node (code block buttons). */
    private readonly decorate: (node: HTMLElement) => void = () => undefined,
  ) {
    this.element = document.createElement('div');
    this.element.className = `markdown ${className}`;
    this.live = document.createElement('div');
    this.live.className = 'md-live';
    this.element.append(this.live);
  }

  get text(): string {
    return this.source;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  append(text: string): void {
    if (text) {
      this.source += text;
      this.dirty = true;
    }
  }

  /**
   * Drops the last `count` code points of the text; returns how many of them this text was
   * short of (to be dropped from the text before it). The DOM follows at the next render.
   */
  dropTail(count: number): number {
    const { offset, missing } = cutCodePoints(this.source, count);
    if (offset === this.source.length) {
      return missing;
    }
    this.source = this.source.slice(0, offset);
    // Blocks reaching into the dropped text go, and so does the last block kept.
    let last = this.blocks.at(-1);
    while (last !== undefined && last.end > offset) {
      this.blocks.pop();
      last.node.remove();
      last = this.blocks.at(-1);
    }
    this.uncommitLast(true);
    this.dirty = true;
    return missing;
  }

  /** The text will go on after a final render: its last block is open again. */
  reopen(): void {
    this.uncommitLast(false);
  }

  private uncommitLast(always: boolean): void {
    const last = this.blocks.at(-1);
    if (last !== undefined && (always || last.final)) {
      this.blocks.pop();
      last.node.remove();
      this.dirty = true;
    }
    this.committed = this.blocks.at(-1)?.end ?? 0;
  }

  /** Brings the DOM up to date. `final`: the text is complete, commit all of it. */
  render(final = false): void {
    if (!this.dirty && !(final && this.committed < this.source.length)) {
      return;
    }
    const started = performance.now();
    this.dirty = false;
    let tail = this.source.slice(this.committed);
    const stable = final ? tail.length : this.stableLength(tail);
    if (stable > 0) {
      const block = document.createElement('div');
      block.className = 'md-block';
      block.innerHTML = this.md.render(tail.slice(0, stable));
      this.decorate(block);
      this.element.insertBefore(block, this.live);
      this.blocks.push({ node: block, start: this.committed, end: this.committed + stable, final });
      this.committed += stable;
      stats.committedChars += stable;
      tail = tail.slice(stable);
    }
    // Assigning the same HTML again would still rebuild the nodes, losing text selections.
    const html = tail ? this.md.render(tail) : '';
    if (this.rendered !== html) {
      this.rendered = html;
      this.live.innerHTML = html;
      this.decorate(this.live);
    }
    stats.tailChars += tail.length;
    stats.maxTailChars = Math.max(stats.maxTailChars, tail.length);
    const elapsed = performance.now() - started;
    stats.renders += 1;
    stats.totalMs += elapsed;
    stats.maxMs = Math.max(stats.maxMs, elapsed);
  }

  /** How many leading characters of `tail` form blocks that can no longer change. */
  private stableLength(tail: string): number {
    const lastNewline = tail.lastIndexOf('\n');
    if (lastNewline < 0) {
      return 0;
    }
    const complete = tail.slice(0, lastNewline + 1);
    let lastStart = -1;
    let blocks = 0;
    for (const token of this.md.parse(complete, {})) {
      if (token.level === 0 && token.nesting !== -1 && token.map !== null) {
        blocks += 1;
        lastStart = token.map[0];
      }
    }
    if (blocks < 2) {
      return 0;
    }
    return offsetOfLine(complete, lastStart);
  }
}

function offsetOfLine(text: string, line: number): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) {
      return text.length;
    }
    offset = next + 1;
  }
  return offset;
}
