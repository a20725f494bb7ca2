// The reports of a fixed class (test/grade-reports/fixtures.ts) against golden files, reviewed once
// by eye (UPDATE_GOLDEN=1 rewrites them), and read back by tools that do not share this code:
// xmllint for the JUnit, Python's csv module for the CSV, marked's lexer for the Markdown tables.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked, type Tokens } from 'marked';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gradebookMarkdown, writeReports } from '../../cli/grade/reports/index.ts';
import type { ClassResult } from '../../cli/grade/result.ts';
import { HOSTILE_ID, hostileClass } from './fixtures.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
let out: string;
let written: string[];

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'lab-grade-reports-'));
  written = writeReports(hostileClass(), out);
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

const REPORTS = [
  'junit.xml',
  'results.json',
  'gradebook.md',
  'gradebook.csv',
  'feedback/=cmd.md',
  'feedback/bob.md',
  'feedback/carol.md',
  'feedback/dave.md',
  'feedback/eve.md',
  `feedback/${HOSTILE_ID}.md`,
];

/** A golden file's name: escaped (the learner ids hold characters some file systems refuse), and .golden, which prettier leaves alone. */
function goldenName(report: string): string {
  return `${encodeURIComponent(report)}.golden`;
}

describe('writeReports', () => {
  test('writes the four reports and one feedback per learner, returns their paths, and leaves nothing else', () => {
    expect(written).toEqual(REPORTS.map((report) => join(out, report)));
    expect(readdirSync(out).sort()).toEqual(['feedback', 'gradebook.csv', 'gradebook.md', 'junit.xml', 'results.json']);
    expect(readdirSync(join(out, 'feedback')).sort()).toEqual(
      REPORTS.filter((r) => r.startsWith('feedback/'))
        .map((r) => r.slice('feedback/'.length))
        .sort(),
    );
  });

  test.each(REPORTS)('%s is as reviewed (golden)', (report) => {
    const actual = readFileSync(join(out, report), 'utf8');
    const golden = join(GOLDEN, goldenName(report));
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, actual);
    expect(actual).toBe(readFileSync(golden, 'utf8'));
  });

  test('the same class gives byte-equal reports, whatever order its objects hold their keys in', () => {
    const again = mkdtempSync(join(tmpdir(), 'lab-grade-reports-'));
    try {
      writeReports(reversedKeys(hostileClass()) as ClassResult, again);
      for (const report of REPORTS) {
        expect(readFileSync(join(again, report), 'utf8'), report).toBe(readFileSync(join(out, report), 'utf8'));
      }
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });

  test('refuses a learner id that cannot name a file, or one given twice, before it writes anything', () => {
    for (const learner of ['../escape', 'a/b', '.graded', 'two\nlines', '']) {
      const dir = join(tmpdir(), `lab-grade-reports-refused-${process.pid}`);
      const result = hostileClass();
      result.submissions[1]!.learner = learner;
      expect(() => writeReports(result, dir), JSON.stringify(learner)).toThrow(/cannot name a file/);
      expect(existsSync(dir)).toBe(false);
    }
    const twice = hostileClass();
    twice.submissions[1]!.learner = 'carol';
    const dir = join(tmpdir(), `lab-grade-reports-twice-${process.pid}`);
    expect(() => writeReports(twice, dir)).toThrow('learner id "carol" is in the class twice');
    expect(existsSync(dir)).toBe(false);
  });
});

function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([key, item]) => [key, reversedKeys(item)]),
  );
}

