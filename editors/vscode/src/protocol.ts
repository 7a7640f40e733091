// The wire types of docs/protocol.md (ACP vocabulary over LSP). When the wire changes,
// this file changes with docs/protocol.md. The webview imports it too, so it must stay
// free of runtime dependencies.

export const SESSION_NEW = 'session/new';
export const SESSION_PROMPT = 'session/prompt';
export const SESSION_CANCEL = 'session/cancel';
export const SESSION_UPDATE = 'session/update';
export const SESSION_REQUEST_PERMISSION = 'session/request_permission';
export const UNDO_TURN = 'agentls/undoTurn';

/** JSON-RPC error codes the server uses (docs/protocol.md, Errors). */
export const ErrorCodes = {
  invalidParams: -32602,
  sessionError: -32002,
  modelError: -32000,
} as const;

export interface NewSessionParams {
  cwd?: string;
  mcpServers: unknown[];
}

export interface NewSessionResult {
  sessionId: string;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ResourceBlock {
  type: 'resource';
  resource: { uri: string; text: string; mimeType?: string };
  _meta?: { agentls?: { range?: Range } };
}

export interface ResourceLinkBlock {
  type: 'resource_link';
  uri: string;
  name: string;
}

export type ContentBlock = TextBlock | ResourceBlock | ResourceLinkBlock;

export interface PromptParams {
  sessionId: string;
  prompt: ContentBlock[];
  workDoneToken?: string | number;
}

export type StopReason = 'end_turn' | 'max_tokens' | 'max_turn_requests' | 'refusal' | 'cancelled';

export interface PromptUsage {
  inputTokens: number;
  outputTokens: number;
  cachedReadTokens: number;
  cachedWriteTokens: number;
  totalTokens: number;
}

export interface PromptResult {
  stopReason: StopReason;
  usage?: PromptUsage;
}

export interface SessionIdParams {
  sessionId: string;
}

export type ToolKind =
  | 'read'
  | 'edit'
  | 'delete'
  | 'move'
  | 'search'
  | 'execute'
  | 'think'
  | 'fetch'
  | 'switch_mode'
  | 'other';

export type ToolCallStatus = 'pending' | 'in_progress' | 'completed' | 'failed';

export interface ToolCallContentText {
  type: 'content';
  content: { type: 'text'; text: string } | { type: string; [key: string]: unknown };
}

export interface ToolCallContentDiff {
  type: 'diff';
  path: string;
  oldText?: string | null;
  newText: string;
}

export type ToolCallContent = ToolCallContentText | ToolCallContentDiff;

export interface ToolCallLocation {
  path: string;
  line?: number | null;
}

export interface MessageChunk {
  sessionUpdate: 'agent_message_chunk' | 'agent_thought_chunk' | 'user_message_chunk';
  content: { type: 'text'; text: string } | { type: string };
}

export interface ToolCall {
  sessionUpdate: 'tool_call';
  toolCallId: string;
  title: string;
  kind?: ToolKind;
  status?: ToolCallStatus;
  rawInput?: unknown;
  content?: ToolCallContent[];
  locations?: ToolCallLocation[];
}

export interface ToolCallUpdate {
  sessionUpdate: 'tool_call_update';
  toolCallId: string;
  title?: string | null;
  kind?: ToolKind | null;
  status?: ToolCallStatus | null;
  rawInput?: unknown;
  rawOutput?: unknown;
  content?: ToolCallContent[] | null;
  locations?: ToolCallLocation[] | null;
}

export interface UsageUpdate {
  sessionUpdate: 'usage_update';
  used?: number;
  size?: number;
  cost?: { amount: number; currency: string } | null;
  _meta?: {
    agentls?: {
      inputTokens: number;
      outputTokens: number;
      cachedReadTokens: number;
      cachedWriteTokens: number;
    };
  };
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

export interface OtherUpdate {
  sessionUpdate: 'plan' | 'available_commands_update' | 'current_mode_update';
}

export type SessionUpdate =
  | MessageChunk
  | ToolCall
  | ToolCallUpdate
  | UsageUpdate
  | Retry
  | OtherUpdate;

export interface SessionNotification {
  sessionId: string;
  update: SessionUpdate;
}

export type PermissionOptionKind = 'allow_once' | 'allow_always' | 'reject_once' | 'reject_always';

export interface PermissionOption {
  optionId: string;
  name: string;
  kind: PermissionOptionKind;
}

export interface RequestPermissionParams {
  sessionId: string;
  toolCall: {
    toolCallId: string;
    title?: string | null;
    kind?: ToolKind | null;
    rawInput?: unknown;
  };
  options: PermissionOption[];
}

export type RequestPermissionOutcome =
  | { outcome: 'selected'; optionId: string }
  | { outcome: 'cancelled' };

export interface RequestPermissionResult {
  outcome: RequestPermissionOutcome;
}

export interface UndoTurnResult {
  restored: string[];
  skipped: { path: string; reason: string }[];
}

/** The server's `initialize` result, `capabilities.experimental.agentls`. */
export interface AgentlsCapabilities {
  protocolVersion: number;
  methods: string[];
}

/** The keys of the server's configuration that the extension's settings map to. */
export interface ServerOptions {
  model?: string;
  maxTokens?: number;
  permissionMode?: 'default' | 'ask' | 'acceptAll' | 'readOnly';
  thinking?: { type: 'enabled'; budget_tokens: number } | null;
}
