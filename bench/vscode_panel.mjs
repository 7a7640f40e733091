// The VS Code panel's renderer (editors/vscode/dist/webview.js) in headless Chromium: a
// ~100 KB markdown answer streamed one chunk per animation frame; prints JSON with the
// render time per chunk (p50, p99, max) and per quarter of the answer (flatness).
// Usage: node bench/vscode_panel.mjs   (CHROMIUM overrides /usr/bin/chromium)
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.resolve(here, '..', 'editors', 'vscode');
const { chromium } = createRequire(path.join(ext, 'package.json'))('playwright-core');

function answer(targetBytes) {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const words = ['stream', 'render', 'block', '**bold**', '`code`', '_emphasis_', 'panel', 'the', 'of', '[link](https://example.com/x)'];
  const sentence = () => Array.from({ length: 6 + Math.floor(random() * 12) }, () => words[Math.floor(random() * words.length)]).join(' ') + '.';
  const out = [];
  let size = 0;
  for (let i = 0; size < targetBytes; i++) {
    const kind = i % 5;
    let b;
    if (kind === 0) b = `## Section ${i}\n\n${sentence()} ${sentence()}`;
    else if (kind === 1) b = Array.from({ length: 4 }, (_, k) => `- item ${k}: ${sentence()}`).join('\n');
    else if (kind === 2) b = '```python\n' + Array.from({ length: 12 }, (_, k) => `value_${i}_${k} = compute(${k})  # <x>`).join('\n') + '\n```';
    else if (kind === 3) b = `| a | b |\n| --- | --- |\n| ${i} | ${sentence()} |`;
    else b = `${sentence()} ${sentence()}\n${sentence()}`;
    out.push(b);
    size += b.length + 2;
  }
  return out.join('\n\n') + '\n';
}

const text = answer(100 * 1024);
const chunks = [];
for (let i = 0, seed = 7; i < text.length; ) {
  seed = (seed * 48271) % 2147483647;
  const n = 3 + (seed % 40);
  chunks.push(text.slice(i, i + n));
  i += n;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 480, height: 900 } });
await page.setContent('<!DOCTYPE html><html><head></head><body><div id="app"></div></body></html>');
await page.addStyleTag({ path: path.join(ext, 'media/panel.css') });
await page.evaluate(() => {
  window.acquireVsCodeApi = () => ({ postMessage: () => {} });
});
await page.addScriptTag({ path: path.join(ext, 'dist/webview.js') });
// One open session, "s", as the extension host sets it up; its events carry its id.
await page.evaluate(() =>
  window.postMessage(
    {
      type: 'batch',
      events: [
        { type: 'tabs', tabs: [{ sessionId: 's', title: 'Bench', running: true }], active: 's' },
        { type: 'turnStart', sessionId: 's', prompt: 'Explain', promptIndex: 0 },
      ],
    },
    '*',
  ),
);
const times = await page.evaluate(async (chunks) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
  await frame();
  const out = [];
  for (const t of chunks) {
    const before = window.agentls.stats.totalMs;
    const started = performance.now();
    window.postMessage({ type: 'batch', events: [{ type: 'update', sessionId: 's', update: { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: t } } }] }, '*');
    await frame();
    out.push([window.agentls.stats.totalMs - before, performance.now() - started]);
  }
  return out;
}, chunks);
const shown = await page.evaluate(() => document.querySelector('.answer')?.textContent?.length ?? 0);
await browser.close();
// A driver out of step with the panel would measure nothing: say so rather than report 0 ms.
if (shown < text.length / 2) {
  console.error(`the panel showed ${shown} of ${text.length} characters: the bench no longer drives it`);
  process.exit(1);
}

const pct = (values, q) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((q / 100) * s.length) - 1))];
};
const render = times.map((t) => t[0]);
const quarter = Math.floor(render.length / 4);
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
console.log(JSON.stringify({
  chars: text.length,
  chunks: chunks.length,
  render_p50_ms: pct(render, 50),
  render_p99_ms: pct(render, 99),
  render_max_ms: Math.max(...render),
  render_mean_by_quarter_ms: [0, 1, 2, 3].map((q) => mean(render.slice(q * quarter, (q + 1) * quarter))),
  frame_p50_ms: pct(times.map((t) => t[1]), 50),
}));
