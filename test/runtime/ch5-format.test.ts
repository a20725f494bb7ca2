// Chapter 5's output formats, docker's way: elapsed times (go-units), --since, tables (tabwriter),
// Go-template placeholders, ps's columns and statuses, signal names, the logs reader's selection.
import { describe, expect, test } from 'vitest';
import {
  fixedNanoTime,
  humanDuration,
  parseGoDuration,
  parseRfc3339,
  parseSince,
} from '../../solutions/src/format/duration.ts';
import { tabulate } from '../../solutions/src/format/table.ts';
import { parseFormat, TemplateError } from '../../solutions/src/format/template.ts';
import {
  ellipsis,
  goQuote,
  PS_DEFAULT_FORMAT,
  PS_HEADERS,
  psFields,
  status,
} from '../../solutions/src/commands/ps-format.ts';
import { parseSignal } from '../../solutions/src/commands/signals.ts';
import { formatLine, parseTail, selectLines, type LogLine } from '../../solutions/src/commands/logs.ts';
import type { ContainerState } from '../../solutions/src/state/store.ts';
import { containerConfig } from '../support/container-config.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('humanDuration (go-units HumanDuration)', () => {
  test.each([
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [SECOND, '1 second'],
    [59 * SECOND, '59 seconds'],
    [60 * SECOND, 'About a minute'],
    [119 * SECOND, 'About a minute'],
    [2 * MINUTE, '2 minutes'],
    [59 * MINUTE, '59 minutes'],
    [60 * MINUTE, 'About an hour'],
    [89 * MINUTE, 'About an hour'],
    [90 * MINUTE, '2 hours'],
    [47 * HOUR, '47 hours'],
    [48 * HOUR, '2 days'],
    [13 * DAY, '13 days'],
    [14 * DAY, '2 weeks'],
    [60 * DAY, '2 months'],
    [730 * DAY, '2 years'],
  ])('%i ms is %s', (milliseconds, words) => {
    expect(humanDuration(milliseconds)).toBe(words);
  });
});

describe('durations and times as docker reads them', () => {
  test('Go durations: units, sums, fractions, a sign; anything else is none', () => {
    expect(parseGoDuration('10m')).toBe(600_000_000_000n);
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n);
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n);
    expect(parseGoDuration('300ms')).toBe(300_000_000n);
    expect(parseGoDuration('-5s')).toBe(-5_000_000_000n);
    for (const bad of ['', '10', 'm', '1x', '1h 30m', 'garbage']) expect(parseGoDuration(bad), bad).toBeUndefined();
  });

  test('--since: a duration before now, RFC 3339 with or without fractions, Unix seconds[.nanos]', () => {
    const now = Date.parse('2026-12-02T01:00:00Z');
    const nanos = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
    expect(parseSince('10m', now)).toBe(nanos('2026-12-02T00:50:00Z'));
    expect(parseSince('1h30m', now)).toBe(nanos('2026-12-01T23:30:00Z'));
    expect(parseSince('2026-12-02T00:59:59Z', now)).toBe(nanos('2026-12-02T00:59:59Z'));
    expect(parseSince('2026-12-02T00:59:59.5+01:00', now)).toBe(nanos('2026-12-01T23:59:59.500Z'));
    expect(parseSince('2026-12-02T00:00:00.123456789Z', now)).toBe(nanos('2026-12-02T00:00:00Z') + 123_456_789n);
    expect(parseSince('1764637200', now)).toBe(1_764_637_200_000_000_000n);
    expect(parseSince('1764637200.5', now)).toBe(1_764_637_200_500_000_000n);
    expect(parseSince('2026-12-02', now)).toBe(BigInt(new Date(2026, 11, 2).getTime()) * 1_000_000n); // local midnight
    for (const bad of ['garbage', '2026-13-45', '12:00', '-', '1.2.3'])
      expect(parseSince(bad, now), bad).toBeUndefined();
  });

  test('-t stamps: nine fraction digits always, in UTC', () => {
    expect(fixedNanoTime(parseRfc3339('2026-12-02T01:02:03Z')!)).toBe('2026-12-02T01:02:03.000000000Z');
    expect(fixedNanoTime(parseRfc3339('2026-12-02T02:02:03.1234+01:00')!)).toBe('2026-12-02T01:02:03.123400000Z');
    expect(fixedNanoTime(parseRfc3339('2026-12-02T01:02:03.123456789Z')!)).toBe('2026-12-02T01:02:03.123456789Z');
  });
});

describe('tables (tabwriter: minwidth 10, padding 3)', () => {
  test('each column but the last is its widest cell plus 3, at least 10; characters, not bytes', () => {
    expect(
      tabulate([
        ['CONTAINER ID', 'IMAGE', 'PORTS', 'NAMES'],
        ['0123456789ab', 'busybox', '', 'web'],
        ['ba9876543210', 'a-much-longer-image', '', 'db…'],
      ]),
    ).toBe(
      'CONTAINER ID   IMAGE                 PORTS     NAMES\n' +
        '0123456789ab   busybox                         web\n' +
        'ba9876543210   a-much-longer-image             db…\n',
    );
    expect(tabulate([['…', 'x']])).toBe('…         x\n');
  });
});

