// The panel's renderer, on its own, in headless Chromium: a 100 KB answer streamed in
// small chunks renders correctly and incrementally, within a frame's budget.
//
// Usage: node test/renderer.test.mjs [OUTPUT_DIR]   (exit code 0 on success)
// CHROMIUM overrides the browser (default /usr/bin/chromium).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'test-output'));
fs.mkdirSync(outDir, { recursive: true });

const FRAME_BUDGET_MS = 16;

/** A deterministic ~100 KB answer with every block kind the model writes. */
function longAnswer(targetBytes) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = [
    'stream',
    'render',
    'block',
    '**bold**',
    '`code`',
    '_emphasis_',
    'panel',
    'chunk',
    'the',
    'a',
    'of',
    'tail',
    '[link](https://example.com/x)',
  ];
  const sentence = () => {
    const n = 6 + Math.floor(random() * 12);
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(words[Math.floor(random() * words.length)]);
    return `${parts.join(' ')}.`;
  };
  const sections = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const kind = i % 6;
    let block;
    if (kind === 0) block = `## Section ${i}\n\n${sentence()} ${sentence()}`;
    else if (kind === 1) block = Array.from({ length: 4 }, (_, k) => `- item ${k}: ${sentence()}`).join('\n');
    else if (kind === 2) {
      const lines = Array.from({ length: 12 }, (_, k) => `    value_${i}_${k} = compute(${k}) * 2  # <not html>`);
      block = `\`\`\`python\ndef f_${i}():\n${lines.join('\n')}\n    return value\n\`\`\``;
    } else if (kind === 3) block = `| name | value |\n| --- | --- |\n| a${i} | ${sentence()} |\n| b${i} | 2 |`;
    else if (kind === 4) block = `> ${sentence()}\n> ${sentence()}`;
    else block = `${sentence()} ${sentence()}\n${sentence()}\n\n1. first ${sentence()}\n2. second`;
    sections.push(block);
    size += block.length + 2;
  }
  return `${sections.join('\n\n')}\n`;
}

function chunk(text) {
  const chunks = [];
  let seed = 7;
  for (let i = 0; i < text.length; ) {
    seed = (seed * 48271) % 2147483647;
    const n = 3 + (seed % 40);
    chunks.push(text.slice(i, i + n));
    i += n;
  }
  return chunks;
}

const answer = longAnswer(100 * 1024);
const chunks = chunk(answer);
const update = (sessionUpdate, extra) => ({ type: 'update', update: { sessionUpdate, ...extra } });
const text = (sessionUpdate, t) => update(sessionUpdate, { content: { type: 'text', text: t } });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const failures = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failures.push(name);
    console.log(
      `not ok - ${name}\n  ${String(error?.stack ?? error)
        .split('\n')
        .join('\n  ')}`,
    );
  }
}

async function openPanel() {
  const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
  page.on('pageerror', (error) => console.log(`  page error: ${error.message}`));
  // The same page the extension serves, minus the VS Code host: acquireVsCodeApi records.
  await page.setContent('<!DOCTYPE html><html><head></head><body><div id="app"></div></body></html>');
  await page.addStyleTag({ path: path.join(root, 'media/panel.css') });
  await page.evaluate(() => {
    window.sent = [];
    window.acquireVsCodeApi = () => ({ postMessage: (message) => window.sent.push(message) });
    // Every event here belongs to the one open session, "s", as the host would send them.
    const post = window.postMessage.bind(window);
    window.postMessage = (data, origin) => {
      if (data?.type === 'batch') {
        const global = new Set([
          'status',
          'tabs',
          'history',
          'fileMatches',
          'attach',
          'restorePrompt',
          'focusComposer',
        ]);
        data = {
          ...data,
          events: data.events.map((e) => (global.has(e.type) || 'sessionId' in e ? e : { ...e, sessionId: 's' })),
        };
      }
      post(data, origin);
    };
    // The HTML markdown-it renders, without the code blocks' buttons the panel adds.
    window.cleanHtml = (nodes) =>
      nodes
        .map((node) => {
          const copy = node.cloneNode(true);
          copy.querySelectorAll('.code-bar').forEach((bar) => bar.remove());
          copy.querySelectorAll('pre.decorated').forEach((pre) => pre.removeAttribute('class'));
          return copy.innerHTML;
        })
        .join('');
  });
  await page.addScriptTag({ path: path.join(root, 'dist/webview.js') });
  await page.waitForFunction(() => window.sent.some((m) => m.type === 'ready'));
  await post(page, [{ type: 'tabs', tabs: [{ sessionId: 's', title: 'Test', running: false }], active: 's' }]);
  return page;
}

