import { stripVTControlCharacters } from 'node:util';
import { Box, Static, Text, useAnimation } from 'ink';
import type { ReactNode } from 'react';
import type { CheckResult } from '../../../checker/results.ts';
import { ValueDiff } from '../../ui/ValueDiff.tsx';
import { countPassed, type CheckReport, type CheckState, type Finished, type SpecError } from './check-data.ts';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MAX_MESSAGE_LINES = 8;

function sourceName(source: string): string {
  return source === 'labs' || source === 'solutions' ? `${source}/` : source;
}

function Indented({ children }: { children: ReactNode }) {
  return (
    <Box flexDirection="column" paddingLeft={4}>
      {children}
    </Box>
  );
}

function Message({ text }: { text: string }) {
  // vitest colours some messages; the colours would show as stray codes once ink sanitises them.
  const lines = stripVTControlCharacters(text).split('\n');
  const shown =
    lines.length > MAX_MESSAGE_LINES
      ? [...lines.slice(0, MAX_MESSAGE_LINES), `… ${lines.length - MAX_MESSAGE_LINES} more lines`]
      : lines;
  return <Text>{shown.join('\n')}</Text>;
}

export function HintLine({
  hint,
  state,
}: {
  hint: number;
  state: Pick<CheckState, 'lab' | 'hintsRevealed' | 'isCurrent'>;
}) {
  const command = state.isCurrent ? 'lab hint' : `lab hint ${state.lab.id}`;
  return (
    <Text color="yellow">
      {hint <= state.hintsRevealed
        ? `hint ${hint} may help (revealed already: ${command} lists it)`
        : `hint ${hint} may help: ${command}`}
    </Text>
  );
}

export function CheckLine({
  check,
  state,
}: {
  check: CheckResult;
  state: Pick<CheckState, 'lab' | 'hintsRevealed' | 'isCurrent'>;
}) {
  if (check.state === 'passed') {
    return (
      <Text>
        <Text color="green">✓</Text> {check.name} <Text dimColor>{check.durationMs} ms</Text>
      </Text>
    );
  }
  if (check.state === 'skipped') return <Text dimColor>- {check.name} (skipped)</Text>;
  return (
    <Box flexDirection="column">
      <Text>
        <Text color="red">✗ {check.name}</Text>
      </Text>
      <Indented>
        {check.errors.map((error, index) => (
          <Box key={index} flexDirection="column">
            <Message text={error.message} />
            {error.expected !== undefined && error.actual !== undefined ? (
              <ValueDiff expected={error.expected} actual={error.actual} />
            ) : null}
          </Box>
        ))}
        {check.hint !== undefined ? <HintLine hint={check.hint} state={state} /> : null}
      </Indented>
    </Box>
  );
}

export function SpecErrorLine({ error }: { error: SpecError }) {
  return (
    <Box flexDirection="column">
      <Text color="red">✗ {error.spec} could not run to the end</Text>
      <Indented>
        <Message text={error.message} />
      </Indented>
    </Box>
  );
}

function FinishedLine({ item, state }: { item: Finished; state: CheckState }) {
  return item.kind === 'check' ? <CheckLine check={item.check} state={state} /> : <SpecErrorLine error={item.error} />;
}

function Running({ state }: { state: CheckState }) {
  const { frame, time } = useAnimation({ interval: 80 });
  return (
    <Text>
      <Text color="cyan">{SPINNER[frame % SPINNER.length]}</Text>{' '}
      {state.running ?? `checking ${state.lab.id} against ${sourceName(state.source)}`}
      <Text dimColor>
        {' '}
        · {state.finished.length} done · {(time / 1000).toFixed(1)} s
      </Text>
    </Text>
  );
}

export function Summary({ report, state }: { report: CheckReport; state: CheckState }) {
  const total = report.checks.length;
  const outcome = state.interrupted
    ? { color: 'yellow', text: 'stopped before the end (Ctrl-C): your progress is unchanged' }
    : report.passed
      ? state.source === 'labs'
        ? { color: 'green', text: `✓ ${report.lab} passes: \`lab next\` moves on` }
        : {
            color: 'green',
            text: `✓ ${sourceName(state.source)} passes ${report.lab} (your progress counts labs/ only)`,
          }
      : state.source === 'labs'
        ? {
            color: 'red',
            text: `${report.lab} does not pass yet: start with the first ✗ above, then \`lab check\` again`,
          }
        : {
            color: 'red',
            text: `${sourceName(state.source)} does not pass ${report.lab}: \`lab doctor\` may know why`,
          };
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold>
        {countPassed(report)} of {total} {total === 1 ? 'check passes' : 'checks pass'}
        {report.specErrors.length > 0
          ? `, and ${report.specErrors.length} ${report.specErrors.length === 1 ? 'spec' : 'specs'} could not run`
          : ''}
      </Text>
      <Text color={outcome.color}>{outcome.text}</Text>
    </Box>
  );
}

type StaticItem = { kind: 'header' } | Finished;

/** The live screen: finished lines stay put above (Static), the running check or the summary below. */
export function CheckScreen({ state }: { state: CheckState }) {
  const items: StaticItem[] = [{ kind: 'header' }, ...state.finished];
  return (
    <>
      <Static items={items}>
        {(item, index) =>
          item.kind === 'header' ? (
            <Text key={index} bold>
              {state.lab.id}: {state.lab.title}
            </Text>
          ) : (
            <FinishedLine key={index} item={item} state={state} />
          )
        }
      </Static>
      {state.report ? <Summary report={state.report} state={state} /> : <Running state={state} />}
    </>
  );
}
