// `mydocker exec`'s command line, docker's way: options end at CONTAINER; the rest is the command's.
import { describe, expect, test } from 'vitest';
import { parseExecArguments } from '../../solutions/src/commands/exec-arguments.ts';

describe('parseExecArguments', () => {
  test('options before CONTAINER; everything after it, options too, is the command', () => {
    expect(parseExecArguments(['-i', '-e', 'A=1', '--env=B=2', '-w', '/srv', 'web', 'ls', '-la', '-e'])).toEqual({
      container: 'web',
      command: ['ls', '-la', '-e'],
      interactive: true,
      tty: false,
      env: ['A=1', 'B=2'],
      workdir: '/srv',
      explain: false,
    });
  });

  test('combined short flags, one of them taking the next argument', () => {
    const options = parseExecArguments(['-itw', '/tmp', 'web', 'sh']);
    expect(options).toMatchObject({ interactive: true, tty: true, workdir: '/tmp', container: 'web', command: ['sh'] });
  });

  test('-- ends the options; --help asks for the usage', () => {
    expect(parseExecArguments(['--', 'web', 'true'])).toMatchObject({ container: 'web', command: ['true'] });
    expect(parseExecArguments(['--help'])).toBe('help');
  });

  test("docker's exit codes: a bad flag is 125, a missing command or a relative -w is 1", () => {
    const codeOf = (args: string[]) => {
      try {
        parseExecArguments(args);
      } catch (error) {
        return [(error as { exitCode: number }).exitCode, (error as Error).message];
      }
      return undefined;
    };
    expect(codeOf(['--frobnicate', 'web', 'true'])).toEqual([
      125,
      "unknown option '--frobnicate' (see 'mydocker exec --help')",
    ]);
    expect(codeOf(['-w'])).toEqual([125, "option '-w, --workdir <value>' needs a value (see 'mydocker exec --help')"]);
    expect(codeOf(['web'])?.[0]).toBe(1);
    expect(codeOf(['-w', 'rel', 'web', 'true'])?.[0]).toBe(1);
  });
});
