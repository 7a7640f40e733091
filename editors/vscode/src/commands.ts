// The "Agent: …" commands.

import * as vscode from 'vscode';
import { type Agent, SECRET_KEY, SetupError, describe, environmentHasKey, showSetupError } from './client';
import type { AgentPanel } from './panel';
import type * as P from './protocol';

export function registerCommands(context: vscode.ExtensionContext, agent: Agent, panel: AgentPanel): void {
  const register = (id: string, run: (...args: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (error) {
          if (error instanceof SetupError) {
            showSetupError(error);
          } else {
            void vscode.window.showErrorMessage(`agentls: ${describe(error)}`);
          }
        }
      }),
    );
  };

  register('agentls.ask', async (text?: unknown) => {
    const question =
      typeof text === 'string' && text.trim()
        ? text
        : await vscode.window.showInputBox({
            title: 'Agent: Ask',
            prompt: 'What should the agent do?',
            placeHolder: 'e.g. Why does the test in tests/test_store.py fail?',
            ignoreFocusOut: true,
          });
    if (!question?.trim()) {
      return;
    }
    await panel.reveal();
    await agent.prompt([{ type: 'text', text: question }], question);
  });

  register('agentls.askAboutSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('agentls: select some text in an editor first, then run "Agent: Ask about Selection".');
      return;
    }
    const selection = editor.selection;
    const question = await vscode.window.showInputBox({
      title: 'Agent: Ask about Selection',
      prompt: 'What should the agent do with the selection?',
      value: 'Explain this code.',
      ignoreFocusOut: true,
    });
    if (!question?.trim()) {
      return;
    }
    const document = editor.document;
    const range: P.Range = {
      start: { line: selection.start.line, character: selection.start.character },
      end: { line: selection.end.line, character: selection.end.character },
    };
    const blocks: P.ContentBlock[] = [
      { type: 'text', text: question },
      {
        type: 'resource',
        resource: { uri: document.uri.toString(), text: document.getText(selection), mimeType: mimeType(document.languageId) },
        _meta: { agentls: { range } },
      },
    ];
    const where = `${vscode.workspace.asRelativePath(document.uri)}:${selection.start.line + 1}-${selection.end.line + 1}`;
    await panel.reveal();
    await agent.prompt(blocks, question, `selection in ${where}`);
  });

  register('agentls.cancel', () => agent.cancel());
  register('agentls.undoTurn', () => agent.undoTurn());
  register('agentls.newSession', async () => {
    await panel.reveal();
    await agent.newSession();
  });
  register('agentls.restartServer', () => agent.restart());
  register('agentls.showLog', () => {
    agent.output.show(true);
    return Promise.resolve();
  });

  register('agentls.setApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'Agent: Set API Key',
      prompt: 'Your Anthropic API key. It is kept in VS Code\'s secret storage and given to the server through its environment. Leave empty to delete the stored key.',
      password: true,
      ignoreFocusOut: true,
      placeHolder: 'sk-ant-…',
    });
    if (key === undefined) {
      return;
    }
    if (key.trim()) {
      await context.secrets.store(SECRET_KEY, key.trim());
    } else {
      await context.secrets.delete(SECRET_KEY);
    }
    if (environmentHasKey()) {
      void vscode.window.showWarningMessage(
        'agentls: ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) is set in the environment VS Code started with; the server uses that one, not the stored key.',
      );
    } else {
      void vscode.window.showInformationMessage(key.trim() ? 'agentls: API key stored.' : 'agentls: stored API key deleted.');
    }
    // The key reaches the server through its environment, so a running server restarts.
    if (!agent.isRunning) {
      await agent.restart();
    }
  });
}

function mimeType(languageId: string): string {
  const known: Record<string, string> = {
    python: 'text/x-python',
    javascript: 'text/javascript',
    typescript: 'text/typescript',
    markdown: 'text/markdown',
    json: 'application/json',
    plaintext: 'text/plain',
  };
  return known[languageId] ?? `text/x-${languageId}`;
}
