// Drives `agentls acp` as an ACP editor built on the official TypeScript SDK would: it
// answers fs/* from its own buffers, allows every permission request, and prints what it saw
// as one JSON object on stdout for tests/acp_agent/test_ts_client.py to check.
//
// Usage: node client.mjs WORKSPACE -- AGENT_COMMAND...
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { Readable, Writable } from 'node:stream';
import { client, ndJsonStream, PROTOCOL_VERSION, RequestError } from '@agentclientprotocol/sdk';

const [workspace, dashes, ...command] = process.argv.slice(2);
if (!workspace || dashes !== '--' || command.length === 0) {
  console.error('usage: node client.mjs WORKSPACE -- AGENT_COMMAND...');
  process.exit(2);
}

const seen = { updates: [], extensionUpdates: [], reads: [], writes: [], permissions: [] };
const buffers = new Map();

const agentProcess = spawn(command[0], command.slice(1), {
  cwd: workspace,
  stdio: ['pipe', 'pipe', 'inherit'],
});

const app = client()
  .onNotification('session/update', ({ params }) => {
    seen.updates.push(params);
  })
  .onNotification('_agentls/session_update', null, ({ params }) => {
    seen.extensionUpdates.push(params);
  })
  .onRequest('session/request_permission', ({ params }) => {
    seen.permissions.push(params);
    const allow = params.options.find((option) => option.kind === 'allow_once');
    return { outcome: { outcome: 'selected', optionId: allow.optionId } };
  })
  .onRequest('fs/read_text_file', async ({ params }) => {
    seen.reads.push(params.path);
    if (buffers.has(params.path)) return { content: buffers.get(params.path) };
    try {
      return { content: await readFile(params.path, 'utf8') };
    } catch {
      throw RequestError.resourceNotFound(params.path);
    }
  })
  .onRequest('fs/write_text_file', ({ params }) => {
    seen.writes.push({ path: params.path, content: params.content });
    buffers.set(params.path, params.content);
    return {};
  });

const stream = ndJsonStream(Writable.toWeb(agentProcess.stdin), Readable.toWeb(agentProcess.stdout));
const connection = app.connect(stream);
const agent = connection.agent;

try {
  const init = await agent.request('initialize', {
    protocolVersion: PROTOCOL_VERSION,
    clientCapabilities: { fs: { readTextFile: true, writeTextFile: true }, terminal: false },
    clientInfo: { name: 'agentls-ts-test', version: '0' },
  });
  const session = await agent.request('session/new', { cwd: workspace, mcpServers: [] });
  const first = await agent.request('session/prompt', {
    sessionId: session.sessionId,
    prompt: [{ type: 'text', text: 'Change the greeting' }],
  });
  const mode = await agent.request('session/set_config_option', {
    sessionId: session.sessionId,
    configId: 'mode',
    value: 'ask',
  });
  const second = await agent.request('session/prompt', {
    sessionId: session.sessionId,
    prompt: [{ type: 'text', text: 'Run the tests' }],
  });
  let unknown = null;
  try {
    await agent.request('session/prompt', { sessionId: 'sess_nope', prompt: [{ type: 'text', text: 'x' }] });
  } catch (error) {
    unknown = { code: error.code, data: error.data ?? null };
  }
  console.log(
    JSON.stringify({ init, session, first, mode, second, unknown, ...seen }),
  );
} finally {
  connection.close();
  agentProcess.stdin.end();
}
