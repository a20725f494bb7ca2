// The environment the user's command starts with, as docker builds it.

/** docker's default PATH for Linux containers (it comes from the image when the image sets one). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvOptions {
  hostname: string;
  tty: boolean;
  /** `-e NAME=value`, or `-e NAME` to copy the value from mydocker's own environment. */
  assignments: readonly string[];
}

export function containerEnv({ hostname, tty, assignments }: EnvOptions): string[] {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH],
    ['HOSTNAME', hostname],
    ['HOME', '/root'],
  ]);
  if (tty) env.set('TERM', 'xterm');
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals < 0) {
      const inherited = process.env[assignment];
      if (inherited !== undefined) env.set(assignment, inherited);
    } else {
      env.set(assignment.slice(0, equals), assignment.slice(equals + 1));
    }
  }
  return [...env].map(([name, value]) => `${name}=${value}`);
}
