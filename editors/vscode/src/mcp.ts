// The MCP servers of each session (agentls/mcpServers), for the panel's MCP section.

import type * as vscode from 'vscode';
import * as M from './protocol';
import type * as P from './protocol';
import type { Sessions } from './session';
import type { AgentView } from './view';

export class McpServers implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly sessions: Sessions,
    private readonly view: AgentView,
  ) {
    this.disposables = [
      sessions.onOpened((session) => void this.refresh(session.id)),
      sessions.onUpdate(({ session, update }) => {
        if (update.sessionUpdate === 'mcp_servers_update') {
          void this.refresh(session.id, update.servers);
        }
      }),
    ];
  }

  async refresh(sessionId: string, servers?: P.McpServerStatus[]): Promise<void> {
    const client = this.sessions.server.current;
    if (servers === undefined) {
      if (client === undefined || this.sessions.server.methods()?.includes(M.MCP_SERVERS) !== true) {
        return;
      }
      servers = (await client.sendRequest<{ servers: P.McpServerStatus[] }>(M.MCP_SERVERS, { sessionId })).servers;
    }
    this.view.post({ type: 'mcp', sessionId, servers });
  }

  dispose(): void {
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
