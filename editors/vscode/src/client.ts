// Starting `agentls serve` and talking to it: server discovery, the API key, sessions,
// prompts, cancel, undo, permissions and progress. The panel and the commands call in here.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  ResponseError,
  type ServerOptions as ProcessOptions,
  State,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressReport,
  type WorkDoneProgressEnd,
} from 'vscode-languageclient/node';
import type { HostEvent, ServerStatus } from './messages';
import * as P from './protocol';

export const SECRET_KEY = 'agentls.apiKey';
const PROMPT_BUSY_HINT = 'A turn is already running: wait for it or run "Agent: Cancel".';

/** Where the webview gets told what happens; implemented by the panel. */
export interface AgentView {
  post(event: HostEvent): void;
  /** Inline permission buttons; undefined when the panel is not showing. */
  askPermission(
    requestId: number,
    params: P.RequestPermissionParams,
    token: vscode.CancellationToken,
  ): Promise<P.RequestPermissionOutcome> | undefined;
}


interface ServerCommand {
  command: string;
  args: string[];
  /** Where it came from, for messages. */
  source: string;
}

/** Thrown when the server cannot be started; the message says what to do. */
export class SetupError extends Error {}

export class Agent implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private sessionId: string | undefined;
  private running: { sessionId: string; cancelled: boolean } | undefined;
  private serverStatus: ServerStatus = 'stopped';
  private activity: string | undefined;
  private readonly diffs = new Map<string, P.ToolCallContentDiff[]>();
  private nextPermissionId = 1;
  private nextProgressToken = 1;
  private readonly statusItem: vscode.StatusBarItem;
  private readonly disposables: { dispose(): unknown }[] = [];
  view: AgentView | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly output: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('agentls.turn', vscode.StatusBarAlignment.Left, 50);
    this.statusItem.name = 'Agent turn';
    this.statusItem.command = 'agentls.cancel';
    this.statusItem.tooltip = 'An agent turn is running. Click to cancel it.';
    this.disposables.push(
      this.statusItem,
      vscode.workspace.onDidChangeConfiguration((e) => void this.configurationChanged(e)),
    );
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The diffs of one tool call, for "Open diff". */
  diffsOf(toolCallId: string): P.ToolCallContentDiff[] {
    return this.diffs.get(toolCallId) ?? [];
  }

  async start(): Promise<LanguageClient> {
    if (this.client?.state === State.Running) {
      return this.client;
    }
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.sessionId = undefined;
    if (client !== undefined) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`Stopping the server: ${describe(error)}`);
      }
      await client.dispose();
    }
    this.setServerStatus('stopped');
  }

  private async launch(): Promise<LanguageClient> {
    this.setServerStatus('starting');
    try {
      const server = await findServer(this.output);
      const env = await this.serverEnvironment();
      const folder = vscode.workspace.workspaceFolders?.[0];
      const processOptions: ProcessOptions = {
        command: server.command,
        args: server.args,
        // No `transport`: with one, the client appends `--stdio`, which `agentls serve` refuses.
        options: { env, cwd: folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined },
      };
      const clientOptions: LanguageClientOptions = {
        // Every file and unsaved buffer is synchronised: the agent's tools read unsaved text.
        documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
        initializationOptions: serverSettings(),
        outputChannel: this.output,
        middleware: {
          workspace: {
            // Only the keys the server knows, never serverCommand: it is machine-specific.
            configuration: (params, token, next) =>
              params.items.some((item) => item.section === 'agentls')
                ? params.items.map((item) => (item.section === 'agentls' ? serverSettings() : null))
                : next(params, token),
          },
        },
      };
      const client = new LanguageClient('agentls', 'agentls', processOptions, clientOptions);
      client.onDidChangeState((event) => {
        if (event.newState === State.Stopped && this.client === client) {
          // The server's sessions died with it; the next prompt starts a new one.
          this.sessionId = undefined;
          this.setServerStatus('stopped');
        } else if (event.newState === State.Running) {
          this.setServerStatus('running');
        }
      });
      client.onNotification(P.SESSION_UPDATE, (params: P.SessionNotification) => this.onUpdate(params));
      client.onRequest(P.SESSION_REQUEST_PERMISSION, (params: P.RequestPermissionParams, token: vscode.CancellationToken) =>
        this.onPermission(params, token),
      );
      this.client = client;
      this.output.info(`Starting ${server.command} ${server.args.join(' ')} (${server.source})`);
      try {
        await client.start();
      } catch (error) {
        this.client = undefined;
        await client.dispose().catch(() => undefined);
        throw new SetupError(
          `agentls: the server (${server.command}, ${server.source}) did not start: ${describe(error)}. ` +
            'See "Agent: Show Server Log"; check that `agentls serve` runs in a terminal, or set agentls.serverCommand.',
        );
      }
      this.setServerStatus('running');
      return client;
    } catch (error) {
      this.setServerStatus('failed');
      throw error;
    }
  }

  private async serverEnvironment(): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The environment wins: it is what the SDK itself would use.
    if (!environmentHasKey()) {
      const stored = await this.context.secrets.get(SECRET_KEY);
      if (stored) {
        env.ANTHROPIC_API_KEY = stored;
      }
    }
    return env;
  }

  async hasApiKey(): Promise<boolean> {
    return environmentHasKey() || Boolean(await this.context.secrets.get(SECRET_KEY));
  }

  private async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration('agentls') || this.client === undefined) {
      return;
    }
    if (event.affectsConfiguration('agentls.serverCommand')) {
      if (this.isRunning) {
        void vscode.window.showInformationMessage(
          'agentls: the new server command is used after this turn, when you run "Agent: Restart Server".',
        );
        return;
      }
      await this.restart().catch((error: unknown) => showSetupError(error));
      return;
    }
    await this.client.sendNotification('workspace/didChangeConfiguration', {
      settings: { agentls: serverSettings() },
    });
  }

  private async ensureSession(client: LanguageClient): Promise<string> {
    if (this.sessionId !== undefined) {
      return this.sessionId;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const params: P.NewSessionParams = { mcpServers: [] };
    if (folder?.uri.scheme === 'file') {
      params.cwd = folder.uri.fsPath;
    }
    const result = await client.sendRequest<P.NewSessionResult>(P.SESSION_NEW, params);
    this.sessionId = result.sessionId;
    this.diffs.clear();
    this.view?.post({ type: 'reset', sessionId: result.sessionId });
    return result.sessionId;
  }

  async newSession(): Promise<void> {
    if (this.running !== undefined) {
      await this.cancel();
    }
    this.sessionId = undefined;
    this.diffs.clear();
    this.view?.post({ type: 'reset' });
    const client = await this.start();
    await this.ensureSession(client);
  }

  /** Runs one turn; the answer streams into the panel. Resolves when the turn ends. */
  async prompt(blocks: P.ContentBlock[], display: string, context?: string): Promise<P.PromptResult | undefined> {
    if (this.running !== undefined) {
      void vscode.window.showWarningMessage(`agentls: ${PROMPT_BUSY_HINT}`);
      return undefined;
    }
    const client = await this.start();
    let sessionId = await this.ensureSession(client);
    const token = `agentls-turn-${this.nextProgressToken++}`;
    this.running = { sessionId, cancelled: false };
    this.setActivity('Starting');
    void vscode.commands.executeCommand('setContext', 'agentls.turnRunning', true);
    this.view?.post({ type: 'turnStart', prompt: display, context });
    const progress = client.onProgress(WorkDoneProgress.type, token, (value) => this.onProgress(value));
    try {
      let result: P.PromptResult;
      try {
        result = await client.sendRequest<P.PromptResult>(P.SESSION_PROMPT, {
          sessionId,
          prompt: blocks,
          workDoneToken: token,
        } satisfies P.PromptParams);
      } catch (error) {
        // The server restarted under us: its sessions are gone, so this turn runs in a new one.
        if (!(error instanceof ResponseError && error.code === P.ErrorCodes.sessionError && /unknown session/i.test(error.message))) {
          throw error;
        }
        this.sessionId = undefined;
        sessionId = await this.ensureSession(client);
        this.running = { sessionId, cancelled: this.running.cancelled };
        this.view?.post({ type: 'turnStart', prompt: display, context });
        result = await client.sendRequest<P.PromptResult>(P.SESSION_PROMPT, { sessionId, prompt: blocks, workDoneToken: token });
      }
      this.view?.post({ type: 'turnEnd', stopReason: result.stopReason, usage: result.usage });
      return result;
    } catch (error) {
      const message = promptErrorMessage(error);
      this.output.error(`session/prompt failed: ${message}`);
      this.view?.post({ type: 'turnError', message });
      if (error instanceof ResponseError && error.code === P.ErrorCodes.modelError && /api key|x-api-key|auth/i.test(error.message)) {
        const choice = await vscode.window.showErrorMessage(`agentls: ${message}`, 'Set API Key');
        if (choice === 'Set API Key') {
          await vscode.commands.executeCommand('agentls.setApiKey');
        }
      } else {
        void vscode.window.showErrorMessage(`agentls: ${message}`);
      }
      return undefined;
    } finally {
      progress.dispose();
      this.running = undefined;
      this.setActivity(undefined);
      void vscode.commands.executeCommand('setContext', 'agentls.turnRunning', false);
    }
  }

  async cancel(): Promise<void> {
    const running = this.running;
    if (running === undefined || this.client === undefined) {
      return;
    }
    running.cancelled = true;
    this.setActivity('Cancelling');
    await this.client.sendNotification(P.SESSION_CANCEL, { sessionId: running.sessionId } satisfies P.SessionIdParams);
  }

  async undoTurn(): Promise<void> {
    if (this.running !== undefined) {
      void vscode.window.showWarningMessage(`agentls: ${PROMPT_BUSY_HINT}`);
      return;
    }
    if (this.client === undefined || this.sessionId === undefined) {
      void vscode.window.showInformationMessage('agentls: there is no turn to undo in this session.');
      return;
    }
    const methods = serverMethods(this.client);
    if (methods !== undefined && !methods.includes(P.UNDO_TURN)) {
      void vscode.window.showErrorMessage(
        `agentls: this server (${this.client.initializeResult?.serverInfo?.version ?? 'unknown version'}) cannot undo turns; update agentls.`,
      );
      return;
    }
    const result = await this.client.sendRequest<P.UndoTurnResult>(P.UNDO_TURN, { sessionId: this.sessionId });
    const restored = result.restored.map((file) => vscode.workspace.asRelativePath(file));
    const skipped = result.skipped.map((s) => `${vscode.workspace.asRelativePath(s.path)} (${s.reason})`);
    let message =
      restored.length > 0 ? `Undid the last turn: restored ${restored.join(', ')}.` : 'The last turn changed no file.';
    if (skipped.length > 0) {
      message += ` Kept ${skipped.join('; ')}.`;
    }
    this.view?.post({ type: 'notice', message, level: skipped.length > 0 ? 'warning' : 'info' });
    if (skipped.length > 0) {
      void vscode.window.showWarningMessage(`agentls: ${message}`);
    } else {
      void vscode.window.showInformationMessage(`agentls: ${message}`);
    }
  }

  private onUpdate(params: P.SessionNotification): void {
    if (params.sessionId !== this.sessionId) {
      return; // a late update of a session the user has left
    }
    const update = params.update;
    if (update.sessionUpdate === 'tool_call' || update.sessionUpdate === 'tool_call_update') {
      const diffs = (update.content ?? []).filter((c): c is P.ToolCallContentDiff => c.type === 'diff');
      if (diffs.length > 0) {
        this.diffs.set(update.toolCallId, diffs);
      }
    }
    this.view?.post({ type: 'update', update });
  }

  private async onPermission(
    params: P.RequestPermissionParams,
    token: vscode.CancellationToken,
  ): Promise<P.RequestPermissionResult> {
    const id = this.nextPermissionId++;
    const inline = this.view?.askPermission(id, params, token);
    if (inline !== undefined) {
      return { outcome: await inline };
    }
    return { outcome: await askPermissionQuickPick(params, token) };
  }

  private onProgress(value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd): void {
    if (value.kind === 'end') {
      return; // the prompt's answer ends the turn; the status goes with it
    }
    if (value.message !== undefined && this.running !== undefined && !this.running.cancelled) {
      this.setActivity(value.message);
    }
  }

  private setActivity(activity: string | undefined): void {
    this.activity = activity;
    if (activity === undefined) {
      this.statusItem.hide();
    } else {
      this.statusItem.text = `$(loading~spin) Agent: ${activity}`;
      this.statusItem.show();
    }
    this.postStatus();
  }

  private setServerStatus(status: ServerStatus): void {
    this.serverStatus = status;
    this.postStatus();
  }

  postStatus(): void {
    this.view?.post({
      type: 'status',
      running: this.running !== undefined,
      activity: this.activity,
      server: this.serverStatus,
      workspaceRoot: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  }

  dispose(): void {
    for (const disposable of this.disposables) {
      disposable.dispose();
    }
  }
}

/** The agentls section of the settings, as the server's configuration keys. */
export function serverSettings(): P.ServerOptions {
  const config = vscode.workspace.getConfiguration('agentls');
  const options: P.ServerOptions = {
    model: config.get<string>('model', 'claude-sonnet-5'),
    maxTokens: config.get<number>('maxTokens', 8192),
    permissionMode: config.get<P.ServerOptions['permissionMode']>('permissionMode', 'default'),
  };
  const budget = config.get<number>('thinking', 0);
  options.thinking = budget > 0 ? { type: 'enabled', budget_tokens: budget } : null;
  return options;
}

function serverMethods(client: LanguageClient): string[] | undefined {
  const experimental = client.initializeResult?.capabilities.experimental as
    | { agentls?: P.AgentlsCapabilities }
    | undefined;
  return experimental?.agentls?.methods;
}

/**
 * The `agentls` to run: the setting, else the one next to the Python extension's selected
 * interpreter, else the one on PATH.
 */
export async function findServer(output: vscode.LogOutputChannel): Promise<ServerCommand> {
  const configured = vscode.workspace.getConfiguration('agentls').get<string>('serverCommand', '').trim();
  if (configured) {
    const resolved = resolveExecutable(expandHome(configured));
    if (resolved === undefined) {
      throw new SetupError(
        `agentls: the setting agentls.serverCommand is "${configured}", but no executable is there. ` +
          'Set it to the full path of agentls (e.g. /path/to/.venv/bin/agentls), or clear it to use the one on PATH.',
      );
    }
    return { command: resolved, args: ['serve'], source: 'agentls.serverCommand' };
  }
  const fromPython = await agentlsNextToPythonInterpreter(output);
  if (fromPython !== undefined) {
    return { command: fromPython, args: ['serve'], source: "the Python extension's selected interpreter" };
  }
  const onPath = resolveExecutable('agentls');
  if (onPath !== undefined) {
    return { command: onPath, args: ['serve'], source: 'PATH' };
  }
  throw new SetupError(
    'agentls: cannot find the agentls server. Install it with `pip install agentls` into the Python ' +
      'environment you selected in VS Code (or any environment on PATH), or set agentls.serverCommand to ' +
      'the full path of the agentls executable.',
  );
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
}

async function agentlsNextToPythonInterpreter(output: vscode.LogOutputChannel): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>('ms-python.python');
  if (extension === undefined) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    const environments = api.environments;
    if (environments === undefined) {
      return undefined;
    }
    const active = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri);
    const resolved = await environments.resolveEnvironment(active);
    const interpreter = resolved?.executable.uri?.fsPath ?? active.path;
    const name = process.platform === 'win32' ? 'agentls.exe' : 'agentls';
    for (const dir of [path.dirname(interpreter), path.join(path.dirname(interpreter), 'Scripts')]) {
      const candidate = path.join(dir, name);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
    output.info(`The selected Python interpreter (${interpreter}) has no agentls; looking on PATH.`);
  } catch (error) {
    output.warn(`Asking the Python extension for its interpreter failed: ${describe(error)}`);
  }
  return undefined;
}

