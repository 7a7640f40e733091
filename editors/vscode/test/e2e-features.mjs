// What users expect of the panel (issue 14, the VS Code part of issues 12 and 16), in the
// real workbench (code-server). Leaves screenshots of the composer, a streamed answer with
// code blocks, the changes view and the history list in the test output.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CODE_ANSWER =
  '## Reading app.py\n\n`greet` builds the greeting:\n\n```python\ndef greet(name):\n    return f"Hello, {name}!"\n```\n\n' +
  'Run it with:\n\n```sh\npython src/app.py\n```\n\nThat prints **Hello, world!**\n';
// A 1x1 PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export function features(h) {
  const { page, panel, transcript, norm, until } = h;
  const box = () => panel.locator('.prompt-box');
  const answerText = async () => norm(await transcript().locator('.answer').last().textContent());
  const lastRequest = async () => (await h.requests()).at(-1).body;

  return {
    // The answer streams in with highlighted code blocks and their buttons; a tool card.
    async stream() {
      await h.loadScript([
        {
          blocks: [
            { type: 'text', text: CODE_ANSWER },
            { type: 'tool_use', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'src/app.py' } },
          ],
          chunk: 8,
          hold: { name: 'mid', after_deltas: 12 },
        },
        {
          blocks: [{ type: 'text', text: 'It greets the **world**.' }],
          expect: { last_user_contains: 'def greet(name):' },
        },
      ]);
      const before = await h.footers();
      await h.type('What does src/app.py do?');
      await h.waitHeld('mid');
      await until('streamed text in the panel', async () => (await answerText()).includes('greet'));
      assert.equal(await h.footers(), before, 'the turn ended while the model was still held');
      await until('the status bar item of the running turn', async () =>
        norm(await page.locator('.statusbar-item', { hasText: 'Agent:' }).first().textContent()).includes('Agent:'),
      );
      await h.screenshot('vscode-panel-midstream.png');
      await h.release('mid');
      await transcript().locator('.tool[data-status="completed"]', { hasText: 'Read src/app.py' }).waitFor();
      await h.turnEnded(before);
      assert.match(await h.lastFooter(), /^Done · \d[\d,]* in · \d[\d,]* out/);
      const bars = transcript().locator('.turn').last().locator('.code-bar');
      assert.equal(await bars.count(), 2);
      assert.deepEqual((await bars.locator('.code-language').allTextContents()).map(norm), ['python', 'sh']);
      assert.ok(
        (await transcript().locator('.turn').last().locator('pre .hljs-keyword').count()) > 0,
        'no highlighting',
      );
      await h.screenshot('vscode-answer-code-blocks.png');
      // "New file" opens the block in an untitled editor.
      await bars.first().locator('button', { hasText: 'New file' }).click();
      await until('the code in a new editor', async () => (await h.editorText()).includes('def greet(name):'));
      await page.keyboard.press('Control+W');
      const dontSave = page.locator('.dialog-buttons .monaco-button', { hasText: "Don't Save" });
      if (await dontSave.isVisible().catch(() => false)) await dontSave.click();
    },

    // Cancel mid-stream stops the turn; the next prompt works.
    async cancel() {
      await h.loadScript([
        { blocks: [{ type: 'text', text: 'x '.repeat(2000) }], chunk: 8, hold: { name: 'c', after_deltas: 10 } },
        { blocks: [{ type: 'text', text: 'After the cancel.' }] },
      ]);
      const before = await h.footers();
      await h.type('Talk for a long time');
      await h.waitHeld('c');
      const started = Date.now();
      await h.runCommand('Agent: Cancel');
      await transcript().locator('.turn-footer[data-stop-reason="cancelled"]').last().waitFor({ timeout: 10_000 });
      const took = Date.now() - started;
      await h.release('c');
      assert.ok(took < 8000, `cancel took ${took} ms`);
      await h.type('And now?');
      await h.turnEnded(before + 1);
      assert.match(await answerText(), /After the cancel\./);
    },

    // An edit lands in the open editor; its card shows the diff inline and opens the diff
    // editor; a created file's card says so and counts its lines.
    async edit() {
      await h.openFile('src/app.py');
      await h.loadScript([
        {
          blocks: [
            { type: 'text', text: 'Changing the greeting, and adding a module.' },
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: {
                command: 'str_replace',
                path: 'src/app.py',
                old_str: "f'Hello, {name}!'",
                new_str: "f'Hi, {name}!'",
              },
            },
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: { command: 'create', path: 'src/six.py', file_text: 'a = 1\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6\n' },
            },
          ],
        },
        { blocks: [{ type: 'text', text: 'Changed it.' }] },
      ]);
      const before = await h.footers();
      await h.type('Say hi in app.py and add six.py');
      await h.allowPermissionsUntil(async () => (await h.footers()) > before);
      const cards = transcript().locator('.turn').last().locator('.tool.edit');
      await until('two edit cards', async () => (await cards.count()) === 2);
      await until('the edit in the open editor', async () => (await h.editorText()).includes('Hi, {name}!'));
      assert.equal(
        fs.readFileSync(path.join(h.workspace, 'src/app.py'), 'utf8'),
        h.APP_PY,
        'written behind the editor',
      );
      assert.match(norm(await cards.nth(0).locator('.diff-row').textContent()), /\+1\s*−1/);
      assert.match(norm(await cards.nth(1).locator('.diff-row').textContent()), /new file\s*\+6\s*−0/);
      await cards.nth(0).locator('details.diff-inline summary').click();
      await cards.nth(0).locator('.diff-line-added', { hasText: 'Hi, {name}!' }).waitFor();
      await cards.nth(0).locator('button', { hasText: 'Open diff' }).click();
      await page.locator('.monaco-diff-editor').first().waitFor();
      await h.screenshot('vscode-edit-diff.png');
      await page.keyboard.press('Control+W');
      await h.runCommand('Agent: Undo Last Turn');
      await until('app.py restored', async () => !(await h.editorText()).includes('Hi, {name}!'));
    },

    // The composer: @ completes files, # context, chips, ArrowUp recalls, an image is attached.
    async composer() {
      await h.loadScript([
        {
          blocks: [{ type: 'text', text: 'Seen the file and the problems.' }],
          expect: { last_user_contains: 'return a + b' },
        },
        { blocks: [{ type: 'text', text: 'Seen the image.' }] },
      ]);
      await box().fill('');
      await box().pressSequentially('Explain @uti');
      const completions = panel.locator('.completions .completion');
      await until('the file picker', async () =>
        (await completions.allTextContents()).some((t) => t.includes('src/util.py')),
      );
      await box().press('Enter');
      assert.equal(await box().inputValue(), 'Explain @src/util.py ');
      await box().pressSequentially('with #pro');
      await panel.locator('.completions .completion', { hasText: '#problems' }).waitFor();
      await box().press('Tab');
      await box().pressSequentially('please');
      await until('the chips', async () => (await panel.locator('.chips .chip').count()) === 2);
      await box().pressSequentially(' and @sto');
      await panel.locator('.completions .completion', { hasText: 'src/store.py' }).waitFor();
      await h.screenshot('vscode-composer.png');
      await box().press('Escape');
      for (let i = 0; i < ' and @sto'.length; i++) await box().press('Backspace');
      let before = await h.footers();
      await box().press('Enter');
      await h.turnEnded(before);
      const chips = norm(await transcript().locator('.turn').last().locator('.prompt-context').textContent());
      assert.match(chips, /@src\/util\.py/);
      assert.match(chips, /#problems/);
      assert.match(JSON.stringify((await lastRequest()).messages.at(-1)), /Problems in the workspace/);
      await box().press('ArrowUp');
      assert.match(await box().inputValue(), /^Explain @src\/util\.py with #problems please/);
      await box().fill('What is in this picture?');
      await box().evaluate((node, data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dot.png', { type: 'image/png' }));
        node.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
      }, PNG);
      await panel.locator('.chips .chip img').waitFor();
      before = await h.footers();
      await box().press('Enter');
      await h.turnEnded(before);
      assert.match(JSON.stringify((await lastRequest()).messages.at(-1)), /"type":"image"/);
    },

    // #terminal: the last output of the active terminal goes with the prompt.
    async terminal() {
      await h.loadScript([
        { blocks: [{ type: 'text', text: 'I saw it.' }], expect: { last_user_contains: 'hello-from-the-terminal' } },
      ]);
      await h.runCommand('Terminal: Create New Terminal');
      const terminal = page.locator('.terminal-wrapper.active .xterm');
      await terminal.waitFor();
      await terminal.click();
      await page.keyboard.type('echo hello-from-the-terminal');
      await page.keyboard.press('Enter');
      // Shell integration marks the command done: its output is recorded by then.
      await page.locator('.terminal-wrapper.active .codicon-terminal-decoration-success').first().waitFor();
      const before = await h.footers();
      await box().fill('What did #terminal print?');
      await box().press('Enter');
      await h.turnEnded(before);
      assert.match(
        norm(await transcript().locator('.turn').last().locator('.prompt-context').textContent()),
        /#terminal/,
      );
      await h.runCommand('View: Hide Panel');
    },

    // Slash commands, tabs and the sessions history.
    async sessions() {
      await h.loadScript([{ blocks: [{ type: 'text', text: 'A second session.' }] }]);
      const tabs = panel.locator('.tabs .tab');
      const count = await tabs.count();
      await box().fill('');
      await box().pressSequentially('/');
      await until('the slash commands', async () => (await panel.locator('.completions .completion').count()) >= 5);
      const commands = (await panel.locator('.completions .completion-label').allTextContents()).map(norm);
      for (const name of ['/new', '/sessions', '/model', '/mode', '/review']) {
        assert.ok(commands.includes(name), `${name} is not offered: ${commands.join(' ')}`);
      }
      await box().pressSequentially('ne');
      await box().press('Enter');
      assert.equal(await box().inputValue(), '/new ');
      await box().press('Enter');
      await until('a new tab', async () => (await tabs.count()) === count + 1);
      const before = await h.footers();
      await h.type('Second session, please');
      await h.turnEnded(before);
      await panel.locator('button.tab-history').click();
      const items = panel.locator('.history .history-item');
      await until('the sessions history', async () => (await items.count()) >= 2);
      assert.match(norm(await items.first().textContent()), /Second session, please/);
      await h.screenshot('vscode-history.png');
      // Resume the oldest in its own tab: its transcript comes back.
      await items.last().locator('button.history-open').click();
      await until('the resumed session', async () => (await transcript().locator('.turn').count()) > 0);
      assert.ok((await tabs.count()) >= count + 1);
    },

    // ACP plan updates as a checklist in the turn.
    async plan() {
      const entries = (statuses) =>
        ['Read the code', 'Write the fix', 'Run the tests'].map((content, i) => ({ content, status: statuses[i] }));
      await h.loadScript([
        {
          blocks: [
            {
              type: 'tool_use',
              name: 'update_plan',
              input: { entries: entries(['completed', 'in_progress', 'pending']) },
            },
          ],
        },
        { blocks: [{ type: 'text', text: 'Working on it.' }] },
      ]);
      const before = await h.footers();
      await h.type('Plan the fix');
      await h.turnEnded(before);
      const plan = transcript().locator('.turn').last().locator('.plan');
      assert.match(norm(await plan.locator('.plan-title').textContent()), /1\/3 done/);
      assert.equal(await transcript().locator('.turn').last().locator('.tool[data-kind="think"]:visible').count(), 0);
      assert.deepEqual(await plan.locator('input[type=checkbox]').evaluateAll((boxes) => boxes.map((b) => b.checked)), [
        true,
        false,
        false,
      ]);
      await h.screenshot('vscode-plan.png');
    },

    // Model and mode pickers (session/set_config_option, session/set_mode).
    async pickers() {
      await h.loadScript([{ blocks: [{ type: 'text', text: 'On the other model.' }] }]);
      const model = panel.locator('.pickers select[data-config-id="model"]');
      await model.waitFor({ timeout: 10_000 });
      // The API's model list (the simulator's GET /v1/models) replaces the built-in one.
      const listed = 'claude-haiku-4-5-20251001';
      await until('the API model list in the picker', async () =>
        (await model.locator('option').evaluateAll((o) => o.map((x) => x.value))).includes(listed),
      );
      const other = listed;
      await model.selectOption(other);
      const before = await h.footers();
      await h.type('Which model?');
      await h.turnEnded(before);
      assert.equal((await lastRequest()).model, other, 'the picked model was not used');
      const mode = panel.locator('.pickers select[data-config-id="mode"]');
      await mode.selectOption('ask');
      await until('the mode set', async () => (await mode.inputValue()) === 'ask');
      await mode.selectOption('default');
    },

    // The changes view: files with +/− counts; the diff editor with Keep / Undo per hunk.
    async changes() {
      await h.openFile('src/util.py');
      await h.loadScript([
        {
          blocks: [
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: { command: 'str_replace', path: 'src/util.py', old_str: 'a + b', new_str: 'a + b  # sum' },
            },
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: { command: 'str_replace', path: 'src/store.py', old_str: 'pass', new_str: 'items = []' },
            },
          ],
        },
        { blocks: [{ type: 'text', text: 'Two files changed.' }] },
      ]);
      const before = await h.footers();
      await h.type('Change two files');
      await h.allowPermissionsUntil(async () => (await h.footers()) > before);
      const rows = panel.locator('.changes .change');
      await until('the changes view', async () => (await rows.count()) === 2);
      assert.match(norm(await rows.first().textContent()), /\+1\s*−1/);
      await h.screenshot('vscode-changes-view.png');
      await rows.filter({ hasText: 'util.py' }).locator('button.change-path').click();
      await page.locator('.monaco-diff-editor').first().waitFor();
      const lens = page.locator('.codelens-decoration a', { hasText: 'Undo' }).first();
      await lens.waitFor();
      await h.screenshot('vscode-changes-diff.png');
      await lens.click();
      await until('the hunk undone', async () => (await rows.count()) === 1);
      await page.keyboard.press('Control+W');
      await panel.locator('.changes button.keep-all').click();
      await until('no pending change', async () => (await rows.count()) === 0);
      // The undone hunk is gone from the buffer, which an undo left equal to the disk: saved.
      await h.openFile('src/util.py');
      await until('util.py as it was', async () => {
        const text = await h.editorText();
        return text.includes('return a + b') && !text.includes('# sum');
      });
      assert.equal(fs.readFileSync(path.join(h.workspace, 'src/util.py'), 'utf8'), h.UTIL_PY);
    },

    // MCP servers from the settings: listed in the panel, their tool calls shown like others.
    async mcp() {
      const python = path.join(path.dirname(h.agentls ?? ''), 'python');
      const script = path.join(h.workspace, '..', 'mcp_echo.py');
      fs.writeFileSync(
        script,
        'from mcp.server.mcpserver import MCPServer\n\nserver = MCPServer("echo")\n\n\n@server.tool()\n' +
          'def shout(text: str) -> str:\n    """Upper-cases the text."""\n    return text.upper()\n\n\nserver.run()\n',
      );
      h.writeWorkspaceSettings({ 'agentls.mcpServers': { echo: { command: python, args: [script] } } });
      await h.loadScript([
        { blocks: [{ type: 'tool_use', name: 'mcp__echo__shout', input: { text: 'quiet' } }] },
        { blocks: [{ type: 'text', text: 'It said QUIET.' }], expect: { last_user_contains: 'QUIET' } },
      ]);
      await h.runCommand('Agent: New Session');
      const section = panel.locator('.mcp');
      await until('the MCP section', async () => norm(await section.textContent()).includes('echo'), 30_000);
      const before = await h.footers();
      await h.type('Shout quietly');
      await h.allowPermissionsUntil(async () => (await h.footers()) > before);
      assert.ok(
        (await transcript().locator('.tool', { hasText: /shout/i }).count()) > 0,
        'no card for the MCP tool call',
      );
      await section.locator('summary').click();
      await h.screenshot('vscode-mcp.png');
      h.writeWorkspaceSettings();
    },
  };
}
