// The sections under the transcript: the session's pending changes (Keep / Undo per file
// and for all; a click opens the diff editor) and its MCP servers.

import type * as P from '../protocol';
import { button, el, relative, send } from './dom';

function count(file: P.ChangedFile): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const hunk of file.hunks) {
    added += hunk.newLines;
    removed += hunk.oldLines;
  }
  return { added, removed };
}

export function changesSection(sessionId: string, files: P.ChangedFile[]): HTMLElement[] {
  if (files.length === 0) {
    return [];
  }
  const details = el('details', 'section');
  details.open = true;
  const summary = el('summary', 'section-title');
  summary.append(el('span', undefined, `Changes · ${files.length} file${files.length === 1 ? '' : 's'}`));
  details.append(summary);
  const all = el('div', 'section-actions');
  all.append(
    button('Keep all', 'secondary keep-all', () => send({ type: 'review', sessionId, decision: 'accept' })),
    button('Undo all', 'secondary undo-all', () => send({ type: 'review', sessionId, decision: 'reject' })),
  );
  details.append(all);
  const list = el('ul', 'changes-list');
  for (const file of files) {
    const { added, removed } = count(file);
    const row = el('li', 'change');
    row.dataset.path = file.path;
    const open = button(
      relative(file.path),
      'link change-path',
      () => send({ type: 'openChange', sessionId, path: file.path }),
      `Open the diff of ${relative(file.path)}`,
    );
    row.append(open);
    if (file.status !== 'modified') {
      row.append(el('span', 'change-status', file.status));
    }
    row.append(
      el('span', 'diff-added', `+${added}`),
      el('span', 'diff-removed', `−${removed}`),
      button(
        'Keep',
        'secondary keep',
        () => send({ type: 'review', sessionId, decision: 'accept', path: file.path }),
        `Keep the changes to ${relative(file.path)}`,
      ),
      button(
        'Undo',
        'secondary undo',
        () => send({ type: 'review', sessionId, decision: 'reject', path: file.path }),
        `Undo the changes to ${relative(file.path)}`,
      ),
    );
    list.append(row);
  }
  details.append(list);
  return [details];
}

export function mcpSection(servers: P.McpServerStatus[]): HTMLElement[] {
  if (servers.length === 0) {
    return [];
  }
  const details = el('details', 'section');
  const up = servers.filter((s) => /connected|running|ready/i.test(s.status)).length;
  details.append(el('summary', 'section-title', `MCP servers · ${up}/${servers.length} connected`));
  const list = el('ul', 'mcp-list');
  for (const server of servers) {
    const row = el('li', `mcp-server mcp-${server.status}`);
    const tools = server.tools.map((t) => (typeof t === 'string' ? t : (t.title ?? t.name)));
    row.append(
      el('span', 'mcp-name', server.name),
      el('span', 'mcp-status', server.status),
      el(
        'span',
        'mcp-meta',
        `${server.transport} · ${server.source} · ${tools.length} tool${tools.length === 1 ? '' : 's'}`,
      ),
    );
    row.title = tools.join(', ');
    if (server.error) {
      row.append(el('div', 'mcp-error', server.error));
    }
    list.append(row);
  }
  details.append(list);
  return [details];
}
