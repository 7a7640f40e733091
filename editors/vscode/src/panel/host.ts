// The agent panel's host side: a webview view in its own activity bar container. It keeps
// each open session's events so that a re-created webview can replay them, batches events
// into few postMessage calls, and hands the webview's messages to the extension.

import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import type { HostBatch, HostEvent, WebviewMessage } from '../messages';
import type { AgentView } from '../view';

export const VIEW_ID = 'agentls.panel';
// Updates arriving within this window go to the webview in one message; the webview
// renders at most once per animation frame anyway.
const BATCH_MS = 8;

export class PanelHost implements vscode.WebviewViewProvider, AgentView, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Each session's events since its transcript was last reset, for replay. */
  private readonly history = new Map<string, HostEvent[]>();
  /** The latest event of each session-less kind (tabs, status, …). */
  private readonly latest = new Map<string, HostEvent>();
  private readonly disposables: vscode.Disposable[] = [];
  onMessage: (message: WebviewMessage) => Promise<void> = () => Promise.resolve();

  constructor(private readonly extensionUri: vscode.Uri) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    view.webview.html = panelHtml(view.webview, this.extensionUri);
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: WebviewMessage) => {
        if (message.type === 'ready') {
          this.replay();
        } else {
          void this.onMessage(message).catch((error: unknown) => {
            void vscode.window.showErrorMessage(`agentls: ${error instanceof Error ? error.message : String(error)}`);
          });
        }
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    );
  }

  get visible(): boolean {
    return this.view?.visible === true;
  }

  async reveal(): Promise<void> {
    if (this.view !== undefined) {
      this.view.show(true);
      return;
    }
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
  }

  /** Focuses the panel's prompt box. */
  async focus(): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    this.post({ type: 'focusComposer' });
  }

  post(event: HostEvent): void {
    this.remember(event);
    this.queue.push(event);
    if (this.ready) {
      this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
    }
  }

  private remember(event: HostEvent): void {
    // What is for this moment only (the history list, answers to the prompt box) is not replayed.
    if (['focusComposer', 'fileMatches', 'restorePrompt', 'attach', 'history'].includes(event.type)) {
      return;
    }
    if (!('sessionId' in event) || event.sessionId === undefined) {
      this.latest.set(event.type, event);
      return;
    }
    if (event.type === 'reset') {
      this.history.set(event.sessionId, []);
    }
    let events = this.history.get(event.sessionId);
    if (events === undefined) {
      events = [];
      this.history.set(event.sessionId, events);
    }
    join(events, event);
  }

  private replay(): void {
    this.ready = true;
    // A new webview starts empty: give it every session, then what is current.
    const tabs = this.latest.get('tabs');
    const openIds = tabs?.type === 'tabs' ? new Set(tabs.tabs.map((t) => t.sessionId)) : new Set<string>();
    for (const id of [...this.history.keys()]) {
      if (!openIds.has(id)) {
        this.history.delete(id);
      }
    }
    this.queue = [
      ...(tabs ? [tabs] : []),
      ...[...this.history.values()].flat(),
      ...[...this.latest.values()].filter((e) => e !== tabs),
    ];
    this.flush();
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.view === undefined || !this.ready || this.queue.length === 0) {
      return;
    }
    const batch: HostBatch = { type: 'batch', events: this.queue };
    this.queue = [];
    void this.view.webview.postMessage(batch);
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
    }
  }
}

/**
 * Appends to a session's replay history, joining consecutive text chunks so it stays
 * compact. A `retry` keeps its place between the chunks (it drops text streamed before it,
 * not after), as it does in the live queue.
 */
function join(history: HostEvent[], event: HostEvent): void {
  const last = history[history.length - 1];
  // Successive updates of one tool call (a command's output as it streams) keep one event:
  // each carries its fields whole, so the merge draws the same card.
  if (
    event.type === 'update' &&
    last?.type === 'update' &&
    event.update.sessionUpdate === 'tool_call_update' &&
    (last.update.sessionUpdate === 'tool_call' || last.update.sessionUpdate === 'tool_call_update') &&
    last.update.toolCallId === event.update.toolCallId
  ) {
    const fields = Object.fromEntries(Object.entries(event.update).filter(([, v]) => v !== undefined && v !== null));
    history[history.length - 1] = {
      ...last,
      update: { ...last.update, ...fields, sessionUpdate: last.update.sessionUpdate } as typeof last.update,
    };
    return;
  }
  if (
    event.type === 'update' &&
    last?.type === 'update' &&
    (event.update.sessionUpdate === 'agent_message_chunk' || event.update.sessionUpdate === 'agent_thought_chunk') &&
    last.update.sessionUpdate === event.update.sessionUpdate &&
    event.update.content.type === 'text' &&
    last.update.content.type === 'text'
  ) {
    history[history.length - 1] = {
      ...last,
      update: {
        sessionUpdate: event.update.sessionUpdate,
        content: { type: 'text', text: last.update.content.text + event.update.content.text },
      },
    };
    return;
  }
  history.push(event);
}

function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} https: data: blob:`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Agent</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
