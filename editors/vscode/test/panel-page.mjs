// The panel's webview in headless Chromium, without VS Code: the page the extension serves,
// with acquireVsCodeApi recording what the panel sends. Shared by the renderer tests.
// CHROMIUM overrides the browser (default /usr/bin/chromium).

import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..');

export const update = (sessionUpdate, extra) => ({ type: 'update', update: { sessionUpdate, ...extra } });
export const text = (sessionUpdate, t) => update(sessionUpdate, { content: { type: 'text', text: t } });

export const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
export const failures = [];
export async function check(name, fn) {
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

export async function openPanel() {
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

export const post = (page, events) =>
  page.evaluate((e) => window.postMessage({ type: 'batch', events: e }, '*'), events);

/** Closes the browser; exits 1 if a check failed. */
export async function finish(what) {
  await browser.close();
  if (failures.length > 0) {
    console.log(`${failures.length} ${what} test(s) failed: ${failures.join('; ')}`);
    process.exit(1);
  }
  console.log(`${what} tests passed`);
}
