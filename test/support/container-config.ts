// A container's config.json as the runtime writes it (solutions/src/state/store.ts), for tests that
// build state directories by hand: every field a reader needs, with a run's defaults.
import type { ContainerConfig } from '../../solutions/src/state/store.ts';

/** No such process: a creator that is gone (pid_max is at most 2^22 on Linux). */
export const GONE = { pid: 2147483646, start: 1 } as const;

export function containerConfig(id: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    id,
    hostname: id.slice(0, 12),
    command: ['true'],
    created: '2026-11-23T00:00:00.000Z',
    image: 'host',
    layers: [],
    env: [],
    tty: false,
    interactive: false,
    rm: false,
    volumes: [],
    resources: {},
    cgroups: [],
    workingDir: '/',
    creator: GONE,
    ...extra,
  };
}
