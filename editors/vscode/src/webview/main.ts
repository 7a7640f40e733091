// The panel's webview: the transcript (prompts, streamed answers, thinking, tool cards,
// permission questions, turn footers) and the prompt box. Host events are applied to a
// model at once, and the DOM is brought up to date at most once per animation frame.

import MarkdownIt from 'markdown-it';
import type { HostBatch, HostEvent, ServerStatus, WebviewMessage } from '../messages';
import type * as P from '../protocol';
import { StreamingMarkdown, stats } from './markdownStream';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
// No raw HTML from the model: it would be script injection waiting to happen.
const md = new MarkdownIt({ html: false, linkify: true, breaks: false });
// Fuzzy links would turn file names such as app.py (.py is a top-level domain) into links.
md.linkify.set({ fuzzyLink: false });

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function button(label: string, className: string, onClick: () => void, title?: string): HTMLButtonElement {
  const node = el('button', className, label);
  node.type = 'button';
  if (title) {
    node.title = title;
  }
  node.addEventListener('click', onClick);
  return node;
}

const STATUS_LABELS: Record<P.ToolCallStatus, string> = {
  pending: 'pending',
  in_progress: 'running',
  completed: 'done',
  failed: 'failed',
};

class ToolCard {
  readonly element = el('div', 'tool');
  private readonly statusBadge = el('span', 'tool-status');
  private readonly titleNode = el('span', 'tool-title');
  private readonly kindNode = el('span', 'tool-kind');
  private readonly input = el('details', 'tool-input');
  private readonly inputPre = el('pre');
  private readonly result = el('details', 'tool-result');
  private readonly resultBody = el('div', 'tool-result-body');
  private readonly diffs = el('div', 'tool-diffs');
  private readonly locations = el('div', 'tool-locations');
  private status: P.ToolCallStatus = 'pending';
  kind: P.ToolKind | undefined;

  constructor(readonly id: string) {
    const header = el('div', 'tool-header');
    header.append(this.statusBadge, this.kindNode, this.titleNode);
    this.input.append(el('summary', undefined, 'Input'), this.inputPre);
    this.result.append(el('summary', undefined, 'Result'), this.resultBody);
    this.input.hidden = true;
    this.result.hidden = true;
    this.element.append(header, this.diffs, this.locations, this.input, this.result);
    this.element.dataset.toolCallId = id;
    this.setStatus('pending');
  }

  apply(update: P.ToolCall | P.ToolCallUpdate): void {
    if (update.title) {
      this.titleNode.textContent = update.title;
    }
    if (update.kind) {
      this.kind = update.kind;
      this.kindNode.textContent = update.kind;
      this.element.dataset.kind = update.kind;
    }
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
            vscode.postMessage({ type: 'openLocation', path: location.path, line: location.line });
          });
        }),
      );
    }
  }

  private setStatus(status: P.ToolCallStatus): void {
    this.status = status;
    this.element.dataset.status = status;
    this.statusBadge.textContent = STATUS_LABELS[status];
  }

  get finished(): boolean {
    return this.status === 'completed' || this.status === 'failed';
  }

  private setContent(content: P.ToolCallContent[]): void {
    const texts: string[] = [];
    const diffRows: HTMLElement[] = [];
    // Diffs are numbered among diffs only: that is how the host keeps them.
    let diffIndex = 0;
    for (const item of content) {
      if (item.type === 'diff') {
        const index = diffIndex++;
        const row = el('div', 'diff-row');
        row.append(
          el('span', 'diff-path', relative(item.path)),
          el('span', 'diff-stat', diffStat(item.oldText ?? '', item.newText)),
          button('Open diff', 'secondary', () => {
            vscode.postMessage({ type: 'openDiff', toolCallId: this.id, index });
          }),
          button('Undo turn', 'secondary', () => {
            vscode.postMessage({ type: 'undoTurn' });
          }, 'Restore every file the last turn changed'),
        );
        diffRows.push(row);
      } else if ('text' in item.content && typeof item.content.text === 'string') {
        texts.push(item.content.text);
      }
    }
    this.diffs.replaceChildren(...diffRows);
    if (diffRows.length > 0) {
      this.element.classList.add('edit');
    }
    if (texts.length > 0) {
      this.result.hidden = false;
      const pre = el('pre', undefined, texts.join('\n'));
      this.resultBody.replaceChildren(pre);
    }
  }
}

let workspaceRoot: string | undefined;

/** A workspace path as the user sees it in the explorer. */
function relative(file: string): string {
  return workspaceRoot !== undefined && file.startsWith(`${workspaceRoot}/`) ? file.slice(workspaceRoot.length + 1) : file;
}