function resolveExecutable(command: string): string | undefined {
  if (command.includes('/') || command.includes('\\')) {
    return isExecutable(command) ? command : undefined;
  }
  const extensions = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      if (dir && isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function expandHome(file: string): string {
  const home = process.env.HOME ?? process.env.USERPROFILE;
  return file.startsWith('~/') && home ? path.join(home, file.slice(2)) : file;
}

async function askPermissionQuickPick(
  params: P.RequestPermissionParams,
  token: vscode.CancellationToken,
): Promise<P.RequestPermissionOutcome> {
  const items = params.options.map((option) => ({
    label: option.name,
    description: option.kind.replace('_', ' '),
    optionId: option.optionId,
  }));
  const title = params.toolCall.title ?? params.toolCall.kind ?? 'a tool';
  const picked = await vscode.window.showQuickPick(
    items,
    {
      title: `The agent wants to: ${title}`,
      placeHolder: 'Allow this tool call? (Escape rejects nothing and cancels the question)',
      ignoreFocusOut: true,
    },
    token,
  );
  return picked === undefined ? { outcome: 'cancelled' } : { outcome: 'selected', optionId: picked.optionId };
}

/** Whether the SDK would find a key in the environment VS Code was started with. */
export function environmentHasKey(): boolean {
  return Boolean(process.env.ANTHROPIC_API_KEY) || Boolean(process.env.ANTHROPIC_AUTH_TOKEN);
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
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

export function showSetupError(error: unknown): void {
  const message = describe(error);
  const text = message.startsWith('agentls:') ? message : `agentls: ${message}`;
  void vscode.window.showErrorMessage(text, 'Open Settings', 'Show Log').then((choice) => {
    if (choice === 'Open Settings') {
      void vscode.commands.executeCommand('workbench.action.openSettings', 'agentls.serverCommand');
    } else if (choice === 'Show Log') {
      void vscode.commands.executeCommand('agentls.showLog');
    }
  });
}
