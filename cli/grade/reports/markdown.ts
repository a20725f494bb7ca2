// Text from a submission (a learner id, a check's name, a message) inside Markdown that GitHub or an
// editor renders: it must not end a table cell, open a tag, an entity, a link, code or emphasis.
// Those characters are backslash-escaped (CommonMark: any ASCII punctuation may be); line breaks
// become spaces (a cell is one line). Such text is never put at a line's start, where # - + . would
// also count, so those are left as they are.

import { stripVTControlCharacters } from 'node:util';

const SPECIAL = /[\\`*_[\]<>|~&]/g;

/** For inline text and table cells: one line, nothing in it taken as Markdown. */
export function markdownInline(text: string): string {
  return oneLine(text).replace(SPECIAL, (char) => `\\${char}`);
}

export function oneLine(text: string): string {
  return stripVTControlCharacters(text)
    .replace(/[\u0000-\u001F\u007F]+/g, ' ')
    .trim();
}

/** A fenced code block that `text` cannot close: its fence is longer than any run of backticks in it. */
export function markdownCodeBlock(text: string, indent = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  const body = stripVTControlCharacters(text)
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
    .split(/\r?\n/);
  return [fence, ...body, fence].map((line) => (line === '' ? line : indent + line)).join('\n');
}
