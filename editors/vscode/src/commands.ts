// The "Agent: …" commands, and what the panel's buttons and slash commands ask for.

import * as vscode from 'vscode';
import { type FileIndex, lineLabel } from './context';
import type { Attachment } from './messages';
import type { Changes } from './panel/changes';
import type { PanelHost } from './panel/host';
import type { ToolDiffs } from './panel/diffs';
import type { Permissions } from './permissions';
import { SECRET_KEY, describe, environmentHasKey } from './server/client';
import { SetupError } from './server/discovery';
import type { Sessions } from './session';
import type { Turns } from './turns';

export interface Parts {
  sessions: Sessions;
  turns: Turns;
  panel: PanelHost;
  changes: Changes;
  toolDiffs: ToolDiffs;
  permissions: Permissions;
  files: FileIndex;
}

export function registerCommands(context: vscode.ExtensionContext, parts: Parts): void {
  const { sessions, panel, changes } = parts;
  const register = (id: string, run: (...args: unknown[]) => Promise<unknown>): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (error) {
          showError(error);
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
    await parts.turns.prompt(question, []);
  });

  register('agentls.askAboutSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage(
        'agentls: select some text in an editor first, then run "Agent: Ask about Selection".',
      );
      return;
    }
    const question = await vscode.window.showInputBox({
      title: 'Agent: Ask about Selection',
      prompt: 'What should the agent do with the selection?',
      value: 'Explain this code.',
      ignoreFocusOut: true,
    });
    if (!question?.trim()) {
      return;
    }
    await panel.reveal();
    await parts.turns.prompt(question, [{ kind: 'selection' }]);
  });

  register('agentls.addSelection', async () => {
    const editor = vscode.window.activeTextEditor;
    if (editor === undefined) {
      return;
    }
    const file = vscode.workspace.asRelativePath(editor.document.uri);
    const attachment: Attachment = editor.selection.isEmpty
      ? { kind: 'file', path: file }
      : {
          kind: 'file',
          path: file,
          startLine: editor.selection.start.line + 1,
          endLine: Number(lineLabel(editor.selection, false).split('-').at(-1)),
        };
    const label = attachment.startLine === undefined ? `@${file}` : `@${file}#${lineLabel(editor.selection)}`;
    await panel.focus();
    panel.post({ type: 'attach', attachment, label });
  });

  register('agentls.focusPanel', () => panel.focus());
  register('agentls.cancel', () => parts.turns.cancel());
  register('agentls.newSession', async () => {
    await panel.reveal();
    await sessions.create();
    panel.post({ type: 'focusComposer' });
  });
  register('agentls.undoTurn', async () => {
    const session = sessions.active;
    if (session === undefined) {
      void vscode.window.showInformationMessage('agentls: there is no session to undo a turn of.');
      return;
    }
    // The last turn this panel saw edit files; after a reload the server's journal knows.
    const last = Math.max(-1, ...session.editingPrompts);
    await (last >= 0 ? changes.rewind(session, last) : changes.undoLastTurn(session));
  });
  register('agentls.reviewChanges', async () => {
    const session = await sessions.ensureActive();
    await panel.reveal();
    const first = await changes.refresh(session.id);
    if (first === undefined) {
      panel.post({
        type: 'notice',
        sessionId: session.id,
        level: 'info',
        message: 'No pending changes in this session.',
      });
    } else {
      await changes.open(session.id, first);
    }
  });
  register('agentls.sessions', () => pickSession(sessions, panel));
  register('agentls.pickModel', () => pickConfig(sessions, 'model'));
  register('agentls.pickMode', () => pickMode(sessions));
  register('agentls.keepHunk', (arg) => reviewHunk(changes, 'accept', arg));
  register('agentls.undoHunk', (arg) => reviewHunk(changes, 'reject', arg));
  register('agentls.restartServer', () => sessions.server.restart());
  register('agentls.openServerSetting', () => openSetting('agentls.serverCommand'));
  register('agentls.showLog', () => {
    sessions.server.output.show(true);
    return Promise.resolve();
  });

  register('agentls.setApiKey', async () => {
    const key = await vscode.window.showInputBox({
      title: 'Agent: Set API Key',
      prompt:
        "Your Anthropic API key. It is kept in VS Code's secret storage and given to the server through its environment. Leave empty to delete the stored key.",
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
      return;
    }
    // The key reaches the server through its environment: a new server process (with the
    // open sessions reloaded into it) takes it. A running turn finishes first.
    while (sessions.anyRunning) {
      await new Promise<void>((resolve) => {
        const done = sessions.onTurnEnded(() => {
          done.dispose();
          resolve();
        });
      });
    }
    await sessions.server.restart();
    void vscode.window.showInformationMessage(
      key.trim() ? 'agentls: API key stored; the next prompt uses it.' : 'agentls: stored API key deleted.',
    );
  });
}

