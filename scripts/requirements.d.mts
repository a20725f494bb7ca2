// Types for scripts/requirements.mjs (plain ESM, so the set-up runs on any Node), for the TypeScript that uses it.
export const PROVISION: string;
export const BIN_DIRS: readonly string[];

export interface Requirement {
  /** The Debian/Ubuntu package. */
  package: string;
  /** Commands it provides, each looked for in BIN_DIRS. */
  commands?: readonly string[];
  files?: readonly string[];
  /** A file that must be a statically linked ELF. */
  staticElf?: string;
  /** What the course uses it for. */
  why: string;
}
export const REQUIREMENTS: readonly Requirement[];

export interface Files {
  exists(path: string): boolean;
  head(path: string, bytes: number): Buffer | undefined;
}
export function filesAt(root?: string): Files;
export function isStaticElf(head: Buffer): boolean | undefined;
export function checkRequirement(requirement: Requirement, files: Files): { ok: boolean; detail: string };
export function missingRequirements(files?: Files): Requirement[];
export function missingLine(missing: readonly Requirement[]): string;
