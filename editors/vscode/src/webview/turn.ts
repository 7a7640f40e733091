// One turn in a transcript: the prompt (a heading), then in order the streamed answer and
// thinking, tool cards, permission questions, the plan, notices, and the footer.

import type * as P from '../protocol';
import { decorateCodeBlocks, md } from './codeBlocks';
import { announce, button, el, fmt, send } from './dom';
import { StreamingMarkdown } from './markdownStream';
import { ToolCard, isEmptyObject, setInlineCode, unifiedDiff } from './toolCard';

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

const STOP_LABELS: Partial<Record<P.StopReason, string>> = {
  end_turn: 'Done',
  cancelled: 'Cancelled',
  max_tokens: 'Stopped: max tokens',
  max_turn_requests: 'Stopped: too many model requests',
  refusal: 'Refused',
};

export class Turn {
  readonly element = el('article', 'turn');
  private readonly promptNode = el('div', 'prompt-text');
  private readonly body = el('div', 'turn-body');
  /** The answer segment or thought that is streaming, if any: at most one is open. */
  private segment: TextPart | undefined;
  private thought: TextPart | undefined;
  /** Every text part of the turn, in order: what a `retry` drops text from. */
  private readonly parts: TextPart[] = [];
  private readonly tools = new Map<string, ToolCard>();
  private readonly dirty = new Set<StreamingMarkdown>();
  private plan: HTMLElement | undefined;
  /** The transient "retrying" note, until the retry streams something. */
  private note: HTMLElement | undefined;
  usage: P.UsageUpdate | undefined;
  ended = false;

  constructor(
    prompt: string,
    readonly promptIndex: number,
    private readonly sessionId: string,
    context?: string[],
  ) {
    const header = el('div', 'prompt');
    // A heading per turn: screen reader users jump between turns with it.
    const heading = el('h2', 'visually-hidden', `Prompt ${promptIndex + 1}`);
    this.promptNode.textContent = prompt;
    header.append(heading, this.promptNode);
    if (context && context.length > 0) {
      const chips = el('div', 'prompt-context');
      for (const label of context) {
        chips.append(el('span', 'chip', label));
      }
      header.append(chips);
    }
    this.element.setAttribute('aria-label', `Prompt ${promptIndex + 1}`);
    this.element.append(header, this.body);
  }

  get prompt(): string {
    return this.promptNode.textContent;
  }

  apply(update: P.SessionUpdate): void {
    switch (update.sessionUpdate) {
      case 'user_message_chunk':
        // Another block of the same prompt (replayed user messages are one chunk a block).
        if (update.content.type === 'text') {
          this.promptNode.textContent += `\n\n${update.content.text}`;
        }
        break;
      case 'agent_message_chunk':
      case 'agent_thought_chunk':
        if (update.content.type === 'text') {
          this.text(update.sessionUpdate, update.content.text);
        }
        break;
      case 'tool_call':
      case 'tool_call_update': {
        let card = this.tools.get(update.toolCallId);
        if (card === undefined) {
          this.closeText();
          card = new ToolCard(update.toolCallId, {
            sessionId: this.sessionId,
            rewind: () => send({ type: 'rewind', sessionId: this.sessionId, promptIndex: this.promptIndex }),
          });
          this.tools.set(update.toolCallId, card);
          this.body.append(card.element);
        }
        card.apply(update);
        break;
      }
      case 'plan':
        this.showPlan(update.entries);
        break;
      case 'retry':
        this.retry(update);
        break;
      case 'usage_update':
        this.usage = update;
        break;
      case 'notice':
        this.notice(
          update.message ?? update.title ?? '',
          update.level ?? (update.severity === 'warning' ? 'warning' : 'info'),
        );
        break;
      case 'compaction':
        // One note per compaction, when it is over: the server's own words and figures.
        if (update.status !== 'started') {
          this.notice(
            update.message ??
              'The conversation was compacted to fit the context window: older turns are summarised for the model.',
            update.status === 'failed' ? 'warning' : 'info',
          );
        }
        break;
      default:
        break;
    }
  }

  notice(message: string, level: string): void {
    this.closeText();
    this.body.append(el('div', `notice ${level}`, message));
    announce(message);
  }

