// The agent panel: a webview view in its own activity bar container. The host side keeps
// the session's events so a re-created webview can replay them, batches events into few
// postMessage calls, and answers the webview's buttons.

import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Agent, AgentView } from './client';
import { describe } from './client';
import type { HostBatch, HostEvent, WebviewMessage } from './messages';
import type * as P from './protocol';

export const VIEW_ID = 'agentls.panel';
export const DIFF_SCHEME = 'agentls-diff';
// Updates arriving within this window go to the webview in one message; the webview
// renders at most once per animation frame anyway.
const BATCH_MS = 8;

export class AgentPanel implements vscode.WebviewViewProvider, AgentView, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private queue: HostEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** Everything since the session started, for replay into a new webview. */
  private history: HostEvent[] = [];
  private readonly permissions = new Map<number, (outcome: P.RequestPermissionOutcome) => void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly agent: Agent,
    private readonly diffs: DiffDocuments,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const media = vscode.Uri.joinPath(this.extensionUri, 'media');
    const dist = vscode.Uri.joinPath(this.extensionUri, 'dist');
    view.webview.options = { enableScripts: true, localResourceRoots: [media, dist] };
    view.webview.html = panelHtml(view.webview, this.extensionUri);
    this.disposables.push(
      view.webview.onDidReceiveMessage((message: WebviewMessage) => void this.onMessage(message)),
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

  post(event: HostEvent): void {
    if (event.type === 'reset') {
      this.history = [];
    }
    if (event.type !== 'status') {
      remember(this.history, event);
    }
    this.queue.push(event);
    if (this.ready) {
      this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
    }
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

  askPermission(
    requestId: number,
    params: P.RequestPermissionParams,
    token: vscode.CancellationToken,
  ): Promise<P.RequestPermissionOutcome> | undefined {
    if (!this.visible) {
      return undefined;
    }
    return new Promise((resolve) => {
      const done = (outcome: P.RequestPermissionOutcome): void => {
        if (!this.permissions.delete(requestId)) {
          return;
        }
        subscription.dispose();
        const label =
          outcome.outcome === 'selected'
            ? params.options.find((option) => option.optionId === outcome.optionId)?.name
            : 'Withdrawn';
        this.post({ type: 'permissionDone', requestId, outcome, label });
        resolve(outcome);
      };
      // The server withdraws the question when the turn is cancelled.
      const subscription = token.onCancellationRequested(() => done({ outcome: 'cancelled' }));
      this.permissions.set(requestId, done);
      this.post({ type: 'permission', requestId, params });
    });
  }

  private async onMessage(message: WebviewMessage): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          // A new webview starts empty: give it the whole session, then what is queued.
          this.queue = [...this.history];
          this.flush();
          this.agent.postStatus();
          break;
        case 'prompt':
          await vscode.commands.executeCommand('agentls.ask', message.text);
          break;
        case 'cancel':
          await this.agent.cancel();
          break;
        case 'newSession':
          await vscode.commands.executeCommand('agentls.newSession');
          break;
        case 'undoTurn':
          await vscode.commands.executeCommand('agentls.undoTurn');
          break;
        case 'openDiff':
          await this.openDiff(message.toolCallId, message.index);
          break;
        case 'openLocation':
          await openLocation(message.path, message.line);
          break;
        case 'permission':
          this.permissions.get(message.requestId)?.(
            message.optionId === null ? { outcome: 'cancelled' } : { outcome: 'selected', optionId: message.optionId },
          );
          break;
      }
    } catch (error) {
      void vscode.window.showErrorMessage(`agentls: ${describe(error)}`);
    }
  }

  private async openDiff(toolCallId: string, index: number): Promise<void> {
    const diff = this.agent.diffsOf(toolCallId)[index];
    if (diff === undefined) {
      void vscode.window.showWarningMessage(
        'agentls: this edit is from an earlier session or server run; its before/after texts are gone.',
      );
      return;
    }
    const name = path.basename(diff.path);
    const before = this.diffs.add(`${toolCallId}/${index}/before/${name}`, diff.oldText ?? '');
    const after = this.diffs.add(`${toolCallId}/${index}/after/${name}`, diff.newText);
    const title = `${name}: before ↔ after the agent's edit`;
    await vscode.commands.executeCommand('vscode.diff', before, after, title, { preview: true });
  }

  dispose(): void {
    for (const done of this.permissions.values()) {
      done({ outcome: 'cancelled' });
    }
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer);
    }
  }
}

/**
 * Appends to the replay history, joining consecutive text chunks so it stays compact. A
 * `retry` keeps its place between the chunks (it drops text streamed before it, not after),
 * as it does in the live queue: events go to the webview in order, batches included.
 */
function remember(history: HostEvent[], event: HostEvent): void {
  const last = history[history.length - 1];
  if (
    event.type === 'update' &&
    last?.type === 'update' &&
    (event.update.sessionUpdate === 'agent_message_chunk' || event.update.sessionUpdate === 'agent_thought_chunk') &&
    last.update.sessionUpdate === event.update.sessionUpdate &&
    'text' in event.update.content &&
    'text' in last.update.content
  ) {
    history[history.length - 1] = {
      type: 'update',
      update: {
        sessionUpdate: event.update.sessionUpdate,
        content: { type: 'text', text: last.update.content.text + event.update.content.text },
      },
    };
    return;
  }
  history.push(event);
}

async function openLocation(file: string, line?: number | null): Promise<void> {
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
}

/** Read-only documents holding the before/after texts of edits, for VS Code's diff editor. */
export class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  add(key: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${key}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

function panelHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `img-src ${webview.cspSource} https: data:`,
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
