// The resource flags of `mydocker run`, parsed and checked as docker does, before anything is created:
// a bad value is one line and exit 125, and no cgroup is ever made for it.
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.ts';

export interface Resources {
  /** -m: bytes; absent or 0 means no limit. */
  memory?: number;
  /** --memory-swap: memory plus swap, in bytes; -1 means unlimited swap. */
  memorySwap?: number;
  /** --cpus: how many CPUs' worth of time, e.g. 0.5. */
  cpus?: number;
  /** --cpu-shares: relative weight (v1 units, 2-262144, default 1024). */
  cpuShares?: number;
  /** --cpuset-cpus: the CPUs the container may run on, like 0-1 or 0,2. */
  cpusetCpus?: string;
  /** --pids-limit: the most tasks at once; absent, 0 or -1 means no limit. */
  pidsLimit?: number;
}

export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
}

/** What the machine offers, for the range checks. */
export interface Machine {
  cpuCount: number;
  /** The CPUs a container may use here (the root cpuset), as a list of numbers. */
  cpus: number[];
}

export function thisMachine(): Machine {
  const candidates = [
    '/sys/fs/cgroup/cpuset/cpuset.effective_cpus',
    '/sys/fs/cgroup/cpuset.cpus.effective',
    '/sys/devices/system/cpu/online',
  ];
  for (const path of candidates) {
    try {
      const cpus = parseCpuList(readFileSync(path, 'utf8').trim());
      if (cpus) return { cpuCount: availableParallelism(), cpus };
    } catch {
      // not this one
    }
  }
  return { cpuCount: availableParallelism(), cpus: [...Array(availableParallelism()).keys()] };
}

/** docker's minimum: less than this and the container cannot even start (`docker run --help`). */
export const MINIMUM_MEMORY = 6 * 1024 * 1024;

export function parseResources(flags: ResourceFlags, machine: Machine): Resources {
  const resources: Resources = {};
  if (flags.memory !== undefined) {
    const memory = parseBytes(flags.memory, '-m, --memory');
    if (memory !== 0 && memory < MINIMUM_MEMORY) {
      throw new UsageError(
        `minimum memory limit allowed is 6MB (got ${flags.memory}): a container needs that much to start`,
      );
    }
    if (memory !== 0) resources.memory = memory;
  }
  if (flags.memorySwap !== undefined) {
    // docker: 0 means unset, and -1 (unlimited swap) needs no memory limit to go with it.
    const swap = flags.memorySwap.trim() === '-1' ? -1 : parseBytes(flags.memorySwap, '--memory-swap');
    if (swap !== 0 && swap !== -1 && resources.memory === undefined) {
      throw new UsageError('you should always set the memory limit (-m) when using --memory-swap');
    }
    if (swap > 0 && swap < resources.memory!) {
      throw new UsageError(
        `minimum memory-swap limit should be larger than the memory limit: --memory-swap ${flags.memorySwap} is less than -m`,
      );
    }
    if (swap !== 0 && resources.memory !== undefined) resources.memorySwap = swap;
  }
  if (flags.cpus !== undefined) {
    const cpus = Number(flags.cpus);
    const most = machine.cpuCount.toFixed(2);
    if (!Number.isFinite(cpus) || (cpus !== 0 && cpus < 0.01) || cpus < 0 || cpus > machine.cpuCount) {
      throw new UsageError(
        `range of CPUs is from 0.01 to ${most}, as there are only ${machine.cpuCount} CPUs available (got --cpus ${flags.cpus})`,
      );
    }
    if (cpus !== 0) resources.cpus = cpus; // docker: 0 means no limit
  }
  if (flags.cpuShares !== undefined) {
    const shares = Number(flags.cpuShares);
    if (!Number.isInteger(shares) || shares < 2 || shares > 262144) {
      throw new UsageError(
        `invalid --cpu-shares ${flags.cpuShares}: use a whole number from 2 to 262144 (the default weight is 1024)`,
      );
    }
    resources.cpuShares = shares;
  }
  if (flags.cpusetCpus !== undefined) {
    const requested = parseCpuList(flags.cpusetCpus);
    if (!requested) throw new UsageError(`invalid --cpuset-cpus ${flags.cpusetCpus}: use a list like 0-1 or 0,2`);
    const missing = requested.filter((cpu) => !machine.cpus.includes(cpu));
    if (missing.length > 0) {
      throw new UsageError(
        `requested CPUs are not available - requested ${flags.cpusetCpus}, available: ${formatCpuList(machine.cpus)}`,
      );
    }
    resources.cpusetCpus = formatCpuList(requested);
  }
  if (flags.pidsLimit !== undefined) {
    const limit = Number(flags.pidsLimit);
    if (!Number.isInteger(limit))
      throw new UsageError(`invalid --pids-limit ${flags.pidsLimit}: use a whole number (0 or -1: no limit)`);
    if (limit > 0) resources.pidsLimit = limit;
  }
  return resources;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `64m` → 67108864, docker's way: binary units, one letter (b, k, m, g, t), optional `b` after it. */
export function parseBytes(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$/i.exec(text);
  if (!match)
    throw new UsageError(
      `invalid value "${text}" for ${flag}: use a number with an optional unit b, k, m, g or t (like 64m)`,
    );
  return Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}

/** `0-2,5` → [0, 1, 2, 5]; undefined when it is not such a list. */
export function parseCpuList(text: string): number[] | undefined {
  const cpus = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!range) return undefined;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    if (last < first) return undefined;
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** [0, 1, 2, 5] → `0-2,5`. */
export function formatCpuList(cpus: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(i === j ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j;
  }
  return parts.join(',');
}
