// `mydocker top CONTAINER [ps OPTIONS]`: the container's processes as the host's ps(1) shows them, the
// way docker does it: run `ps` (default -ef) on the host, keep its header and the lines whose PID
// is the container's. The container's processes are those in its PID namespace: the same
// /proc/PID/ns/pid link as its PID 1 (namespaces(7): the link names the namespace's inode).
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { CommandError, UsageError } from '../errors.ts';
import { tabulate } from '../format/table.ts';
import { StateStore } from '../state/store.ts';

export const TOP_USAGE = `Usage: mydocker top CONTAINER [ps OPTIONS]

Display the running processes of a container (ps options default to -ef)
`;

const TOP_MIN_WIDTH = 20; // docker top's tabwriter

export function top(args: string[]): number {
  if (args[0] === '--help' || args[0] === '-h') {
    process.stdout.write(TOP_USAGE);
    return 0;
  }
  const [reference, ...psOptions] = args;
  if (reference === undefined)
    throw new UsageError(`"mydocker top" requires at least 1 argument (see 'mydocker top --help')`);
  const container = new StateStore().resolve(reference);
  if (container.status !== 'running' || container.pid === undefined) {
    throw new CommandError(`container ${container.id.slice(0, 12)} is not running`);
  }
  const pids = namespacePids(container.pid);
  const ps = spawnSync('ps', psOptions.length > 0 ? psOptions : ['-ef'], { encoding: 'utf8' });
  if (ps.status !== 0) throw new CommandError(`ps failed: ${(ps.stderr || ps.error?.message || '').trim()}`);
  const [header = '', ...lines] = ps.stdout.trimEnd().split('\n');
  const titles = header.trim().split(/\s+/);
  const pidColumn = titles.indexOf('PID');
  if (pidColumn < 0)
    throw new CommandError(`couldn't find PID field in ps output (try: mydocker top ${reference} -ef)`);
  const rows = lines.map((line) => fields(line, titles.length)).filter((row) => pids.has(Number(row[pidColumn])));
  process.stdout.write(tabulate([titles, ...rows], TOP_MIN_WIDTH));
  return 0;
}

/** A ps line cut into `count` fields: the last (CMD) keeps its spaces, as docker's parser does. */
export function fields(line: string, count: number): string[] {
  const words = line.trim().split(/\s+/);
  return [...words.slice(0, count - 1), words.slice(count - 1).join(' ')];
}

function namespacePids(pid1: number): Set<number> {
  const namespace = readlinkSync(`/proc/${pid1}/ns/pid`);
  const pids = new Set<number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === namespace) pids.add(Number(name));
    } catch {
      // ended meanwhile, or a kernel thread
    }
  }
  return pids;
}