  private text(kind: P.StreamedTextKind, text: string): void {
    this.clearNote();
    if (kind === 'agent_message_chunk') {
      this.closeThought();
      if (this.segment === undefined) {
        const segment = new StreamingMarkdown(md, 'answer', decorateCodeBlocks);
        this.segment = { kind, md: segment, node: segment.element };
        this.parts.push(this.segment);
        this.body.append(segment.element);
      }
      this.segment.md.append(text);
      this.dirty.add(this.segment.md);
    } else {
      this.closeSegment();
      if (this.thought === undefined) {
        const details = el('details', 'thought');
        const summary = el('summary', undefined, 'Thinking…');
        const thoughtMd = new StreamingMarkdown(md, 'thought-text');
        details.append(summary, thoughtMd.element);
        this.body.append(details);
        this.thought = { kind, md: thoughtMd, node: details, summary };
        this.parts.push(this.thought);
      }
      this.thought.md.append(text);
      this.dirty.add(this.thought.md);
    }
  }

  /** A permission question, in the turn where it is asked: after its tool's card. */
  showPermission(requestId: number, params: P.RequestPermissionParams): HTMLElement {
    this.closeText();
    const node = el('div', 'permission');
    node.setAttribute('role', 'group');
    node.dataset.requestId = String(requestId);
    const title = params.toolCall.title ?? params.toolCall.kind ?? 'use a tool';
    node.setAttribute('aria-label', `Permission: ${title}`);
    const heading = el('div', 'permission-title');
    setInlineCode(heading, `The agent wants to: ${title}`);
    node.append(heading);
    const input = params.toolCall.rawInput as { command?: unknown } | undefined;
    if (typeof input?.command === 'string') {
      node.append(el('pre', 'permission-command', input.command));
    } else if (input != null && !isEmptyObject(input)) {
      const details = el('details');
      details.append(el('summary', undefined, 'Input'), el('pre', undefined, JSON.stringify(input, null, 2)));
      node.append(details);
    }
    // review "before": the edit is shown as a diff and applied only if accepted.
    for (const item of params.toolCall.content ?? []) {
      if (item.type === 'diff') {
        node.append(el('div', 'diff-path', item.path), unifiedDiff(item));
      }
    }
    const options = el('div', 'permission-options');
    for (const option of params.options) {
      const kind = option.kind.startsWith('allow') ? 'primary' : 'secondary';
      options.append(
        button(option.name, `${kind} permission-${option.kind}`, () => {
          send({ type: 'permission', requestId, optionId: option.optionId });
        }),
      );
    }
    node.append(options);
    const card = this.tools.get(params.toolCall.toolCallId);
    if (card?.element.parentElement === this.body) {
      card.element.after(node);
    } else {
      this.body.append(node);
    }
    announce(`The agent asks permission to: ${title}`);
    return node;
  }

  private showPlan(entries: P.PlanEntry[]): void {
    // The checklist says what the planning call did: its card would only repeat it.
    for (const card of this.tools.values()) {
      if (card.kind === 'think') {
        card.element.hidden = true;
      }
    }
    if (this.plan === undefined) {
      this.closeText();
      this.plan = el('div', 'plan');
      this.body.append(this.plan);
    }
    const list = el('ul', 'plan-entries');
    for (const entry of entries) {
      const item = el('li', `plan-entry plan-${entry.status}`);
      const box = el('input');
      box.type = 'checkbox';
      box.disabled = true;
      box.checked = entry.status === 'completed';
      box.setAttribute('aria-label', entry.status.replace('_', ' '));
      item.append(box, el('span', undefined, entry.content));
      list.append(item);
    }
    const done = entries.filter((e) => e.status === 'completed').length;
    this.plan.replaceChildren(el('div', 'plan-title', `Plan · ${done}/${entries.length} done`), list);
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

  private closeText(): void {
    this.clearNote();
    this.closeSegment();
    this.closeThought();
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
    this.closeText();
    this.ended = true;
    this.element.append(footer);
    const answer = this.parts
      .filter((p) => p.kind === 'agent_message_chunk')
      .map((p) => p.md.text)
      .join('\n');
    announce(`${footer.textContent}. ${answer}`);
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
    if (this.usage?.size) {
      parts.push(`context ${Math.round((100 * this.usage.used) / this.usage.size)}%`);
    }
    node.append(el('span', 'footer-text', parts.join(' · ')));
    node.append(
      button(
        'Rewind…',
        'link rewind',
        () =>
          send({
            type: 'rewind',
            sessionId: this.sessionId,
            promptIndex: this.promptIndex,
            choose: true,
            prompt: this.prompt,
          }),
        'Go back to before this prompt: the files, the conversation, or both',
      ),
    );
    return node;
  }
}
