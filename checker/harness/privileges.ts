// A process's privileges as the kernel keeps them, read from the host (chapter 7): its five
// capability sets and no_new_privs (/proc/<pid>/status, proc(5)), and what docker would give it.
import { readFileSync } from 'node:fs';
import {
  CAPABILITIES,
  DOCKER_DEFAULT_CAPABILITIES,
  capabilityNamesOf,
  type CapabilityName,
} from '../../solutions/src/security/capability-names.ts';

export interface ProcessPrivileges {
  CapInh: bigint;
  CapPrm: bigint;
  CapEff: bigint;
  CapBnd: bigint;
  CapAmb: bigint;
  NoNewPrivs: number;
}

export function processPrivileges(pid: number): ProcessPrivileges {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => {
    const value = new RegExp(`^${name}:\\s*(\\S+)$`, 'm').exec(status)?.[1];
    if (value === undefined) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return value;
  };
  const mask = (name: string): bigint => BigInt(`0x${field(name)}`);
  return {
    CapInh: mask('CapInh'),
    CapPrm: mask('CapPrm'),
    CapEff: mask('CapEff'),
    CapBnd: mask('CapBnd'),
    CapAmb: mask('CapAmb'),
    NoNewPrivs: Number(field('NoNewPrivs')),
  };
}

export const bit = (name: CapabilityName): bigint => 1n << BigInt(CAPABILITIES.indexOf(name));

/** Docker's default set, as a mask. */
export const DOCKER_DEFAULT = DOCKER_DEFAULT_CAPABILITIES.reduce((mask, name) => mask | bit(name), 0n);

/**
 * Every capability a container of this machine can get, as the checker sees it: the kernel's
 * (/proc/sys/kernel/cap_last_cap) that the checker holds itself (the runtime it starts holds the same).
 */
export function machineCapabilities(): bigint {
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  return ((1n << BigInt(last + 1)) - 1n) & processPrivileges(process.pid).CapBnd;
}

/** The sets as docker gives a root container the capabilities `mask`: inheritable and ambient empty. */
export function dockerSets(mask: bigint): Omit<ProcessPrivileges, 'NoNewPrivs'> {
  return { CapInh: 0n, CapPrm: mask, CapEff: mask, CapBnd: mask, CapAmb: 0n };
}

/** The five sets as hex and names, for a message. */
export function describeSets(sets: Omit<ProcessPrivileges, 'NoNewPrivs'>): string {
  return (['CapBnd', 'CapEff', 'CapPrm', 'CapInh', 'CapAmb'] as const)
    .map(
      (name) =>
        `${name} ${sets[name].toString(16).padStart(16, '0')} (${capabilityNamesOf(sets[name]).join(' ') || 'none'})`,
    )
    .join('\n');
}

export function capabilitySets(privileges: ProcessPrivileges): Omit<ProcessPrivileges, 'NoNewPrivs'> {
  const { NoNewPrivs: _, ...sets } = privileges;
  return sets;
}
