// `lab reset <LAB>`: put the lab's files in labs/ back as they were at the pristine commit (keeping
// the learner's version as a backup), and forget that the lab passed or revealed hints.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Lab } from '../../../chapters/manifest.ts';
import { LabError } from '../../errors.ts';
import { fileAtCommit } from '../../git.ts';
import { absolute, projectRoot, readProjectText } from '../../paths.ts';
import { openSession, saveSession } from '../../session.ts';
import { print } from '../../ui/output.ts';
import { forgetLab, pristineFiles } from './reset-data.ts';
import { ResetView } from './ResetView.tsx';

export interface ResetOptions {
  lab: Lab;
}

export async function reset({ lab }: ResetOptions): Promise<number> {
  const session = openSession();
  const commit = session.progress.pristineCommit;
  const files = pristineFiles(lab, commit, (c, path) => fileAtCommit(projectRoot, c, path), readProjectText);
  if (typeof files === 'string') throw new LabError(files);

  // Every file was read before any is written: a failure leaves labs/ as it was.
  const backup = join(projectRoot, '.lab', 'backup', `${lab.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const changed = files.filter((file) => file.changed && readProjectText(file.labsPath) !== undefined);
  for (const file of changed) {
    mkdirSync(dirname(join(backup, file.labsPath)), { recursive: true });
    writeFileSync(join(backup, file.labsPath), readProjectText(file.labsPath)!);
  }
  for (const file of files) writeFileSync(absolute(file.labsPath), file.pristine);
  saveSession(session, forgetLab(session.progress, lab.id));

  const backupDir = changed.length > 0 ? relative(projectRoot, backup) : undefined;
  print(<ResetView lab={lab} commit={commit!} files={files} backupDir={backupDir} />);
  return 0;
}
