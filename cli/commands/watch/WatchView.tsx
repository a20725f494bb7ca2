// `lab watch`'s screen, drawn from the state alone: one region of the terminal's size that is redrawn
// in place (no <Static>, nothing scrolls away), with the checks as `lab check` draws them
// (CheckLine, SpecErrorLine), the hints as `lab hint` and the course as `lab list` show them.
import { Box, Text, useAnimation } from 'ink';
import { basename } from 'node:path';
import { countPassed, type CheckReport, type Finished } from '../check/check-data.ts';
import { CheckLine, SpecErrorLine } from '../check/CheckView.tsx';
import { HintView } from '../hint/HintView.tsx';
import type { Course } from '../list/list-data.ts';
import { ListView } from '../list/ListView.tsx';
import type { WatchState } from './watch-state.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function treeName(source: string): string {
  return source === 'labs' || source === 'solutions' ? `${source}/` : `${source.replace(/\/$/, '')}/`;
}

// Every line keeps its own height (flexShrink 0): when the screen is too short, the boxes around the
// lines (the checks', the hint's) are cut at their bottom, and no line is ever drawn over another.
function FinishedLine({ item, state }: { item: Finished; state: WatchState }) {
  return (
    <Box flexDirection="column" flexShrink={0}>
      {item.kind === 'check' ? (
        <CheckLine check={item.check} state={state.check} />
      ) : (
        <SpecErrorLine error={item.error} />
      )}
    </Box>
  );
}

function Spinning({ children }: { children: string }) {
  const { frame, time } = useAnimation({ interval: 80 });
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        <Text color="cyan">{SPINNER[frame % SPINNER.length]}</Text> {children}
        <Text dimColor> · {(time / 1000).toFixed(1)} s</Text>
      </Text>
    </Box>
  );
}

function RunLine({ state }: { state: WatchState }) {
  if (state.run?.phase === 'stopping') {
    const why = state.quitting
      ? 'then quitting'
      : `${(state.changed ?? []).map((file) => basename(file)).join(', ')} changed: starting again`;
    return <Spinning>{`stopping the checks, ${why}`}</Spinning>;
  }
  const running = state.check.running ?? `checking ${state.lab.id} against ${treeName(state.source)}`;
  return <Spinning>{`${running} · ${state.check.finished.length} done`}</Spinning>;
}

function outcome(report: CheckReport, state: WatchState): { color: string; text: string } {
  const tree = treeName(state.source);
  const again = 'fix the first ✗ above and save, the checks run again';
  if (state.source === 'solutions') {
    return report.passed
      ? { color: 'green', text: `✓ solutions/ passes ${report.lab} (your progress counts labs/ only)` }
      : { color: 'red', text: `solutions/ does not pass ${report.lab}: \`lab doctor\` may know why` };
  }
  if (state.source === 'labs') {
    return report.passed
      ? { color: 'green', text: `✓ ${report.lab} passes` }
      : { color: 'red', text: `${report.lab} does not pass yet: ${again}` };
  }
  // Another tree (a copy of the course, as the tests and graders make): like labs/, named, not recorded.
  return report.passed
    ? { color: 'green', text: `✓ ${tree} passes ${report.lab} (your progress counts labs/ only)` }
    : { color: 'red', text: `${tree} does not pass ${report.lab} yet: ${again}` };
}

function Summary({ report, state }: { report: CheckReport; state: WatchState }) {
  const total = report.checks.length;
  const { color, text } = outcome(report, state);
  return (
    <Box flexDirection="column" marginTop={1} flexShrink={0}>
      <Text bold>
        {countPassed(report)} of {total} {total === 1 ? 'check passes' : 'checks pass'}
        {report.specErrors.length > 0
          ? `, and ${report.specErrors.length} ${report.specErrors.length === 1 ? 'spec' : 'specs'} could not run`
          : ''}
      </Text>
      <Text color={color}>{text}</Text>
      {report.passed ? (
        <Text color="green">
          {state.next ? `n moves on to ${state.next.id}: ${state.next.title}` : 'every lab passes: the course is done'}
        </Text>
      ) : null}
    </Box>
  );
}

