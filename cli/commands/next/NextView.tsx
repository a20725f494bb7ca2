import { Box, Text } from 'ink';
import type { Chapter, Lab } from '../../../chapters/manifest.ts';
import { labsPath } from '../../paths.ts';
import { renderMarkdown } from '../../ui/markdown.ts';
import { Markdown } from '../../ui/Markdown.tsx';
import type { Block } from '../../ui/output.ts';
import { DoctorSummary } from '../doctor/DoctorView.tsx';
import type { ProbeResult } from '../doctor/probes.ts';
import type { ChapterText, NextScreen } from './next-data.ts';

function ChapterHeading({ chapter }: { chapter: Chapter }) {
  return (
    <Text bold color="magenta">
      Chapter {chapter.number} · {chapter.title}
    </Text>
  );
}

/** A chapter whose text is not written yet: its title and a note. */
export function ChapterNotWritten({ chapter }: { chapter: Chapter }) {
  return (
    <Box flexDirection="column">
      <ChapterHeading chapter={chapter} />
      <Text dimColor>
        (The text of this chapter is not written yet{chapter.text ? `: ${chapter.text} does not exist` : ''}. The book
        covers it in {chapter.book}.)
      </Text>
    </Box>
  );
}

/**
 * A chapter's text is long (chapter 1 is 300 lines): it goes out as text rendered by marked-terminal,
 * not through ink's layout, which builds a grid of styled cells and would take ~300 ms for it.
 */
function chapterBlock(text: ChapterText, width: number): Block {
  return text.markdown !== undefined
    ? { text: renderMarkdown(text.markdown, width) }
    : { node: <ChapterNotWritten chapter={text.chapter} /> };
}

export function LabCard({
  lab,
  chapter,
  hintsRevealed,
  width,
}: {
  lab: Lab;
  chapter: Chapter;
  hintsRevealed: number;
  width: number;
}) {
  const position = chapter.labs.indexOf(lab) + 1;
  return (
    <Box flexDirection="column">
      <ChapterHeading chapter={chapter} />
      <Text>
        <Text bold>Lab {lab.id}</Text>{' '}
        <Text dimColor>
          ({position} of {chapter.labs.length} in chapter {chapter.number})
        </Text>
        : <Text bold>{lab.title}</Text>
      </Text>
      <Text> </Text>
      <Markdown text={lab.task} width={width} />
      <Text> </Text>
      <Text>Edit:</Text>
      {lab.files.map((file) => (
        <Text key={file}>
          {'  '}
          <Text color="cyan">{labsPath(file)}</Text>
        </Text>
      ))}
      <Text>Functions: {lab.functions.map((fn) => `${fn}()`).join(', ')}</Text>
      <Text> </Text>
      <Text>
        Stuck? <Text color="cyan">lab hint</Text>{' '}
        <Text dimColor>
          ({hintsRevealed} of {lab.hints.length} hints revealed)
        </Text>
      </Text>
      <Text>
        When done: <Text color="cyan">lab check</Text>
      </Text>
    </Box>
  );
}

function WelcomeEnd({ firstLab, probes }: { firstLab?: Lab; probes: ProbeResult[] }) {
  return (
    <Box flexDirection="column" marginTop={1}>
      <DoctorSummary probes={probes} />
      <Text> </Text>
      {firstLab ? (
        <Text>
          Your first lab is <Text bold>{firstLab.id}</Text>: run <Text color="cyan">lab next</Text> again to see it.
        </Text>
      ) : (
        <Text>Every lab passes already: `lab list` shows the course.</Text>
      )}
    </Box>
  );
}

function AllDone({ screen }: { screen: Extract<NextScreen, { kind: 'done' }> }) {
  return (
    <Box flexDirection="column">
      {screen.passed ? <Text color="green">✓ {screen.passed.id} passes.</Text> : null}
      <Text bold color="green">
        All {screen.labCount} labs of the ready chapters pass. Well done.
      </Text>
      {screen.coming.length > 0 ? (
        <>
          <Text> </Text>
          <Text>Still coming:</Text>
          {screen.coming.map((chapter) => (
            <Text key={chapter.number}>{`  ${chapter.number} ${chapter.title}`}</Text>
          ))}
        </>
      ) : null}
    </Box>
  );
}

/**
 * The screen of `lab next`, top to bottom; without its leading chapter text when that has been
 * printed already (`leadingMarkdown()`).
 */
export function nextBlocks(
  screen: NextScreen,
  probes: ProbeResult[],
  width: number,
  { leadingPrinted = false } = {},
): Block[] {
  switch (screen.kind) {
    case 'welcome':
      return [
        ...(screen.setup && !leadingPrinted ? [chapterBlock(screen.setup, width)] : []),
        { node: <WelcomeEnd firstLab={screen.firstLab} probes={probes} /> },
      ];
    case 'done':
      return [{ node: <AllDone screen={screen} /> }];
    case 'lab':
      return [
        ...(screen.passed
          ? [{ node: <Text color="green">{`✓ ${screen.passed.id} passes. On to the next lab.\n`}</Text> }]
          : []),
        ...(screen.intro
          ? [
              ...(leadingPrinted ? [] : [chapterBlock(screen.intro, width)]),
              { node: <Text dimColor>{`\n${'─'.repeat(Math.min(width, 60))}`}</Text> },
            ]
          : []),
        {
          node: (
            <LabCard lab={screen.lab} chapter={screen.chapter} hintsRevealed={screen.hintsRevealed} width={width} />
          ),
        },
      ];
  }
}
