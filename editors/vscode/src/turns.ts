// The turns of the open sessions: a prompt (queued while its session runs a turn, sent when
// the turn ends), its progress, its end or failure (what the user typed is never lost), and
// cancel.

import * as vscode from 'vscode';
import { type LanguageClient, ResponseError, WorkDoneProgress } from 'vscode-languageclient/node';
import { promptBlocks } from './context';
import type { Attachment } from './messages';
import type * as P from './protocol';
import * as M from './protocol';
import { describe } from './server/client';
import { SetupError } from './server/discovery';
import type { SessionState, Sessions } from './session';
import type { AgentView } from './view';

export class Turns {
  private nextToken = 1;

  constructor(
    private readonly sessions: Sessions,
    private readonly view: AgentView,
  ) {}

  /**
   * Runs a prompt in a session (the active one by default); while that session runs a turn,
   * the prompt is queued and sent when the turn ends.
   */
  async prompt(text: string, attachments: Attachment[], sessionId?: string): Promise<void> {
    let session: SessionState;
    try {
      session =
        (sessionId === undefined ? undefined : this.sessions.open.get(sessionId)) ??
        (await this.sessions.ensureActive());
    } catch (error) {
      // Keep what the user typed: the server could not start, and they will try again.
      this.view.post({ type: 'restorePrompt', text, attachments });
      throw error;
    }
    if (session.turn !== undefined) {
      session.queue.push({ text, attachments });
      this.postQueue(session);
      return;
    }
    await this.run(session, text, attachments);
  }

  dequeue(sessionId: string, index: number): void {
    const session = this.sessions.open.get(sessionId);
    const removed = session?.queue.splice(index, 1)[0];
    if (session !== undefined && removed !== undefined) {
      this.postQueue(session);
      this.view.post({ type: 'restorePrompt', text: removed.text, attachments: removed.attachments });
    }
  }

  private async run(session: SessionState, text: string, attachments: Attachment[]): Promise<void> {
    const turn = { text, attachments, cancelled: false };
    session.turn = turn;
    this.sessions.setActivity(session, 'Starting');
    this.sessions.tabs();
    let retried = false;
    let client: LanguageClient | undefined;
    try {
      client = await this.sessions.server.start();
      const { blocks, labels } = await promptBlocks(text, attachments);
      const promptIndex = session.prompts++;
      if (session.title === 'New session') {
        session.title = text.split('\n')[0]?.slice(0, 60) ?? session.title;
        this.sessions.tabs();
      }
      this.view.post({ type: 'turnStart', sessionId: session.id, prompt: text, context: labels, promptIndex });
      for (;;) {
        try {
          const result = await this.send(client, session, blocks);
          this.view.post({
            type: 'turnEnd',
            sessionId: session.id,
            stopReason: result.stopReason,
            usage: result.usage,
          });
          break;
        } catch (error) {
          // The server lost the session (it restarted): load it back and send again, once.
          if (!retried && errorType(error) === 'unknown_session') {
            retried = true;
            await this.sessions.load(client, session, false);
            continue;
          }
          throw error;
        }
      }
    } catch (error) {
      this.failed(session, error, client);
    } finally {
      const cancelled = turn.cancelled;
      session.turn = undefined;
      this.sessions.setActivity(session, undefined);
      this.sessions.tabs();
      this.sessions.turnEnded.fire(session);
      this.next(session, cancelled);
    }
  }

  private async send(client: LanguageClient, session: SessionState, prompt: P.ContentBlock[]): Promise<P.PromptResult> {
    const token = `agentls-turn-${this.nextToken++}`;
    const progress = client.onProgress(WorkDoneProgress.type, token, (value) => {
      if (value.kind !== 'end' && value.message !== undefined && session.turn?.cancelled === false) {
        this.sessions.setActivity(session, value.message);
      }
    });
    try {
      return await client.sendRequest<P.PromptResult>(M.SESSION_PROMPT, {
        sessionId: session.id,
        prompt,
        workDoneToken: token,
      } satisfies P.PromptParams);
    } finally {
      progress.dispose();
    }
  }

