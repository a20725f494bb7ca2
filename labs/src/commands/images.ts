// `mydocker image import FILE NAME`, `mydocker images` and `mydocker rmi NAME...`: the image store
// (images/store.ts) from the command line, with docker's output and exit codes.
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CommandError, UsageError } from '../errors.ts';
import { ImageStore, type Image } from '../images/store.ts';

export const IMAGE_USAGE = `Usage: mydocker image COMMAND

Commands:
  import FILE NAME   Import an image from a tar file: a rootfs (like 'docker export' writes),
                     a 'docker save' archive or an OCI image layout, maybe gzipped
`;

export const IMAGES_USAGE = `Usage: mydocker images [-q]

List the images.

Options:
  -q, --quiet   Only show image ids
`;

export const RMI_USAGE = `Usage: mydocker rmi IMAGE [IMAGE...]

Remove images, and the layers nothing else uses.
`;

function parse(
  args: string[],
  usage: string,
  options: Record<string, { type: 'boolean'; short?: string }> = {},
): { values: Record<string, boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as { values: Record<string, boolean | undefined>; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see '${usage}')`);
  }
}

export async function image(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    process.stdout.write(IMAGE_USAGE);
    return 0;
  }
  if (subcommand !== 'import')
    throw new UsageError(`unknown command 'image ${subcommand}' (see 'mydocker image --help')`);
  const { values, positionals } = parse(rest, 'mydocker image --help');
  if (values.help) {
    process.stdout.write(IMAGE_USAGE);
    return 0;
  }
  if (positionals.length !== 2)
    throw new UsageError(
      `"mydocker image import" needs 2 arguments, FILE and NAME (like: mydocker image import rootfs.tar myimage:1.0)`,
    );
  const { importImage } = await import('../images/import.ts');
  const imported = await importImage(new ImageStore(), positionals[0]!, positionals[1]!);
  process.stdout.write(`sha256:${imported.id}\n`);
  return 0;
}

export function images(args: string[], now = Date.now()): number {
  const { values, positionals } = parse(args, 'mydocker images --help', { quiet: { type: 'boolean', short: 'q' } });
  if (values.help) {
    process.stdout.write(IMAGES_USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`"mydocker images" takes no arguments (see 'mydocker images --help')`);
  const store = new ImageStore();
  const all = store.list();
  if (values.quiet) {
    process.stdout.write(all.map((image) => `${image.id.slice(0, 12)}\n`).join(''));
    return 0;
  }
  process.stdout.write(imagesTable(all, (image) => imageSize(store, image), now));
  return 0;
}

export function rmi(args: string[]): number {
  const { values, positionals } = parse(args, 'mydocker rmi --help');
  if (values.help) {
    process.stdout.write(RMI_USAGE);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError(`"mydocker rmi" needs at least 1 argument (see 'mydocker rmi --help')`);
  const store = new ImageStore();
  let failed = false;
  // docker's way: each name is tried; the failures are reported, one line each, and exit 1.
  for (const name of positionals) {
    try {
      const image = store.find(name);
      store.remove(name);
      process.stdout.write(`Untagged: ${image!.name}\nDeleted: sha256:${image!.id}\n`);
    } catch (error) {
      if (!(error instanceof CommandError || error instanceof UsageError)) throw error;
      process.stderr.write(`mydocker: ${error.message}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** docker's table: REPOSITORY TAG IMAGE ID CREATED SIZE, columns as wide as their widest cell. */
export function imagesTable(all: Image[], sizeOf: (image: Image) => number, now: number): string {
  const rows = all.map((image) => {
    // An image pulled by digest alone (REPOSITORY@sha256:...) has no tag: docker shows <none>.
    const at = image.name.indexOf('@');
    const colon = at === -1 ? image.name.lastIndexOf(':') : at;
    return [
      image.name.slice(0, colon),
      at === -1 ? image.name.slice(colon + 1) : '<none>',
      image.id.slice(0, 12),
      humanAge(now - Date.parse(image.created)),
      humanSize(sizeOf(image)),
    ];
  });
  const header = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows]
    .map(
      (row) =>
        row.map((cell, column) => (column < row.length - 1 ? cell.padEnd(widths[column]! + 3) : cell)).join('') + '\n',
    )
    .join('');
}

/** docker's units.HumanDuration (go-units, duration.go), with " ago": the same cut-offs and roundings. */
export function humanAge(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(Math.max(0, ms) / 3600_000 + 0.5);
  if (seconds < 1) return 'Less than a second ago';
  if (seconds === 1) return '1 second ago';
  if (seconds < 60) return `${seconds} seconds ago`;
  if (minutes === 1) return 'About a minute ago';
  if (minutes < 60) return `${minutes} minutes ago`;
  if (hours === 1) return 'About an hour ago';
  if (hours < 48) return `${hours} hours ago`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days ago`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks ago`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months ago`;
  return `${Math.floor(ms / 3600_000 / 24 / 365)} years ago`;
}

/** docker's units.HumanSizeWithPrecision(size, 3): decimal units, three significant digits. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${Number(value.toPrecision(3))}${units[unit]}`;
}

/** What the image's layers hold: file and link sizes, each inode once (hard links). */
export function imageSize(store: ImageStore, image: Image): number {
  let total = 0;
  const seen = new Set<string>();
  for (const layer of new Set(image.layers)) {
    const dir = store.layerDir(layer);
    let names: string[];
    try {
      names = readdirSync(dir, { recursive: true }) as string[];
    } catch {
      continue; // a layer gone missing counts nothing
    }
    for (const name of names) {
      const stat = lstatSync(join(dir, name), { bigint: true });
      const inode = `${stat.dev}:${stat.ino}`;
      if ((stat.isFile() || stat.isSymbolicLink()) && !seen.has(inode)) {
        seen.add(inode);
        total += Number(stat.size);
      }
    }
  }
  return total;
}
