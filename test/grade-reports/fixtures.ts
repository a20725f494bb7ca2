// A fixed class for the reports' tests: every status, and the names and messages a hostile or just
// unlucky class brings (quotes, <, &, |, commas, backticks, newlines, an ESC and a NUL from a
// learner's output, a learner id that a spreadsheet would run as a formula).
import type { ClassResult } from '../../cli/grade/result.ts';

export const HOSTILE_ID = 'zoë "the, <best>" | x';

export function hostileClass(): ClassResult {
  return {
    course: {
      labs: [
        { id: 'ch1-command', title: 'Run the command as given', chapter: 1, points: 1 },
        { id: 'ch1-proc', title: 'Mount /proc & <friends>', chapter: 1, points: 2 },
      ],
      digest: 'c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc',
    },
    submissions: [
      {
        learner: '=cmd',
        source: 'class/=cmd.tar.gz',
        kind: 'tarball',
        digest: '1111111111111111111111111111111111111111111111111111111111111111',
        status: 'graded',
        notes: ['labs/src/container/proc.ts was missing: its stub was graded'],
        labs: [
          {
            id: 'ch1-command',
            title: 'Run the command as given',
            chapter: 1,
            points: 1,
            earned: 1,
            passed: true,
            checks: [{ name: 'runs `sh -c "echo a   b"` as one word list', state: 'passed', hint: 1 }],
          },
          {
            id: 'ch1-proc',
            title: 'Mount /proc & <friends>',
            chapter: 1,
            points: 2,
            earned: 0,
            passed: false,
            checks: [
              { name: 'ps in the container sees only its own processes', state: 'passed', hint: 1 },
              {
                name: 'the host\'s /proc is "unchanged" | <ok>\nsecond line',
                state: 'failed',
                hint: 2,
                message: 'expected 1 < 2 && "a" | b\nwith ``` fences ``` and \u001b[31mred\u001b[39m and a \u0000 NUL',
              },
              { name: 'skipped on v1', state: 'skipped' },
            ],
          },
        ],
      },
      {
        learner: 'bob',
        source: 'class/bob',
        kind: 'directory',
        digest: '2222222222222222222222222222222222222222222222222222222222222222',
        status: 'build-failed',
        problem: "labs/src/container/command.ts:3:1: ERROR: Expected ';' but found 'x'",
        notes: [],
        labs: [
          {
            id: 'ch1-command',
            title: 'Run the command as given',
            chapter: 1,
            points: 1,
            earned: 0,
            passed: false,
            checks: [],
            problem: 'the runtime does not build',
          },
          {
            id: 'ch1-proc',
            title: 'Mount /proc & <friends>',
            chapter: 1,
            points: 2,
            earned: 0,
            passed: false,
            checks: [],
            problem: 'the runtime does not build',
          },
        ],
      },
      {
        learner: 'carol',
        source: 'class/carol.bundle',
        kind: 'bundle',
        digest: '3333333333333333333333333333333333333333333333333333333333333333',
        status: 'over-budget',
        problem: 'its time budget (1 min) ran out: the checks that finished count',
        notes: [],
        labs: [
          {
            id: 'ch1-command',
            title: 'Run the command as given',
            chapter: 1,
            points: 1,
            earned: 1,
            passed: true,
            checks: [{ name: 'runs `sh -c "echo a   b"` as one word list', state: 'passed', hint: 1 }],
          },
          {
            id: 'ch1-proc',
            title: 'Mount /proc & <friends>',
            chapter: 1,
            points: 2,
            earned: 0,
            passed: false,
            checks: [{ name: 'ps in the container sees only its own processes', state: 'not run' }],
            problem: 'its time budget ran out',
          },
        ],
      },
      {
        learner: 'dave',
        source: '',
        kind: 'none',
        status: 'missing',
        problem: 'on the roster, but no submission came',
        notes: [],
        labs: [],
      },
      {
        learner: 'eve',
        source: 'class/eve.tgz',
        kind: 'tarball',
        status: 'unreadable',
        problem: 'class/eve.tgz: not a gzip file: re-send it as made by `tar czf`',
        notes: [],
        labs: [],
      },
      {
        learner: HOSTILE_ID,
        source: 'class/zoë "the, <best>" | x',
        kind: 'git',
        digest: '4444444444444444444444444444444444444444444444444444444444444444',
        status: 'graded',
        notes: [],
        labs: [
          {
            id: 'ch1-command',
            title: 'Run the command as given',
            chapter: 1,
            points: 1,
            earned: 1,
            passed: true,
            checks: [{ name: 'runs `sh -c "echo a   b"` as one word list', state: 'passed', hint: 1 }],
          },
          {
            id: 'ch1-proc',
            title: 'Mount /proc & <friends>',
            chapter: 1,
            points: 2,
            earned: 2,
            passed: true,
            checks: [{ name: 'ps in the container sees only its own processes', state: 'passed', hint: 1 }],
          },
        ],
      },
    ],
  };
}
