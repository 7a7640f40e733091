// The panel's cards and sections in headless Chromium: thinking, tool cards, edits and their
// diff stats, permissions inside their turn, retries, the changes view, MCP servers, live
// command output, the plan, search hits; and the messages the buttons send.
//
// Usage: node test/panel.test.mjs [OUTPUT_DIR]   (exit code 0 on success)

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, finish, openPanel, post, root, text, update } from './panel-page.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(root, 'test-output'));
fs.mkdirSync(outDir, { recursive: true });

await check('thinking, tool cards, edits, permissions, a retry, cancel and new session', async () => {
  const page = await openPanel();
  await post(page, [
    { type: 'turnStart', prompt: 'Fix it', context: ['selection in src/app.py:1-2'], promptIndex: 0 },
    text('agent_thought_chunk', 'Let me **think**.'),
    // A failed attempt: thinking, text, a read it started, more text; then the retry.
    text('agent_thought_chunk', ' Hmm 😀'),
    text('agent_message_chunk', 'A first attempt that '),
    update('tool_call', { toolCallId: 't0', title: 'Read src/app.py', kind: 'read', status: 'pending', rawInput: {} }),
    update('tool_call_update', {
      toolCallId: 't0',
      status: 'failed',
      content: [{ type: 'content', content: { type: 'text', text: 'withdrawn' } }],
    }),
    text('agent_message_chunk', 'reads 𝔸.'),
    update('retry', {
      attempt: 2,
      maxAttempts: 5,
      delayMs: 1500,
      reason: 'api_error: Internal server error',
      superseded: { agent_message_chunk: 29, agent_thought_chunk: 6 },
      toolCallIds: ['t0'],
    }),
    update('tool_call_update', { toolCallId: 't0', status: 'failed' }),
    text('agent_message_chunk', 'I will edit `app.py`.'),
    update('tool_call', {
      toolCallId: 't1',
      title: 'str_replace_based_edit_tool',
      kind: 'edit',
      status: 'pending',
      rawInput: {},
    }),
  ]);
  // Before its input is complete, the card says what it is doing, not the tool's API name.
  await page.waitForSelector('.tool[data-tool-call-id="t1"]');
  assert.equal(await page.locator('.tool[data-tool-call-id="t1"] .tool-title').textContent(), 'Preparing an edit…');
  await post(page, [
    update('tool_call_update', {
      toolCallId: 't1',
      title: 'Edit src/app.py',
      rawInput: { command: 'str_replace', path: 'src/app.py' },
    }),
    update('tool_call_update', { toolCallId: 't1', status: 'in_progress' }),
    update('tool_call_update', {
      toolCallId: 't1',
      status: 'completed',
      content: [
        { type: 'diff', path: '/w/src/app.py', oldText: 'a\nb\n', newText: 'a\nc\n' },
        { type: 'content', content: { type: 'text', text: 'Edited src/app.py' } },
      ],
      locations: [{ path: '/w/src/app.py', line: 2 }],
    }),
    update('tool_call', {
      toolCallId: 't3',
      title: 'Create src/new.py',
      kind: 'edit',
      status: 'completed',
      rawInput: {},
      content: [{ type: 'diff', path: '/w/src/new.py', oldText: null, newText: 'a\nb\nc\nd\ne\nf\n' }],
    }),
    {
      type: 'permission',
      requestId: 3,
      params: {
        sessionId: 's',
        toolCall: { toolCallId: 't2', title: 'Run make', kind: 'execute', rawInput: { command: 'make' } },
        options: [
          { optionId: 'a1', name: 'Allow once', kind: 'allow_once' },
          { optionId: 'r1', name: 'Reject', kind: 'reject_once' },
        ],
      },
    },
    { type: 'status', running: true, server: 'running', activity: 'Running make' },
  ]);
  await page.waitForSelector('.tool[data-status="completed"]');
  const dom = await page.evaluate(() => ({
    thought: document.querySelector('details.thought')?.open,
    thoughtText: document.querySelector('details.thought')?.textContent,
    answer: [...document.querySelectorAll('.answer')].map((n) => n.textContent.trim()).join('|'),
    title: document.querySelector('.tool-title')?.textContent,
    withdrawn: document.querySelectorAll('.tool[data-tool-call-id="t0"]').length,
    note: document.querySelectorAll('.retry-note').length,
    input: document.querySelector('.tool-input pre')?.textContent,
    inputOpen: document.querySelector('.tool-input')?.open,
    result: document.querySelector('.tool-result pre')?.textContent,
    context: document.querySelector('.prompt-context')?.textContent,
    status: document.querySelector('.status-line')?.textContent,
    stats: [...document.querySelectorAll('.diff-row')].map((r) =>
      [...r.querySelectorAll('.diff-new, .diff-added, .diff-removed')].map((n) => n.textContent).join(' '),
    ),
    permissionInTurn: document.querySelector('.turn .turn-body .permission') !== null,
  }));
  assert.deepEqual(
    dom.stats,
    ['+1 −1', 'new file +6 −0'],
    'diff stats: changed lines, and a created file counts what it adds',
  );
  assert.ok(dom.permissionInTurn, 'the permission question is not inside its turn');
  assert.equal(dom.thought, false, 'thinking starts collapsed');
  assert.match(dom.thoughtText, /^Thought\s*Let me think\.\s*$/);
  assert.equal(dom.answer, 'I will edit app.py.', 'superseded text was not dropped');
  assert.equal(dom.withdrawn, 0, 'the withdrawn tool card is still shown');
  assert.equal(dom.note, 0, "the retry note outlived the retry's first text");
  assert.equal(dom.title, 'Edit src/app.py');
  assert.match(dom.input, /"command": "str_replace"/);
  assert.equal(dom.inputOpen, false, 'tool input starts collapsed');
  assert.equal(dom.result, 'Edited src/app.py');
  assert.equal(dom.context, 'selection in src/app.py:1-2');
  assert.equal(dom.status, 'Running make');
  await page.click('.diff-row button:has-text("Open diff")');
  await page.click('.diff-row button:has-text("Undo")');
  await page.click('.permission button:has-text("Allow once")');
  await page.click('button.cancel');
  await page.screenshot({ path: path.join(outDir, 'renderer-cards.png') });
  await post(page, [
    { type: 'permissionDone', requestId: 3, outcome: { outcome: 'selected', optionId: 'a1' }, label: 'Allow once' },
    { type: 'turnEnd', stopReason: 'cancelled' },
    { type: 'status', running: false, server: 'running' },
  ]);
  await page.waitForSelector('.turn-footer[data-stop-reason="cancelled"]');
  await page.fill('.prompt-box', 'next question');
  await page.press('.prompt-box', 'Enter');
  await page.click('button.tab-new');
  const sent = await page.evaluate(() => window.sent.filter((m) => m.type !== 'ready'));
  assert.deepEqual(sent, [
    { type: 'openDiff', sessionId: 's', toolCallId: 't1', index: 0 },
    { type: 'rewind', sessionId: 's', promptIndex: 0 },
    { type: 'permission', requestId: 3, optionId: 'a1' },
    { type: 'cancel', sessionId: 's' },
    { type: 'prompt', sessionId: 's', text: 'next question', attachments: [] },
    { type: 'newSession' },
  ]);
  assert.equal(await page.locator('.permission.answered').count(), 1);
  await post(page, [{ type: 'reset' }]);
  await page.waitForSelector('.empty');
  assert.equal(await page.locator('.turn').count(), 0);
  await page.close();
});

