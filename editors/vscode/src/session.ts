// The sessions open in the panel (one tab each): creating, resuming and closing them, the
// server's updates, configuration options and modes, and reloading every open session
// (`session/load`) when the server process is new. Their prompts are turns.ts's.

import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { Attachment, Tab } from './messages';
import type * as P from './protocol';
import * as M from './protocol';
import { type ServerConnection, describe } from './server/client';
import { mcpServers } from './settings';
import { errorType } from './turns';
import type { AgentView } from './view';

interface Queued {
  text: string;
  attachments: Attachment[];
}

/** One session open as a tab. */
export class SessionState {
  title = 'New session';
  /** The running turn, if any. */
  turn: { text: string; attachments: Attachment[]; cancelled: boolean } | undefined;
  readonly queue: Queued[] = [];
  /** Prompts so far: the next prompt's index. */
  prompts = 0;
  /** Indexes of the prompts whose turn edited files (for servers without agentls/rewind). */
  readonly editingPrompts = new Set<number>();
  activity: string | undefined;
  configOptions: P.SessionConfigOption[] | null | undefined;
  modes: P.SessionModeState | null | undefined;
  serverCommands: P.AvailableCommand[] = [];
  /** The last update was part of a user message (a replayed prompt). */
  inUserMessage = false;

  constructor(public id: string) {}
}

/** Slash commands the extension handles itself. */
export const CLIENT_COMMANDS: P.AvailableCommand[] = [
  { name: 'new', description: 'Start a new session in a new tab' },
  { name: 'sessions', description: "Resume one of this workspace's sessions" },
  { name: 'model', description: 'Pick the model', input: { hint: 'model name' } },
  { name: 'mode', description: 'Pick the permission mode', input: { hint: 'default, ask, acceptAll or readOnly' } },
  { name: 'review', description: 'Review the pending changes hunk by hunk' },
];

export class Sessions implements vscode.Disposable {
  readonly open = new Map<string, SessionState>();
  private activeId: string | undefined;
  private crashedAt: number[] = [];
  /** Set while the server is being restarted after a crash: the notice to give after reload. */
  private crashNotice: string | undefined;
  /** Set while a reload's replay must not reach the panel (a prompt's silent retry). */
  private muted = false;
  private readonly listeners = new vscode.EventEmitter<{ session: SessionState; update: P.SessionUpdate }>();
  /** Fired by the turns when one ends. */
  readonly turnEnded = new vscode.EventEmitter<SessionState>();
  private readonly opened = new vscode.EventEmitter<SessionState>();
  /** A session was created or (re)loaded into the server. */
  readonly onOpened = this.opened.event;
  /** Every update of an open session, after the panel got it. */
  readonly onUpdate = this.listeners.event;
  /** A turn ended (any way). */
  readonly onTurnEnded = this.turnEnded.event;

  constructor(
    readonly server: ServerConnection,
    readonly view: AgentView,
    private readonly statusChanged: () => void,
  ) {
    server.onCrash((how) => void this.recover(how));
    server.onStarted((client) => void this.reloadAll(client));
  }

  get active(): SessionState | undefined {
    return this.activeId === undefined ? undefined : this.open.get(this.activeId);
  }

  get anyRunning(): boolean {
    return [...this.open.values()].some((s) => s.turn !== undefined);
  }

  /** Tells the panel which tabs there are. */
  tabs(): void {
    const tabs: Tab[] = [...this.open.values()].map((s) => ({
      sessionId: s.id,
      title: s.title,
      running: s.turn !== undefined,
    }));
    this.view.post({ type: 'tabs', tabs, active: this.activeId });
  }

  select(sessionId: string): void {
    if (this.open.has(sessionId)) {
      this.activeId = sessionId;
      this.tabs();
      this.statusChanged();
    }
  }

  /** A new session in a new tab. */
  async create(): Promise<SessionState> {
    const client = await this.server.start();
    const result = await client.sendRequest<P.NewSessionResult>(M.SESSION_NEW, this.sessionParams());
    const session = new SessionState(result.sessionId);
    session.configOptions = result.configOptions;
    session.modes = result.modes;
    this.open.set(session.id, session);
    this.view.post({ type: 'reset', sessionId: session.id });
    this.activeId = session.id;
    this.tabs();
    this.postConfig(session);
    this.postCommands(session);
    this.statusChanged();
    this.opened.fire(session);
    return session;
  }

