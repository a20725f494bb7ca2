import { Box, Text } from 'ink';
import type { Lab } from '../../../chapters/manifest.ts';
import { Patch } from '../../ui/Patch.tsx';
import type { SolutionFile } from './solution-data.ts';

export function SolutionView({ lab, files, diff }: { lab: Lab; files: SolutionFile[]; diff: boolean }) {
  return (
    <Box flexDirection="column">
      <Text bold>
        The reference solution of {lab.id} <Text dimColor>({lab.title})</Text>
      </Text>
      {files.map((file) => (
        <Box key={file.solutionsPath} flexDirection="column" marginTop={1}>
          {!diff ? (
            <>
              <Text bold color="cyan">
                {file.solutionsPath}
              </Text>
              <Text>{file.solution.replace(/\n$/, '')}</Text>
            </>
          ) : file.yours === file.solution ? (
            <Text color="green">
              {file.labsPath} is the same as {file.solutionsPath}
            </Text>
          ) : (
            <Patch fromName={file.labsPath} toName={file.solutionsPath} from={file.yours ?? ''} to={file.solution} />
          )}
        </Box>
      ))}
    </Box>
  );
}
