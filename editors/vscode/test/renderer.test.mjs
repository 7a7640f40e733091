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
  const words = ['stream', 'render', 'block', '**bold**', '`code`', '_emphasis_', 'panel', 'chunk', 'the', 'a', 'of', 'tail', '[link](https://example.com/x)'];
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
    console.log(`not ok - ${name}\n  ${String(error?.stack ?? error).split('\n').join('\n  ')}`);
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
  });
  await page.addScriptTag({ path: path.join(root, 'dist/webview.js') });
  await page.waitForFunction(() => window.sent.some((m) => m.type === 'ready'));
  return page;
}

const post = (page, events) => page.evaluate((e) => window.postMessage({ type: 'batch', events: e }, '*'), events);

await check('a 100 KB streamed answer renders incrementally, correctly, within the frame budget', async () => {
  const page = await openPanel();
  await post(page, [{ type: 'status', running: true, server: 'running', activity: 'Thinking' }, { type: 'turnStart', prompt: 'Explain everything' }]);
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
      window.postMessage({ type: 'batch', events: [{ type: 'turnEnd', stopReason: 'end_turn', usage: { inputTokens: 1200, outputTokens: 34000, cachedReadTokens: 0, cachedWriteTokens: 0, totalTokens: 35200 } }] }, '*');
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
        html: blocks.map((b) => b.innerHTML).join(''),
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
  assert.equal(result.html, result.expectedHtml, 'the incremental rendering differs from rendering the whole answer at once');
  // Incremental: each render re-renders only the open tail, never the answer so far.
  assert.ok(result.stats.maxTailChars < 2000, `a render re-rendered ${result.stats.maxTailChars} chars of tail`);
  assert.equal(result.stats.committedChars, answer.length, 'every character is committed exactly once');
  assert.ok(result.p95 < FRAME_BUDGET_MS / 2, `rendering takes ${result.p95.toFixed(2)} ms at p95; the frame budget is ${FRAME_BUDGET_MS} ms`);
  assert.ok(result.max < FRAME_BUDGET_MS * 2, `the slowest render took ${result.max.toFixed(2)} ms`);
  assert.match(result.footer, /Done · 1,200 in · 34,000 out/);
  await page.close();
});

await check('thinking, tool cards, edits, permissions, superseded text, cancel and new session', async () => {
  const page = await openPanel();
  await post(page, [
    { type: 'turnStart', prompt: 'Fix it', context: 'selection in src/app.py:1-2' },
    text('agent_thought_chunk', 'Let me **think**.'),
    text('agent_message_chunk', 'A first attempt that '),
    update('agent_message_superseded', {}),
    text('agent_message_chunk', 'I will edit `app.py`.'),
    update('tool_call', { toolCallId: 't1', title: 'str_replace_based_edit_tool', kind: 'edit', status: 'pending', rawInput: {} }),
    update('tool_call_update', { toolCallId: 't1', title: 'Edit src/app.py', rawInput: { command: 'str_replace', path: 'src/app.py' } }),
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
    { type: 'permission', requestId: 3, params: { sessionId: 's', toolCall: { toolCallId: 't2', title: 'Run make', kind: 'execute', rawInput: { command: 'make' } }, options: [
      { optionId: 'a1', name: 'Allow once', kind: 'allow_once' },
      { optionId: 'r1', name: 'Reject', kind: 'reject_once' },
    ] } },
    { type: 'status', running: true, server: 'running', activity: 'Running make' },
  ]);
  await page.waitForSelector('.tool[data-status="completed"]');
  const dom = await page.evaluate(() => ({
    thought: document.querySelector('details.thought')?.open,
    thoughtText: document.querySelector('details.thought')?.textContent,
    answer: [...document.querySelectorAll('.answer')].map((n) => n.textContent.trim()).join('|'),
    title: document.querySelector('.tool-title')?.textContent,
    input: document.querySelector('.tool-input pre')?.textContent,
    inputOpen: document.querySelector('.tool-input')?.open,
    result: document.querySelector('.tool-result pre')?.textContent,
    context: document.querySelector('.prompt-context')?.textContent,
    status: document.querySelector('.status-line')?.textContent,
  }));
  assert.equal(dom.thought, false, 'thinking starts collapsed');
  assert.match(dom.thoughtText, /Thought.*Let me think/s);
  assert.equal(dom.answer, 'I will edit app.py.', 'superseded text was not dropped');
  assert.equal(dom.title, 'Edit src/app.py');
  assert.match(dom.input, /"command": "str_replace"/);
  assert.equal(dom.inputOpen, false, 'tool input starts collapsed');
  assert.equal(dom.result, 'Edited src/app.py');
  assert.equal(dom.context, 'selection in src/app.py:1-2');
  assert.equal(dom.status, 'Running make');
  await page.click('.diff-row button:has-text("Open diff")');
  await page.click('.diff-row button:has-text("Undo turn")');
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
  await page.click('button.new-session');
  const sent = await page.evaluate(() => window.sent.filter((m) => m.type !== 'ready'));
  assert.deepEqual(sent, [
    { type: 'openDiff', toolCallId: 't1', index: 0 },
    { type: 'undoTurn' },
    { type: 'permission', requestId: 3, optionId: 'a1' },
    { type: 'cancel' },
    { type: 'prompt', text: 'next question' },
    { type: 'newSession' },
  ]);
  assert.equal(await page.locator('.permission.answered').count(), 1);
  await post(page, [{ type: 'reset' }]);
  await page.waitForSelector('.empty');
  assert.equal(await page.locator('.turn').count(), 0);
  await page.close();
});

await browser.close();
if (failures.length > 0) {
  console.log(`${failures.length} renderer test(s) failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log('renderer tests passed');
