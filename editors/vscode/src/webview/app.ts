// The panel: session tabs, the model and mode pickers, the status line, one transcript per
// session, the changes and MCP sections, the sessions history, and the prompt box. Host
// events are applied to the model at once; the DOM follows at most once per animation frame.

import type { Attachment, HostEvent, ServerStatus, Tab } from '../messages';
import type * as P from '../protocol';
import { Composer } from './composer';
import { announcer, button, el, send, setWorkspaceRoot } from './dom';
import { handleCodeActions } from './codeBlocks';
import { changesSection, mcpSection } from './sections';
import { Transcript } from './transcript';

/** The slash commands the extension runs itself; the server's go out as prompts. */
const CLIENT_COMMANDS = new Set(['new', 'sessions', 'model', 'mode', 'review']);

const SERVER_LABELS: Record<ServerStatus, string> = {
  stopped: 'Server stopped',
  starting: 'Starting the server…',
  running: 'Ready',
  failed: 'The server did not start: see the notification',
};

export class App {
  private readonly tabBar = el('div', 'tabs');
  private readonly statusLine = el('div', 'status-line');
  private readonly main = el('main', 'transcripts');
  private readonly historyView = el('section', 'history');
  private readonly changes = el('section', 'changes');
  private readonly mcp = el('section', 'mcp');
  private readonly composer: Composer;
  private readonly transcripts = new Map<string, Transcript>();
  private readonly config = new Map<string, Extract<HostEvent, { type: 'config' }>>();
  private readonly commands = new Map<string, P.AvailableCommand[]>();
  private readonly changed = new Map<string, P.ChangedFile[]>();
  private readonly servers = new Map<string, P.McpServerStatus[]>();
  private readonly queues = new Map<string, string[]>();
  private tabs: Tab[] = [];
  private active: string | undefined;
  private frame = 0;
  private running = false;

