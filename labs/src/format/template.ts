// The part of Go's text/template that `docker ps --format` and `docker inspect -f` are used with:
// `{{.Field}}`, dotted paths (`{{.State.Pid}}`), `{{.}}`, `{{json .X}}`, `{{- ... -}}`, and docker's
// own `table` prefix and `json` shorthand. No npm library does Go templates well (the few that exist
// are unmaintained or wrap a Go binary), and these placeholders are all the commands document, so
// this is a small substitution, not a template engine: anything else is refused with one line.

export class TemplateError extends Error {}

type Part = { text: string } | { path: string[]; json: boolean; column: number };

export interface Template {
  /** `table ...`: the lines are laid out as docker's tables, with a header row. */
  table: boolean;
  render(data: unknown): string;
}

/**
 * docker's formats: `json` (one JSON object per line), `table TEMPLATE`, or a TEMPLATE; `\t` and `\n`
 * written in the format stand for a tab and a newline, as docker replaces them.
 */
export function parseFormat(format: string): Template {
  if (format === 'json') return { table: false, render: (data) => JSON.stringify(data) };
  const table = format.startsWith('table');
  const body = (table ? format.slice('table'.length) : format).replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const parts = parseParts(table ? body.trim() : body);
  return { table, render: (data) => parts.map((part) => ('text' in part ? part.text : value(part, data))).join('') };
}

function parseParts(source: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: source.slice(at) });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close < 0) throw new TemplateError(`template: :1: unclosed action at column ${open + 1}`);
    let text = source.slice(at, open);
    let action = source.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.trimEnd();
      action = action.slice(1);
    }
    let next = close + 2;
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      while (/\s/.test(source[next] ?? '')) next++;
    }
    if (text) parts.push({ text });
    parts.push(parseAction(action.trim(), open + 1));
    at = next;
  }
  return parts;
}

function parseAction(action: string, column: number): Part {
  const words = action.split(/\s+/);
  const json = words[0] === 'json';
  const path = json ? words.slice(1) : words;
  if (path.length !== 1 || !/^\.(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?$/.test(path[0]!)) {
    throw new TemplateError(
      `template: :1:${column}: '{{${action}}}' is not supported here: use {{.Field}}, {{.Field.Sub}} or {{json .Field}}`,
    );
  }
  return { path: path[0] === '.' ? [] : path[0]!.slice(1).split('.'), json, column };
}

function value(part: Extract<Part, { path: string[] }>, data: unknown): string {
  let current = data;
  for (const [index, field] of part.path.entries()) {
    if (current === null || typeof current !== 'object' || !(field in current)) {
      const at = `.${part.path.slice(0, index + 1).join('.')}`;
      throw new TemplateError(
        `template: :1:${part.column + 2}: executing "" at <${at}>: can't evaluate field ${field}`,
      );
    }
    current = (current as Record<string, unknown>)[field];
  }
  return part.json ? JSON.stringify(current ?? null) : goPrint(current);
}

/** How Go's fmt prints a value in a template: slices as [a b], structs as {a b}, nil as <nil>. */
export function goPrint(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goPrint).join(' ')}]`;
  if (typeof value === 'object') return `{${Object.values(value).map(goPrint).join(' ')}}`;
  return String(value);
}
