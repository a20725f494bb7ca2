// `lab next`: the first time, the set-up chapter and a check of this machine; afterwards the lab the
// learner is on, moving on (with the new chapter's text) once it passes.
import { readFileSync } from 'node:fs';
import { chapters } from '../../../chapters/manifest.ts';
import { absolute, projectRoot } from '../../paths.ts';
import { openSession, saveSession } from '../../session.ts';
import { printBlocks, terminalWidth } from '../../ui/output.ts';
import { realHost, runProbes } from '../doctor/probes.ts';
import { planNext } from './next-data.ts';
import { nextBlocks } from './NextView.tsx';

export type NextOptions = Record<string, never>;

function readText(path: string): string | undefined {
  try {
    return readFileSync(absolute(path), 'utf8');
  } catch {
    return undefined;
  }
}

export async function next(_options: NextOptions = {}): Promise<number> {
  const session = openSession();
  const { screen, progress } = planNext({ chapters, progress: session.progress, readText });
  if (progress !== session.progress) saveSession(session, progress);
  const probes = screen.kind === 'welcome' ? runProbes(realHost(projectRoot)) : [];
  printBlocks(nextBlocks(screen, probes, terminalWidth()));
  return 0;
}
