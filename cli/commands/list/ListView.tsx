import { Box, Text } from 'ink';
import type { Course, LabMark } from './list-data.ts';

const MARKS: Record<LabMark, { symbol: string; color?: string }> = {
  passed: { symbol: '✓', color: 'green' },
  current: { symbol: '→', color: 'cyan' },
  pending: { symbol: '·' },
};

export function ListView({ course }: { course: Course }) {
  const idWidth = Math.max(0, ...course.chapters.flatMap((c) => c.labs.map((lab) => lab.id.length)));
  return (
    <Box flexDirection="column">
      {course.chapters.map((chapter) => (
        <Box key={chapter.number} flexDirection="column">
          <Text>
            <Text bold={chapter.status === 'ready'} dimColor={chapter.status === 'coming'}>
              {String(chapter.number).padStart(2)} {chapter.title}
            </Text>
            {chapter.status === 'coming' ? <Text color="yellow"> (coming)</Text> : null}
          </Text>
          {chapter.labs.map((lab) => (
            <Text key={lab.id}>
              {'    '}
              <Text color={MARKS[lab.mark].color}>{MARKS[lab.mark].symbol}</Text>{' '}
              <Text bold={lab.mark === 'current'}>{lab.id.padEnd(idWidth)}</Text>
              {`  ${lab.title}`}
            </Text>
          ))}
        </Box>
      ))}
      <Text>
        {'\n'}
        {course.done} of {course.total} labs done
      </Text>
    </Box>
  );
}