  constructor(root: HTMLElement) {
    this.composer = new Composer({
      submit: (text, attachments) => this.submit(text, attachments),
      cancel: () => send({ type: 'cancel', sessionId: this.active }),
      history: () => this.transcript()?.prompts() ?? [],
    });
    this.statusLine.setAttribute('role', 'status');
    this.tabBar.setAttribute('role', 'tablist');
    this.tabBar.setAttribute('aria-label', 'Sessions');
    this.main.setAttribute('aria-label', 'Conversation');
    this.historyView.hidden = true;
    this.historyView.setAttribute('aria-label', 'Sessions history');
    const header = el('header', 'header');
    header.append(this.tabBar, this.statusLine);
    root.append(header, this.main, this.historyView, this.changes, this.mcp, this.composer.element, announcer);
    handleCodeActions(this.main);
    this.renderTabs();
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      const data = event.data as { type?: unknown; events?: HostEvent[] } | null;
      if (data?.type === 'batch' && Array.isArray(data.events)) {
        this.receive(data.events);
      }
    });
    send({ type: 'ready' });
  }

  private submit(text: string, attachments: Attachment[]): void {
    const command = /^\/(\S+)\s*([\s\S]*)$/.exec(text);
    if (command?.[1] !== undefined && CLIENT_COMMANDS.has(command[1])) {
      send({ type: 'command', name: command[1], args: command[2]?.trim() ?? '' });
      return;
    }
    this.transcript()?.follow();
    send({ type: 'prompt', sessionId: this.active, text, attachments });
  }

  receive(events: HostEvent[]): void {
    for (const event of events) {
      // One event the panel cannot draw must not cost the rest of the batch.
      try {
        this.apply(event);
      } catch (error) {
        console.error('agentls panel: could not show an event', event, error);
      }
    }
    this.schedule();
  }

  private transcript(sessionId = this.active): Transcript | undefined {
    if (sessionId === undefined) {
      return undefined;
    }
    let transcript = this.transcripts.get(sessionId);
    if (transcript === undefined) {
      transcript = new Transcript(sessionId);
      transcript.element.hidden = sessionId !== this.active;
      this.transcripts.set(sessionId, transcript);
      this.main.append(transcript.element);
    }
    return transcript;
  }

  private apply(event: HostEvent): void {
    switch (event.type) {
      case 'tabs':
        if (event.active !== this.active) {
          this.closeHistory();
        }
        this.tabs = event.tabs;
        this.active = event.active;
        for (const [id, transcript] of this.transcripts) {
          if (!event.tabs.some((t) => t.sessionId === id)) {
            transcript.element.remove();
            this.transcripts.delete(id);
          }
        }
        this.transcript();
        this.showActive();
        break;
      case 'reset':
        this.transcript(event.sessionId)?.reset();
        break;
      case 'turnStart':
        this.transcript(event.sessionId)?.turnStart(event);
        this.closeHistory();
        break;
      case 'update':
        this.transcript(event.sessionId)?.update(event.update);
        break;
      case 'turnEnd':
        this.transcript(event.sessionId)?.turnEnd(event.stopReason, event.usage);
        break;
      case 'turnError':
        this.transcript(event.sessionId)?.turnError(event.message, event.fix);
        break;
      case 'notice':
        (this.transcript(event.sessionId) ?? this.transcript())?.notice(event.message, event.level);
        break;
      case 'permission':
        this.transcript(event.sessionId)?.permission(event.requestId, event.params);
        break;
      case 'permissionDone':
        this.transcript(event.sessionId)?.permissionDone(event.requestId, event.label);
        break;
      case 'status':
        setWorkspaceRoot(event.workspaceRoot);
        this.running = event.running;
        this.composer.setRunning(event.running);
        document.body.dataset.running = String(event.running);
        this.statusLine.textContent = event.activity ?? SERVER_LABELS[event.server];
        this.statusLine.title = this.statusLine.textContent;
        this.statusLine.dataset.server = event.server;
        break;
      case 'queue':
        this.queues.set(event.sessionId, event.prompts);
        this.showActive();
        break;
      case 'config':
        this.config.set(event.sessionId, event);
        this.showActive();
        break;
      case 'commands':
        this.commands.set(event.sessionId, event.commands);
        this.showActive();
        break;
      case 'changes':
        this.changed.set(event.sessionId, event.files);
        this.showActive();
        break;
      case 'mcp':
        this.servers.set(event.sessionId, event.servers);
        this.showActive();
        break;
      case 'history':
        this.showHistory(event.sessions);
        break;
      case 'fileMatches':
        this.composer.fileMatches(event.requestId, event.files);
        break;
      case 'attach':
        this.composer.attach(event.attachment, event.label);
        break;
      case 'restorePrompt':
        this.composer.restore(event.text, event.attachments);
        break;
      case 'focusComposer':
        this.composer.box.focus();
        break;
    }
  }

  /** Brings the header and the sections to the active session. */
  private showActive(): void {
    for (const [id, transcript] of this.transcripts) {
      transcript.element.hidden = id !== this.active;
    }
    this.renderTabs();
    this.renderPickers();
    const id = this.active;
    this.composer.commands = id === undefined ? [] : (this.commands.get(id) ?? []);
    this.composer.setQueue(id === undefined ? [] : (this.queues.get(id) ?? []), id ?? '');
    this.changes.replaceChildren(...(id === undefined ? [] : changesSection(id, this.changed.get(id) ?? [])));
    this.changes.hidden = this.changes.childElementCount === 0;
    this.mcp.replaceChildren(...(id === undefined ? [] : mcpSection(this.servers.get(id) ?? [])));
    this.mcp.hidden = this.mcp.childElementCount === 0;
  }

  private renderTabs(): void {
    const nodes: HTMLElement[] = this.tabs.map((tab) => {
      const node = el('div', tab.sessionId === this.active ? 'tab active' : 'tab');
      node.setAttribute('role', 'presentation');
      const select = button(tab.title, 'tab-title', () => send({ type: 'selectTab', sessionId: tab.sessionId }));
      select.setAttribute('role', 'tab');
      select.setAttribute('aria-selected', String(tab.sessionId === this.active));
      select.title = tab.title;
      if (tab.running) {
        select.prepend(el('span', 'tab-running', '● '));
      }
      node.append(
        select,
        button('×', 'tab-close', () => send({ type: 'closeTab', sessionId: tab.sessionId }), `Close ${tab.title}`),
      );
      return node;
    });
    nodes.push(
      button('+', 'tab-new', () => send({ type: 'newSession' }), 'New session'),
      button('History', 'tab-history', () => send({ type: 'history' }), 'Sessions history'),
    );
    this.tabBar.replaceChildren(...nodes);
  }

  private renderPickers(): void {
    const config = this.active === undefined ? undefined : this.config.get(this.active);
    const sessionId = this.active;
    const nodes: HTMLElement[] = [];
    for (const option of config?.configOptions ?? []) {
      if (option.type !== 'select' || sessionId === undefined) {
        continue;
      }
      const flat = option.options.flatMap((o) => ('group' in o ? o.options : [o]));
      nodes.push(
        this.picker(
          option.name,
          option.id,
          flat.map((o) => [o.value, o.name]),
          option.currentValue,
          (value) => send({ type: 'setConfig', sessionId, configId: option.id, value }),
        ),
      );
    }
    const modes = config?.modes;
    // A server that offers the mode as a config option too gets one picker for it.
    const modeOption = config?.configOptions?.some((o) => o.id === 'mode' || o.category === 'mode') === true;
    if (modes && sessionId !== undefined && !modeOption) {
      nodes.push(
        this.picker(
          'Mode',
          'mode',
          modes.availableModes.map((m) => [m.id, m.name]),
          modes.currentModeId,
          (modeId) => send({ type: 'setMode', sessionId, modeId }),
        ),
      );
    }
    this.composer.toolbar.replaceChildren(...nodes);
  }

  private picker(
    label: string,
    id: string,
    options: [string, string][],
    current: string,
    onChange: (value: string) => void,
  ): HTMLElement {
    const wrap = el('span', 'picker');
    const select = el('select');
    select.dataset.configId = id;
    select.setAttribute('aria-label', label);
    select.title = label;
    for (const [value, name] of options) {
      const option = el('option', undefined, name);
      option.value = value;
      option.selected = value === current;
      select.append(option);
    }
    select.addEventListener('change', () => onChange(select.value));
    wrap.append(select);
    return wrap;
  }

  private showHistory(sessions: P.SessionInfo[]): void {
    const list = el('ul', 'history-list');
    for (const session of sessions) {
      const item = el('li', 'history-item');
      const when = session.updatedAt ? whenLabel(new Date(session.updatedAt)) : '';
      if (this.tabs.some((t) => t.sessionId === session.sessionId)) {
        item.classList.add('open');
      }
      const open = button(session.title ?? '(untitled)', 'history-open', () => {
        this.closeHistory();
        send({ type: 'loadSession', sessionId: session.sessionId });
      });
      item.append(open, el('span', 'history-when', when));
      list.append(item);
    }
    const close = button('Close', 'secondary', () => this.closeHistory());
    const heading = el('h2', 'section-title', 'Sessions in this workspace');
    this.historyView.replaceChildren(
      heading,
      sessions.length === 0 ? el('p', 'empty', 'No stored session yet.') : list,
      close,
    );
    this.historyView.hidden = false;
    this.main.hidden = true;
    this.historyView.querySelector<HTMLButtonElement>('button')?.focus();
  }

  private closeHistory(): void {
    this.historyView.hidden = true;
    this.main.hidden = false;
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        for (const transcript of this.transcripts.values()) {
          transcript.render();
        }
      });
    }
  }

  get isRunning(): boolean {
    return this.running;
  }
}

/** "today 11:57", "yesterday 09:02", or the date: how long ago, at a glance. */
function whenLabel(date: Date): string {
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const days = Math.floor((new Date().setHours(0, 0, 0, 0) - new Date(date).setHours(0, 0, 0, 0)) / 86_400_000);
  if (days === 0) {
    return `today ${time}`;
  }
  if (days === 1) {
    return `yesterday ${time}`;
  }
  return `${date.toLocaleDateString()} ${time}`;
}
