// The panel's renderer, on its own, in headless Chromium: a 100 KB answer streamed in
// small chunks renders correctly and incrementally, within a frame's budget.
//
// Usage: node test/renderer.test.mjs [OUTPUT_DIR]   (exit code 0 on success)
// CHROMIUM overrides the browser (default /usr/bin/chromium).

import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, finish, openPanel, post, root, text, update } from './panel-page.mjs';

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

await finish('renderer');