const post = (page, events) => page.evaluate((e) => window.postMessage({ type: 'batch', events: e }, '*'), events);

await check('a 100 KB streamed answer renders incrementally, correctly, within the frame budget', async () => {
  const page = await openPanel();
  await post(page, [
    { type: 'status', running: true, server: 'running', activity: 'Thinking' },
    { type: 'turnStart', prompt: 'Explain everything', promptIndex: 0 },
  ]);
  // Streamed from inside the page, a few chunks per animation frame, like a fast model.
  const result = await page.evaluate(
    async ({ chunks, perFrame }) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      const renderTimes = [];
      let firstBlock = null;
      let sawTextBeforeEnd = false;
      const frameGaps = [];
      let last = performance.now();
      for (let i = 0; i < chunks.length; i += perFrame) {
        const events = chunks.slice(i, i + perFrame).map((t) => ({
          type: 'update',
          update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } },
        }));
        const before = window.agentls.stats.totalMs;
        window.postMessage({ type: 'batch', events }, '*');
        const now = await frame();
        frameGaps.push(now - last);
        last = now;
        renderTimes.push(window.agentls.stats.totalMs - before);
        if (firstBlock === null) firstBlock = document.querySelector('.answer .md-block');
        if (i > chunks.length / 2 && !sawTextBeforeEnd) {
          sawTextBeforeEnd = document.querySelector('.answer').textContent.length > 1000;
        }
      }
      await frame();
      window.postMessage(
        {
          type: 'batch',
          events: [
            {
              type: 'turnEnd',
              stopReason: 'end_turn',
              usage: {
                inputTokens: 1200,
                outputTokens: 34000,
                cachedReadTokens: 0,
                cachedWriteTokens: 0,
                totalTokens: 35200,
              },
            },
          ],
        },
        '*',
      );
      await frame();
      await frame();
      const blocks = [...document.querySelectorAll('.answer .md-block')];
      const expected = document.createElement('div');
      expected.innerHTML = window.agentls.render(chunks.join(''));
      renderTimes.sort((a, b) => a - b);
      frameGaps.sort((a, b) => a - b);
      return {
        sameFirstBlock: firstBlock !== null && firstBlock === blocks[0] && firstBlock.isConnected,
        blocks: blocks.length,
        html: window.cleanHtml(blocks),
        expectedHtml: expected.innerHTML,
        live: document.querySelector('.answer .md-live').innerHTML,
        p95: renderTimes[Math.floor(renderTimes.length * 0.95)],
        max: renderTimes[renderTimes.length - 1],
        medianGap: frameGaps[Math.floor(frameGaps.length / 2)],
        frames: renderTimes.length,
        sawTextBeforeEnd,
        stats: { ...window.agentls.stats },
        footer: document.querySelector('.turn-footer')?.textContent ?? '',
      };
    },
    { chunks, perFrame: 4 },
  );
  console.log(
    `  ${answer.length} chars, ${chunks.length} chunks over ${result.frames} frames; ${result.blocks} committed blocks; ` +
      `render p95 ${result.p95.toFixed(2)} ms, max ${result.max.toFixed(2)} ms; median frame ${result.medianGap.toFixed(1)} ms; ` +
      `longest re-rendered tail ${result.stats.maxTailChars} chars`,
  );
  await page.screenshot({ path: path.join(outDir, 'renderer-100kb.png') });
  assert.ok(result.sawTextBeforeEnd, 'the answer was not visible while it streamed');
  assert.ok(result.sameFirstBlock, 'the first committed block was replaced: committed DOM must never be re-rendered');
  assert.ok(result.blocks > 20, `only ${result.blocks} committed blocks: the answer is not split into blocks`);
  assert.equal(result.live, '', 'the open tail was not committed at the end of the turn');
  assert.equal(
    result.html,
    result.expectedHtml,
    'the incremental rendering differs from rendering the whole answer at once',
  );
  // Incremental: each render re-renders only the open tail, never the answer so far.
  assert.ok(result.stats.maxTailChars < 2000, `a render re-rendered ${result.stats.maxTailChars} chars of tail`);
  assert.equal(result.stats.committedChars, answer.length, 'every character is committed exactly once');
  assert.ok(
    result.p95 < FRAME_BUDGET_MS / 2,
    `rendering takes ${result.p95.toFixed(2)} ms at p95; the frame budget is ${FRAME_BUDGET_MS} ms`,
  );
  assert.ok(result.max < FRAME_BUDGET_MS * 2, `the slowest render took ${result.max.toFixed(2)} ms`);
  assert.match(result.footer, /Done · 1,200 in · 34,000 out/);
  await page.close();
});

