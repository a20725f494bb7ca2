// Commands that print once (everything but `lab check`'s live view) render their ink component to a
// string and write it: no terminal session, no waiting for an exit. Long text that is formatted
// already (a chapter) can go out as a text block, around ink's layout.
import { renderToString } from 'ink';
import type { ReactNode } from 'react';
import { terminalWidth } from './width.ts';

export { terminalWidth } from './width.ts';

export function print(node: ReactNode): void {
  // Into a pipe, nothing is wrapped a second time: long lines (code, diffs) stay whole for the reader.
  const columns = process.stdout.isTTY ? terminalWidth() : 1000;
  const text = renderToString(node, { columns });
  if (text.length > 0) process.stdout.write(text + '\n');
}

/** A part of a screen: an ink element, or text formatted already. */
export type Block = { node: ReactNode } | { text: string };

export function printBlocks(blocks: readonly Block[]): void {
  for (const block of blocks) {
    if ('node' in block) print(block.node);
    else process.stdout.write(block.text + '\n');
  }
}
