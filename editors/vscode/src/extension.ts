// Entry point: wires the server client, the panel and the commands together.

import * as vscode from 'vscode';
import { Agent, showSetupError } from './client';
import { registerCommands } from './commands';
import { AgentPanel, DIFF_SCHEME, DiffDocuments, VIEW_ID } from './panel';

let agent: Agent | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('agentls', { log: true });
  agent = new Agent(context, output);
  const diffs = new DiffDocuments();
  const panel = new AgentPanel(context.extensionUri, agent, diffs);
  agent.view = panel;
  context.subscriptions.push(
    output,
    agent,
    panel,
    vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diffs),
    vscode.window.registerWebviewViewProvider(VIEW_ID, panel, { webviewOptions: { retainContextWhenHidden: true } }),
  );
  registerCommands(context, agent, panel);
  // Started now so the first prompt does not wait for Python to boot; a failure is shown
  // once here and again, with the same advice, when the user asks something.
  agent.start().catch(showSetupError);
}

export async function deactivate(): Promise<void> {
  await agent?.stop();
}
