// Entry point: wires the server connection, the sessions, the panel and the commands.

import * as vscode from 'vscode';
import { type Parts, registerCommands, showError } from './commands';
import { onPanelMessage } from './panel/actions';
import { FileIndex } from './context';
import { McpServers } from './mcp';
import { Changes } from './panel/changes';
import { DIFF_SCHEME, DiffDocuments, ToolDiffs, saveDocuments } from './panel/diffs';
import { PanelHost, VIEW_ID } from './panel/host';
import { Permissions } from './permissions';
import * as M from './protocol';
import type * as P from './protocol';
import { ServerConnection } from './server/client';
import { Sessions } from './session';
import { StatusBar } from './status';
import { Turns } from './turns';
import { recordTerminalOutput } from './terminal';

let server: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('agentls', { log: true });
  const panel = new PanelHost(context.extensionUri);
  const permissions = new Permissions(panel);
  const documents = new DiffDocuments();
  const toolDiffs = new ToolDiffs(documents);
  // eslint-disable-next-line prefer-const -- the handlers need the sessions made after them
  let sessions: Sessions | undefined;
  server = new ServerConnection(context.secrets, output, (client) => {
    client.onNotification(M.SESSION_UPDATE, (params: P.SessionNotification) => {
      if (params.update.sessionUpdate === 'tool_call' || params.update.sessionUpdate === 'tool_call_update') {
        toolDiffs.remember(params.sessionId, params.update.toolCallId, params.update.content);
      }
      sessions?.update(params);
    });
    client.onRequest(
      M.SESSION_REQUEST_PERMISSION,
      (params: P.RequestPermissionParams, token: vscode.CancellationToken) => permissions.ask(params, token),
    );
    client.onRequest(M.SAVE_DOCUMENTS, (params: P.SaveDocumentsParams) => saveDocuments(params));
  });
  const status = new StatusBar(server, panel);
  sessions = new Sessions(server, panel, () => status.update());
  status.sessions = sessions;
  const changes = new Changes(sessions, panel, documents);
  const parts: Parts = {
    sessions,
    turns: new Turns(sessions, panel),
    panel,
    changes,
    toolDiffs,
    permissions,
    files: new FileIndex(),
  };
  panel.onMessage = (message) => onPanelMessage(message, parts);
  const connection = server;
  context.subscriptions.push(
    output,
    server,
    sessions,
    panel,
    permissions,
    changes,
    status,
    new McpServers(sessions, panel),
    server.onStatus(() => status.update()),
    recordTerminalOutput(),
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, documents),
    vscode.window.registerWebviewViewProvider(VIEW_ID, panel, { webviewOptions: { retainContextWhenHidden: true } }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration('agentls.mcpServers')) {
        panel.post({
          type: 'notice',
          level: 'info',
          message: 'MCP servers changed: new sessions use them (+ or /new).',
        });
      }
      if ((await connection.configurationChanged(event)) === 'restart') {
        // A fixed server command takes effect at once, unless a turn runs.
        if (sessions.anyRunning) {
          void vscode.window.showInformationMessage(
            'agentls: the new server command is used after this turn, with "Agent: Restart Server".',
          );
        } else {
          await connection.restart().catch(showError);
        }
      }
    }),
  );
  registerCommands(context, parts);
  // Started now so the first prompt does not wait for Python to boot; a failure is shown
  // once here and again, with the same advice, when the user asks something.
  server.start().catch(showError);
}

export async function deactivate(): Promise<void> {
  await server?.stop();
}