function diffStat(before: string, after: string): string {
  const a = before ? before.split('\n').length : 0;
  const b = after ? after.split('\n').length : 0;
  return `${a} → ${b} lines`;
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** A run of streamed text in a turn's body: an answer segment or a thought. */
interface TextPart {
  kind: P.StreamedTextKind;
  md: StreamingMarkdown;
  /** What sits in the turn's body: the segment itself, or the thought's `<details>`. */
  node: HTMLElement;
  summary?: HTMLElement;
}

function retryNote(update: P.Retry): string {
  const wait = `etrying in ${(update.delayMs / 1000).toFixed(1)} s (attempt ${update.attempt} of ${update.maxAttempts})`;
  return update.reason ? `${update.reason} — r${wait}` : `R${wait}`;
}

/** One turn in the transcript. */
class Turn {
  readonly element = el('section', 'turn');
  private readonly body = el('div', 'turn-body');
  /** The answer segment or thought that is streaming, if any: at most one is open. */
  private segment: TextPart | undefined;
  private thought: TextPart | undefined;
  /** Every text part of the turn, in order: what a `retry` drops text from. */
  private readonly parts: TextPart[] = [];
  private readonly tools = new Map<string, ToolCard>();
  private readonly dirty = new Set<StreamingMarkdown>();
  private usage: P.UsageUpdate | undefined;
  /** The transient "retrying" note, until the retry streams something. */
  private note: HTMLElement | undefined;
  ended = false;

  constructor(prompt: string, context?: string) {
    const header = el('div', 'prompt');
    header.append(el('div', 'prompt-text', prompt));
    if (context) {
      header.append(el('div', 'prompt-context', context));
    }
    this.element.append(header, this.body);
  }

  apply(update: P.SessionUpdate): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk': {
        if (!('text' in update.content)) {
          return;
        }
        this.clearNote();
        this.closeThought();
        if (this.segment === undefined) {
          const segment = new StreamingMarkdown(md, 'answer');
          this.segment = { kind: 'agent_message_chunk', md: segment, node: segment.element };
          this.parts.push(this.segment);
          this.body.append(segment.element);
        }
        this.segment.md.append(update.content.text);
        this.dirty.add(this.segment.md);
        break;
      }
      case 'agent_thought_chunk': {
        if (!('text' in update.content)) {
          return;
        }
        this.clearNote();
        this.closeSegment();
        if (this.thought === undefined) {
          const details = el('details', 'thought');
          const summary = el('summary', undefined, 'Thinking…');
          const thoughtMd = new StreamingMarkdown(md, 'thought-text');
          details.append(summary, thoughtMd.element);
          this.body.append(details);
          this.thought = { kind: 'agent_thought_chunk', md: thoughtMd, node: details, summary };
          this.parts.push(this.thought);
        }
        this.thought.md.append(update.content.text);
        this.dirty.add(this.thought.md);
        break;
      }
      case 'tool_call':
      case 'tool_call_update': {
        let card = this.tools.get(update.toolCallId);
        if (card === undefined) {
          this.clearNote();
          this.closeSegment();
          this.closeThought();
          card = new ToolCard(update.toolCallId);
          this.tools.set(update.toolCallId, card);
          this.body.append(card.element);
        }
        card.apply(update);
        break;
      }
      case 'retry':
        this.retry(update);
        break;
      case 'usage_update':
        this.usage = update;
        break;
      default:
        break;
    }
  }

  /** Takes back what the failed attempt showed; the retry streams its own reply after it. */
  private retry(update: P.Retry): void {
    this.clearNote();
    // Withdrawn tool calls leave the transcript. Their cards stay in the map, detached, so
    // that a late update of one does not bring it back.
    for (const id of update.toolCallIds ?? []) {
      this.tools.get(id)?.element.remove();
    }
    const touched = new Set<TextPart>();
    for (const kind of ['agent_message_chunk', 'agent_thought_chunk'] as const) {
      let count = update.superseded[kind] ?? 0;
      for (let i = this.parts.length - 1; i >= 0 && count > 0; i--) {
        const part = this.parts[i];
        if (part?.kind !== kind) {
          continue;
        }
        count = part.md.dropTail(count);
        if (part.md.text === '') {
          part.node.remove();
          this.dirty.delete(part.md);
          this.parts.splice(i, 1);
          touched.delete(part);
        } else {
          this.dirty.add(part.md);
          touched.add(part);
        }
      }
    }
    // Whatever text now ends the turn is open again: the retry's text continues it.
    const open = this.segment ?? this.thought;
    if (open !== undefined && this.parts.includes(open)) {
      touched.add(open);
    }
    this.segment = undefined;
    this.thought = undefined;
    const last = this.parts.at(-1);
    if (last?.node === this.body.lastElementChild) {
      last.md.reopen();
      this.dirty.add(last.md);
      touched.delete(last);
      if (last.kind === 'agent_message_chunk') {
        this.segment = last;
      } else {
        this.thought = last;
        if (last.summary !== undefined) {
          last.summary.textContent = 'Thinking…';
        }
      }
    }
    // Text cut short in a part that stays closed is complete again.
    for (const part of touched) {
      part.md.render(true);
      this.dirty.delete(part.md);
    }
    this.note = el('div', 'retry-note', retryNote(update));
    this.body.append(this.note);
  }

  private clearNote(): void {
    this.note?.remove();
    this.note = undefined;
  }

  private closeSegment(): void {
    if (this.segment !== undefined) {
      this.segment.md.render(true);
      this.dirty.delete(this.segment.md);
      this.segment = undefined;
    }
  }

  private closeThought(): void {
    if (this.thought !== undefined) {
      this.thought.md.render(true);
      this.dirty.delete(this.thought.md);
      if (this.thought.summary !== undefined) {
        this.thought.summary.textContent = 'Thought';
      }
      this.thought = undefined;
    }
  }

  render(): void {
    for (const segment of this.dirty) {
      segment.render();
    }
    this.dirty.clear();
  }

  end(footer: HTMLElement): void {
    this.clearNote();
    this.closeSegment();
    this.closeThought();
    this.ended = true;
    this.element.append(footer);
  }

  footer(stopReason: P.StopReason, usage?: P.PromptUsage): HTMLElement {
    const node = el('div', `turn-footer stop-${stopReason}`);
    node.dataset.stopReason = stopReason;
    const parts: string[] = [STOP_LABELS[stopReason] ?? stopReason];
    if (usage) {
      parts.push(`${fmt(usage.inputTokens)} in`, `${fmt(usage.outputTokens)} out`);
      if (usage.cachedReadTokens || usage.cachedWriteTokens) {
        parts.push(`cache ${fmt(usage.cachedReadTokens)} read / ${fmt(usage.cachedWriteTokens)} written`);
      }
    }
    const cost = this.usage?.cost;
    if (cost) {
      parts.push(`session ${cost.currency === 'USD' ? '$' : `${cost.currency} `}${cost.amount.toFixed(4)}`);
    }
    if (this.usage?.used !== undefined && this.usage.size) {
      parts.push(`context ${Math.round((100 * this.usage.used) / this.usage.size)}%`);
    }
    node.textContent = parts.join(' · ');
    return node;
  }
}

