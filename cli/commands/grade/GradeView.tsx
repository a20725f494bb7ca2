// `lab grade`'s screen on a terminal: one row per submission (learner, a bar of checks done out of
// the checks its labs declare, its stage or its marks), live; the rows of finished submissions keep
// their summary.
import { Box, Text } from 'ink';
import type { GradeProgress, SubmissionRow } from '../../grade/progress.ts';
import { summaryLine } from '../../grade/progress.ts';

const BAR_WIDTH = 20;

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

function Row({ row, nameWidth }: { row: SubmissionRow; nameWidth: number }) {
  const name = row.learner.padEnd(nameWidth);
  if (row.stage === 'done' && row.result) {
    // ✓ every lab passed, ✗ graded with some failing, ! not graded (its status says why).
    const graded = row.result.status === 'graded';
    const full = graded && row.result.labs.every((lab) => lab.passed);
    return (
      <Text>
        <Text color={full ? 'green' : graded ? 'red' : 'yellow'}>{full ? '✓' : graded ? '✗' : '!'}</Text> {name}{' '}
        {summaryLine(row.result, row.resumed).slice(row.learner.length + 2)}
      </Text>
    );
  }
  return (
    <Text>
      <Text dimColor>{row.stage === 'waiting' ? '·' : '›'}</Text> {name} {progressBar(row.checksDone, row.checksTotal)}{' '}
      {row.checksDone}/{row.checksTotal} <Text dimColor>{row.stage}</Text>
    </Text>
  );
}

export function GradeScreen({ state }: { state: GradeProgress }) {
  const nameWidth = Math.min(24, Math.max(0, ...state.rows.map((row) => row.learner.length)));
  const done = state.rows.filter((row) => row.stage === 'done').length;
  return (
    <Box flexDirection="column">
      {state.rows.map((row) => (
        <Row key={row.learner} row={row} nameWidth={nameWidth} />
      ))}
      <Text dimColor>
        {done}/{state.rows.length} submissions graded
      </Text>
    </Box>
  );
}
