// The `agentls serve` process and its LSP connection: start, stop, restart, and noticing
// when it dies. What goes over the connection is session.ts's business.

import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from 'vscode-languageclient/node';
import type { ServerStatus } from '../messages';
import type { AgentlsCapabilities } from '../protocol';
import { CLIENT_SETTINGS, serverSettings } from '../settings';
import { type ServerCommand, SetupError, findServer } from './discovery';

export const SECRET_KEY = 'agentls.apiKey';

/** Registers the server → client handlers on a new connection. */
export type Handlers = (client: LanguageClient) => void;

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient> | undefined;
  private restarting: Promise<LanguageClient> | undefined;
  /** Set while we stop the server on purpose: a stop then is no crash. */
  private stopping = false;
  private status: ServerStatus = 'stopped';
  private readonly statusEmitter = new vscode.EventEmitter<ServerStatus>();
  private readonly crashEmitter = new vscode.EventEmitter<string>();
  private readonly startedEmitter = new vscode.EventEmitter<LanguageClient>();
  /** The server's status changed. */
  readonly onStatus = this.statusEmitter.event;
  /** The server stopped without being asked to; the argument says how. */
  readonly onCrash = this.crashEmitter.event;
  /** A new server process is up (first start, restart or after a crash). */
  readonly onStarted = this.startedEmitter.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    readonly output: vscode.LogOutputChannel,
    private readonly handlers: Handlers,
  ) {}

  get serverStatus(): ServerStatus {
    return this.status;
  }

  get current(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** The server's `agentls/…` methods, or undefined if it does not say. */
  methods(): string[] | undefined {
    const experimental = this.client?.initializeResult?.capabilities.experimental as
      | { agentls?: AgentlsCapabilities }
      | undefined;
    return experimental?.agentls?.methods;
  }

  /** Starts the server if it is not running; during a restart, waits for the new one. */
  async start(): Promise<LanguageClient> {
    return this.restarting ?? this.startNow();
  }

  private async startNow(): Promise<LanguageClient> {
    if (this.client?.state === State.Running) {
      return this.client;
    }
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** A new server process; prompts sent meanwhile wait for it instead of the old one. */
  async restart(): Promise<LanguageClient> {
    this.restarting ??= (async () => {
      try {
        await this.stop();
        return await this.startNow();
      } finally {
        this.restarting = undefined;
      }
    })();
    return this.restarting;
  }

  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      this.stopping = true;
      try {
        if (client.state === State.Running) {
          await client.stop(5000);
        }
      } catch (error) {
        this.output.warn(`Stopping the server: ${String(error)}`);
      } finally {
        this.stopping = false;
      }
      await client.dispose().catch(() => undefined);
    }
    this.setStatus('stopped');
  }

  private async launch(): Promise<LanguageClient> {
    this.setStatus('starting');
    try {
      const server = await findServer(this.output);
      const client = this.createClient(server, await this.environment());
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
          'agentls.serverCommand',
        );
      }
      this.setStatus('running');
      this.startedEmitter.fire(client);
      return client;
    } catch (error) {
      this.setStatus('failed');
      throw error;
    }
  }

  private createClient(server: ServerCommand, env: NodeJS.ProcessEnv): LanguageClient {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const serverOptions: ServerOptions = {
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
      // We restart the server ourselves, and reload its sessions, when it dies.
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue, handled: true }),
        closed: () => ({ action: CloseAction.DoNotRestart, handled: true }),
      },
      middleware: {
        workspace: {
          configuration: (params, token, next) =>
            params.items.some((item) => item.section === 'agentls')
              ? params.items.map((item) => (item.section === 'agentls' ? serverSettings() : null))
              : next(params, token),
        },
      },
    };
    const client = new LanguageClient('agentls', 'agentls', serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && this.client === client && !this.stopping) {
        this.client = undefined;
        this.setStatus('stopped');
        this.crashEmitter.fire('the agentls server stopped unexpectedly');
      }
    });
    this.handlers(client);
    return client;
  }

  private async environment(): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The environment wins: it is what the SDK itself would use.
    if (!environmentHasKey()) {
      const stored = await this.secrets.get(SECRET_KEY);
      if (stored) {
        env.ANTHROPIC_API_KEY = stored;
      }
    }
    return env;
  }

  /** A setting changed: the server's own are sent to it; a new server command restarts it. */
  async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<'restart' | 'sent' | 'none'> {
    if (!event.affectsConfiguration('agentls')) {
      return 'none';
    }
    if (event.affectsConfiguration('agentls.serverCommand')) {
      return 'restart';
    }
    const client = this.current;
    const serverSide = [...CLIENT_SETTINGS].every((key) => !event.affectsConfiguration(`agentls.${key}`));
    if (client !== undefined && serverSide) {
      await client.sendNotification('workspace/didChangeConfiguration', { settings: { agentls: serverSettings() } });
      return 'sent';
    }
    return 'none';
  }

  private setStatus(status: ServerStatus): void {
    if (status !== this.status) {
      this.status = status;
      this.statusEmitter.fire(status);
    }
  }

  dispose(): void {
    this.statusEmitter.dispose();
    this.crashEmitter.dispose();
    this.startedEmitter.dispose();
  }
}

/** Whether the SDK would find a key in the environment VS Code was started with. */
export function environmentHasKey(): boolean {
  return Boolean(process.env.ANTHROPIC_API_KEY) || Boolean(process.env.ANTHROPIC_AUTH_TOKEN);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
