// docker's resize (POST /containers/{id}/resize and /exec/{id}/resize, ?h=ROWS&w=COLUMNS): the
// terminal of a container or an exec takes its client's size, which docker's CLI sends once the
// command started and again at each SIGWINCH of its own terminal. The shim holds the terminal's
// master and reads nothing from the daemon, so the daemon sets the size on the other end, the slave,
// which the command holds as its stdin, stdout and stderr (native/shim.c, op_pty). /proc/PID/fd/N
// opens that very terminal again, in the container's own devpts instance (proc(5): the links behave
// as the files themselves); TIOCSWINSZ there is the size the command reads, and the kernel sends
// SIGWINCH to the terminal's foreground process group, so that a shell redraws (ioctl_tty(2)).
import { closeSync, constants, fstatSync, openSync, readFileSync, statSync, type Stats } from 'node:fs';
import { setWindowSize } from '../libc.ts';
import { ApiError, badRequest } from './api-error.ts';

/** How long a resize waits for the terminal (dockerd waits as long for an exec's start). */
const TERMINAL_WAIT_MS = 10_000;
const TERMINAL_POLL_MS = 10;

/** Linux's devices.txt: the majors of the Unix98 pty slaves, in every devpts instance. */
const PTY_SLAVE_MAJORS = { first: 136, last: 143 };

export interface WindowSize {
  rows: number;
  columns: number;
}

/** docker's h and w (rows and columns), both needed: struct winsize holds unsigned shorts. */
export function windowSizeOf(query: URLSearchParams): WindowSize {
  const [rows, columns] = (['h', 'w'] as const).map((name) => {
    const given = query.get(name) ?? '';
    const value = Number(given);
    if (!/^\d+$/.test(given) || value > 0xffff)
      throw badRequest(
        `${name} must be a number of ${name === 'h' ? 'rows' : 'columns'} from 0 to 65535, not "${given}"`,
      );
    return value;
  }) as [number, number];
  return { rows, columns };
}

/** A device number's major, as the kernel encodes dev_t for user space (new_encode_dev). */
export function majorOf(device: number): number {
  return (Math.floor(device / 0x100) & 0xfff) | (Math.floor(device / 0x1_0000_0000) & ~0xfff);
}

function isPtySlave(file: Stats | undefined): boolean {
  if (!file?.isCharacterDevice()) return false;
  const major = majorOf(file.rdev);
  return major >= PTY_SLAVE_MAJORS.first && major <= PTY_SLAVE_MAJORS.last;
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined; // the process ended, or closed that descriptor
  }
}

/** Gives the terminal that PID holds as its stdin, stdout or stderr the size; false when none is one. */
export function resizeTerminalOf(pid: number, size: WindowSize): boolean {
  for (const fd of [0, 1, 2]) {
    const link = `/proc/${pid}/fd/${fd}`;
    // Looked at before it is opened, because the container may have put anything there: a FIFO,
    // whose open waits for a writer, or a device whose open does something. Only a slave is opened,
    // and what was opened is looked at again, since the descriptor may have changed in between.
    if (!isPtySlave(statOf(link))) continue;
    let terminal: number;
    try {
      terminal = openSync(link, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch {
      continue;
    }
    try {
      if (!isPtySlave(fstatSync(terminal))) continue;
      setWindowSize(terminal, size.rows, size.columns);
      return true;
    } finally {
      closeSync(terminal);
    }
  }
  return false;
}

/**
 * docker's CLI sends the size right after the start, which can come before the command has its
 * terminal: a container counts as started once the shim recorded it (running.json, in its `created`
 * steps, before the container's own), and the terminal is made by the container's `pty` step. So the
 * size waits for the terminal, a bounded time. `holder` says who should hold it by now (undefined:
 * nobody yet), and throws once nobody will (the command ended).
 */
export async function resizeOnceMade(holder: () => number | undefined, size: WindowSize): Promise<void> {
  const deadline = Date.now() + TERMINAL_WAIT_MS;
  for (;;) {
    const pid = holder();
    if (pid !== undefined && resizeTerminalOf(pid, size)) return;
    if (Date.now() > deadline) throw new ApiError(500, 'timeout waiting for the terminal to resize');
    await new Promise((resolve) => setTimeout(resolve, TERMINAL_POLL_MS));
  }
}

/** The processes PID forked (proc(5), /proc/PID/task/TID/children: the shim has one thread). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
