import { Box, Text } from 'ink';
import { valueDiffRows, type DiffRow } from './value-diff.ts';

const SIDE = {
  expected: { sign: '-', color: 'green' },
  actual: { sign: '+', color: 'red' },
} as const;

function Row({ row }: { row: DiffRow }) {
  switch (row.kind) {
    case 'same':
      return <Text dimColor>{`  ${row.text}`}</Text>;
    case 'skipped':
      return (
        <Text
          dimColor
        >{`  … ${row.lines} ${row.what === 'unchanged' ? 'unchanged' : 'more'} ${row.lines === 1 ? 'line' : 'lines'}`}</Text>
      );
    default: {
      const { sign, color } = SIDE[row.kind];
      return (
        <Text color={color}>
          {sign}{' '}
          {row.segments.map((segment, index) => (
            <Text key={index} inverse={segment.changed}>
              {segment.text}
            </Text>
          ))}
        </Text>
      );
    }
  }
}

/** What a check expected against what it got, as a coloured diff: - expected (green), + actual (red). */
export function ValueDiff({ expected, actual, maxRows }: { expected: string; actual: string; maxRows?: number }) {
  const rows = valueDiffRows(expected, actual, maxRows);
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="green">- expected</Text> <Text color="red">+ actual</Text>
      </Text>
      {rows.map((row, index) => (
        <Row key={index} row={row} />
      ))}
    </Box>
  );
}
