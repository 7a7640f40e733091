// The defects of issue 14, each reproduced in the real workbench (code-server): every
// scenario here failed with the extension as it was before the fix.

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const LONG = Array.from(
  { length: 30 },
  (_, i) => `Paragraph ${i}: streaming shows **each piece** as the model writes it.\n\n`,
).join('');

export function defects(h) {
  const { page, panel, transcript, norm, until } = h;
  const answerText = async () => norm(await transcript().locator('.answer').last().textContent());
  const toast = (text) => page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();

  return {
    // 1. With no key: the error offers "Set API Key"; while it is open the panel stays usable
    // and keeps the prompt; the key applies to the next prompt.
    async firstRun() {
      await h.loadScript([{ blocks: [{ type: 'text', text: 'Hello with a key.' }] }]);
      await h.type('Hello?');
      await transcript().locator('.turn-footer.error', { hasText: 'No Anthropic API key' }).waitFor();
      await transcript().locator('.turn-footer.error button.fix', { hasText: 'Set API Key' }).waitFor();
      const notification = toast('No Anthropic API key');
      await notification.waitFor();
      await until('the panel to leave "Starting"', async () => {
        const status = norm(await panel.locator('.status-line').textContent());
        return status === 'Ready' && (await panel.locator('button.send').textContent()) === 'Send';
      });
      assert.equal(await panel.locator('.prompt-box').inputValue(), 'Hello?', 'the prompt was lost');
      await h.screenshot('vscode-first-run.png');
      await notification.locator('.monaco-button', { hasText: 'Set API Key' }).click();
      await h.answerInputBox('Agent: Set API Key', 'test-key-not-secret');
      await toast('the next prompt uses it').waitFor();
      const before = await h.footers();
      await panel.locator('.prompt-box').press('Enter');
      await h.turnEnded(before);
      assert.match(await answerText(), /Hello with a key\./);
    },

    // 2. A new prompt scrolls into view and the panel follows the answer; the footer shows.
    async scroll() {
      await h.loadScript([
        { blocks: [{ type: 'text', text: LONG }] },
        { blocks: [{ type: 'text', text: LONG }], chunk: 40, hold: { name: 'scroll', after_deltas: 30 } },
      ]);
      let before = await h.footers();
      await h.type('Fill the panel');
      await h.turnEnded(before);
      const inView = (selector) =>
        transcript().evaluate((t, sel) => {
          const node = [...t.querySelectorAll(sel)].at(-1);
          if (!node) return 'missing';
          const view = t.getBoundingClientRect();
          const box = node.getBoundingClientRect();
          return box.bottom > view.top && box.top < view.bottom
            ? 'visible'
            : `off by ${Math.round(box.top - view.bottom)} px`;
        }, selector);
      assert.equal(await inView('.turn-footer'), 'visible', "the first turn's footer is cut off");
      before = await h.footers();
      await h.type('And again');
      await h.waitHeld('scroll');
      await until('the streamed text', async () => (await answerText()).includes('Paragraph 3'));
      await until('the streaming answer in view', async () => (await inView('.answer')) === 'visible');
      await h.release('scroll');
      await h.turnEnded(before);
      await until('the footer in view', async () => (await inView('.turn-footer')) === 'visible');
    },

    // 3. Undo on an older turn's card acts on that turn (rewinds to before its prompt).
    async rewind() {
      await h.openFile('src/app.py');
      const edit = (file, oldStr, newStr, say) => [
        {
          blocks: [
            { type: 'text', text: say },
            {
              type: 'tool_use',
              name: 'str_replace_based_edit_tool',
              input: { command: 'str_replace', path: file, old_str: oldStr, new_str: newStr },
            },
          ],
        },
        { blocks: [{ type: 'text', text: 'Done.' }] },
      ];
      await h.loadScript([
        ...edit('src/app.py', "f'Hello, {name}!'", "f'Howdy, {name}!'", 'Turn one.'),
        ...edit('src/util.py', 'a + b', 'b + a', 'Turn two.'),
      ]);
      for (const prompt of ['Say howdy', 'Swap the sum']) {
        const before = await h.footers();
        await h.type(prompt);
        await h.allowPermissionsUntil(async () => (await h.footers()) > before);
      }
      await until('the edit in the open editor', async () => (await h.editorText()).includes('Howdy'));
      const firstCard = transcript().locator('.turn').nth(-2).locator('.tool.edit');
      await firstCard.locator('button', { hasText: /^Undo/ }).first().click();
      await until('app.py restored (the older turn undone)', async () => {
        const text = await h.editorText();
        return text.includes('Hello, {name}!') && !text.includes('Howdy');
      });
      await transcript().locator('.notice', { hasText: 'Rewound to before prompt' }).waitFor();
      // 7. The undo left the buffer equal to the disk: its tab is not dirty.
      await until('a clean tab after the undo', async () => {
        const tab = page.locator('.tabs-container .tab[data-resource-name="app.py"]');
        return !(await tab.getAttribute('class')).includes('dirty');
      });
    },

    // 4. A server killed mid-turn: restarted, the session reloaded, the panel says so, and
    // the model gets the conversation so far.
    async crash() {
      await h.loadScript([
        { blocks: [{ type: 'text', text: 'Remember the number 42.' }] },
        { blocks: [{ type: 'text', text: LONG }], chunk: 8, hold: { name: 'crash', after_deltas: 5 } },
        { blocks: [{ type: 'text', text: 'It was 42.' }], expect: { last_user_contains: 'What was the number' } },
      ]);
      let before = await h.footers();
      await h.type('Remember a number');
      await h.turnEnded(before);
      await h.type('Talk');
      await h.waitHeld('crash');
      const pid = h.serverPid();
      assert.ok(pid, 'the agentls server process was not found');
      process.kill(pid, 'SIGKILL');
      await h.release('crash').catch(() => undefined);
      await transcript().locator('.notice', { hasText: 'restarted' }).waitFor({ timeout: 30_000 });
      await h.ready();
      const text = norm(await transcript().textContent());
      assert.ok(text.includes('Remember the number 42.'), 'the transcript was wiped');
      assert.ok(!/Pending response rejected/.test(text), 'the raw connection error is shown');
      assert.equal(await panel.locator('.prompt-box').inputValue(), 'Talk', 'the interrupted prompt is not back');
      await h.screenshot('vscode-crash-reloaded.png');
      await panel.locator('.prompt-box').fill('What was the number?');
      before = await h.footers();
      await panel.locator('.prompt-box').press('Enter');
      await h.turnEnded(before);
      const last = (await h.requests()).at(-1);
      assert.ok(
        JSON.stringify(last.body.messages).includes('Remember the number 42.'),
        'the model got a fresh conversation',
      );
    },

    // 5. Server not found: the prompt is kept, "Open Settings" shows the setting, and fixing
    // the setting restarts the server.
    async notFound() {
      h.writeWorkspaceSettings({ 'agentls.serverCommand': '/nonexistent/bin/agentls' });
      await until(
        'the failed status',
        async () => (await panel.locator('.status-line').getAttribute('data-server')) === 'failed',
        60_000,
      );
      await h.type('Are you there?');
      const notification = toast('no executable is there');
      await notification.waitFor();
      await until(
        'the typed prompt back in the box',
        async () => (await panel.locator('.prompt-box').inputValue()) === 'Are you there?',
      );
      await notification.locator('.monaco-button', { hasText: 'Open Settings' }).click();
      // The settings editor opens where the value in force is set (here the workspace's).
      const row = page.locator('.settings-editor .setting-item-contents', { hasText: 'Server Command' }).first();
      await row.waitFor({ timeout: 15_000 });
      assert.match(
        norm(await page.locator('.settings-editor .settings-tabs-widget .action-label.checked').textContent()),
        /Workspace/,
      );
      await h.screenshot('vscode-not-found-settings.png');
      // Fixing the setting restarts the server, no command needed.
      await row.locator('input').fill(h.agentls);
      await row.locator('input').press('Enter');
      await h.ready();
      await page.keyboard.press('Control+W');
      await panel.locator('.prompt-box').fill('');
    },

    // 6. The permission question sits in its turn, before the answer that follows it; with
    // the panel hidden, a quick pick asks with plain labels.
    async permission() {
      const marker = path.join(h.workspace, 'ran.txt');
      await h.loadScript([
        { blocks: [{ type: 'tool_use', name: 'bash', input: { command: `touch ${marker}` } }] },
        { blocks: [{ type: 'text', text: 'I did not run it.' }], expect: { last_user_contains: 'Rejected' } },
        {
          blocks: [
            { type: 'text', text: 'Trying again.' },
            { type: 'tool_use', name: 'bash', input: { command: `touch ${marker}` } },
          ],
          hold: { name: 'hidden', after_deltas: 1 },
        },
        { blocks: [{ type: 'text', text: 'Rejected again.' }], expect: { last_user_contains: 'Rejected' } },
      ]);
      let before = await h.footers();
      await h.type('Create ran.txt');
      const question = transcript().locator('.turn').last().locator('.permission:not(.answered)');
      await question.waitFor();
      assert.match(norm(await question.textContent()), /touch/);
      await h.screenshot('vscode-permission.png');
      await question.locator('button[class*="permission-reject_once"]').first().click();
      await h.turnEnded(before);
      const order = await transcript()
        .locator('.turn')
        .last()
        .evaluate((turn) => {
          const permission = turn.querySelector('.permission.answered');
          const answer = [...turn.querySelectorAll('.answer')].at(-1);
          return permission && answer
            ? Boolean(permission.compareDocumentPosition(answer) & Node.DOCUMENT_POSITION_FOLLOWING)
            : null;
        });
      assert.equal(order, true, 'the answered question is not inside its turn, before the answer');
      assert.ok(!fs.existsSync(marker), 'the rejected command ran');
      // Panel hidden: a quick pick asks, its items read as the options do.
      before = await h.footers();
      await h.type('Create it again');
      await h.waitHeld('hidden');
      await h.runCommand('View: Close Primary Side Bar');
      await h.release('hidden');
      const rows = page.locator('.quick-input-list .monaco-list-row');
      // The palette that ran the command may still be closing: wait for the question itself.
      const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'The agent wants to' });
      await until('the permission quick pick', async () => (await title.isVisible()) && (await rows.count()) >= 2);
      const labels = (await rows.locator('.label-name').allTextContents()).map(norm);
      assert.ok(labels.includes('Reject'), labels.join(' | '));
      assert.ok(!labels.some((l) => /allow\s+allow|reject\s+reject/i.test(l)), `doubled labels: ${labels.join(' | ')}`);
      await rows
        .filter({ has: page.locator('.label-name', { hasText: /^Reject$/ }) })
        .first()
        .click();
      await h.runCommand('Agent: Focus Panel');
      await h.turnEnded(before);
    },

    // 7. What the panel says while a turn runs: the status follows the stream, a pending tool
    // call is not titled with the tool's API name, and Enter queues a prompt visibly.
    async running() {
      await h.loadScript([
        {
          blocks: [
            { type: 'text', text: LONG },
            { type: 'tool_use', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'src/util.py' } },
          ],
          chunk: 8,
          hold: { name: 'text', after_deltas: 20 },
        },
        { blocks: [{ type: 'text', text: 'Read it.' }] },
        { blocks: [{ type: 'text', text: 'The queued one.' }] },
      ]);
      const before = await h.footers();
      await h.type('Read util.py');
      await h.waitHeld('text');
      await until('the status while text streams', async () =>
        /Writing/.test(norm(await panel.locator('.status-line').textContent())),
      );
      await h.type('Then this');
      await panel.locator('.queue .queued', { hasText: 'Then this' }).waitFor();
      assert.equal(await panel.locator('.prompt-box').inputValue(), '', 'the queued prompt stayed in the box');
      await h.screenshot('vscode-queued.png');
      await h.release('text');
      await until('both turns', async () => (await h.footers()) >= before + 2, 30_000);
      const titles = await transcript().locator('.tool-title').allTextContents();
      assert.ok(!titles.includes('str_replace_based_edit_tool'), titles.join(' | '));
      assert.match(await answerText(), /The queued one\./);
      assert.equal(await panel.locator('.queue .queued').count(), 0);
    },

    // 7. A selection that ends at column 0 of line 3 covers lines 1-2.
    async selection() {
      await h.loadScript([{ blocks: [{ type: 'text', text: 'Two lines.' }] }]);
      await h.openFile('src/util.py');
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+ArrowDown');
      const before = await h.footers();
      await h.runCommand('Agent: Ask about Selection');
      await h.answerInputBox('Agent: Ask about Selection', 'Explain this code.');
      await h.turnEnded(before);
      const context = norm(await transcript().locator('.turn').last().locator('.prompt-context').textContent());
      assert.match(context, /\.py:1-2$/);
      // Ctrl+Alt+K adds the selection to the prompt box as a chip, with its line range.
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Shift+ArrowDown');
      await page.keyboard.press('Control+Alt+K');
      await until('the selection chip', async () =>
        (await panel.locator('.chips .chip').allTextContents()).some((t) => /\.py#L1-2/.test(t)),
      );
      assert.equal(await panel.locator('.prompt-box:focus').count(), 1, 'the prompt box has no focus');
      await panel.locator('.chips .chip-remove').first().click();
    },

    // 8. Contrast, high contrast borders, announcements per message, headings per turn.
    async a11y() {
      await h.loadScript([
        {
          blocks: [
            { type: 'tool_use', name: 'str_replace_based_edit_tool', input: { command: 'view', path: 'src/util.py' } },
          ],
        },
        { blocks: [{ type: 'text', text: 'It adds.' }] },
      ]);
      const before = await h.footers();
      await h.type('What does util.py do?');
      await h.turnEnded(before);
      const result = await panel.locator('body').evaluate(() => {
        const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const background = (node) => {
          for (let n = node; n; n = n.parentElement) {
            const c = rgb(getComputedStyle(n).backgroundColor);
            if (c.length >= 3 && (c[3] ?? 1) > 0.5) return c;
          }
          return rgb(getComputedStyle(document.body).backgroundColor);
        };
        const ratio = (node) => {
          const a = lum(rgb(getComputedStyle(node).color));
          const b = lum(background(node));
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        };
        const badge = document.querySelector('.tool[data-status="completed"] .tool-status');
        return {
          badge: badge ? ratio(badge) : null,
          liveTranscript: document.querySelectorAll('.transcript[aria-live], main[aria-live]').length,
          status: document.querySelector('.status-line')?.getAttribute('role'),
          headings: document.querySelectorAll('.transcript:not([hidden]) .turn h2').length,
          turns: document.querySelectorAll('.transcript:not([hidden]) .turn').length,
        };
      });
      assert.ok(
        result.badge !== null && result.badge >= 4.5,
        `the "done" badge has contrast ${result.badge?.toFixed(2)}:1`,
      );
      assert.equal(result.liveTranscript, 0, 'the transcript is an aria-live region');
      assert.equal(result.status, 'status');
      assert.equal(result.headings, result.turns, 'a turn without a heading');
      // Focus order: the tabs, the transcript, the prompt box, then its pickers and buttons.
      await panel.locator('.prompt-box').focus();
      await panel.locator('.prompt-box').press('Tab');
      assert.equal(await panel.locator('.actions :focus').count(), 1, 'Tab from the prompt box leaves the composer');
      const inOrder = await panel.locator('body').evaluate(() => {
        const nodes = ['.tabs', '.transcript:not([hidden])', '.prompt-box', '.actions'].map((s) =>
          document.querySelector(s),
        );
        return nodes.every(
          (n, i) => i === 0 || (nodes[i - 1].compareDocumentPosition(n) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0,
        );
      });
      assert.ok(inOrder, 'the tabs, transcript, prompt box and buttons are not in reading order');
      // High contrast: buttons keep a visible border.
      const pickTheme = async (name) => {
        await h.runCommand('Preferences: Color Theme');
        const input = page.locator('.quick-input-widget input.input');
        const current = norm(
          await page.locator('.quick-input-list .monaco-list-row.focused .label-name').first().textContent(),
        );
        await input.fill(name);
        await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
        await input.press('Enter');
        return current;
      };
      const previous = await pickTheme('Dark High Contrast');
      await until('the panel in high contrast', async () =>
        panel.locator('body').evaluate((b) => b.classList.contains('vscode-high-contrast')),
      );
      const border = await panel.locator('button.send').evaluate((b) => {
        const style = getComputedStyle(b);
        return { width: style.borderTopWidth, color: style.borderTopColor, outline: style.outlineColor };
      });
      assert.ok(border.width !== '0px' && !/rgba\(0, 0, 0, 0\)/.test(border.color), JSON.stringify(border));
      await h.screenshot('vscode-high-contrast.png');
      await pickTheme(previous);
    },
  };
}