  /** Opens a stored session in a tab (or shows its tab) and redraws its conversation. */
  async resume(sessionId: string, title?: string): Promise<void> {
    if (!this.open.has(sessionId)) {
      const session = new SessionState(sessionId);
      session.title = title ?? session.title;
      this.open.set(sessionId, session);
      await this.load(await this.server.start(), session);
    }
    this.select(sessionId);
  }

  async close(sessionId: string): Promise<void> {
    const session = this.open.get(sessionId);
    if (session === undefined) {
      return;
    }
    if (session.turn !== undefined) {
      session.turn.cancelled = true;
      await this.server.current?.sendNotification(M.SESSION_CANCEL, { sessionId });
    }
    this.open.delete(sessionId);
    // The server forgets it (its journal stays, for the history); older servers keep it.
    void this.server.current?.sendRequest(M.SESSION_CLOSE, { sessionId }).catch(() => undefined);
    if (this.activeId === sessionId) {
      this.activeId = [...this.open.keys()].at(-1);
    }
    this.tabs();
    this.statusChanged();
  }

  private creating: Promise<SessionState> | undefined;

  /** The active session; a first one is made if there is none (once, however many ask). */
  async ensureActive(): Promise<SessionState> {
    if (this.active !== undefined) {
      return this.active;
    }
    this.creating ??= this.create().finally(() => {
      this.creating = undefined;
    });
    return this.creating;
  }

  /** A `session/update` from the server. */
  update(params: P.SessionNotification): void {
    const session = this.open.get(params.sessionId);
    if (session === undefined || this.muted) {
      return; // a late update of a session the user closed, or a replay the panel has
    }
    const update = params.update;
    switch (update.sessionUpdate) {
      case 'user_message_chunk':
        // A replayed prompt (session/load): a turn of its own.
        if (!session.inUserMessage) {
          session.inUserMessage = true;
          const text = update.content.type === 'text' ? update.content.text : '';
          this.view.post({ type: 'turnStart', sessionId: session.id, prompt: text, promptIndex: session.prompts++ });
          return;
        }
        break;
      case 'agent_message_chunk':
        this.setActivity(session, session.turn === undefined ? undefined : 'Writing the answer');
        break;
      case 'agent_thought_chunk':
        this.setActivity(session, session.turn === undefined ? undefined : 'Thinking');
        break;
      case 'tool_call':
      case 'tool_call_update':
        if (update.content?.some((c) => c.type === 'diff')) {
          session.editingPrompts.add(session.prompts - 1);
        }
        break;
      case 'available_commands_update':
        session.serverCommands = update.availableCommands;
        this.postCommands(session);
        break;
      case 'current_mode_update':
        if (session.modes) {
          session.modes = { ...session.modes, currentModeId: update.currentModeId };
          this.postConfig(session);
        }
        break;
      case 'config_option_update':
        session.configOptions = update.configOptions;
        this.postConfig(session);
        break;
      case 'session_info_update':
        if (update.title) {
          session.title = update.title;
          this.tabs();
        }
        break;
      default:
        break;
    }
    session.inUserMessage = update.sessionUpdate === 'user_message_chunk';
    this.view.post({ type: 'update', sessionId: session.id, update });
    this.listeners.fire({ session, update });
  }

  async setConfigOption(sessionId: string, configId: string, value: string): Promise<void> {
    const session = this.open.get(sessionId);
    if (session === undefined) {
      return;
    }
    const client = await this.server.start();
    const result = await client.sendRequest<{ configOptions?: P.SessionConfigOption[] }>(M.SESSION_SET_CONFIG_OPTION, {
      sessionId,
      configId,
      value,
    });
    if (result.configOptions) {
      session.configOptions = result.configOptions;
    }
    this.postConfig(session);
  }

  async setMode(sessionId: string, modeId: string): Promise<void> {
    const session = this.open.get(sessionId);
    if (session === undefined) {
      return;
    }
    const client = await this.server.start();
    await client.sendRequest(M.SESSION_SET_MODE, { sessionId, modeId });
    if (session.modes) {
      session.modes = { ...session.modes, currentModeId: modeId };
    }
    this.postConfig(session);
  }

  async history(): Promise<P.SessionInfo[]> {
    const client = await this.server.start();
    const params = this.sessionParams();
    const result = await client.sendRequest<P.ListSessionsResult>(
      M.SESSION_LIST,
      params.cwd === undefined ? {} : { cwd: params.cwd },
    );
    return result.sessions;
  }

