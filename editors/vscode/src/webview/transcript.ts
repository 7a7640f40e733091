// One session's conversation: its turns, in order, in a scrolling container that follows
// the stream while the user is at the bottom, and stays put once they scroll up to read.

import type { Turn as TurnInfo } from '../messages';
import type * as P from '../protocol';
import { button, el, send } from './dom';
import { Turn } from './turn';

const NEAR_BOTTOM_PX = 40;

export class Transcript {
  readonly element = el('div', 'transcript');
  private readonly empty = el(
    'div',
    'empty',
    'Ask the agent something. Enter sends, Shift+Enter adds a line; @ adds a file, # adds context, / runs a command.',
  );
  private turn: Turn | undefined;
  private readonly turns: Turn[] = [];
  private readonly permissions = new Map<number, HTMLElement>();
  /** Follow the stream: true until the user scrolls away from the bottom. */
  private following = true;
  private programmatic = false;

  constructor(readonly sessionId: string) {
    this.element.dataset.sessionId = sessionId;
    this.element.append(this.empty);
    this.element.tabIndex = 0;
    this.element.addEventListener('scroll', () => {
      if (this.programmatic) {
        this.programmatic = false;
        return;
      }
      const t = this.element;
      this.following = t.scrollHeight - t.scrollTop - t.clientHeight < NEAR_BOTTOM_PX;
    });
  }

  /** The user sent a prompt: their prompt and its answer come into view. */
  follow(): void {
    this.following = true;
  }

  prompts(): string[] {
    return this.turns.map((t) => t.prompt);
  }

  reset(): void {
    this.turn = undefined;
    this.turns.length = 0;
    this.permissions.clear();
    this.element.replaceChildren(this.empty);
  }

  turnStart(info: TurnInfo): void {
    this.endOpenTurn();
    this.turn = new Turn(info.prompt, info.promptIndex, this.sessionId, info.context);
    this.turns.push(this.turn);
    this.empty.remove();
    this.element.append(this.turn.element);
  }

  private endOpenTurn(): void {
    if (this.turn !== undefined && !this.turn.ended) {
      this.turn.end(el('div', 'turn-footer'));
    }
  }

  /** The turn updates go to; one is made for updates without a turn (a replay cut short). */
  private current(): Turn {
    if (this.turn !== undefined && !this.turn.ended) {
      return this.turn;
    }
    this.turnStart({ prompt: '(continued)', promptIndex: Math.max(0, this.turns.length - 1) });
    return this.current();
  }

  update(update: P.SessionUpdate): void {
    if (update.sessionUpdate === 'user_message_chunk' && (this.turn === undefined || this.turn.ended)) {
      return; // the host starts replayed prompts with turnStart
    }
    if (
      update.sessionUpdate === 'available_commands_update' ||
      update.sessionUpdate === 'config_option_update' ||
      update.sessionUpdate === 'current_mode_update' ||
      update.sessionUpdate === 'session_info_update' ||
      update.sessionUpdate === 'changes_update' ||
      update.sessionUpdate === 'mcp_servers_update'
    ) {
      return; // the header and the sections show those
    }
    if (update.sessionUpdate === 'usage_update' && this.turn === undefined) {
      return;
    }
    if (update.sessionUpdate === 'notice' && (this.turn === undefined || this.turn.ended)) {
      // e.g. what a session/load skipped: the session's, not a turn's.
      this.notice(update.message ?? update.title ?? '', update.level ?? 'warning');
      return;
    }
    this.current().apply(update);
  }

  turnEnd(stopReason: P.StopReason, usage?: P.PromptUsage): void {
    if (this.turn !== undefined && !this.turn.ended) {
      this.turn.end(this.turn.footer(stopReason, usage));
    }
  }

  turnError(message: string, fix?: { label: string; command: string }): void {
    const node = el('div', 'turn-footer error', message);
    node.setAttribute('role', 'alert');
    if (fix !== undefined) {
      node.append(
        el('br'),
        button(fix.label, 'secondary fix', () => send({ type: 'command', name: fix.command, args: '' })),
      );
    }
    if (this.turn !== undefined && !this.turn.ended) {
      this.turn.end(node);
    } else {
      this.element.append(node);
    }
  }

  notice(message: string, level: string): void {
    if (this.turn !== undefined && !this.turn.ended) {
      this.turn.notice(message, level);
      return;
    }
    const node = el('div', `notice ${level}`, message);
    node.setAttribute('role', level === 'info' ? 'status' : 'alert');
    this.empty.remove();
    this.element.append(node);
  }

  permission(requestId: number, params: P.RequestPermissionParams): void {
    const node = this.current().showPermission(requestId, params);
    this.permissions.set(requestId, node);
    // Focus goes to the question, unless the user is typing: a keystroke meant for the prompt
    // box must not answer it.
    const typing =
      document.activeElement instanceof HTMLTextAreaElement || document.activeElement instanceof HTMLSelectElement;
    if (!typing) {
      node.querySelector('button')?.focus();
    }
  }

  permissionDone(requestId: number, label: string): void {
    const node = this.permissions.get(requestId);
    if (node !== undefined) {
      node.classList.add('answered');
      node.querySelector('.permission-options')?.replaceChildren(el('span', 'permission-answer', label));
      this.permissions.delete(requestId);
    }
  }

  render(): void {
    this.turn?.render();
    if (this.following && !this.element.hidden) {
      const t = this.element;
      if (t.scrollHeight - t.scrollTop - t.clientHeight > 1) {
        this.programmatic = true;
        t.scrollTop = t.scrollHeight;
      }
    }
  }
}
