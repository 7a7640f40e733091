// The status bar item of a running turn, and the panel's status line.

import * as vscode from 'vscode';
import type { ServerConnection } from './server/client';
import type { Sessions } from './session';
import type { AgentView } from './view';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('agentls.turn', vscode.StatusBarAlignment.Left, 50);
  sessions: Sessions | undefined;

  constructor(
    private readonly server: ServerConnection,
    private readonly view: AgentView,
  ) {
    this.item.name = 'Agent turn';
    this.item.command = 'agentls.cancel';
    this.item.tooltip = 'An agent turn is running. Click to cancel it.';
  }

  update(): void {
    const active = this.sessions?.active;
    const running = active?.turn !== undefined;
    const activity = active?.activity;
    if (running && activity !== undefined) {
      this.item.text = `$(loading~spin) Agent: ${activity}`;
      this.item.show();
    } else {
      this.item.hide();
    }
    void vscode.commands.executeCommand('setContext', 'agentls.turnRunning', running);
    this.view.post({
      type: 'status',
      server: this.server.serverStatus,
      running,
      activity: running ? activity : undefined,
      workspaceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  }

  dispose(): void {
    this.item.dispose();
  }
}
