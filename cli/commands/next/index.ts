// `lab next`: the first time, the set-up chapter and a check of this machine; afterwards the lab the
// learner is on, moving on (with the new chapter's text) once it passes.
import { chapters } from '../../../chapters/manifest.ts';
import { projectRoot, readProjectText } from '../../paths.ts';
import { openSession, saveSession } from '../../session.ts';
import { terminalWidth } from '../../ui/width.ts';
import { realHost, runProbes } from '../doctor/probes.ts';
import { leadingMarkdown, planNext } from './next-data.ts';

export type NextOptions = Record<string, never>;

export async function next(_options: NextOptions = {}): Promise<number> {
  const session = openSession();
  const { screen, progress } = planNext({ chapters, progress: session.progress, readText: readProjectText });
  if (progress !== session.progress) saveSession(session, progress);
  const probes = screen.kind === 'welcome' ? runProbes(realHost(projectRoot)) : [];
  const width = terminalWidth();
  // A chapter's text goes out first, rendered by marked-terminal alone: ink and react (~0.1 s to
  // load) are loaded only for what follows it (docs/benchmarks.md, "The learner's loop").
  const leading = leadingMarkdown(screen);
  if (leading !== undefined) {
    const { renderMarkdown } = await import('../../ui/markdown.ts');
    process.stdout.write(renderMarkdown(leading, width) + '\n');
  }
  const [{ printBlocks }, { nextBlocks }] = await Promise.all([import('../../ui/output.ts'), import('./NextView.tsx')]);
  printBlocks(nextBlocks(screen, probes, width, { leadingPrinted: leading !== undefined }));
  return 0;
}
