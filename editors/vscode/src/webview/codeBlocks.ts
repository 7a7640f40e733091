// Markdown with highlighted code blocks: a language label and Copy / Insert / New file
// buttons on each block. Highlighting happens inside markdown-it's render, so a block's
// HTML is the same whether it was rendered streaming or at once.

import hljs from 'highlight.js/lib/common';
import MarkdownIt from 'markdown-it';
import { el, send } from './dom';

// No raw HTML from the model: it would be script injection waiting to happen.
export const md: MarkdownIt = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: false,
  highlight: (code, language) => {
    if (language && hljs.getLanguage(language) !== undefined) {
      try {
        return hljs.highlight(code, { language, ignoreIllegals: true }).value;
      } catch {
        return '';
      }
    }
    return '';
  },
});
// Fuzzy links would turn file names such as app.py (.py is a top-level domain) into links.
md.linkify.set({ fuzzyLink: false });

/** Adds the label and the buttons to the code blocks in `root` that do not have them yet. */
export function decorateCodeBlocks(root: HTMLElement): void {
  for (const pre of root.querySelectorAll<HTMLPreElement>('pre:not(.decorated)')) {
    const code = pre.querySelector('code');
    if (code === null) {
      continue;
    }
    pre.classList.add('decorated');
    const language = /language-(\S+)/.exec(code.className)?.[1] ?? '';
    const bar = el('div', 'code-bar');
    bar.append(el('span', 'code-language', language || 'text'));
    for (const [action, label] of [
      ['copy', 'Copy'],
      ['insert', 'Insert'],
      ['newFile', 'New file'],
    ] as const) {
      const node = el('button', 'code-action', label);
      node.type = 'button';
      node.dataset.action = action;
      node.setAttribute('aria-label', `${label}: ${language || 'code'} block`);
      bar.append(node);
    }
    pre.before(bar);
  }
}

/** One listener for every code block's buttons (blocks are re-rendered while they stream). */
export function handleCodeActions(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    const target = event.target as HTMLElement | null;
    const action = target?.closest<HTMLButtonElement>('button.code-action');
    const pre = action?.parentElement?.nextElementSibling;
    const code = pre?.querySelector('code');
    if (action == null || code == null) {
      return;
    }
    const language = /language-(\S+)/.exec(code.className)?.[1] ?? '';
    send({
      type: 'code',
      action: action.dataset.action as 'copy' | 'insert' | 'newFile',
      code: code.textContent,
      language,
    });
    if (action.dataset.action === 'copy') {
      action.textContent = 'Copied';
      setTimeout(() => (action.textContent = 'Copy'), 1500);
    }
  });
}