export async function pickSession(sessions: Sessions, panel: PanelHost): Promise<void> {
  const stored = await sessions.history();
  const picked = await vscode.window.showQuickPick(
    stored.map((s) => ({
      label: s.title ?? '(untitled)',
      description: s.updatedAt ? new Date(s.updatedAt).toLocaleString() : undefined,
      sessionId: s.sessionId,
    })),
    { title: 'Agent: Sessions', placeHolder: 'Resume a session of this workspace' },
  );
  if (picked !== undefined) {
    await panel.reveal();
    await sessions.resume(picked.sessionId, picked.label);
  }
}

export async function pickConfig(sessions: Sessions, configId: string): Promise<void> {
  const session = await sessions.ensureActive();
  const option = session.configOptions?.find((o) => o.id === configId);
  if (option?.type !== 'select') {
    void vscode.window.showInformationMessage(
      `agentls: this server offers no ${configId} choice; set agentls.${configId} instead.`,
    );
    return;
  }
  const flat = option.options.flatMap((o) => ('group' in o ? o.options : [o]));
  const picked = await vscode.window.showQuickPick(
    flat.map((o) => ({
      label: o.name,
      description: o.value === option.currentValue ? 'current' : undefined,
      value: o.value,
    })),
    { title: `Agent: Pick ${option.name}` },
  );
  if (picked !== undefined) {
    await sessions.setConfigOption(session.id, configId, picked.value);
  }
}

export async function pickMode(sessions: Sessions): Promise<void> {
  const session = await sessions.ensureActive();
  const modes = session.modes;
  if (!modes) {
    void vscode.window.showInformationMessage(
      'agentls: this server offers no modes; set agentls.permissionMode instead.',
    );
    return;
  }
  const picked = await vscode.window.showQuickPick(
    modes.availableModes.map((m) => ({
      label: m.name,
      description: m.id === modes.currentModeId ? 'current' : undefined,
      detail: m.description ?? undefined,
      id: m.id,
    })),
    { title: 'Agent: Pick Mode' },
  );
  if (picked !== undefined) {
    await sessions.setMode(session.id, picked.id);
  }
}

async function reviewHunk(changes: Changes, decision: 'accept' | 'reject', arg: unknown): Promise<void> {
  const hunk = arg as { sessionId: string; path: string; hunkId: string } | undefined;
  if (hunk !== undefined) {
    await changes.review(hunk.sessionId, decision, hunk.path, [hunk.hunkId]);
  }
}

export function showError(error: unknown): void {
  if (!(error instanceof SetupError)) {
    void vscode.window.showErrorMessage(`agentls: ${describe(error)}`);
    return;
  }
  const message = error.message.startsWith('agentls:') ? error.message : `agentls: ${error.message}`;
  void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
    if (choice === 'Open Settings') {
      void openSetting(error.setting ?? 'agentls.serverCommand');
    } else if (choice === 'Show Log') {
      void vscode.commands.executeCommand('agentls.showLog');
    }
  });
}

/**
 * Opens the settings UI on a setting, in the scope whose value is in force: a workspace's
 * value wins over the others; otherwise, in a remote window (code-server, SSH), the
 * machine-overridable server command is set in the Remote tab, where the User tab hides it.
 */
async function openSetting(setting: string): Promise<void> {
  const dot = setting.indexOf('.');
  const info = vscode.workspace.getConfiguration(setting.slice(0, dot)).inspect(setting.slice(dot + 1));
  let command = 'workbench.action.openGlobalSettings';
  if (info?.workspaceFolderValue !== undefined || info?.workspaceValue !== undefined) {
    command = 'workbench.action.openWorkspaceSettings';
  } else if (vscode.env.remoteName !== undefined) {
    command = 'workbench.action.openRemoteSettings';
  }
  await vscode.commands.executeCommand(command, { query: setting });
}