  private failed(session: SessionState, error: unknown, client: LanguageClient | undefined): void {
    const type = errorType(error);
    // The connection the prompt went out on is gone: the server died under the turn.
    const crashed = client !== undefined && client !== this.sessions.server.current;
    let message = promptErrorMessage(error);
    if (crashed) {
      message = 'The agentls server stopped during this turn; it is restarting and will reload the conversation.';
    }
    this.sessions.server.output.error(`session/prompt failed: ${describe(error)}`);
    const keyProblem = type === 'no_api_key' || type === 'authentication_error';
    const fix =
      error instanceof SetupError
        ? { label: 'Open Settings', command: 'agentls.openServerSetting' }
        : keyProblem
          ? { label: 'Set API Key', command: 'agentls.setApiKey' }
          : undefined;
    this.view.post({ type: 'turnError', sessionId: session.id, message, fix });
    // A prompt that never reached the model (refused, no key, no server, a bad attachment)
    // is not lost: it goes back to the prompt box to send again.
    const unsent =
      !(error instanceof ResponseError) || error.code === M.ErrorCodes.invalidParams || keyProblem || crashed;
    if (session.turn !== undefined && unsent) {
      this.view.post({ type: 'restorePrompt', text: session.turn.text, attachments: session.turn.attachments });
    }
    if (crashed) {
      return;
    }
    if (error instanceof SetupError) {
      throw error;
    }
    // Not awaited: the panel stays usable while the notification is open.
    if (keyProblem) {
      void vscode.window.showErrorMessage(`agentls: ${message}`, 'Set API Key').then((choice) => {
        if (choice === 'Set API Key') {
          void vscode.commands.executeCommand('agentls.setApiKey');
        }
      });
    } else {
      void vscode.window.showErrorMessage(`agentls: ${message}`);
    }
  }

  /** After a turn: the next queued prompt, or after a cancel the queue back in the prompt box. */
  private next(session: SessionState, cancelled: boolean): void {
    if (session.queue.length === 0 || !this.sessions.open.has(session.id)) {
      return;
    }
    if (cancelled) {
      const queued = session.queue.splice(0);
      this.view.post({
        type: 'restorePrompt',
        text: queued.map((q) => q.text).join('\n\n'),
        attachments: queued.flatMap((q) => q.attachments),
      });
      this.postQueue(session);
      return;
    }
    const first = session.queue.shift();
    this.postQueue(session);
    if (first !== undefined) {
      void this.run(session, first.text, first.attachments).catch((error: unknown) => {
        void vscode.window.showErrorMessage(`agentls: ${describe(error)}`);
      });
    }
  }

  async cancel(sessionId?: string): Promise<void> {
    const session = sessionId === undefined ? this.sessions.active : this.sessions.open.get(sessionId);
    const client = this.sessions.server.current;
    if (session?.turn === undefined || client === undefined) {
      return;
    }
    session.turn.cancelled = true;
    this.sessions.setActivity(session, 'Cancelling');
    await client.sendNotification(M.SESSION_CANCEL, { sessionId: session.id });
  }

  private postQueue(session: SessionState): void {
    this.view.post({ type: 'queue', sessionId: session.id, prompts: session.queue.map((q) => q.text) });
  }
}

/** What kind of error the server answered (`error.data.type`, docs/protocol.md). */
export function errorType(error: unknown): P.ErrorType | undefined {
  if (!(error instanceof ResponseError)) {
    return undefined;
  }
  const data = error.data as { type?: unknown } | undefined;
  if (typeof data?.type === 'string') {
    return data.type;
  }
  return undefined;
}

function promptErrorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.message;
  }
  if (error instanceof SetupError) {
    return error.message.replace(/^agentls: /, '');
  }
  return `the prompt failed: ${describe(error)}. See "Agent: Show Server Log".`;
}
