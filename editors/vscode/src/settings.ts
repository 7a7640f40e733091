// The extension's settings: which of them are the server's configuration (docs/protocol.md,
// Configuration; the same names, types and defaults), and the client-side ones.

import * as vscode from 'vscode';
import type { McpServer } from '@agentclientprotocol/sdk';

/** Settings of the extension itself, never sent to the server. */
export const CLIENT_SETTINGS = new Set(['serverCommand', 'mcpServers']);

interface PackageJson {
  contributes: { configuration: { properties: Record<string, unknown> } };
}

let serverKeys: string[] | undefined;

/** The server's configuration keys: every `agentls.*` setting but the client's own. */
function keys(): string[] {
  if (serverKeys === undefined) {
    const extension = vscode.extensions.all.find((e) => (e.packageJSON as { name?: string }).name === 'agentls');
    const properties = (extension?.packageJSON as PackageJson | undefined)?.contributes.configuration.properties ?? {};
    serverKeys = Object.keys(properties)
      .map((key) => key.replace(/^agentls\./, ''))
      .filter((key) => !CLIENT_SETTINGS.has(key));
  }
  return serverKeys;
}

/**
 * The `agentls` section as the server's configuration. `thinking` may be a budget in tokens
 * in the settings (0: off); the wire has the API's object: `{"type": "enabled",
 * "budget_tokens": N}` or null. An object (or null) goes as it is.
 */
export function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('agentls');
  const options: Record<string, unknown> = {};
  for (const key of keys()) {
    const value = config.get<unknown>(key);
    if (value !== undefined) {
      options[key] = value;
    }
  }
  const thinking = config.get<unknown>('thinking', null);
  if (typeof thinking === 'number') {
    options.thinking = thinking > 0 ? { type: 'enabled', budget_tokens: thinking } : null;
  }
  return options;
}

/** One entry of `agentls.mcpServers`: the `.mcp.json` format. */
interface McpSetting {
  type?: 'stdio' | 'http' | 'sse';
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
  headers?: Record<string, string>;
}

/** `agentls.mcpServers` as ACP's `mcpServers` of `session/new` and `session/load`. */
export function mcpServers(): McpServer[] {
  const configured = vscode.workspace.getConfiguration('agentls').get<Record<string, McpSetting>>('mcpServers', {});
  const servers: McpServer[] = [];
  const pairs = (record: Record<string, string> | undefined): { name: string; value: string }[] =>
    Object.entries(record ?? {}).map(([name, value]) => ({ name, value }));
  for (const [name, server] of Object.entries(configured)) {
    if (server.url !== undefined && (server.type === 'http' || server.type === 'sse' || server.command === undefined)) {
      servers.push({
        type: server.type === 'sse' ? 'sse' : 'http',
        name,
        url: server.url,
        headers: pairs(server.headers),
      });
    } else if (server.command !== undefined) {
      servers.push({ name, command: server.command, args: server.args ?? [], env: pairs(server.env) });
    }
  }
  return servers;
}
