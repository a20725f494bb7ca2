// What `mydocker ps` shows of a container, in docker's words: the fields its --format knows
// (docker's ContainerContext) and the default table's columns.
import { humanDuration } from '../format/duration.ts';
import { formatPorts } from '../network/ports-format.ts';
import type { ContainerState } from '../state/store.ts';

/** docker ps's placeholders, in the order `--format json` prints them. */
export interface PsFields {
  Command: string;
  CreatedAt: string;
  ID: string;
  Image: string;
  Mounts: string;
  Names: string;
  Ports: string;
  RunningFor: string;
  State: string;
  Status: string;
}

/** The header docker's table gives each placeholder. */
export const PS_HEADERS: PsFields = {
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Mounts: 'MOUNTS',
  Names: 'NAMES',
  Ports: 'PORTS',
  RunningFor: 'CREATED',
  State: 'STATE',
  Status: 'STATUS',
};

/** docker ps's default: `table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}`. */
export const PS_DEFAULT_FORMAT =
  'table {{.ID}}\\t{{.Image}}\\t{{.Command}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}\\t{{.Names}}';

const COMMAND_WIDTH = 20;

export function psFields(container: ContainerState, now: number, truncate: boolean): PsFields {
  const command = container.command.join(' ');
  return {
    Command: goQuote(truncate ? ellipsis(command, COMMAND_WIDTH) : command),
    CreatedAt: goTime(new Date(container.created)),
    ID: truncate ? container.id.slice(0, 12) : container.id,
    Image: container.image,
    Mounts: (container.volumes ?? []).map((volume) => volume.split(':')[0]).join(','),
    Names: container.name ?? '',
    // docker's: a container that is not running has given its host ports back.
    Ports: container.status === 'running' ? formatPorts(container.network?.ports) : '',
    RunningFor: `${humanDuration(now - Date.parse(container.created))} ago`,
    State: container.status,
    Status: status(container, now),
  };
}

/** docker's State.String(): "Up 3 seconds", "Exited (137) 2 minutes ago", "Created". */
export function status(container: ContainerState, now: number): string {
  const since = (time: string | undefined): string => humanDuration(now - Date.parse(time ?? container.created));
  if (container.status === 'running') return `Up ${since(container.startedAt)}`;
  if (container.status === 'exited') return `Exited (${container.exitCode ?? 255}) ${since(container.finishedAt)} ago`;
  return 'Created';
}

/** docker's stringutils.Ellipsis: at most `width` characters, the last one "…" when cut. */
export function ellipsis(text: string, width: number): string {
  const characters = [...text];
  return characters.length <= width ? text : `${characters.slice(0, width - 1).join('')}…`;
}

/** Go's strconv.Quote: double quotes, with \ " and the control characters escaped. */
export function goQuote(text: string): string {
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const escaped = [...text]
    .map((character) => {
      if (escapes[character]) return escapes[character];
      const code = character.codePointAt(0)!;
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : character;
    })
    .join('');
  return `"${escaped}"`;
}

/** Go's time.Time.String() in UTC, as docker prints CreatedAt: "2026-12-02 01:02:03 +0000 UTC". */
export function goTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`;
}
