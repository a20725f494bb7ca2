// Chapter texts and lab tasks are Markdown; in the terminal they are rendered by marked-terminal,
// wrapped to the terminal's width, with tables of our own that fit it (text-table.ts).
import { styleText } from 'node:util';
import { Marked, type Token, type Tokens } from 'marked';
import { markedTerminal } from 'marked-terminal';
import { renderTable, wrapWords } from './text-table.ts';

/** Paragraphs wider than this are hard to read, whatever the terminal's width. */
const MAX_TEXT_WIDTH = 92;
const MAX_TABLE_WIDTH = 100;
/** Room for list indentation, which marked-terminal adds after reflowing the text. */
const LIST_INDENT = 6;

function plainText(tokens: readonly Token[]): string {
  return tokens
    .map((token) =>
      'tokens' in token && token.tokens ? plainText(token.tokens) : 'text' in token ? String(token.text) : token.raw,
    )
    .join('');
}

export function renderMarkdown(markdown: string, width: number): string {
  const textWidth = Math.max(20, Math.min(width - LIST_INDENT, MAX_TEXT_WIDTH));
  const marked = new Marked(markedTerminal({ width: textWidth, reflowText: true, tab: 2 }), {
    walkTokens(token) {
      // Reflowing splits text at spaces and joins the words with one: inside `code` that would turn
      // `echo a   b` into `echo a b`. No-break spaces keep a run of spaces as it is.
      if (token.type === 'codespan')
        token.text = token.text.replace(/ {2,}/g, (run: string) => '\u00a0'.repeat(run.length));
    },
    renderer: {
      // marked-terminal prints a tight list item's text as written, `code` and **bold** marks and
      // all (it predates marked's nested text tokens); render those inline tokens instead.
      // It does not reflow them either, so they are wrapped here, as its paragraphs are.
      text(token: Tokens.Text | Tokens.Escape): string | false {
        if (!('tokens' in token) || !token.tokens) return false;
        return wrapWords(this.parser.parseInline(token.tokens), textWidth - LIST_INDENT).join('\n');
      },
      table(token: Tokens.Table): string {
        const header = token.header.map((cell) => plainText(cell.tokens));
        const rows = token.rows.map((row) => row.map((cell) => plainText(cell.tokens)));
        return (
          renderTable(header, rows, Math.min(width - 2, MAX_TABLE_WIDTH), (text) => styleText('bold', text)) + '\n\n'
        );
      },
    },
  });
  return marked.parse(markdown, { async: false }).replace(/\s+$/, '');
}
