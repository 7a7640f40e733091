// Before/after texts for VS Code's diff editor: each tool call's edit ("Open diff"), and a
// changed file's baseline (the changes view). Plus bringing documents back to clean when an
// undo leaves them equal to the disk.

import * as path from 'node:path';
import * as vscode from 'vscode';
import type * as P from '../protocol';

export const DIFF_SCHEME = 'agentls-diff';

/** Read-only documents holding texts for the diff editor. */
export class DiffDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  set(key: string, name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${key}/${name}` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

/** The diffs of each tool call, by session, for "Open diff" on its card. */
export class ToolDiffs {
  private readonly diffs = new Map<string, P.Diff[]>();

  constructor(private readonly documents: DiffDocuments) {}

  remember(sessionId: string, toolCallId: string, content: P.ToolCallContent[] | null | undefined): void {
    const diffs = (content ?? []).filter((c): c is P.Diff & { type: 'diff' } => c.type === 'diff');
    if (diffs.length > 0) {
      this.diffs.set(`${sessionId}/${toolCallId}`, diffs);
    }
  }

  async open(sessionId: string, toolCallId: string, index: number): Promise<void> {
    const diff = this.diffs.get(`${sessionId}/${toolCallId}`)?.[index];
    if (diff === undefined) {
      void vscode.window.showWarningMessage(
        'agentls: this edit is from an earlier server run; its before/after texts are gone. The changes view has what is pending.',
      );
      return;
    }
    const name = path.basename(diff.path);
    const before = this.documents.set(`${toolCallId}/${index}/before`, name, diff.oldText ?? '');
    const after = this.documents.set(`${toolCallId}/${index}/after`, name, diff.newText);
    const title = `${name}: before ↔ after the agent's edit`;
    await vscode.commands.executeCommand('vscode.diff', before, after, title, { preview: true });
  }
}

/**
 * Documents that an undo or a rejected hunk left equal to the file on disk are saved, so
 * their tabs are not left dirty with nothing to save.
 */
export async function settle(files: string[]): Promise<void> {
  for (const file of files) {
    const uri = file.includes('://') ? vscode.Uri.parse(file) : vscode.Uri.file(file);
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (document?.isDirty !== true) {
      continue;
    }
    try {
      const disk = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      if (disk === document.getText()) {
        await document.save();
      }
    } catch {
      // The file is gone from disk (an undone creation): nothing to compare with.
    }
  }
}

/** `agentls/saveDocuments`: saves the open documents the server names. */
export async function saveDocuments(params: P.SaveDocumentsParams): Promise<{ saved: string[] }> {
  const wanted = new Set([
    ...(params.uris ?? []).map((u) => vscode.Uri.parse(u).toString()),
    ...(params.paths ?? []).map((p) => vscode.Uri.file(p).toString()),
  ]);
  const saved: string[] = [];
  for (const document of vscode.workspace.textDocuments) {
    if (wanted.has(document.uri.toString()) && document.isDirty && (await document.save())) {
      saved.push(params.uris === undefined ? document.uri.fsPath : document.uri.toString());
    }
  }
  return { saved };
}
