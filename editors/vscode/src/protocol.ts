// The wire of docs/protocol.md. ACP shapes come from `@agentclientprotocol/sdk` (types only);
// what ACP has no word for (agentls/… methods and session updates) is declared here and
// changes with docs/protocol.md. The webview imports this file too: types and constants only.

import type * as acp from '@agentclientprotocol/sdk';

export type {
  AvailableCommand,
  ContentBlock,
  Diff,
  EmbeddedResource,
  ImageContent,
  PermissionOption,
  PlanEntry,
  RequestPermissionOutcome,
  RequestPermissionResponse as RequestPermissionResult,
  SessionConfigOption,
  SessionInfo,
  SessionModeState,
  StopReason,
  ToolCallContent,
  ToolCallLocation,
  ToolCallStatus,
  ToolKind,
} from '@agentclientprotocol/sdk';

export const SESSION_NEW = 'session/new';
export const SESSION_LOAD = 'session/load';
export const SESSION_LIST = 'session/list';
export const SESSION_CLOSE = 'session/close';
export const SESSION_PROMPT = 'session/prompt';
export const SESSION_CANCEL = 'session/cancel';
export const SESSION_UPDATE = 'session/update';
export const SESSION_SET_CONFIG_OPTION = 'session/set_config_option';
export const SESSION_SET_MODE = 'session/set_mode';
export const SESSION_REQUEST_PERMISSION = 'session/request_permission';
export const UNDO_TURN = 'agentls/undoTurn';
export const REWIND = 'agentls/rewind';
export const CHANGES = 'agentls/changes';
export const REVIEW = 'agentls/review';
export const SAVE_DOCUMENTS = 'agentls/saveDocuments';
export const MCP_SERVERS = 'agentls/mcpServers';

/** JSON-RPC error codes the server uses (docs/protocol.md, Errors). */
export const ErrorCodes = {
  invalidParams: -32602,
  sessionError: -32002,
  modelError: -32000,
} as const;

/** `error.data.type`: what went wrong, so clients need not match message text. */
export type ErrorType = 'unknown_session' | 'session_busy' | 'no_api_key' | 'authentication_error' | (string & {});

export interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

export interface NewSessionParams {
  cwd?: string;
  mcpServers: acp.McpServer[];
}

export type LoadSessionParams = NewSessionParams & { sessionId: string };

export interface NewSessionResult {
  sessionId: string;
  configOptions?: acp.SessionConfigOption[] | null;
  modes?: acp.SessionModeState | null;
}

export interface PromptParams {
  sessionId: string;
  prompt: acp.ContentBlock[];
  workDoneToken?: string | number;
}

export interface PromptUsage {
  inputTokens: number;
  outputTokens: number;
  cachedReadTokens: number;
  cachedWriteTokens: number;
  totalTokens: number;
}

export interface PromptResult {
  stopReason: acp.StopReason;
  usage?: PromptUsage;
}

/** The kinds of streamed text a `retry` can supersede. */
export type StreamedTextKind = 'agent_message_chunk' | 'agent_thought_chunk';

/**
 * agentls extension: a model request failed and is retried. The last `superseded[kind]`
 * characters (Unicode code points, as Python counts them) of that kind streamed in this
 * session belong to the failed attempt and are dropped; the retry streams its own reply.
 * The tool calls in `toolCallIds` were withdrawn (each also got a final `failed` update).
 */
export interface Retry {
  sessionUpdate: 'retry';
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
  superseded: Partial<Record<StreamedTextKind, number>>;
  toolCallIds?: string[];
}

/** agentls: something the user should see (a compaction, an MCP server that failed, …). */
export interface Notice {
  sessionUpdate: 'notice';
  level?: 'info' | 'warning' | 'error';
  message?: string;
  /** ACP's draft shape, accepted too. */
  severity?: string;
  title?: string;
  description?: string | null;
}

/** agentls: the conversation was compacted (summarised) to fit the context window. */
export interface Compaction {
  sessionUpdate: 'compaction';
  status?: 'started' | 'completed' | 'failed';
  reason?: string;
  /** What panels show, e.g. "Compacted 180k → 24k tokens". */
  message?: string;
  [key: string]: unknown;
}

/** agentls: the pending changes of the session changed; ask `agentls/changes`. */
export interface ChangesUpdate {
  sessionUpdate: 'changes_update';
  /** A summary per file: clients fetch the hunks with `agentls/changes`. */
  files?: ChangedFileSummary[];
}

export interface ChangedFileSummary {
  path: string;
  uri: string;
  status: 'modified' | 'created' | 'deleted';
  added: number;
  removed: number;
  hunks: number;
}

/** agentls: the MCP servers of the session or their status changed. */
export interface McpServersUpdate {
  sessionUpdate: 'mcp_servers_update';
  servers?: McpServerStatus[];
}

export type ToolCall = Extract<acp.SessionUpdate, { sessionUpdate: 'tool_call' }>;
export type ToolCallUpdate = Extract<acp.SessionUpdate, { sessionUpdate: 'tool_call_update' }>;
export type UsageUpdate = Extract<acp.SessionUpdate, { sessionUpdate: 'usage_update' }> & {
  _meta?: { agentls?: Partial<PromptUsage> } | null;
};
export type MessageChunk = Extract<
  acp.SessionUpdate,
  { sessionUpdate: 'agent_message_chunk' | 'agent_thought_chunk' | 'user_message_chunk' }
>;

export type SessionUpdate =
  | Exclude<acp.SessionUpdate, { sessionUpdate: 'notice' | 'usage_update' }>
  | UsageUpdate
  | Retry
  | Notice
  | Compaction
  | ChangesUpdate
  | McpServersUpdate;

export interface SessionNotification {
  sessionId: string;
  update: SessionUpdate;
}

export type RequestPermissionParams = acp.RequestPermissionRequest;

export interface UndoTurnResult {
  restored: string[];
  skipped: { path: string; reason: string }[];
}

export interface RewindParams {
  sessionId: string;
  toPrompt: number;
  files: boolean;
  conversation: boolean;
}

export interface RewindResult {
  restored?: string[];
  skipped?: { path: string; reason: string }[];
}

export interface Hunk {
  id: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  oldText: string;
  newText: string;
}

export interface ChangedFile {
  path: string;
  uri: string;
  status: 'modified' | 'created' | 'deleted';
  hunks: Hunk[];
}

export interface ChangesResult {
  files: ChangedFile[];
}

export interface ReviewParams {
  sessionId: string;
  decision: 'accept' | 'reject';
  path?: string;
  hunkIds?: string[];
}

export interface ReviewResult {
  accepted: number;
  rejected: number;
  skipped: { id: string; reason: string }[];
}

export interface SaveDocumentsParams {
  uris?: string[];
  paths?: string[];
}

export interface McpServerStatus {
  name: string;
  source: string;
  transport: string;
  status: string;
  error?: string | null;
  tools: (string | { name: string; title?: string | null })[];
}

export interface ListSessionsResult {
  sessions: acp.SessionInfo[];
}

/** The server's `initialize` result, `capabilities.experimental.agentls`. */
export interface AgentlsCapabilities {
  protocolVersion: number;
  methods: string[];
}
