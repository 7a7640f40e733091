// `#terminal`: the last output of the active terminal. Recorded from shell integration as
// commands end; without shell integration, the terminal's visible text through its
// select-all and copy commands (the clipboard is put back).

import * as vscode from 'vscode';

const MAX_CHARS = 20_000;
const recorded = new WeakMap<vscode.Terminal, string>();

/** Starts recording each terminal's last command output. */
export function recordTerminalOutput(): vscode.Disposable {
  return vscode.window.onDidStartTerminalShellExecution(async (event) => {
    let text = `$ ${event.execution.commandLine.value}\n`;
    for await (const data of event.execution.read()) {
      text += data;
    }
    recorded.set(event.terminal, tail(stripAnsi(text)));
  });
}

export async function terminalOutput(): Promise<{ name: string; text: string } | undefined> {
  const terminal = vscode.window.activeTerminal;
  if (terminal === undefined) {
    void vscode.window.showInformationMessage('agentls: #terminal needs an open terminal; none is active.');
    return undefined;
  }
  const text = recorded.get(terminal) ?? (await visibleText(terminal));
  return { name: terminal.name, text: text.trimEnd() };
}

async function visibleText(terminal: vscode.Terminal): Promise<string> {
  const clipboard = await vscode.env.clipboard.readText();
  terminal.show(true);
  await vscode.commands.executeCommand('workbench.action.terminal.selectAll');
  await vscode.commands.executeCommand('workbench.action.terminal.copySelection');
  await vscode.commands.executeCommand('workbench.action.terminal.clearSelection');
  const text = await vscode.env.clipboard.readText();
  await vscode.env.clipboard.writeText(clipboard);
  return tail(text);
}

function tail(text: string): string {
  return text.length > MAX_CHARS ? `[… earlier output cut]\n${text.slice(-MAX_CHARS)}` : text;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\][^\x07]*(\x07|\x1b\\)|\x1b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
