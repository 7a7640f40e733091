// What the user attaches to a prompt (files with ranges, #problems, #selection, #terminal,
// images), turned into ACP content blocks, and the labels the panel shows for them.

import * as vscode from 'vscode';
import type { Attachment } from './messages';
import type { ContentBlock, Range } from './protocol';
import { terminalOutput } from './terminal';

/** The prompt's text plus its attachments as content blocks, and one label per attachment. */
export async function promptBlocks(
  text: string,
  attachments: Attachment[],
): Promise<{ blocks: ContentBlock[]; labels: string[] }> {
  const blocks: ContentBlock[] = [{ type: 'text', text }];
  const labels: string[] = [];
  for (const attachment of withInlineMentions(text, attachments)) {
    const resolved = await resolve(attachment);
    if (resolved !== undefined) {
      blocks.push(resolved.block);
      labels.push(resolved.label);
    }
  }
  return { blocks, labels };
}

/** `#problems`, `#selection`, `#terminal` and `@path#L1-2` typed in the text count as attached. */
function withInlineMentions(text: string, attachments: Attachment[]): Attachment[] {
  const all = [...attachments];
  const has = (kind: Attachment['kind']): boolean => all.some((a) => a.kind === kind);
  for (const kind of ['problems', 'selection', 'terminal'] as const) {
    if (new RegExp(`(^|\\s)#${kind}\\b`).test(text) && !has(kind)) {
      all.push({ kind });
    }
  }
  for (const match of text.matchAll(/(?:^|\s)@([\w./-]+)(?:#L(\d+)(?:-(\d+))?)?/g)) {
    const path = match[1] ?? '';
    if (!all.some((a) => a.kind === 'file' && a.path === path) && path.includes('.')) {
      const start = match[2] === undefined ? undefined : Number(match[2]);
      all.push({ kind: 'file', path, startLine: start, endLine: match[3] === undefined ? start : Number(match[3]) });
    }
  }
  return all;
}

async function resolve(attachment: Attachment): Promise<{ block: ContentBlock; label: string } | undefined> {
  switch (attachment.kind) {
    case 'file':
      return fileBlock(attachment.path, attachment.startLine, attachment.endLine);
    case 'selection':
      return selectionBlock();
    case 'problems':
      return { block: { type: 'text', text: problemsText() }, label: '#problems' };
    case 'terminal': {
      const output = await terminalOutput();
      if (output === undefined) {
        return undefined;
      }
      return {
        block: { type: 'text', text: `Output of the terminal "${output.name}":\n\`\`\`\n${output.text}\n\`\`\`` },
        label: `#terminal (${output.name})`,
      };
    }
    case 'image':
      return { block: { type: 'image', mimeType: attachment.mimeType, data: attachment.data }, label: attachment.name };
  }
}

async function fileBlock(
  file: string,
  startLine?: number,
  endLine?: number,
): Promise<{ block: ContentBlock; label: string } | undefined> {
  const uri = toUri(file);
  if (uri === undefined) {
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  let range: vscode.Range | undefined;
  if (startLine !== undefined) {
    const first = Math.max(0, startLine - 1);
    const last = Math.min(document.lineCount - 1, Math.max(first, (endLine ?? startLine) - 1));
    range = new vscode.Range(first, 0, last, document.lineAt(last).text.length);
  }
  const where = vscode.workspace.asRelativePath(uri);
  return {
    block: resourceBlock(document, range),
    label: range === undefined ? `@${where}` : `@${where}#${lineLabel(range)}`,
  };
}

function selectionBlock(): { block: ContentBlock; label: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.selection.isEmpty) {
    return undefined;
  }
  return {
    block: resourceBlock(editor.document, editor.selection),
    label: `selection in ${vscode.workspace.asRelativePath(editor.document.uri)}:${lineLabel(editor.selection, false)}`,
  };
}

export function resourceBlock(document: vscode.TextDocument, range?: vscode.Range): ContentBlock {
  const block: ContentBlock = {
    type: 'resource',
    resource: { uri: document.uri.toString(), text: document.getText(range), mimeType: mimeType(document.languageId) },
  };
  if (range !== undefined) {
    const wire: Range = {
      start: { line: range.start.line, character: range.start.character },
      end: { line: range.end.line, character: range.end.character },
    };
    block._meta = { agentls: { range: wire } };
  }
  return block;
}

/**
 * The lines a range covers, 1-based ("L3-5", or "3-5" without the L). A range that ends at
 * column 0 of a line does not include that line: selecting whole lines 1-2 with the cursor
 * at the start of line 3 is "1-2".
 */
export function lineLabel(range: vscode.Range, withL = true): string {
  const first = range.start.line + 1;
  let last = range.end.line + 1;
  if (range.end.character === 0 && range.end.line > range.start.line) {
    last -= 1;
  }
  const lines = first === last ? `${first}` : `${first}-${last}`;
  return withL ? `L${lines}` : lines;
}

function problemsText(): string {
  const lines: string[] = [];
  const severities = ['error', 'warning', 'info', 'hint'];
  for (const [uri, diagnostics] of vscode.languages.getDiagnostics()) {
    for (const d of diagnostics) {
      const where = `${vscode.workspace.asRelativePath(uri)}:${d.range.start.line + 1}:${d.range.start.character + 1}`;
      const source = d.source ? ` [${d.source}]` : '';
      lines.push(`${where}: ${severities[d.severity] ?? 'error'}: ${d.message}${source}`);
    }
  }
  return lines.length === 0
    ? 'Problems in the workspace (VS Code diagnostics): none.'
    : `Problems in the workspace (VS Code diagnostics):\n${lines.join('\n')}`;
}

function toUri(file: string): vscode.Uri | undefined {
  if (file.startsWith('/')) {
    return vscode.Uri.file(file);
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder === undefined ? undefined : vscode.Uri.joinPath(folder.uri, file);
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

/** Workspace files matching a fuzzy query, best first, for the `@` picker. */
export class FileIndex {
  private files: Thenable<string[]> | undefined;

  constructor() {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*', false, true, false);
    watcher.onDidCreate(() => (this.files = undefined));
    watcher.onDidDelete(() => (this.files = undefined));
  }

  async search(query: string, limit = 30): Promise<string[]> {
    this.files ??= vscode.workspace
      .findFiles('**/*', '{**/node_modules/**,**/.git/**,**/.venv/**,**/__pycache__/**}', 20_000)
      .then((uris) => uris.map((uri) => vscode.workspace.asRelativePath(uri)).sort());
    const files = await this.files;
    const q = query.toLowerCase();
    return files
      .map((file) => ({ file, score: fuzzyScore(file.toLowerCase(), q) }))
      .filter((m) => m.score > 0)
      .sort((a, b) => b.score - a.score || a.file.length - b.file.length)
      .slice(0, limit)
      .map((m) => m.file);
  }
}

/** 0 if `query`'s letters are not all in `text` in order; higher for tighter, later matches. */
export function fuzzyScore(text: string, query: string): number {
  if (query === '') {
    return 1;
  }
  let score = 1;
  let at = -1;
  const base = text.lastIndexOf('/') + 1;
  for (const ch of query) {
    const next = text.indexOf(ch, at + 1);
    if (next < 0) {
      return 0;
    }
    score += next === at + 1 ? 3 : 1;
    if (next >= base) {
      score += 1;
    }
    at = next;
  }
  return score;
}