await check(
  'a retry drops a streamed tail spanning several blocks, in code points; the rest streams again',
  async () => {
    const page = await openPanel();
    await post(page, [
      { type: 'status', running: true, server: 'running' },
      { type: 'turnStart', prompt: 'Explain again', promptIndex: 0 },
    ]);
    // Astral characters count once on the wire (Python str length) but twice in JavaScript.
    const full = longAnswer(16 * 1024)
      .replaceAll('chunk', 'chunk 🚀')
      .replaceAll('tail', '𝔸 tail');
    const cut = full.indexOf(' ', full.indexOf('\n\n', full.length / 2) + 20);
    const failed = ` and then${longAnswer(4 * 1024)
      .replaceAll('stream', 'FAILED 😀')
      .replaceAll('panel', '𝔸')}More FAILED text`;
    const superseded = [...failed].length;
    assert.ok(superseded < failed.length, 'the failed tail has astral characters');
    const result = await page.evaluate(
      async ({ before, after, superseded, expectedText }) => {
        const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
        const stream = async (chunks) => {
          for (let i = 0; i < chunks.length; i += 4) {
            const events = chunks.slice(i, i + 4).map((t) => ({
              type: 'update',
              update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } },
            }));
            window.postMessage({ type: 'batch', events }, '*');
            await frame();
          }
        };
        const blocks = () => [...document.querySelectorAll('.answer .md-block')];
        await stream(before);
        const firstBlock = blocks()[0];
        const failedBlocks = blocks().filter((b) => b.textContent.includes('FAILED'));
        const blocksBefore = blocks().length;
        const tailBefore = window.agentls.stats.tailChars;
        // The retry rides in one batch with the last chunk of the failed attempt: in order.
        const retry = {
          type: 'update',
          update: {
            sessionUpdate: 'retry',
            attempt: 2,
            maxAttempts: 5,
            delayMs: 2000,
            reason: 'overloaded_error: Overloaded',
            superseded: { agent_message_chunk: superseded, agent_thought_chunk: 0 },
            toolCallIds: [],
          },
        };
        const chunkOf = (t) => ({
          type: 'update',
          update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } },
        });
        window.postMessage({ type: 'batch', events: [chunkOf(' 🚫 FAILED'), retry] }, '*');
        await frame();
        await frame();
        const afterRetry = {
          note: document.querySelector('.retry-note')?.textContent ?? null,
          text: document.querySelector('.answer').textContent,
          failedBlocksLeft: failedBlocks.filter((b) => b.isConnected).length,
          blocksLeft: blocks().length,
          tailRendered: window.agentls.stats.tailChars - tailBefore,
          firstKept: firstBlock.isConnected && blocks()[0] === firstBlock,
        };
        await stream(after);
        const noteAfter = document.querySelector('.retry-note') !== null;
        window.postMessage({ type: 'batch', events: [{ type: 'turnEnd', stopReason: 'end_turn' }] }, '*');
        await frame();
        await frame();
        const expected = document.createElement('div');
        expected.innerHTML = window.agentls.render(expectedText);
        return {
          blocksBefore,
          failedBlocks: failedBlocks.length,
          afterRetry,
          noteAfter,
          html: window.cleanHtml(blocks()),
          expectedHtml: expected.innerHTML,
          live: document.querySelector('.answer .md-live').innerHTML,
          firstKept: firstBlock.isConnected && blocks()[0] === firstBlock,
          answers: document.querySelectorAll('.answer').length,
        };
      },
      {
        before: chunk(full.slice(0, cut) + failed),
        after: chunk(full.slice(cut)),
        superseded: superseded + 9,
        expectedText: full,
      },
    );
    console.log(
      `  ${superseded + 9} code points dropped: ${result.failedBlocks} of ${result.blocksBefore} committed blocks held failed text; ` +
        `${result.afterRetry.blocksLeft} kept; the retry re-rendered ${result.afterRetry.tailRendered} chars of tail`,
    );
    assert.ok(result.failedBlocks > 1, 'the dropped tail should span several committed blocks');
    assert.equal(result.afterRetry.failedBlocksLeft, 0, 'committed blocks of the failed attempt are still in the DOM');
    assert.ok(!result.afterRetry.text.includes('FAILED'), "the failed attempt's text is still shown");
    assert.ok(result.afterRetry.firstKept, 'blocks before the dropped tail were re-rendered');
    assert.ok(result.afterRetry.tailRendered < 2000, `the retry re-rendered ${result.afterRetry.tailRendered} chars`);
    assert.equal(result.afterRetry.note, 'overloaded_error: Overloaded — retrying in 2.0 s (attempt 2 of 5)');
    assert.equal(result.noteAfter, false, "the retry note outlived the retry's first text");
    assert.equal(result.answers, 1);
    assert.ok(result.firstKept);
    assert.equal(result.live, '');
    assert.equal(
      result.html,
      result.expectedHtml,
      'after the retry the answer differs from rendering the right text once',
    );
    await page.close();
  },
);

