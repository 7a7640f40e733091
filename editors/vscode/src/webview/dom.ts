// Small DOM helpers and the webview's channel to the extension host.

import type { WebviewMessage } from '../messages';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export function send(message: WebviewMessage): void {
  api ??= acquireVsCodeApi();
  api.postMessage(message);
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

export function button(label: string, className: string, onClick: () => void, title?: string): HTMLButtonElement {
  const node = el('button', className, label);
  node.type = 'button';
  if (title) {
    node.title = title;
    node.setAttribute('aria-label', title);
  }
  node.addEventListener('click', onClick);
  return node;
}

let workspaceRoot: string | undefined;

export function setWorkspaceRoot(root: string | undefined): void {
  workspaceRoot = root;
}

/** A workspace path as the user sees it in the explorer. */
export function relative(file: string): string {
  return workspaceRoot !== undefined && file.startsWith(`${workspaceRoot}/`)
    ? file.slice(workspaceRoot.length + 1)
    : file;
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/** A polite live region: announces whole messages, never each streamed chunk. */
export const announcer = el('div', 'visually-hidden');
announcer.setAttribute('aria-live', 'polite');
announcer.setAttribute('role', 'status');

export function announce(text: string): void {
  announcer.textContent = text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
