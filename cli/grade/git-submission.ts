// A submission that is a git repository (a learner's clone, a bare repository, or a bundle cloned by
// the grader): its lab files are read from the HEAD commit, never from the work tree, so that an
// uncommitted edit does not count (what a learner pushed is what is graded). Two git processes per
// submission: ls-tree for the modes (a symbolic link is a blob too) and cat-file for the contents.
import { spawn } from 'node:child_process';
import { SubmissionUnreadable, type LabFileRead } from './lab-files.ts';

/**
 * git as the grader runs it: no system or global configuration (the grader's own settings must not
 * change what is read), any owner (a learner's files belong to whoever copied them), no prompt.
 */
function git(
  gitDir: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'safe.directory=*', `--git-dir=${gitDir}`, ...args], {
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        LC_ALL: 'C',
      },
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr }));
    // git may end before it reads its input (a repository it cannot open): its exit says why, not EPIPE.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** `git clone --bare` of a bundle into `dir`; its first error line when it is not one. */
export async function cloneBundle(bundle: string, dir: string): Promise<void> {
  const result = await new Promise<{ code: number; stderr: string }>((resolve, reject) => {
    const child = spawn('git', ['-c', 'safe.directory=*', 'clone', '--bare', '--quiet', '--', bundle, dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        LC_ALL: 'C',
      },
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
  });
  if (result.code !== 0) {
    const line =
      result.stderr
        .trim()
        .split('\n')[0]
        ?.replace(/^(fatal|error): /, '') ?? '';
    throw new SubmissionUnreadable(`it is not a readable git bundle (${line || `git clone exited ${result.code}`})`);
  }
}

/** The lab files (paths relative to labs/) at HEAD of the repository whose git directory is `gitDir`. */
export async function readHeadLabFiles(
  gitDir: string,
  files: readonly string[],
  maxBytes: number,
): Promise<Map<string, LabFileRead>> {
  const listed = await git(gitDir, ['ls-tree', '-r', '-z', '--full-tree', '-l', 'HEAD', '--', 'labs']);
  if (listed.code !== 0) {
    const line =
      listed.stderr
        .trim()
        .split('\n')[0]
        ?.replace(/^fatal: /, '') ?? '';
    throw new SubmissionUnreadable(`its HEAD cannot be read (${line}): not a clone of this course, or no commit yet`);
  }
  const entries = new Map<string, { mode: string; type: string; oid: string; size: number }>();
  for (const record of listed.stdout.toString('utf8').split('\0').filter(Boolean)) {
    const tab = record.indexOf('\t');
    const [mode = '', type = '', oid = '', size = ''] = record.slice(0, tab).split(/\s+/);
    entries.set(record.slice(tab + 1), { mode, type, oid, size: Number(size) });
  }
  if (entries.size === 0) throw new SubmissionUnreadable('no labs/ in its HEAD: not a clone of this course');
  const reads = new Map<string, LabFileRead>();
  const wanted: string[] = [];
  for (const file of files) {
    const entry = entries.get(`labs/${file}`);
    if (!entry) reads.set(file, { missing: 'missing' });
    else if (entry.mode === '120000') reads.set(file, { missing: 'a symbolic link' });
    else if (entry.type !== 'blob') reads.set(file, { missing: 'not a file' });
    else if (entry.size > maxBytes) reads.set(file, { missing: `over ${maxBytes / 1024} KiB` });
    else wanted.push(file);
  }
  if (wanted.length === 0) return reads;
  const oids = wanted.map((file) => entries.get(`labs/${file}`)!.oid);
  const batch = await git(gitDir, ['cat-file', '--batch'], oids.map((oid) => `${oid}\n`).join(''));
  if (batch.code !== 0)
    throw new SubmissionUnreadable(`its objects cannot be read (${batch.stderr.trim().split('\n')[0] ?? ''})`);
  // Each object: "<oid> blob <size>\n", the content, "\n".
  let at = 0;
  for (const file of wanted) {
    const newline = batch.stdout.indexOf(0x0a, at);
    const header = batch.stdout.subarray(at, newline).toString('utf8').split(' ');
    if (header[1] !== 'blob')
      throw new SubmissionUnreadable(`its object for labs/${file} is missing: the repository is damaged`);
    const size = Number(header[2]);
    reads.set(file, { content: batch.stdout.subarray(newline + 1, newline + 1 + size) });
    at = newline + 1 + size + 1;
  }
  return reads;
}
