// What the panel's buttons, links and slash commands ask the extension to do.

import * as vscode from 'vscode';
import { type Parts, pickConfig, pickMode, showError } from '../commands';
import type { WebviewMessage } from '../messages';

/** A message from the panel's webview. */
export async function onPanelMessage(message: WebviewMessage, parts: Parts): Promise<void> {
  const { sessions, panel, changes } = parts;
  switch (message.type) {
    case 'ready':
      break;
    case 'prompt':
      try {
        await parts.turns.prompt(message.text, message.attachments, message.sessionId);
      } catch (error) {
        showError(error);
      }
      break;
    case 'cancel':
      await parts.turns.cancel(message.sessionId);
      break;
    case 'dequeue':
      parts.turns.dequeue(message.sessionId, message.index);
      break;
    case 'newSession':
      await vscode.commands.executeCommand('agentls.newSession');
      break;
    case 'selectTab':
      sessions.select(message.sessionId);
      break;
    case 'closeTab':
      await sessions.close(message.sessionId);
      break;
    case 'history':
      panel.post({ type: 'history', sessions: await sessions.history() });
      break;
    case 'loadSession':
      await sessions.resume(message.sessionId);
      break;
    case 'rewind': {
      const session = sessions.open.get(message.sessionId);
      if (session !== undefined) {
        if (message.choose === true) {
          await changes.chooseRewind(session, message.promptIndex, message.prompt ?? '');
        } else {
          await changes.rewind(session, message.promptIndex);
        }
      }
      break;
    }
    case 'openDiff':
      await parts.toolDiffs.open(message.sessionId, message.toolCallId, message.index);
      break;
    case 'openLocation':
      await openLocation(message.path, message.line);
      break;
    case 'permission':
      parts.permissions.answer(message.requestId, message.optionId);
      break;
    case 'setConfig':
      await sessions.setConfigOption(message.sessionId, message.configId, message.value);
      break;
    case 'setMode':
      await sessions.setMode(message.sessionId, message.modeId);
      break;
    case 'searchFiles':
      panel.post({ type: 'fileMatches', requestId: message.requestId, files: await parts.files.search(message.query) });
      break;
    case 'review':
      await changes.review(message.sessionId, message.decision, message.path, message.hunkIds);
      break;
    case 'openChange':
      await changes.open(message.sessionId, message.path);
      break;
    case 'code':
      await codeAction(message.action, message.code, message.language);
      break;
    case 'command':
      await clientCommand(message.name, message.args, parts);
      break;
  }
}

/** The slash commands the extension runs itself (the server's go out as prompts). */
async function clientCommand(name: string, args: string, parts: Parts): Promise<void> {
  const { sessions } = parts;
  const session = sessions.active;
  switch (name) {
    case 'new':
      await vscode.commands.executeCommand('agentls.newSession');
      break;
    case 'sessions':
      parts.panel.post({ type: 'history', sessions: await sessions.history() });
      break;
    case 'model':
      if (args && session) {
        await sessions.setConfigOption(session.id, 'model', args);
      } else {
        await pickConfig(sessions, 'model');
      }
      break;
    case 'mode':
      if (args && session) {
        await sessions.setMode(session.id, args);
      } else {
        await pickMode(sessions);
      }
      break;
    case 'review':
      await vscode.commands.executeCommand('agentls.reviewChanges');
      break;
    case 'agentls.setApiKey':
    case 'agentls.openServerSetting':
      // The fix offered under an error.
      await vscode.commands.executeCommand(name);
      break;
  }
}

async function codeAction(action: 'copy' | 'insert' | 'newFile', code: string, language: string): Promise<void> {
  if (action === 'copy') {
    await vscode.env.clipboard.writeText(code);
    void vscode.window.setStatusBarMessage('Copied', 2000);
  } else if (action === 'insert') {
    const editor = vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
    if (editor === undefined) {
      void vscode.window.showInformationMessage('agentls: open an editor to insert the code into.');
      return;
    }
    await editor.edit((edit) => edit.replace(editor.selection, code));
  } else {
    const document = await vscode.workspace.openTextDocument({ content: code, language: language || undefined });
    await vscode.window.showTextDocument(document);
  }
}

async function openLocation(file: string, line?: number | null): Promise<void> {
  // Search hits name files relative to the workspace; locations are absolute.
  const folder = vscode.workspace.workspaceFolders?.[0];
  const uri =
    file.startsWith('/') || folder === undefined ? vscode.Uri.file(file) : vscode.Uri.joinPath(folder.uri, file);
  const document = await vscode.workspace.openTextDocument(uri);
  const position = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
}
