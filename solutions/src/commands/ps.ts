// `mydocker ps [-a] [-q] [--no-trunc] [--format FORMAT]`: the containers, docker's way. Running ones
// only unless -a; the newest first; the status derived from the state files and the process table
// each time (the store never writes "running" down, so it cannot go stale).
import { parseArgs } from 'node:util';
import { flagError } from './flags.ts';
import { CommandError } from '../errors.ts';
import { tabulate } from '../format/table.ts';
import { parseFormat, TemplateError } from '../format/template.ts';
import { StateStore } from '../state/store.ts';
import { PS_DEFAULT_FORMAT, PS_HEADERS, psFields } from './ps-format.ts';

export const PS_USAGE = `Usage: mydocker ps [OPTIONS]

List containers (only running ones, unless -a)

Options:
  -a, --all             Show all containers
      --format string   Format output using a Go template: 'table TEMPLATE', 'json', or TEMPLATE
                        ({{.ID}} {{.Image}} {{.Command}} {{.CreatedAt}} {{.RunningFor}} {{.Ports}}
                        {{.State}} {{.Status}} {{.Names}} {{.Mounts}})
      --no-trunc        Don't truncate output
  -q, --quiet           Only display container IDs
`;

export function ps(args: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        all: { type: 'boolean', short: 'a' },
        quiet: { type: 'boolean', short: 'q' },
        'no-trunc': { type: 'boolean' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    throw flagError(error, 'ps');
  }
  if (values.help) {
    process.stdout.write(PS_USAGE);
    return 0;
  }
  const truncate = !values['no-trunc'];
  const now = Date.now();
  const containers = new StateStore()
    .list()
    .filter((container) => values.all || container.status === 'running')
    .sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  const format = values.quiet ? '{{.ID}}' : (values.format ?? PS_DEFAULT_FORMAT);
  let template;
  try {
    template = parseFormat(format);
    const lines = containers.map((container) => template!.render(psFields(container, now, truncate)));
    process.stdout.write(
      template.table
        ? tabulate([template.render(PS_HEADERS), ...lines].map(cells))
        : lines.map((line) => `${line}\n`).join(''),
    );
  } catch (error) {
    if (error instanceof TemplateError) throw new CommandError(error.message);
    throw error;
  }
  return 0;
}

function cells(line: string): string[] {
  return line.split('\t');
}