describe('Go-template placeholders', () => {
  const data = { ID: 'abc', State: { Pid: 42, Running: true }, Args: ['-c', 'x'], Name: '/web' };
  test('fields, dotted paths, json, {{.}}, trimming, \\t and \\n', () => {
    expect(parseFormat('{{.ID}}: {{.State.Pid}}').render(data)).toBe('abc: 42');
    expect(parseFormat('{{json .Args}} {{ .State.Running }}').render(data)).toBe('["-c","x"] true');
    expect(parseFormat('{{.Args}} {{.State}}').render(data)).toBe('[-c x] {42 true}');
    expect(parseFormat('a {{- .ID -}} b').render(data)).toBe('aabcb');
    expect(parseFormat('{{.ID}}\\t{{.Name}}\\n').render(data)).toBe('abc\t/web\n');
    expect(parseFormat('json').render({ A: 1 })).toBe('{"A":1}');
    const table = parseFormat('table {{.ID}}\\t{{.Name}}');
    expect(table.table).toBe(true);
    expect(table.render(data)).toBe('abc\t/web');
  });

  test('an unknown field or an unsupported action is one line naming it', () => {
    expect(() => parseFormat('{{.Nope}}').render(data)).toThrow(/can't evaluate field Nope/);
    expect(() => parseFormat('{{.State.Nope}}').render(data)).toThrow(/<\.State\.Nope>/);
    expect(() => parseFormat('{{range .Args}}').render(data)).toThrow(TemplateError);
    expect(() => parseFormat('{{.ID')).toThrow(/unclosed action/);
  });
});

describe("ps's columns", () => {
  const now = Date.parse('2026-12-02T01:10:00Z');
  const container: ContainerState = {
    ...containerConfig('0123456789abcdef'.repeat(4), {
      name: 'web',
      hostname: 'web',
      command: ['sh', '-c', 'echo "ready"; sleep 1000'],
      created: '2026-12-02T01:09:55Z',
      image: 'busybox',
    }),
    status: 'running',
    pid: 4242,
    startedAt: '2026-12-02T01:09:57Z',
  };

  test('the default table: 12-digit id, quoted command cut at 20 with …, CREATED ago, Up, no ports', () => {
    const template = parseFormat(PS_DEFAULT_FORMAT);
    expect(
      tabulate(
        [template.render(PS_HEADERS), template.render(psFields(container, now, true))].map((l) => l.split('\t')),
      ),
    ).toBe(
      'CONTAINER ID   IMAGE     COMMAND                    CREATED         STATUS         PORTS     NAMES\n' +
        '0123456789ab   busybox   "sh -c echo \\"ready\\";…"   5 seconds ago   Up 3 seconds             web\n',
    );
  });

  test('--no-trunc keeps the whole id and command', () => {
    const fields = psFields(container, now, false);
    expect(fields.ID).toBe(container.id);
    expect(fields.Command).toBe('"sh -c echo \\"ready\\"; sleep 1000"');
    expect(fields.CreatedAt).toBe('2026-12-02 01:09:55 +0000 UTC');
  });

  test('statuses: Up, Exited (code) ago, Created; 255 when the shim recorded none', () => {
    expect(status(container, now)).toBe('Up 3 seconds');
    const exited = { ...container, status: 'exited' as const, exitCode: 137, finishedAt: '2026-12-02T01:08:00Z' };
    expect(status(exited, now)).toBe('Exited (137) 2 minutes ago');
    expect(status({ ...exited, exitCode: undefined }, now)).toBe('Exited (255) 2 minutes ago');
    expect(status({ ...container, status: 'created' }, now)).toBe('Created');
  });

  test('ellipsis and Go quoting', () => {
    expect(ellipsis('0123456789', 10)).toBe('0123456789');
    expect(ellipsis('0123456789a', 10)).toBe('012345678…');
    expect(goQuote('a"b\\c\n\x01')).toBe('"a\\"b\\\\c\\n\\x01"');
  });
});

describe('signals as docker reads them', () => {
  test('names with or without SIG, any case; numbers; nothing else', () => {
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('sigterm')).toBe(15);
    expect(parseSignal('SIGUSR1')).toBe(10);
    expect(parseSignal('9')).toBe(9);
    for (const bad of ['NOSUCH', '0', '65', 'SIG', '', '-9']) expect(parseSignal(bad), bad).toBeUndefined();
  });
});

describe('the logs reader', () => {
  const lines: LogLine[] = [
    { log: 'one\n', stream: 'stdout', time: '2026-12-02T01:00:00.000000001Z' },
    { log: 'two\n', stream: 'stderr', time: '2026-12-02T01:00:01.5Z' },
    { log: 'three\n', stream: 'stdout', time: '2026-12-02T01:00:02Z' },
  ];
  test('--tail takes the last N of both streams; a bad or negative N means all', () => {
    expect(selectLines(lines, { tail: 2, timestamps: false }).map((l) => l.log)).toEqual(['two\n', 'three\n']);
    expect(selectLines(lines, { tail: 0, timestamps: false })).toEqual([]);
    expect(parseTail('all')).toBeUndefined();
    expect(parseTail('-1')).toBeUndefined();
    expect(parseTail('abc')).toBeUndefined();
    expect(parseTail('3')).toBe(3);
  });
  test('--since compares to the nanosecond; -t prefixes the fixed-width stamp', () => {
    const since = parseRfc3339('2026-12-02T01:00:00.000000002Z')!;
    expect(selectLines(lines, { since, timestamps: false }).map((l) => l.log)).toEqual(['two\n', 'three\n']);
    expect(formatLine(lines[1]!, true)).toBe('2026-12-02T01:00:01.500000000Z two\n');
    expect(formatLine(lines[1]!, false)).toBe('two\n');
  });
});
