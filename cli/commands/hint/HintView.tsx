import { Box, Text } from 'ink';
import { Markdown } from '../../ui/Markdown.tsx';
import type { Hints } from './hint-data.ts';

export function HintView({ hints, width }: { hints: Hints; width: number }) {
  const { lab, revealed, remaining } = hints;
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Hints for {lab.id}</Text> <Text dimColor>({lab.title})</Text>
      </Text>
      {revealed.map((hint, index) => {
        const isNew = hints.newlyRevealed && index === revealed.length - 1;
        return (
          <Box key={index} marginTop={1}>
            <Box width={4} flexShrink={0}>
              <Text bold={isNew} color={isNew ? 'yellow' : undefined}>
                {index + 1}.
              </Text>
            </Box>
            <Markdown text={hint} width={width - 4} />
          </Box>
        );
      })}
      <Text> </Text>
      <Text dimColor>
        {remaining > 0
          ? `${remaining} more ${remaining === 1 ? 'hint' : 'hints'}: \`${hints.command}\` shows the next`
          : `${hints.newlyRevealed ? 'That was the last hint.' : 'Every hint is revealed already.'} Still stuck? \`lab solution ${lab.id} --force\` shows the reference.`}
      </Text>
    </Box>
  );
}
