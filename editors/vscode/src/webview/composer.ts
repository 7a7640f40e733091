// The prompt box: multi-line; `@` completes workspace files (`@file#L10-20` for lines), `#`
// the context words (#problems, #selection, #terminal), `/` the slash commands; attachments
// and mentions show as chips; pasted or dropped images are attached; ArrowUp recalls earlier
// prompts; while a turn runs, Enter queues the prompt.

import type { Attachment } from '../messages';
import type * as P from '../protocol';
import { button, el, relative, send } from './dom';

interface Item {
  label: string;
  detail?: string;
  insert: string;
}

const CONTEXT_WORDS: Item[] = [
  { label: '#problems', detail: "the workspace's diagnostics", insert: '#problems' },
  { label: '#selection', detail: "the editor's selection", insert: '#selection' },
  { label: '#terminal', detail: 'the last output of the active terminal', insert: '#terminal' },
];

export interface ComposerHost {
  /** Sends the prompt, or runs a slash command the extension handles. */
  submit(text: string, attachments: Attachment[]): void;
  cancel(): void;
  /** Earlier prompts, oldest first. */
  history(): string[];
}

export class Composer {
  readonly element = el('div', 'composer');
  readonly box = el('textarea', 'prompt-box');
  private readonly chips = el('div', 'chips');
  private readonly popup = el('ul', 'completions');
  private readonly queueList = el('ol', 'queue');
  readonly toolbar = el('div', 'pickers');
  private readonly sendButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private attachments: { attachment: Attachment; label: string }[] = [];
  private items: Item[] = [];
  private selected = 0;
  private tokenStart = -1;
  private fileRequest = 0;
  private historyAt = -1;
  private draft = '';
  private running = false;
  commands: P.AvailableCommand[] = [];

  constructor(private readonly host: ComposerHost) {
    this.box.rows = 3;
    this.box.placeholder = 'Ask the agent… (@ files, # context, / commands)';
    this.box.setAttribute(
      'aria-label',
      'Prompt. Enter sends, Shift+Enter adds a line, ArrowUp recalls earlier prompts',
    );
    this.box.setAttribute('aria-autocomplete', 'list');
    this.popup.id = 'completions';
    this.popup.setAttribute('role', 'listbox');
    this.popup.hidden = true;
    this.box.setAttribute('aria-controls', 'completions');
    this.box.addEventListener('keydown', (event) => this.keydown(event));
    this.box.addEventListener('input', () => {
      this.autosize();
      this.renderChips();
      this.complete();
    });
    this.box.addEventListener('paste', (event) => this.takeImages(event.clipboardData, event));
    this.box.addEventListener('dragover', (event) => event.preventDefault());
    this.box.addEventListener('drop', (event) => {
      this.takeFiles(event.dataTransfer, event);
      this.takeImages(event.dataTransfer, event);
    });
    this.sendButton = button('Send', 'primary send', () => this.submit());
    this.cancelButton = button(
      'Stop',
      'secondary cancel',
      () => this.host.cancel(),
      'Cancel the running turn (Escape)',
    );
    const actions = el('div', 'actions');
    // The session's pickers (model, permissions, thinking) sit left of the buttons.
    actions.append(this.toolbar, this.cancelButton, this.sendButton);
    this.queueList.setAttribute('aria-label', 'Queued prompts');
    const field = el('div', 'prompt-field');
    field.append(this.box);
    this.element.append(this.popup, this.queueList, this.chips, field, actions);
    this.setRunning(false);
  }

  setRunning(running: boolean): void {
    this.running = running;
    this.sendButton.textContent = running ? 'Queue' : 'Send';
    this.sendButton.title = running ? 'Send when the running turn ends' : 'Send (Enter)';
    this.cancelButton.disabled = !running;
  }

  setQueue(prompts: string[], sessionId: string): void {
    this.queueList.replaceChildren(
      ...prompts.map((text, index) => {
        const item = el('li', 'queued');
        item.append(el('span', 'queued-label', 'Queued'), el('span', 'queued-text', text));
        item.append(
          button('×', 'link', () => send({ type: 'dequeue', sessionId, index }), 'Take this prompt back to edit it'),
        );
        return item;
      }),
    );
  }

