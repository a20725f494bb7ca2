import { Box, Text } from 'ink';
import type { ProbeResult } from './probes.ts';

function ProbeLine({ probe, nameWidth }: { probe: ProbeResult; nameWidth: number }) {
  return (
    <Box flexDirection="column">
      <Text>
        <Text color={probe.ok ? 'green' : 'red'}>{probe.ok ? '✓' : '✗'}</Text>
        {` ${probe.name.padEnd(nameWidth)}  ${probe.detail}`}
      </Text>
      {probe.fix ? (
        <Text>
          {`${' '.repeat(nameWidth + 4)}fix: `}
          <Text color="cyan">{probe.fix}</Text>
        </Text>
      ) : null}
    </Box>
  );
}

export function DoctorView({ probes }: { probes: ProbeResult[] }) {
  const nameWidth = Math.max(...probes.map((probe) => probe.name.length));
  const problems = probes.filter((probe) => !probe.ok).length;
  return (
    <Box flexDirection="column">
      {probes.map((probe) => (
        <ProbeLine key={probe.name} probe={probe} nameWidth={nameWidth} />
      ))}
      <Text>
        {'\n'}
        {problems === 0 ? (
          <Text color="green">all {probes.length} ok: this machine can run every check</Text>
        ) : (
          <Text color="red">
            {problems} {problems === 1 ? 'problem' : 'problems'}: run the fix shown, then `lab doctor` again
          </Text>
        )}
      </Text>
    </Box>
  );
}

/** The short form `lab next` shows on the first run: one line when all is well, else the problems. */
export function DoctorSummary({ probes }: { probes: ProbeResult[] }) {
  const problems = probes.filter((probe) => !probe.ok);
  if (problems.length === 0) {
    return (
      <Text>
        <Text color="green">✓</Text> lab doctor: all {probes.length} checks of this machine ok
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      <Text>
        lab doctor: {probes.length - problems.length} of {probes.length} ok; to fix:
      </Text>
      {problems.map((probe) => (
        <Text key={probe.name}>
          <Text color="red">✗</Text> {probe.name}: {probe.detail}
          {probe.fix ? <Text color="cyan"> → {probe.fix}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
