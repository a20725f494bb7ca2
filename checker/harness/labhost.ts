// The lab host: a sandbox that plays "the host" for one spec. It has its own mount, network, UTS and
// IPC namespaces, held open by an anchor process, and the runtime under test runs inside it. So a lab
// that changes "the host" (its hostname, its mounts) changes only the sandbox.
//
// Its mounts are slaves of the real host's (nothing flows back to the real host) and also shared
// among themselves, as systemd makes the real `/`: a container that forgets to make its mounts
// private leaks them into the lab host exactly as it would on a real machine, where the check sees it.
import { readFileSync, readlinkSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';
import { Containment } from './containment.ts';

/** /proc/<pid>/cmdline of a daemon's spare shim, waiting for its plan on stdin (native/shim.c). */
const SPARE_SHIM_COMMAND_LINE = 'mydocker-shim\0--plan-on-stdin\0';

export const LAB_HOSTNAME = 'lab-host';

const ANCHOR_SCRIPT = [
  'mount --make-rshared /',
  `hostname ${LAB_HOSTNAME}`,
  'ip link set lo up',
  'echo ready',
  'exec sleep infinity',
].join(' && ');

export class LabHost {
  readonly anchorPid: number;
  readonly containment: Containment;
  /**
   * What the harness itself keeps in the lab host across checks (checker/harness/network.ts's upstream):
   * processes and network devices that the leak check must not count as the learner's leftovers.
   */
  readonly fixtures = { pids: new Set<number>(), links: new Set<string>() };
  private readonly anchor: ResultPromise;

  private constructor(anchorPid: number, anchor: ResultPromise, containment: Containment) {
    this.anchorPid = anchorPid;
    this.anchor = anchor;
    this.containment = containment;
  }

  static async create(name: string): Promise<LabHost> {
    const containment = new Containment(name);
    const command = containment.wrap([
      'unshare',
      '--mount',
      '--net',
      '--uts',
      '--ipc',
      '--propagation',
      'slave',
      '--',
      'sh',
      '-c',
      ANCHOR_SCRIPT,
    ]);
    const anchor = execa(command[0]!, command.slice(1), {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      reject: false,
    });
    const ready = await new Promise<boolean>((resolve) => {
      anchor.stdout?.once('data', () => resolve(true));
      void anchor.then(() => resolve(false));
    });
    if (!ready || !anchor.pid) {
      const result = await anchor;
      await containment.destroy();
      throw new Error(`could not create the lab host sandbox: ${result.stderr || 'it exited'} (are you root?)`);
    }
    return new LabHost(anchor.pid, anchor, containment);
  }

  /** Runs a command inside the lab host, in the spec's cgroup. */
  exec(command: readonly string[], options: Options = {}): ResultPromise {
    const full = this.containment.wrap([
      'nsenter',
      '-t',
      String(this.anchorPid),
      '-m',
      '-n',
      '-u',
      '-i',
      '--',
      ...command,
    ]);
    return execa(full[0]!, full.slice(1), { reject: false, ...options });
  }

  /** The lab host's mount table, one line per mount. */
  mountTable(): string[] {
    return readFileSync(`/proc/${this.anchorPid}/mountinfo`, 'utf8').split('\n').filter(Boolean);
  }

  /** `uts:[4026531838]`: the identity of one of the lab host's namespaces. */
  namespace(ns: string): string {
    return readlinkSync(`/proc/${this.anchorPid}/ns/${ns}`);
  }

  /**
   * The lab host's network devices, by name. /proc/<pid>/net/dev lists every device of the network
   * namespace that pid is in (proc(5)), one `name: counters` line each after two header lines: the
   * same names `ip link` prints, read from here without starting nsenter and ip (~15 ms a check).
   */
  async links(): Promise<string[]> {
    let table = '';
    try {
      table = readFileSync(`/proc/${this.anchorPid}/net/dev`, 'utf8');
    } catch {
      return []; // the anchor is gone: the spec reports that already
    }
    return table
      .split('\n')
      .slice(2)
      .map((line) => line.split(':')[0]!.trim())
      .filter(Boolean)
      .sort();
  }

  /**
   * The lab host's iptables rules and custom chains, each as `table line`. Table headers and the
   * built-in chains' policies are left out: iptables-save prints them only once a table was touched.
   * Both backends are read: nf_tables (`iptables-nft-save`, `iptables-save` on Debian 12) and the
   * legacy x_tables (`iptables-legacy-save`), whose tables are separate in the kernel; a legacy
   * table's lines start with `legacy:`. A backend this machine lacks adds nothing.
   */
  async iptablesRules(): Promise<string[]> {
    const [nft, legacy] = await Promise.all([
      this.saveRules('iptables-save', ''),
      this.saveRules('iptables-legacy-save', 'legacy:'),
    ]);
    return [...nft, ...legacy];
  }

  private async saveRules(program: string, prefix: string): Promise<string[]> {
    const result = await execa('nsenter', ['-t', String(this.anchorPid), '-n', program], { reject: false });
    if (result.exitCode !== 0) return []; // no such program on this machine: nothing to compare
    const builtin = /^:(INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) /;
    let table = '';
    const rules: string[] = [];
    for (const line of result.stdout.split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith('-A ') || (line.startsWith(':') && !builtin.test(line)))
        rules.push(`${prefix}${table} ${line.replace(/ \[\d+:\d+\]$/, '')}`);
    }
    return rules;
  }

  async hostname(): Promise<string> {
    const result = await execa('nsenter', ['-t', String(this.anchorPid), '-u', 'hostname'], { reject: false });
    return result.stdout.trim();
  }

  /**
   * Processes the spec started that are still alive, apart from the anchor and the harness's
   * fixtures, and a fixture daemon's spare shim (solutions/src/shim/spawn.ts: started before its
   * plan, it has no container yet, and ends with the daemon).
   */
  strayProcesses(): number[] {
    return this.containment
      .pids()
      .filter((pid) => pid !== this.anchorPid && !this.fixtures.pids.has(pid) && !this.isFixtureSpare(pid));
  }

  private isFixtureSpare(pid: number): boolean {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      return this.fixtures.pids.has(parent) && readFileSync(`/proc/${pid}/cmdline`, 'utf8') === SPARE_SHIM_COMMAND_LINE;
    } catch {
      return false; // gone
    }
  }

  async destroy(): Promise<void> {
    await this.containment.destroy();
    await this.anchor;
  }
}
