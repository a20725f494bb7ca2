// The quoted outputs of README.md and the chapter texts: fenced blocks whose first line is a command
// (`$ ...`). CONTRIBUTING.md ("Quoted output") describes the convention; quoted-output.test.ts holds
// every one of them to what the code prints.
import { readFileSync } from 'node:fs';

export interface Transcript {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The words of the fence's info string after the language: `captured`, `cgroup-v2`. */
  marks: string[];
  /** Each command (without `$ `) and the lines the text shows as its output. */
  commands: { command: string; output: string[] }[];
}

export function transcriptsOf(file: string): Transcript[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Transcript[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)```(.*)$/.exec(lines[i]!);
    if (!fence) continue;
    const indent = fence[1]!.length;
    const body: string[] = [];
    let end = i + 1;
    for (; end < lines.length && !/^\s*```\s*$/.test(lines[end]!); end++) body.push(lines[end]!.slice(indent));
    if (body[0]?.startsWith('$ ')) {
      const commands: Transcript['commands'] = [];
      for (const text of body) {
        if (text.startsWith('$ ')) commands.push({ command: text.slice(2), output: [] });
        else commands.at(-1)!.output.push(text);
      }
      found.push({ file, line: i + 1, marks: fence[2]!.trim().split(/\s+/).slice(1), commands });
    }
    i = end;
  }
  return found;
}

/** A command line split into words as sh does, for the quoting the texts use ('...' and "..."). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) throw new Error(`unclosed ${c} in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * Whether `quoted` shows `actual`: line by line (trailing spaces aside), except that a quoted line
 * starting with `...` (after its indentation) stands for any number of lines the text leaves out.
 */
export function shows(quoted: readonly string[], actual: readonly string[]): boolean {
  const memo = new Map<number, boolean>();
  const matches = (q: number, a: number): boolean => {
    const key = q * (actual.length + 1) + a;
    let result = memo.get(key);
    if (result !== undefined) return result;
    if (q === quoted.length) result = a === actual.length;
    else if (quoted[q]!.trimStart().startsWith('...'))
      result = matches(q + 1, a) || (a < actual.length && matches(q, a + 1));
    else result = a < actual.length && quoted[q]!.trimEnd() === actual[a]!.trimEnd() && matches(q + 1, a + 1);
    memo.set(key, result);
    return result;
  };
  return matches(0, 0);
}