await check('a retry that cuts into the block after a committed one re-renders that one too', async () => {
  // "para\n" was committed because a fence started on the next line; the retry leaves one
  // backtick of the fence, so the paragraph goes on: it must not stay committed on its own.
  const page = await openPanel();
  await post(page, [
    { type: 'turnStart', prompt: 'q', promptIndex: 0 },
    text('agent_message_chunk', 'para\n'),
    text('agent_message_chunk', '```\ncode\n'),
  ]);
  await page.waitForSelector('.answer .md-block');
  await post(page, [
    update('retry', {
      attempt: 2,
      maxAttempts: 5,
      delayMs: 100,
      reason: '',
      superseded: { agent_message_chunk: 8 },
      toolCallIds: [],
    }),
    text('agent_message_chunk', 'inline` more'),
    { type: 'turnEnd', stopReason: 'end_turn' },
  ]);
  await page.waitForSelector('.turn-footer');
  const html = await page.evaluate(() => window.cleanHtml([...document.querySelectorAll('.answer .md-block')]));
  assert.equal(html, await page.evaluate(() => window.agentls.render('para\n`inline` more')));
  await page.close();
});

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
  await page.screenshot({ path: path.join(outDir, 'renderer-sections.png') });
  await page.close();
});

await browser.close();
if (failures.length > 0) {
  console.log(`${failures.length} renderer test(s) failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('renderer tests passed');
