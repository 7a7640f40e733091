// The agent's permission questions (ACP session/request_permission): asked inside their turn
// in the panel, and in a quick pick as well while the panel is hidden; the first answer wins.

import * as vscode from 'vscode';
import type { AgentView } from './view';
import type * as P from './protocol';

export class Permissions implements vscode.Disposable {
  private nextId = 1;
  private readonly pending = new Map<number, (optionId: string | null) => void>();

  constructor(private readonly view: AgentView) {}

  ask(params: P.RequestPermissionParams, token: vscode.CancellationToken): Promise<P.RequestPermissionResult> {
    const requestId = this.nextId++;
    const quickPick = new vscode.CancellationTokenSource();
    return new Promise((resolve) => {
      const answer = (optionId: string | null): void => {
        if (!this.pending.delete(requestId)) {
          return;
        }
        quickPick.cancel();
        quickPick.dispose();
        withdrawn.dispose();
        const option = params.options.find((o) => o.optionId === optionId);
        this.view.post({
          type: 'permissionDone',
          sessionId: params.sessionId,
          requestId,
          label: option?.name ?? optionId ?? 'Withdrawn',
        });
        resolve({
          outcome: option === undefined ? { outcome: 'cancelled' } : { outcome: 'selected', optionId: option.optionId },
        });
      };
      // The server withdraws the question when the turn is cancelled.
      const withdrawn = token.onCancellationRequested(() => answer(null));
      this.pending.set(requestId, answer);
      this.view.post({ type: 'permission', sessionId: params.sessionId, requestId, params });
      if (!this.view.visible) {
        void askInQuickPick(params, quickPick.token).then((optionId) => {
          if (optionId !== undefined) {
            answer(optionId);
          }
        });
      }
    });
  }

  /** An answer from the panel's buttons. */
  answer(requestId: number, optionId: string | null): void {
    this.pending.get(requestId)?.(optionId);
  }

  dispose(): void {
    for (const answer of [...this.pending.values()]) {
      answer(null);
    }
  }
}

async function askInQuickPick(
  params: P.RequestPermissionParams,
  token: vscode.CancellationToken,
): Promise<string | undefined> {
  const title = params.toolCall.title ?? params.toolCall.kind ?? 'use a tool';
  const items = params.options.map((option) => ({ label: option.name, optionId: option.optionId }));
  const picked = await vscode.window.showQuickPick(
    items,
    { title: `The agent wants to: ${title}`, placeHolder: 'Allow this tool call?', ignoreFocusOut: true },
    token,
  );
  return picked?.optionId;
}