  /** Redraws a session from the server's journal (`session/load` replays it as updates). */
  async load(client: LanguageClient, session: SessionState, redraw = true): Promise<void> {
    if (redraw) {
      session.prompts = 0;
      session.editingPrompts.clear();
      session.inUserMessage = false;
      this.view.post({ type: 'reset', sessionId: session.id });
    }
    const params: P.LoadSessionParams = { ...this.sessionParams(), sessionId: session.id };
    // The replay comes before the answer; without a redraw the panel already shows it.
    this.muted = !redraw;
    let result: P.NewSessionResult | null;
    try {
      result = await client.sendRequest<P.NewSessionResult | null>(M.SESSION_LOAD, params);
    } finally {
      this.muted = false;
    }
    session.configOptions = result?.configOptions ?? session.configOptions;
    session.modes = result?.modes ?? session.modes;
    session.inUserMessage = false;
    this.postConfig(session);
    this.postCommands(session);
    this.opened.fire(session);
  }

  /** A new server process: every open session is loaded into it again. */
  private async reloadAll(client: LanguageClient): Promise<void> {
    if (this.open.size === 0) {
      // A session from the start: the pickers and slash commands are there before a prompt.
      await this.ensureActive().catch((error: unknown) => {
        this.server.output.warn(`Creating a session failed: ${describe(error)}`);
      });
      return;
    }
    const notice = this.crashNotice;
    this.crashNotice = undefined;
    for (const session of [...this.open.values()]) {
      try {
        await this.load(client, session);
        if (notice !== undefined) {
          this.view.post({ type: 'notice', sessionId: session.id, level: 'warning', message: notice });
        }
      } catch (error) {
        if (errorType(error) !== 'unknown_session') {
          this.view.post({
            type: 'notice',
            sessionId: session.id,
            level: 'error',
            message: `Reloading the session failed: ${describe(error)}`,
          });
          continue;
        }
        // Never prompted, so never stored: nothing to reload; the tab goes on as a new session.
        const result = await client.sendRequest<P.NewSessionResult>(M.SESSION_NEW, this.sessionParams());
        this.open.delete(session.id);
        const wasActive = this.activeId === session.id;
        this.view.post({ type: 'reset', sessionId: session.id });
        session.id = result.sessionId;
        this.open.set(session.id, session);
        if (wasActive) {
          this.activeId = session.id;
        }
        this.tabs();
      }
    }
  }

  /** The server died: start it again (its `onStarted` reloads the sessions), unless it keeps dying. */
  private async recover(how: string): Promise<void> {
    const now = Date.now();
    this.crashedAt = [...this.crashedAt.filter((t) => now - t < 180_000), now];
    for (const session of this.open.values()) {
      this.setActivity(session, undefined);
    }
    if (this.crashedAt.length > 3) {
      const message = `${how} four times in three minutes; it is not restarted again. See "Agent: Show Server Log", then run "Agent: Restart Server".`;
      void vscode.window.showErrorMessage(`agentls: ${message}`, 'Show Log').then((choice) => {
        if (choice === 'Show Log') {
          this.server.output.show(true);
        }
      });
      return;
    }
    this.crashNotice = `${how}. It was restarted and this conversation reloaded from its journal; a turn that was running ends there.`;
    this.server.output.warn(`${how}; restarting it.`);
    try {
      await this.server.start();
    } catch (error) {
      void vscode.window.showErrorMessage(`agentls: ${how} and did not restart: ${describe(error)}`);
    }
  }

  setActivity(session: SessionState, activity: string | undefined): void {
    if (session.activity !== activity) {
      session.activity = activity;
      this.statusChanged();
    }
  }

  private postConfig(session: SessionState): void {
    this.view.post({
      type: 'config',
      sessionId: session.id,
      configOptions: session.configOptions,
      modes: session.modes,
    });
  }

  private postCommands(session: SessionState): void {
    const names = new Set(session.serverCommands.map((c) => c.name));
    const commands = [...session.serverCommands, ...CLIENT_COMMANDS.filter((c) => !names.has(c.name))];
    this.view.post({ type: 'commands', sessionId: session.id, commands });
  }

  private sessionParams(): P.NewSessionParams {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const params: P.NewSessionParams = { mcpServers: mcpServers() };
    if (folder?.uri.scheme === 'file') {
      params.cwd = folder.uri.fsPath;
    }
    return params;
  }

  dispose(): void {
    this.listeners.dispose();
    this.turnEnded.dispose();
    this.opened.dispose();
  }
}
