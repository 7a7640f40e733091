// One tool call in the transcript: its status, title, input, live output (a command's
// output streams in while it runs), the places it touched, and an edit's diff inline.

import { diffLines, structuredPatch } from 'diff';
import type * as P from '../protocol';
import { button, el, relative, send } from './dom';

const STATUS_LABELS: Record<P.ToolCallStatus, string> = {
  pending: 'pending',
  in_progress: 'running',
  completed: 'done',
  failed: 'failed',
};

/** What a call is doing before the server has a title for it (its input still streams). */
const KIND_TITLES: Partial<Record<P.ToolKind, string>> = {
  read: 'Reading a file…',
  edit: 'Preparing an edit…',
  delete: 'Preparing a deletion…',
  move: 'Preparing a move…',
  search: 'Searching…',
  execute: 'Preparing a command…',
  fetch: 'Fetching…',
  think: 'Thinking…',
};

/** A raw tool name (`str_replace_based_edit_tool`, `bash`) is no title for a person. */
function displayTitle(title: string, kind: P.ToolKind | undefined): string {
  const raw = /^[a-z0-9]+(_[a-z0-9]+)*$/.test(title);
  if (!raw) {
    return title;
  }
  return (kind && KIND_TITLES[kind]) ?? `Using ${title.replace(/_/g, ' ')}…`;
}

export interface CardContext {
  sessionId: string;
  /** Undo this turn's changes (rewind the files to before its prompt). */
  rewind: () => void;
}

export class ToolCard {
  readonly element = el('div', 'tool');
  private readonly statusBadge = el('span', 'tool-status');
  private readonly titleNode = el('span', 'tool-title');
  private readonly input = el('details', 'tool-input');
  private readonly inputPre = el('pre');
  private readonly result = el('details', 'tool-result');
  private readonly resultPre = el('pre');
  private readonly diffs = el('div', 'tool-diffs');
  private readonly locations = el('div', 'tool-locations');
  private status: P.ToolCallStatus = 'pending';
  private rawTitle = '';
  kind: P.ToolKind | undefined;

  constructor(
    readonly id: string,
    private readonly context: CardContext,
  ) {
    const header = el('div', 'tool-header');
    header.append(this.statusBadge, this.titleNode);
    this.input.append(el('summary', undefined, 'Input'), this.inputPre);
    this.result.append(el('summary', undefined, 'Output'), this.resultPre);
    this.input.hidden = true;
    this.result.hidden = true;
    this.element.append(header, this.diffs, this.locations, this.input, this.result);
    this.element.dataset.toolCallId = id;
    this.setStatus('pending');
  }

  apply(update: P.ToolCall | P.ToolCallUpdate): void {
    if (update.kind) {
      this.kind = update.kind;
      this.element.dataset.kind = update.kind;
    }
    if (update.title) {
      this.rawTitle = update.title;
    }
    setInlineCode(this.titleNode, displayTitle(this.rawTitle, this.kind));
    if (update.status) {
      this.setStatus(update.status);
    }
    if (update.rawInput !== undefined && update.rawInput !== null && !isEmptyObject(update.rawInput)) {
      this.input.hidden = false;
      this.inputPre.textContent = JSON.stringify(update.rawInput, null, 2);
    }
    if (update.content) {
      this.setContent(update.content);
    }
    if (update.locations && update.locations.length > 0) {
      this.locations.replaceChildren(
        ...update.locations.map((location) => {
          const label = location.line ? `${relative(location.path)}:${location.line}` : relative(location.path);
          return button(label, 'link', () => {
            send({ type: 'openLocation', path: location.path, line: location.line });
          });
        }),
      );
    }
  }

  private setStatus(status: P.ToolCallStatus): void {
    this.status = status;
    this.element.dataset.status = status;
    this.statusBadge.textContent = STATUS_LABELS[status];
    // A running command's output is open while it streams, then folds away.
    if (this.kind === 'execute') {
      this.result.open = status === 'in_progress';
    }
  }

