import { Box, Text } from 'ink';
import type { Lab } from '../../../chapters/manifest.ts';
import type { RestoredFile } from './reset-data.ts';

export function ResetView({
  lab,
  commit,
  files,
  backupDir,
}: {
  lab: Lab;
  commit: string;
  files: RestoredFile[];
  backupDir?: string;
}) {
  return (
    <Box flexDirection="column">
      {files.map((file) => (
        <Text key={file.labsPath}>
          <Text color="green">restored</Text> {file.labsPath}{' '}
          <Text dimColor>
            from commit {commit.slice(0, 12)}
            {file.changed ? '' : ' (it was unchanged)'}
          </Text>
        </Text>
      ))}
      {backupDir ? <Text dimColor>your previous version is kept in {backupDir}</Text> : null}
      <Text>
        {lab.id} starts afresh: not passed, no hints revealed. <Text color="cyan">lab next</Text> shows its task.
      </Text>
    </Box>
  );
}