  attach(attachment: Attachment, label: string): void {
    this.attachments.push({ attachment, label });
    this.renderChips();
    this.box.focus();
  }

  restore(text: string, attachments: Attachment[]): void {
    this.box.value = this.box.value ? `${text}\n${this.box.value}` : text;
    for (const attachment of attachments) {
      this.attachments.push({ attachment, label: attachment.kind === 'image' ? attachment.name : attachment.kind });
    }
    this.autosize();
    this.renderChips();
  }

  private submit(): void {
    const text = this.box.value.trim();
    if (!text && this.attachments.length === 0) {
      return;
    }
    this.host.submit(
      text,
      this.attachments.map((a) => a.attachment),
    );
    this.box.value = '';
    this.attachments = [];
    this.historyAt = -1;
    this.closePopup();
    this.autosize();
    this.renderChips();
  }

  private keydown(event: KeyboardEvent): void {
    if (!this.popup.hidden && this.items.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        this.selected = (this.selected + (event.key === 'ArrowDown' ? 1 : this.items.length - 1)) % this.items.length;
        this.renderPopup();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        this.accept(this.items[this.selected]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        this.closePopup();
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === 'Escape' && this.running) {
      this.host.cancel();
    } else if (event.key === 'ArrowUp' && this.box.selectionStart === 0 && this.box.selectionEnd === 0) {
      this.recall(event, -1);
    } else if (event.key === 'ArrowDown' && this.historyAt >= 0 && this.box.selectionStart === this.box.value.length) {
      this.recall(event, 1);
    }
  }

  /** ArrowUp / ArrowDown through earlier prompts; past the newest, the draft comes back. */
  private recall(event: KeyboardEvent, step: number): void {
    const history = this.host.history();
    if (history.length === 0) {
      return;
    }
    event.preventDefault();
    if (this.historyAt < 0) {
      this.draft = this.box.value;
      this.historyAt = history.length;
    }
    this.historyAt = Math.max(0, this.historyAt + step);
    if (this.historyAt >= history.length) {
      this.historyAt = -1;
      this.box.value = this.draft;
    } else {
      this.box.value = history[this.historyAt] ?? '';
    }
    this.autosize();
    this.renderChips();
  }

  private complete(): void {
    const caret = this.box.selectionStart;
    const before = this.box.value.slice(0, caret);
    const slash = /^\/(\S*)$/.exec(before);
    const at = /(?:^|\s)@([\w./-]*)$/.exec(before);
    const hash = /(?:^|\s)#(\w*)$/.exec(before);
    if (slash) {
      this.tokenStart = 0;
      const prefix = slash[1] ?? '';
      this.show(
        this.commands
          .filter((c) => c.name.startsWith(prefix))
          .map((c) => ({ label: `/${c.name}`, detail: c.description, insert: `/${c.name}` })),
      );
    } else if (at) {
      this.tokenStart = caret - (at[1]?.length ?? 0) - 1;
      send({ type: 'searchFiles', requestId: ++this.fileRequest, query: at[1] ?? '' });
    } else if (hash) {
      this.tokenStart = caret - (hash[1]?.length ?? 0) - 1;
      this.show(CONTEXT_WORDS.filter((w) => w.insert.startsWith(`#${hash[1] ?? ''}`)));
    } else {
      this.closePopup();
    }
  }

  /** The host's answer to a file search; a stale one (typing went on) is dropped. */
  fileMatches(requestId: number, files: string[]): void {
    if (requestId === this.fileRequest && this.tokenStart >= 0 && this.box.value[this.tokenStart] === '@') {
      this.show(files.map((file) => ({ label: file, insert: `@${file}` })));
    }
  }

  private show(items: Item[]): void {
    this.items = items;
    this.selected = 0;
    if (items.length === 0) {
      this.closePopup();
      return;
    }
    this.popup.hidden = false;
    this.box.setAttribute('aria-expanded', 'true');
    this.renderPopup();
  }

  private renderPopup(): void {
    this.popup.replaceChildren(
      ...this.items.map((item, index) => {
        const row = el('li', index === this.selected ? 'completion selected' : 'completion');
        row.id = `completion-${index}`;
        row.setAttribute('role', 'option');
        row.setAttribute('aria-selected', String(index === this.selected));
        row.append(el('span', 'completion-label', item.label));
        if (item.detail) {
          row.append(el('span', 'completion-detail', item.detail));
        }
        row.addEventListener('mousedown', (event) => {
          event.preventDefault();
          this.accept(item);
        });
        return row;
      }),
    );
    this.box.setAttribute('aria-activedescendant', `completion-${this.selected}`);
    this.popup.querySelector('.selected')?.scrollIntoView({ block: 'nearest' });
  }

  private accept(item: Item | undefined): void {
    if (item === undefined || this.tokenStart < 0) {
      return;
    }
    const caret = this.box.selectionStart;
    const value = this.box.value;
    this.box.value = `${value.slice(0, this.tokenStart)}${item.insert} ${value.slice(caret)}`;
    const at = this.tokenStart + item.insert.length + 1;
    this.box.setSelectionRange(at, at);
    this.closePopup();
    this.renderChips();
    this.box.focus();
  }

  private closePopup(): void {
    this.popup.hidden = true;
    this.items = [];
    this.box.setAttribute('aria-expanded', 'false');
    this.box.removeAttribute('aria-activedescendant');
  }

  /** Chips: what is attached, and the mentions typed in the text (× removes either). */
  private renderChips(): void {
    const chips: HTMLElement[] = [];
    this.attachments.forEach((entry, index) => {
      chips.push(
        this.chip(entry.label, entry.attachment.kind === 'image' ? entry.attachment : undefined, () => {
          this.attachments.splice(index, 1);
          this.renderChips();
        }),
      );
    });
    for (const match of this.box.value.matchAll(/(?:^|\s)([@#][\w./-]+(?:#L\d+(?:-\d+)?)?)/g)) {
      const mention = match[1] ?? '';
      if (mention.startsWith('@') || CONTEXT_WORDS.some((w) => w.insert === mention)) {
        chips.push(
          this.chip(mention, undefined, () => {
            this.box.value = this.box.value.replace(mention, '').replace(/ {2,}/g, ' ');
            this.renderChips();
          }),
        );
      }
    }
    this.chips.replaceChildren(...chips);
    this.chips.hidden = chips.length === 0;
  }

  private chip(label: string, image: { mimeType: string; data: string } | undefined, remove: () => void): HTMLElement {
    const chip = el('span', 'chip');
    if (image !== undefined) {
      const img = el('img', 'chip-image');
      img.src = `data:${image.mimeType};base64,${image.data}`;
      img.alt = '';
      chip.append(img);
    }
    chip.append(el('span', undefined, label), button('×', 'chip-remove', remove, `Remove ${label}`));
    return chip;
  }

  /** Files dropped from the explorer or an editor tab (Shift+drag) become `@` mentions. */
  private takeFiles(data: DataTransfer | null, event: Event): void {
    // getData answers '' for a type that is not there.
    const list = [data?.getData('application/vnd.code.uri-list'), data?.getData('text/uri-list')].find(Boolean) ?? '';
    const files = list
      .split(/\r?\n/)
      .filter((line) => line.startsWith('file://'))
      .map((uri) => relative(decodeURIComponent(new URL(uri).pathname)));
    if (files.length === 0) {
      return;
    }
    event.preventDefault();
    const mentions = files.map((file) => `@${file}`).join(' ');
    this.box.value = this.box.value ? `${this.box.value.trimEnd()} ${mentions} ` : `${mentions} `;
    this.autosize();
    this.renderChips();
    this.box.focus();
  }

  private takeImages(data: DataTransfer | null, event: Event): void {
    const images = [...(data?.files ?? [])].filter((f) => f.type.startsWith('image/'));
    if (images.length === 0) {
      return;
    }
    event.preventDefault();
    for (const file of images) {
      const reader = new FileReader();
      reader.onload = () => {
        const url = typeof reader.result === 'string' ? reader.result : '';
        const data64 = url.slice(url.indexOf(',') + 1);
        this.attach(
          { kind: 'image', name: file.name || 'pasted image', mimeType: file.type, data: data64 },
          file.name || 'pasted image',
        );
      };
      reader.readAsDataURL(file);
    }
  }

  private autosize(): void {
    this.box.style.height = 'auto';
    this.box.style.height = `${Math.min(this.box.scrollHeight + 2, 240)}px`;
  }
}