await check('changes view, MCP servers, a review-before permission, live command output, a plan', async () => {
  const page = await openPanel();
  const hunk = (id, newStart, oldLines, newLines) => ({
    id,
    oldStart: newStart,
    oldLines,
    newStart,
    newLines,
    oldText: '',
    newText: '',
  });
  await post(page, [
    { type: 'status', running: true, server: 'running', workspaceRoot: '/w' },
    { type: 'turnStart', prompt: 'Do it', promptIndex: 0 },
    update('tool_call', {
      toolCallId: 'b1',
      title: 'Run `make test`',
      kind: 'execute',
      status: 'in_progress',
      rawInput: { command: 'make test' },
    }),
    update('tool_call_update', {
      toolCallId: 'b1',
      content: [{ type: 'content', content: { type: 'text', text: 'line 1\n' } }],
    }),
    update('plan', {
      entries: [
        { content: 'Read', priority: 'high', status: 'completed' },
        { content: 'Fix', priority: 'high', status: 'in_progress' },
      ],
    }),
    {
      type: 'permission',
      requestId: 7,
      params: {
        sessionId: 's',
        toolCall: {
          toolCallId: 'e1',
          title: 'Edit src/app.py',
          kind: 'edit',
          content: [{ type: 'diff', path: '/w/src/app.py', oldText: 'a\nb\n', newText: 'a\nB\n' }],
        },
        options: [
          { optionId: 'ok', name: 'Accept', kind: 'allow_once' },
          { optionId: 'no', name: 'Reject', kind: 'reject_once' },
        ],
      },
    },
    {
      type: 'changes',
      files: [
        {
          path: '/w/src/app.py',
          uri: 'file:///w/src/app.py',
          status: 'modified',
          hunks: [hunk('h1', 2, 1, 1), hunk('h2', 9, 0, 3)],
        },
        { path: '/w/src/new.py', uri: 'file:///w/src/new.py', status: 'created', hunks: [hunk('h3', 1, 0, 6)] },
      ],
    },
    {
      type: 'mcp',
      servers: [
        { name: 'echo', source: 'settings', transport: 'stdio', status: 'connected', tools: ['shout'] },
        {
          name: 'broken',
          source: '.mcp.json',
          transport: 'stdio',
          status: 'failed',
          error: 'exited with code 1',
          tools: [],
        },
      ],
    },
  ]);
  await page.waitForSelector('.changes .change');
  const live1 = await page
    .locator('.tool[data-tool-call-id="b1"] .tool-result')
    .evaluate((d) => ({ open: d.open, text: d.textContent }));
  await post(page, [
    update('tool_call_update', {
      toolCallId: 'b1',
      content: [{ type: 'content', content: { type: 'text', text: 'line 1\nline 2\n' } }],
    }),
  ]);
  await page.waitForFunction(() =>
    document.querySelector('.tool[data-tool-call-id="b1"] .tool-result pre').textContent.includes('line 2'),
  );
  const dom = await page.evaluate(() => ({
    rows: [...document.querySelectorAll('.changes .change')].map((r) =>
      [...r.children].map((c) => c.textContent).join(' '),
    ),
    summary: document.querySelector('.changes summary')?.textContent,
    mcp: document.querySelector('.mcp summary')?.textContent,
    mcpError: document.querySelector('.mcp .mcp-error')?.textContent,
    diff: [...document.querySelectorAll('.permission .unified-diff div')].map((d) => d.textContent),
    plan: document.querySelector('.plan-title')?.textContent,
  }));
  assert.equal(live1.open, true, "a running command's output is open");
  assert.match(live1.text, /line 1/);
  assert.equal(dom.summary, 'Changes · 2 files');
  assert.match(dom.rows[0], /src\/app\.py \+4 −1 Keep Undo/);
  assert.match(dom.rows[1], /src\/new\.py created \+6 −0/);
  assert.equal(dom.mcp, 'MCP servers · 1/2 connected');
  assert.equal(dom.mcpError, 'exited with code 1');
  assert.deepEqual(
    dom.diff.filter((l) => /^[-+][^-+]/.test(l)),
    ['-b', '+B'],
  );
  assert.equal(dom.plan, 'Plan · 1/2 done');
  await page.click('.changes .change:first-child button.undo');
  await page.click('.changes button.keep-all');
  await page.click('.changes .change:first-child button.change-path');
  await page.click('.permission button:has-text("Accept")');
  await post(page, [
    update('tool_call', {
      toolCallId: 's1',
      title: 'Search for `add`',
      kind: 'search',
      status: 'pending',
      rawInput: {},
    }),
    update('tool_call_update', {
      toolCallId: 's1',
      status: 'completed',
      content: [{ type: 'content', content: { type: 'text', text: 'src/util.py:1: def add(a, b):\n1 match' } }],
    }),
  ]);
  await page.click('.tool[data-tool-call-id="s1"] .tool-result summary');
  await page.click('.tool[data-tool-call-id="s1"] button.hit');
  const sent = await page.evaluate(() => window.sent.filter((m) => m.type !== 'ready'));
  assert.deepEqual(sent, [
    { type: 'review', sessionId: 's', decision: 'reject', path: '/w/src/app.py' },
    { type: 'review', sessionId: 's', decision: 'accept' },
    { type: 'openChange', sessionId: 's', path: '/w/src/app.py' },
    { type: 'permission', requestId: 7, optionId: 'ok' },
    { type: 'openLocation', path: 'src/util.py', line: 1 },
  ]);
  // A file dropped from the explorer (Shift+drag) becomes an @ mention, shown as a chip.
  await page.locator('.prompt-box').evaluate((box) => {
    const transfer = new DataTransfer();
    transfer.setData('text/uri-list', 'file:///w/src/app%20two.py\r\nfile:///w/README.md');
    box.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  assert.equal(await page.locator('.prompt-box').inputValue(), '@src/app two.py @README.md ');
  await page.screenshot({ path: path.join(outDir, 'renderer-sections.png') });
  await page.close();
});

await check("a compaction is one note, in the server's words", async () => {
  const page = await openPanel();
  await post(page, [
    { type: 'turnStart', prompt: 'Go on', promptIndex: 0 },
    update('compaction', { status: 'started', reason: 'auto', message: 'Compacting the conversation…' }),
    update('compaction', { status: 'completed', reason: 'auto', message: 'Compacted 180k → 24k tokens' }),
    text('agent_message_chunk', 'Continuing.'),
    { type: 'turnEnd', stopReason: 'end_turn' },
  ]);
  const notes = await page.locator('.notice').allTextContents();
  assert.deepEqual(
    notes.filter((n) => n.includes('ompact')),
    ['Compacted 180k → 24k tokens'],
    notes.join(' | '),
  );
  await page.close();
});

await finish('panel');