const STOP_LABELS: Partial<Record<P.StopReason, string>> = {
  end_turn: 'Done',
  cancelled: 'Cancelled',
  max_tokens: 'Stopped: max tokens',
  max_turn_requests: 'Stopped: too many model requests',
  refusal: 'Refused',
};

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function isBatch(data: unknown): data is HostBatch {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === 'batch';
}

class App {
  private readonly transcript = el('div', 'transcript');
  private readonly statusLine = el('div', 'status-line');
  private readonly promptBox = el('textarea', 'prompt-box');
  private readonly sendButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly empty = el('div', 'empty', 'Ask the agent something. Enter sends, Shift+Enter adds a line.');
  private turn: Turn | undefined;
  private readonly permissions = new Map<number, HTMLElement>();
  private frame = 0;
  private running = false;

  constructor(root: HTMLElement) {
    this.promptBox.rows = 3;
    this.promptBox.placeholder = 'Ask the agent…';
    this.promptBox.setAttribute('aria-label', 'Prompt');
    this.promptBox.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.send();
      } else if (event.key === 'Escape' && this.running) {
        vscode.postMessage({ type: 'cancel' });
      }
    });
    this.sendButton = button('Send', 'primary', () => this.send());
    this.cancelButton = button('Cancel', 'secondary cancel', () => vscode.postMessage({ type: 'cancel' }));
    const newButton = button('New session', 'secondary new-session', () => vscode.postMessage({ type: 'newSession' }));
    const actions = el('div', 'actions');
    actions.append(this.sendButton, this.cancelButton, newButton);
    const composer = el('div', 'composer');
    composer.append(this.promptBox, actions);
    this.transcript.append(this.empty);
    this.transcript.setAttribute('aria-live', 'polite');
    root.append(this.statusLine, this.transcript, composer);
    this.setRunning(false);
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      if (isBatch(event.data)) {
        this.receive(event.data.events);
      }
    });
    vscode.postMessage({ type: 'ready' });
  }

  private send(): void {
    const text = this.promptBox.value.trim();
    if (!text || this.running) {
      return;
    }
    this.promptBox.value = '';
    vscode.postMessage({ type: 'prompt', text });
  }

  receive(events: HostEvent[]): void {
    for (const event of events) {
      this.apply(event);
    }
    this.schedule();
  }

  private apply(event: HostEvent): void {
    switch (event.type) {
      case 'reset':
        this.turn = undefined;
        this.permissions.clear();
        this.transcript.replaceChildren(this.empty);
        break;
      case 'turnStart':
        if (this.turn !== undefined && !this.turn.ended) {
          this.turn.end(el('div', 'turn-footer'));
        }
        this.turn = new Turn(event.prompt, event.context);
        this.empty.remove();
        this.transcript.append(this.turn.element);
        break;
      case 'update':
        if (this.turn === undefined || this.turn.ended) {
          // Updates without a turn of ours (a replay cut short): give them a turn to live in.
          this.turn = new Turn('(continued)');
          this.empty.remove();
          this.transcript.append(this.turn.element);
        }
        this.turn.apply(event.update);
        break;
      case 'turnEnd':
        if (this.turn !== undefined && !this.turn.ended) {
          this.turn.end(this.turn.footer(event.stopReason, event.usage));
        }
        break;
      case 'turnError': {
        const node = el('div', 'turn-footer error', event.message);
        if (this.turn !== undefined && !this.turn.ended) {
          this.turn.end(node);
        } else {
          this.transcript.append(node);
        }
        break;
      }
      case 'status':
        workspaceRoot = event.workspaceRoot;
        this.setRunning(event.running);
        this.setStatus(event.server, event.activity);
        break;
      case 'notice':
        this.transcript.append(el('div', `notice ${event.level}`, event.message));
        break;
      case 'permission':
        this.showPermission(event.requestId, event.params);
        break;
      case 'permissionDone': {
        const node = this.permissions.get(event.requestId);
        if (node !== undefined) {
          node.classList.add('answered');
          node.querySelector('.permission-options')?.replaceChildren(el('span', 'permission-answer', event.label ?? ''));
          this.permissions.delete(event.requestId);
        }
        break;
      }
    }
  }

  private showPermission(requestId: number, params: P.RequestPermissionParams): void {
    const node = el('div', 'permission');
    node.dataset.requestId = String(requestId);
    const title = params.toolCall.title ?? params.toolCall.kind ?? 'use a tool';
    node.append(el('div', 'permission-title', `The agent wants to: ${title}`));
    if (params.toolCall.rawInput !== undefined && !isEmptyObject(params.toolCall.rawInput)) {
      const details = el('details');
      details.append(el('summary', undefined, 'Input'), el('pre', undefined, JSON.stringify(params.toolCall.rawInput, null, 2)));
      node.append(details);
    }
    const options = el('div', 'permission-options');
    for (const option of params.options) {
      const kind = option.kind.startsWith('allow') ? 'primary' : 'secondary';
      options.append(
        button(option.name, `${kind} permission-${option.kind}`, () => {
          vscode.postMessage({ type: 'permission', requestId, optionId: option.optionId });
        }),
      );
    }
    node.append(options);
    this.permissions.set(requestId, node);
    this.transcript.append(node);
    node.querySelector('button')?.focus();
  }

  private setRunning(running: boolean): void {
    this.running = running;
    this.sendButton.disabled = running;
    this.cancelButton.disabled = !running;
    document.body.dataset.running = String(running);
  }

  private setStatus(server: ServerStatus, activity?: string): void {
    const labels: Record<ServerStatus, string> = {
      stopped: 'Server stopped',
      starting: 'Starting the server…',
      running: 'Ready',
      failed: 'The server did not start: see the notification',
    };
    this.statusLine.textContent = activity ?? labels[server];
    this.statusLine.dataset.server = server;
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.flush();
      });
    }
  }

  private flush(): void {
    const t = this.transcript;
    // Follow the stream only if the user has not scrolled up to read.
    const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
    this.turn?.render();
    if (atBottom) {
      t.scrollTop = t.scrollHeight;
    }
  }
}

const root = document.getElementById('app');
if (root !== null) {
  const app = new App(root);
  // For tests and for debugging a slow panel from the webview devtools.
  (window as unknown as { agentls: unknown }).agentls = { stats, app, render: (text: string) => md.render(text) };
}