function Keys({ state }: { state: WatchState }) {
  const key = (letter: string, label: string, active = true) => (
    <Text dimColor={!active}>
      <Text bold={active}>{letter}</Text> {label}
    </Text>
  );
  return (
    <Box flexShrink={0}>
      <Text wrap="truncate-end">
        {key('h', 'hint')} · {key('n', 'next lab', state.next !== undefined)} ·{' '}
        {key('l', state.panel.kind === 'list' ? 'back to the checks' : 'list')} · {key('q', 'quit')}
      </Text>
    </Box>
  );
}

/** Lines the screen keeps for itself: the two header lines, the gap below them, and the keys. */
const CHROME_LINES = 4;

/**
 * The course as `lab list` shows it; when it is taller than the screen, from the watched lab's chapter
 * on (the chapters before it are named in one line), so that the lab the learner is on stays in view.
 */
function CourseList({ course, state }: { course: Course; state: WatchState }) {
  const height = (chapters: Course['chapters']) =>
    chapters.reduce((lines, chapter) => lines + 1 + chapter.labs.length, 2); // + the blank and the count
  const room = Math.max(state.rows - 1, 8) - CHROME_LINES - (state.notice ? 1 : 0);
  const from = course.chapters.findIndex((chapter) => chapter.labs.some((lab) => lab.id === state.lab.id));
  const cut = height(course.chapters) > room && from > 0;
  const shown = cut ? { ...course, chapters: course.chapters.slice(from) } : course;
  return (
    <Box flexDirection="column" flexShrink={0}>
      {cut ? (
        <Text dimColor>
          {`chapters ${course.chapters[0]!.number}-${course.chapters[from - 1]!.number} above: \`lab list\` shows the whole course`}
        </Text>
      ) : null}
      <ListView course={shown} />
    </Box>
  );
}

export function WatchScreen({ state }: { state: WatchState }) {
  const files = state.lab.files.map((file) => `${treeName(state.source)}${file}`).join(', ');
  const saved = state.changed?.length ? ` · saved: ${state.changed.map((file) => basename(file)).join(', ')}` : '';
  const { check, panel } = state;
  return (
    <Box flexDirection="column" width={state.columns} height={Math.max(state.rows - 1, 8)}>
      <Box flexDirection="column" flexShrink={0}>
        <Text bold wrap="truncate-end">
          {state.lab.id}: {state.lab.title}
        </Text>
        <Text dimColor wrap="truncate-end">
          watching {files} · run {state.runs}
          {saved}
        </Text>
      </Box>
      <Box flexDirection="column" flexGrow={1} flexShrink={1} marginTop={1} overflow="hidden">
        {panel.kind === 'list' ? (
          <CourseList course={panel.course} state={state} />
        ) : (
          <>
            <Box flexDirection="column" flexShrink={1} overflow="hidden">
              {check.finished.map((item, index) => (
                <FinishedLine key={index} item={item} state={state} />
              ))}
            </Box>
            {state.run ? (
              <RunLine state={state} />
            ) : check.report ? (
              <Summary report={check.report} state={state} />
            ) : null}
            {panel.kind === 'hints' ? (
              // Cut too when the screen is short, so that both the checks and the hint keep their start.
              <Box marginTop={1} flexShrink={1} overflow="hidden">
                <Box flexShrink={0}>
                  <HintView hints={panel.hints} width={state.columns} />
                </Box>
              </Box>
            ) : null}
          </>
        )}
      </Box>
      {state.notice ? (
        <Box flexShrink={0}>
          <Text color="yellow" wrap="truncate-end">
            {state.notice}
          </Text>
        </Box>
      ) : null}
      <Keys state={state} />
    </Box>
  );
}
