// Reviewing what the agent changed: the changes view's data (agentls/changes), Keep / Undo
// per hunk, file or all (agentls/review), the diff editor of a changed file against its
// baseline with Keep / Undo CodeLenses on each hunk, and rewinding to before a prompt.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as P from '../protocol';
import * as M from '../protocol';
import type { SessionState, Sessions } from '../session';
import type { AgentView } from '../view';
import { type DiffDocuments, settle } from './diffs';

export class Changes implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly files = new Map<string, P.ChangedFile[]>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly sessions: Sessions,
    private readonly view: AgentView,
    private readonly documents: DiffDocuments,
  ) {
    this.disposables.push(
      sessions.onUpdate(({ session, update }) => {
        if (update.sessionUpdate === 'changes_update') {
          // The update carries a summary per file (counts); the hunks come from agentls/changes.
          void this.refresh(session.id);
        }
      }),
      sessions.onTurnEnded((session) => void this.refresh(session.id)),
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this),
    );
  }

  private supports(method: string): boolean {
    return this.sessions.server.methods()?.includes(method) === true;
  }

  /**
   * Asks the server for the session's pending changes (unless the update carried them);
   * returns the first changed file's path, if any.
   */
  async refresh(sessionId: string, files?: P.ChangedFile[]): Promise<string | undefined> {
    const client = this.sessions.server.current;
    if (files === undefined) {
      if (client === undefined || !this.supports(M.CHANGES)) {
        return undefined;
      }
      files = (await client.sendRequest<P.ChangesResult>(M.CHANGES, { sessionId })).files;
    }
    this.files.set(sessionId, files);
    this.view.post({ type: 'changes', sessionId, files });
    this.lensesChanged.fire();
    return files[0]?.path;
  }

  async review(sessionId: string, decision: 'accept' | 'reject', file?: string, hunkIds?: string[]): Promise<void> {
    const client = await this.sessions.server.start();
    if (!this.supports(M.REVIEW)) {
      void vscode.window.showErrorMessage('agentls: this server cannot review changes hunk by hunk; update agentls.');
      return;
    }
    const params: P.ReviewParams = { sessionId, decision };
    if (file !== undefined) {
      params.path = file;
    }
    if (hunkIds !== undefined) {
      params.hunkIds = hunkIds;
    }
    const result = await client.sendRequest<P.ReviewResult>(M.REVIEW, params);
    const touched = (this.files.get(sessionId) ?? []).filter((f) => file === undefined || f.path === file);
    await settle(touched.map((f) => f.path));
    if (result.skipped.length > 0) {
      const message = `Kept ${result.skipped.length} hunk(s) you changed since: ${result.skipped.map((s) => s.reason).join('; ')}`;
      this.view.post({ type: 'notice', sessionId, level: 'warning', message });
    }
    await this.refresh(sessionId);
  }

  /** The diff editor: the file's baseline (before the agent's pending changes) ↔ the file now. */
  async open(sessionId: string, file: string): Promise<void> {
    const changed = this.files.get(sessionId)?.find((f) => f.path === file);
    if (changed === undefined) {
      return;
    }
    const current = vscode.Uri.file(file);
    let text = '';
    if (changed.status !== 'deleted') {
      text = (await vscode.workspace.openTextDocument(current)).getText();
    }
    const baseline = this.documents.set(`baseline/${sessionId}`, path.basename(file), baselineOf(text, changed));
    const title = `${path.basename(file)}: before the agent ↔ now`;
    await vscode.commands.executeCommand('vscode.diff', baseline, current, title, { preview: false });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    for (const [sessionId, files] of this.files) {
      const changed = files.find((f) => f.path === document.uri.fsPath);
      for (const hunk of changed?.hunks ?? []) {
        const line = Math.min(Math.max(0, hunk.newStart - 1), Math.max(0, document.lineCount - 1));
        const range = new vscode.Range(line, 0, line, 0);
        const args = [{ sessionId, path: document.uri.fsPath, hunkId: hunk.id }];
        lenses.push(
          new vscode.CodeLens(range, { title: '$(check) Keep', command: 'agentls.keepHunk', arguments: args }),
          new vscode.CodeLens(range, { title: '$(discard) Undo', command: 'agentls.undoHunk', arguments: args }),
        );
      }
    }
    return lenses;
  }

  /** Asks what to take back to before a prompt: the files, the conversation, or both. */
  async chooseRewind(session: SessionState, promptIndex: number, prompt: string): Promise<void> {
    const conversation = this.supports(M.REWIND);
    const items = [
      {
        label: 'Files',
        detail: 'Restore the files this prompt and later ones changed',
        files: true,
        conversation: false,
      },
      ...(conversation
        ? [
            {
              label: 'Conversation',
              detail: 'Forget this prompt and what followed; the files stay',
              files: false,
              conversation: true,
            },
            {
              label: 'Files and conversation',
              detail: 'Both: as if this prompt had not been sent',
              files: true,
              conversation: true,
            },
          ]
        : []),
    ];
    const picked = await vscode.window.showQuickPick(items, { title: `Rewind to before prompt ${promptIndex + 1}` });
    if (picked !== undefined) {
      await this.rewind(session, promptIndex, picked.files, picked.conversation, prompt);
    }
  }

  /**
   * Back to before prompt `promptIndex` of the session: its files (and later prompts' changes),
   * and/or its conversation (the transcript is redrawn and the prompt goes back to the box).
   */
  async rewind(
    session: SessionState,
    promptIndex: number,
    files = true,
    conversation = false,
    prompt = '',
  ): Promise<void> {
    if (session.turn !== undefined) {
      void vscode.window.showWarningMessage('agentls: a turn is running in this session: cancel it first.');
      return;
    }
    const client = await this.sessions.server.start();
    let result: P.RewindResult;
    if (this.supports(M.REWIND)) {
      const params: P.RewindParams = { sessionId: session.id, toPrompt: promptIndex, files, conversation };
      result = await client.sendRequest<P.RewindResult>(M.REWIND, params);
      if (conversation) {
        await this.sessions.load(client, session);
        this.view.post({ type: 'restorePrompt', text: prompt, attachments: [] });
      }
    } else {
      // Older servers undo one turn at a time, newest first: as many as changed files since.
      result = { restored: [], skipped: [] };
      const turns = [...session.editingPrompts].filter((i) => i >= promptIndex).length;
      for (let i = 0; i < turns; i++) {
        const undone = await client.sendRequest<P.UndoTurnResult>(M.UNDO_TURN, { sessionId: session.id });
        result.restored?.push(...undone.restored);
        result.skipped?.push(...undone.skipped);
      }
    }
    for (const index of [...session.editingPrompts]) {
      if (index >= promptIndex) {
        session.editingPrompts.delete(index);
      }
    }
    const restored = [...new Set(result.restored ?? [])];
    await settle(restored);
    const skipped = (result.skipped ?? []).map((s) => `${vscode.workspace.asRelativePath(s.path)} (${s.reason})`);
    const where = `to before prompt ${promptIndex + 1}`;
    let message = conversation ? `Rewound the conversation ${where}.` : `Rewound ${where}.`;
    if (files) {
      message +=
        restored.length > 0
          ? ` Restored ${restored.map((f) => vscode.workspace.asRelativePath(f)).join(', ')}.`
          : ' No file to restore.';
    }
    if (skipped.length > 0) {
      message += ` Kept ${skipped.join('; ')}: changed since.`;
    }
    this.view.post({ type: 'notice', sessionId: session.id, message, level: skipped.length > 0 ? 'warning' : 'info' });
    await this.refresh(session.id);
  }

  /** `agentls/undoTurn`: the server's last turn that changed files, from its journal. */
  async undoLastTurn(session: SessionState): Promise<void> {
    const client = await this.sessions.server.start();
    const result = await client.sendRequest<P.UndoTurnResult>(M.UNDO_TURN, { sessionId: session.id });
    await settle(result.restored);
    const restored = result.restored.map((f) => vscode.workspace.asRelativePath(f));
    const skipped = result.skipped.map((s) => `${vscode.workspace.asRelativePath(s.path)} (${s.reason})`);
    let message =
      restored.length > 0 ? `Undid the last turn: restored ${restored.join(', ')}.` : 'No turn left to undo.';
    if (skipped.length > 0) {
      message += ` Kept ${skipped.join('; ')}: changed since.`;
    }
    this.view.post({ type: 'notice', sessionId: session.id, message, level: skipped.length > 0 ? 'warning' : 'info' });
    await this.refresh(session.id);
  }

  dispose(): void {
    this.lensesChanged.dispose();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The file's text with its pending hunks taken back: the baseline the hunks were made against. */
export function baselineOf(current: string, file: P.ChangedFile): string {
  if (file.status === 'created') {
    return '';
  }
  const lines = current.split(/(?<=\n)/);
  const hunks = [...file.hunks].sort((a, b) => b.newStart - a.newStart);
  for (const hunk of hunks) {
    const old = hunk.oldText === '' ? [] : hunk.oldText.split(/(?<=\n)/);
    // A pure insertion (newLines 0 … ) or deletion: newStart names the line before it.
    const start = hunk.newLines === 0 ? hunk.newStart : hunk.newStart - 1;
    lines.splice(start, hunk.newLines, ...old);
  }
  return lines.join('');
}
