// The messages between the extension host and the panel's webview. Type-only and free of
// runtime dependencies: both sides import it.

import type * as P from './protocol';

export type ServerStatus = 'stopped' | 'starting' | 'running' | 'failed';

/** Something the user attached to a prompt; the host turns it into content blocks. */
export type Attachment =
  | { kind: 'file'; path: string; startLine?: number; endLine?: number }
  | { kind: 'problems' }
  | { kind: 'selection' }
  | { kind: 'terminal' }
  | { kind: 'image'; name: string; mimeType: string; data: string };

/** A session open as a tab in the panel. */
export interface Tab {
  sessionId: string;
  title: string;
  running: boolean;
}

export interface Turn {
  prompt: string;
  /** Labels of what was attached, shown under the prompt. */
  context?: string[];
  /** Index of the prompt in the session (0-based): what rewind goes back to. */
  promptIndex: number;
}

/** The status of the session the panel shows. */
export interface Status {
  server: ServerStatus;
  running: boolean;
  activity?: string;
  workspaceRoot?: string;
}

/** Extension host → webview. Events with a `sessionId` belong to that session's tab. */
export type HostEvent =
  | { type: 'tabs'; tabs: Tab[]; active?: string }
  | { type: 'reset'; sessionId: string }
  | ({ type: 'turnStart'; sessionId: string } & Turn)
  | { type: 'update'; sessionId: string; update: P.SessionUpdate }
  | { type: 'turnEnd'; sessionId: string; stopReason: P.StopReason; usage?: P.PromptUsage }
  /** `fix`: a button under the error that runs the fix (an extension command's name). */
  | { type: 'turnError'; sessionId: string; message: string; fix?: { label: string; command: string } }
  | ({ type: 'status' } & Status)
  | { type: 'notice'; sessionId?: string; message: string; level: 'info' | 'warning' | 'error' }
  | { type: 'permission'; sessionId: string; requestId: number; params: P.RequestPermissionParams }
  | { type: 'permissionDone'; sessionId: string; requestId: number; label: string }
  | { type: 'queue'; sessionId: string; prompts: string[] }
  | {
      type: 'config';
      sessionId: string;
      configOptions?: P.SessionConfigOption[] | null;
      modes?: P.SessionModeState | null;
    }
  | { type: 'commands'; sessionId: string; commands: P.AvailableCommand[] }
  | { type: 'changes'; sessionId: string; files: P.ChangedFile[] }
  | { type: 'mcp'; sessionId: string; servers: P.McpServerStatus[] }
  | { type: 'history'; sessions: P.SessionInfo[] }
  | { type: 'fileMatches'; requestId: number; files: string[] }
  | { type: 'attach'; attachment: Attachment; label: string }
  | { type: 'restorePrompt'; text: string; attachments: Attachment[] }
  | { type: 'focusComposer' };

/** What the host posts: events are batched, one postMessage per batch. */
export interface HostBatch {
  type: 'batch';
  events: HostEvent[];
}

/** Webview → extension host. */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'prompt'; sessionId?: string; text: string; attachments: Attachment[] }
  | { type: 'cancel'; sessionId?: string }
  | { type: 'dequeue'; sessionId: string; index: number }
  | { type: 'newSession' }
  | { type: 'selectTab'; sessionId: string }
  | { type: 'closeTab'; sessionId: string }
  | { type: 'history' }
  | { type: 'loadSession'; sessionId: string }
  /** `choose`: ask what to rewind (files, conversation, both); else the files. */
  | { type: 'rewind'; sessionId: string; promptIndex: number; choose?: boolean; prompt?: string }
  | { type: 'openDiff'; sessionId: string; toolCallId: string; index: number }
  | { type: 'openLocation'; path: string; line?: number | null }
  | { type: 'permission'; requestId: number; optionId: string | null }
  | { type: 'setConfig'; sessionId: string; configId: string; value: string }
  | { type: 'setMode'; sessionId: string; modeId: string }
  | { type: 'searchFiles'; requestId: number; query: string }
  | { type: 'review'; sessionId: string; decision: 'accept' | 'reject'; path?: string; hunkIds?: string[] }
  | { type: 'openChange'; sessionId: string; path: string }
  | { type: 'code'; action: 'copy' | 'insert' | 'newFile'; code: string; language: string }
  | { type: 'command'; name: string; args: string };
