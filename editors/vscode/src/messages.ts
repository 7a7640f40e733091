// The messages between the extension host and the panel's webview. Type-only and free of
// runtime dependencies: both sides import it.

import type * as P from './protocol';

export type ServerStatus = 'stopped' | 'starting' | 'running' | 'failed';

/** Extension host → webview. */
export type HostEvent =
  | { type: 'reset'; sessionId?: string }
  | { type: 'turnStart'; prompt: string; context?: string }
  | { type: 'update'; update: P.SessionUpdate }
  | { type: 'turnEnd'; stopReason: P.StopReason; usage?: P.PromptUsage }
  | { type: 'turnError'; message: string }
  | { type: 'status'; running: boolean; activity?: string; server: ServerStatus; workspaceRoot?: string }
  | { type: 'notice'; message: string; level: 'info' | 'warning' }
  | { type: 'permission'; requestId: number; params: P.RequestPermissionParams }
  | { type: 'permissionDone'; requestId: number; outcome: P.RequestPermissionOutcome; label?: string };

/** What the host posts: events are batched, one postMessage per batch. */
export interface HostBatch {
  type: 'batch';
  events: HostEvent[];
}

/** Webview → extension host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'prompt'; text: string }
  | { type: 'cancel' }
  | { type: 'newSession' }
  | { type: 'undoTurn' }
  | { type: 'openDiff'; toolCallId: string; index: number }
  | { type: 'openLocation'; path: string; line?: number | null }
  | { type: 'permission'; requestId: number; optionId: string | null };
