// `mydocker pull [--platform OS/ARCH] NAME[:TAG|@DIGEST]`: images/pull/ from the command line, with
// docker's progress lines and exit codes (1 when the pull fails, with one line saying why). Ctrl-C
// (SIGINT) aborts the pull, whose clean-up then removes what it had downloaded.
import { parseArgs } from 'node:util';
import { UsageError } from '../errors.ts';
import { ImageStore } from '../images/store.ts';

export const PULL_USAGE = `Usage: mydocker pull [OPTIONS] NAME[:TAG|@DIGEST]

Download an image from a registry on this machine (NAME starts with it, like
127.0.0.1:5000/busybox:latest) and store it as 'image import' does.

Options:
      --platform OS/ARCH   The image of a multi-platform index to pull (default: linux and
                           this machine's CPU, like linux/amd64)
  -q, --quiet              Only print the image's name

A registry that asks for a user and password gets them from MYDOCKER_REGISTRY_AUTH=USER:PASSWORD.
`;

export async function pull(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        platform: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]} (see 'mydocker pull --help')`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(PULL_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError(`"mydocker pull" needs 1 argument, NAME (like: mydocker pull 127.0.0.1:5000/busybox:latest)`);
  const [{ pullImage }, { parsePlatform }, { PullError }] = await Promise.all([
    import('../images/pull/pull.ts'),
    import('../images/pull/media-types.ts'),
    import('../images/pull/registry-client.ts'),
  ]);
  const given = positionals[0]!;
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  const abort = new AbortController();
  const onSigint = () => abort.abort(new PullError('interrupted (SIGINT): nothing was kept'));
  process.once('SIGINT', onSigint);
  const say = (line: string) => values.quiet || process.stdout.write(`${line}\n`);
  try {
    const pulled = await pullImage(new ImageStore(), given, {
      ...(platform && { platform }),
      signal: abort.signal,
      onProgress: (event) => {
        if (event.kind === 'blob-done') say(`${event.digest.slice(7, 19)}: Pull complete`);
        if (event.kind === 'blob-exists') say(`${event.digest.slice(7, 19)}: Already exists`);
      },
    });
    say(`Digest: ${pulled.digest}`);
    say(`Status: Downloaded image for ${pulled.name}`);
    process.stdout.write(`${pulled.name}\n`);
    return abort.signal.aborted ? 130 : 0;
  } catch (error) {
    // A name without a registry is the user's mistake, but docker's pull says it with exit 1 too.
    if (!(error instanceof PullError || error instanceof UsageError)) throw error;
    const message = error instanceof UsageError ? error.message : `${given}: ${error.message}`;
    process.stderr.write(`mydocker pull: ${message}\n`);
    return abort.signal.aborted ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
