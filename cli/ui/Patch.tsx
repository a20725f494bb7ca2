import { createTwoFilesPatch } from 'diff';
import { Box, Text } from 'ink';

/** A unified diff of two versions of a file, coloured as git colours one. */
export function Patch({ fromName, toName, from, to }: { fromName: string; toName: string; from: string; to: string }) {
  const patch = createTwoFilesPatch(fromName, toName, from, to, undefined, undefined, { context: 3 });
  const lines = patch.split('\n').filter((line) => !line.startsWith('====') && line !== '');
  return (
    <Box flexDirection="column">
      {lines.map((line, index) => (
        <Text key={index} {...patchLineStyle(line)}>
          {line}
        </Text>
      ))}
    </Box>
  );
}

function patchLineStyle(line: string): { color?: string; bold?: boolean; dimColor?: boolean } {
  if (line.startsWith('---') || line.startsWith('+++')) return { bold: true };
  if (line.startsWith('@@')) return { color: 'cyan' };
  if (line.startsWith('+')) return { color: 'green' };
  if (line.startsWith('-')) return { color: 'red' };
  if (line.startsWith('\\')) return { dimColor: true };
  return {};
}