  get finished(): boolean {
    return this.status === 'completed' || this.status === 'failed';
  }

  private setContent(content: P.ToolCallContent[]): void {
    const texts: string[] = [];
    const rows: HTMLElement[] = [];
    // Diffs are numbered among diffs only: that is how the host keeps them.
    let index = 0;
    for (const item of content) {
      if (item.type === 'diff') {
        rows.push(this.diffRow(item, index++));
      } else if (item.type === 'content' && item.content.type === 'text') {
        texts.push(item.content.text);
      }
    }
    if (rows.length > 0) {
      this.diffs.replaceChildren(...rows);
      this.element.classList.add('edit');
    }
    if (texts.length > 0) {
      this.result.hidden = false;
      const pre = this.resultPre;
      const following = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 20;
      if (this.kind === 'search' && this.finished) {
        pre.replaceChildren(...searchHits(texts.join('\n')));
      } else {
        pre.textContent = texts.join('\n');
      }
      if (following) {
        pre.scrollTop = pre.scrollHeight;
      }
    }
  }

  private diffRow(diff: P.Diff, index: number): HTMLElement {
    const row = el('div', 'diff');
    const head = el('div', 'diff-row');
    const stat = diffStat(diff.oldText ?? null, diff.newText);
    const added = el('span', 'diff-added', `+${stat.added}`);
    const removed = el('span', 'diff-removed', `−${stat.removed}`);
    head.append(el('span', 'diff-path', relative(diff.path)));
    if (diff.oldText == null) {
      head.append(el('span', 'diff-new', 'new file'));
    }
    head.append(
      added,
      removed,
      button('Open diff', 'secondary', () => {
        send({ type: 'openDiff', sessionId: this.context.sessionId, toolCallId: this.id, index });
      }),
      button(
        'Undo',
        'secondary undo',
        () => this.context.rewind(),
        "Undo this turn's changes (and those of later turns)",
      ),
    );
    const inline = el('details', 'diff-inline');
    inline.append(el('summary', undefined, 'Diff'), unifiedDiff(diff));
    row.append(head, inline);
    return row;
  }
}

/** A search's `path:line: text` lines, each path:line a link that opens the file there. */
function searchHits(text: string): (HTMLElement | string)[] {
  return text.split('\n').flatMap((line, i) => {
    const hit = /^([^\s:][^:]*):(\d+):(.*)$/.exec(line);
    const prefix = i === 0 ? [] : ['\n'];
    if (hit === null) {
      return [...prefix, line];
    }
    const [, file = '', number = '1', rest = ''] = hit;
    const link = button(`${file}:${number}`, 'link hit', () => {
      send({ type: 'openLocation', path: file, line: Number(number) });
    });
    return [...prefix, link, rest];
  });
}

/** Lines added and removed; a created file (no old text) adds every line it has. */
export function diffStat(before: string | null, after: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const part of diffLines(before ?? '', after)) {
    if (part.added) {
      added += part.count;
    } else if (part.removed) {
      removed += part.count;
    }
  }
  return { added, removed };
}

/** The edit as unified diff lines, coloured by theme tokens. */
export function unifiedDiff(diff: { path: string; oldText?: string | null; newText: string }): HTMLElement {
  const patch = structuredPatch(diff.path, diff.path, diff.oldText ?? '', diff.newText, '', '', { context: 2 });
  const pre = el('pre', 'unified-diff');
  for (const hunk of patch.hunks) {
    pre.append(el('div', 'diff-hunk', `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`));
    for (const line of hunk.lines) {
      const kind = line.startsWith('+') ? 'diff-line-added' : line.startsWith('-') ? 'diff-line-removed' : 'diff-line';
      pre.append(el('div', kind, line));
    }
  }
  return pre;
}

/** Text with `code spans` shown as code, as the server writes titles. */
export function setInlineCode(node: HTMLElement, text: string): void {
  node.replaceChildren(...text.split(/`([^`]+)`/).map((part, i) => (i % 2 === 1 ? el('code', undefined, part) : part)));
}

export function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}
