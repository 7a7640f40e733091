// Which `agentls` to run: the setting, else the one in the Python extension's selected
// environment, else the one on PATH.

import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PVSC_EXTENSION_ID, PythonExtension } from '@vscode/python-extension';
import which from 'which';

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where it came from, for messages. */
  source: string;
}

/** The server cannot be started; the message says what to do. */
export class SetupError extends Error {
  constructor(
    message: string,
    /** The setting that fixes it, if one does. */
    readonly setting?: string,
  ) {
    super(message);
  }
}

const EXECUTABLE = 'agentls';

export async function findServer(output: vscode.LogOutputChannel): Promise<ServerCommand> {
  const configured = vscode.workspace.getConfiguration('agentls').get<string>('serverCommand', '').trim();
  if (configured) {
    const resolved = await which(expandHome(configured), { nothrow: true });
    if (resolved === null) {
      throw new SetupError(
        `agentls: the setting agentls.serverCommand is "${configured}", but no executable is there. ` +
          'Set it to the full path of agentls (e.g. /path/to/.venv/bin/agentls), or clear it to use the one on PATH.',
        'agentls.serverCommand',
      );
    }
    return { command: resolved, args: ['serve'], source: 'agentls.serverCommand' };
  }
  const fromPython = await inPythonEnvironment(output);
  if (fromPython !== undefined) {
    return { command: fromPython, args: ['serve'], source: "the Python extension's selected environment" };
  }
  const onPath = await which(EXECUTABLE, { nothrow: true });
  if (onPath !== null) {
    return { command: onPath, args: ['serve'], source: 'PATH' };
  }
  throw new SetupError(
    'agentls: cannot find the agentls server. Install it with `pip install agentls` into the Python ' +
      'environment you selected in VS Code (or any environment on PATH), or set agentls.serverCommand to ' +
      'the full path of the agentls executable.',
    'agentls.serverCommand',
  );
}

/** `agentls` among the scripts of the selected interpreter's environment. */
async function inPythonEnvironment(output: vscode.LogOutputChannel): Promise<string | undefined> {
  if (vscode.extensions.getExtension(PVSC_EXTENSION_ID) === undefined) {
    return undefined;
  }
  try {
    const api = await PythonExtension.api();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const environment = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(folder));
    const interpreter = environment?.executable.uri?.fsPath;
    if (interpreter === undefined) {
      return undefined;
    }
    // Scripts sit next to the interpreter (venv/bin) or in Scripts/ (Windows).
    const dirs = [path.dirname(interpreter), path.join(path.dirname(interpreter), 'Scripts')];
    const found = await which(EXECUTABLE, { path: dirs.join(path.delimiter), nothrow: true });
    if (found === null) {
      output.info(`The selected Python environment (${interpreter}) has no agentls; looking on PATH.`);
      return undefined;
    }
    return found;
  } catch (error) {
    output.warn(`Asking the Python extension for its environment failed: ${String(error)}`);
    return undefined;
  }
}

function expandHome(file: string): string {
  return file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
}