describe('junit.xml, read back by xmllint', () => {
  // xmllint ends what it prints with a line break of its own.
  const xpath = (expression: string) =>
    execFileSync('xmllint', ['--xpath', expression, join(out, 'junit.xml')], { encoding: 'utf8' }).replace(/\n$/, '');

  test('is well-formed XML 1.0 (xmllint --noout)', () => {
    execFileSync('xmllint', ['--noout', join(out, 'junit.xml')]);
  });

  test('one testsuite per submission, named by the learner, exactly as given', () => {
    expect(xpath('count(/testsuites/testsuite)')).toBe('6');
    expect(xpath(`string(/testsuites/testsuite[6]/@name)`)).toBe(HOSTILE_ID);
    expect(xpath(`string(/testsuites/testsuite[1]/@name)`)).toBe('=cmd');
  });

  test("counts per suite and for the whole class; a check's failure carries its message and hint", () => {
    const counts = (at: string) =>
      ['tests', 'failures', 'errors', 'skipped'].map((name) => xpath(`string(${at}/@${name})`)).join(' ');
    expect(counts('/testsuites')).toBe('15 1 7 2');
    expect(counts('/testsuites/testsuite[1]')).toBe('4 1 0 1');
    const failure = '/testsuites/testsuite[1]/testcase[failure]';
    expect(xpath(`string(${failure}/@classname)`)).toBe('=cmd.ch1-proc');
    expect(xpath(`string(${failure}/@name)`)).toBe('the host\'s /proc is "unchanged" | <ok>\nsecond line');
    // The ESC and the NUL are gone (XML 1.0 has no way to carry them); the rest is as the check said.
    expect(xpath(`string(${failure}/failure/@message)`)).toBe(
      'expected 1 < 2 && "a" | b\nwith ``` fences ``` and red and a  NUL',
    );
    expect(xpath(`string(${failure}/failure)`)).toMatch(/\n\nhint 2 may help: `lab hint ch1-proc`$/);
  });

  test('a submission that could not be graded is a suite with an error that says why', () => {
    expect(xpath('string(/testsuites/testsuite[@name="bob"]/testcase[1]/@name)')).toBe('build-failed');
    expect(xpath('string(/testsuites/testsuite[@name="bob"]/testcase[1]/error/@message)')).toBe(
      "labs/src/container/command.ts:3:1: ERROR: Expected ';' but found 'x'",
    );
    expect(xpath('count(/testsuites/testsuite[@name="dave"]/testcase)')).toBe('1');
    expect(xpath('string(/testsuites/testsuite[@name="dave"]/testcase/error/@message)')).toBe(
      'on the roster, but no submission came',
    );
    // Over budget: what finished is there, the rest not run, and the budget as the error.
    expect(xpath('count(/testsuites/testsuite[@name="carol"]/testcase)')).toBe('4');
    expect(xpath('string(/testsuites/testsuite[@name="carol"]/properties/property[@name="points"]/@value)')).toBe(
      '1/3',
    );
  });

  test('has no time attribute (deterministic)', () => {
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).not.toMatch(/\btime(stamp)?=/);
  });
});

describe('gradebook.csv, read back by Python', () => {
  test('RFC 4180 rows, a formula-looking id kept as text', () => {
    const rows = JSON.parse(
      execFileSync(
        'python3',
        [
          '-c',
          'import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline="")))))',
          join(out, 'gradebook.csv'),
        ],
        { encoding: 'utf8' },
      ),
    );
    expect(rows).toEqual([
      ['learner', 'status', 'ch1-command', 'ch1-proc', 'points', 'max_points'],
      ["'=cmd", 'graded', 'passed', 'failed', '1', '3'],
      ['bob', 'build-failed', 'failed', 'failed', '0', '3'],
      ['carol', 'over-budget', 'passed', 'failed', '1', '3'],
      ['dave', 'missing', 'missing', 'missing', '0', '3'],
      ['eve', 'unreadable', 'unreadable', 'unreadable', '0', '3'],
      [HOSTILE_ID, 'graded', 'passed', 'passed', '3', '3'],
    ]);
    expect(readFileSync(join(out, 'gradebook.csv'), 'utf8')).toMatch(/^learner,[^\n]*\r\n'=cmd,/);
  });
});

describe('gradebook.md, read back by marked', () => {
  test('one submission and one lab are said in the singular', () => {
    const result = hostileClass();
    result.submissions = result.submissions.slice(0, 1);
    result.course.labs = result.course.labs.slice(0, 1);
    expect(gradebookMarkdown(result)).toContain('\n1 submission, 1 lab; course `c0ffee001122`.\n');
  });

  test('one table, one row per learner, every row as wide as the header; the learner cells as given', () => {
    const tables = marked.lexer(readFileSync(join(out, 'gradebook.md'), 'utf8')).filter((t) => t.type === 'table');
    expect(tables).toHaveLength(1);
    const table = tables[0] as Tokens.Table;
    expect(table.header.map((cell) => cell.text)).toEqual([
      'learner',
      'status',
      'ch1-command (1)',
      'ch1-proc (2)',
      'points',
    ]);
    expect(table.rows.map((row) => row.length)).toEqual([5, 5, 5, 5, 5, 5]);
    const learners = table.rows.map((row) => plain(row[0]!.tokens));
    expect(learners).toEqual(['=cmd', 'bob', 'carol', 'dave', 'eve', HOSTILE_ID]);
    expect(table.rows.map((row) => row[4]!.text)).toEqual(['1 / 3', '0 / 3', '1 / 3', '0 / 3', '0 / 3', '3 / 3']);
  });
});

/** What a cell shows: its inline tokens' text, escapes resolved, and no emphasis, tag or code among them. */
function plain(tokens: Tokens.Generic[]): string {
  return tokens
    .map((token) => {
      expect(['text', 'escape'], `a ${token.type} token in a learner cell`).toContain(token.type);
      return token.type === 'escape' ? (token as Tokens.Escape).text : (token as Tokens.Text).text;
    })
    .join('');
}
