// The panel's webview entry point.

import { App } from './app';
import { md } from './codeBlocks';
import { stats } from './markdownStream';

const root = document.getElementById('app');
if (root !== null) {
  const app = new App(root);
  // For tests and for debugging a slow panel from the webview devtools.
  (window as unknown as { agentls: unknown }).agentls = { stats, app, render: (text: string) => md.render(text) };
}
