// `mydocker run`: the whole recipe on one screen. The runtime decides everything and writes it down
// as a plan; then this process becomes the shim (native/shim.c), which runs the plan: clone, the host
// steps, the container's steps, and waiting for it. The shim's exit code is docker's.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, normalize, resolve } from 'node:path';
import { cgroupParent, containerCgroupDirs, containerCgroups } from '../cgroups/driver.ts';
import { parseResources, thisMachine, type ResourceFlags } from '../cgroups/resources.ts';
import { detectCgroups } from '../cgroups/system.ts';
import { containerEnv } from '../container/command.ts';
import { containerHostname } from '../container/hostname.ts';
import { buildPlan, type RootfsSpec } from '../container/setup.ts';
import { chooseStdio } from '../container/stdio.ts';
import type { Image } from '../images/store.ts';
import {
  containerLayout,
  fromStoreRoot,
  initLayers,
  makeContainerDirs,
  type ContainerLayout,
} from '../rootfs/layout.ts';
import { hostsFile, resolvConf } from '../rootfs/etc-files.ts';
import { parseVolume, type Volume } from '../union/volumes.ts';
import { UsageError } from '../errors.ts';
import { explainPlan } from '../kernel/explain.ts';
import type { HostSteps, LogPath } from '../kernel/plan.ts';
import { execShim, shimPath } from '../shim/exec.ts';
import { NAME_PATTERN } from '../state/names.ts';
import { StateStore, type ContainerConfig } from '../state/store.ts';
import { thisProcess } from '../state/processes.ts';

export interface RunOptions {
  image: string;
  command: string[];
  interactive: boolean;
  tty: boolean;
  /** -d: the command returns once the container runs; the shim stays and logs its output. */
  detach: boolean;
  name?: string;
  hostname?: string;
  env: string[];
  volumes: string[];
  rm: boolean;
  explain: boolean;
  resources: ResourceFlags;
}

/**
 * A container that exists already, for `mydocker start` (commands/start.ts): its id and final command
 * are kept, its config.json is not written again, and its upper layer stays.
 */
export interface ExistingContainer {
  id: string;
  command: string[];
  hostSteps: HostSteps;
}

export async function run(options: RunOptions, existing?: ExistingContainer): Promise<number> {
  validate(options);
  const resources = parseResources(options.resources, thisMachine());
  const volumes = parseVolumes(options.volumes);
  const store = new StateStore();
  if (options.name !== undefined && !existing) checkName(options.name);
  const image = options.image === 'host' ? undefined : await findImage(options.image);
  const command = existing?.command ?? commandOf(options, image);
  const id = existing?.id ?? newContainerId();
  const hostname = containerHostname(options.hostname, id);
  const env = containerEnv({ hostname, tty: options.tty, assignments: [...(image?.config.env ?? []), ...options.env] });
  const layout = containerLayout(store.root, id);
  const state = existing?.hostSteps ?? store.hostSteps(id, options.rm);
  const cgroupSystem = detectCgroups();
  const cgroups = containerCgroups(cgroupSystem, resources, cgroupParent(), id);
  const plan = buildPlan(
    { hostname, command, env, rootfs: image && rootfsSpec(layout, image, volumes) },
    {
      stdio: chooseStdio(options, logPath(store, id)),
      join: cgroups.join,
      // The state first (the pid is known), then the cgroups, all before the container may run (it
      // then joins them itself); afterwards the cgroups go first, then the state records the end.
      host: {
        created: [...state.created, ...cgroups.created],
        ended: [...cgroups.ended, ...state.ended],
        failed: [...cgroups.failed, ...state.failed],
      },
    },
  );
  if (options.explain) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }

  const shim = shimPath();
  const config: ContainerConfig = {
    id,
    ...(options.name !== undefined && { name: options.name }),
    hostname,
    command,
    created: new Date().toISOString(),
    image: image?.name ?? 'host',
    layers: image?.layers ?? [],
    env,
    tty: options.tty,
    interactive: options.interactive,
    rm: options.rm,
    volumes: options.volumes,
    resources: options.resources,
    cgroups: containerCgroupDirs(cgroupSystem, cgroupParent(), id),
    workingDir: image?.config.workingDir || '/',
    creator: thisProcess(),
  };
  let published = false;
  try {
    // The name first: a run that loses it has made nothing. Then the entry, published whole. A
    // container started again (`mydocker start`) has both already: its name holds while it exists.
    if (!existing) {
      if (options.name !== undefined) store.reserveName(options.name, id);
      breakpoint('reserved');
      store.create(config, (stagingId) => {
        if (image) prepareRootfs(containerLayout(store.root, stagingId), hostname, volumes);
      });
    }
    published = true;
    breakpoint('published');
    return execShim(shim, plan);
  } catch (error) {
    if (published && !existing) store.remove(id); // it never started: leave nothing behind
    throw error;
  }
}

/** containers/<id>/<id>-json.log, docker's name; absolute, as the shim takes it. */
function logPath(store: StateStore, id: string): LogPath {
  return resolve(store.logPath(id)) as LogPath;
}

/**
 * The fault-injection tests (test/faults/) stop the run at a phase to kill it there: the variable is
 * set only by them, and the shim's environment is the container's own, without it.
 */
function breakpoint(phase: 'reserved' | 'published'): void {
  if (process.env.MYDOCKER_TEST_STOP_AT === phase) process.kill(process.pid, 'SIGSTOP');
}

function validate(options: RunOptions): void {
  // docker's rule: only -it in the foreground reads keys from a terminal; -t alone, or -dit, needs none.
  if (options.tty && options.interactive && !options.detach && !process.stdin.isTTY) {
    throw new UsageError('the input device is not a TTY: drop -t, or run mydocker from a terminal');
  }
  if (options.image === 'host' && options.volumes.length > 0) {
    throw new UsageError(
      "volumes need an image: the pseudo-image 'host' already shows the host's files (try: mydocker run -v ... busybox)",
    );
  }
}

async function findImage(name: string): Promise<Image> {
  const { ImageStore } = await import('../images/store.ts');
  const { resolveImage } = await import('../images/default-image.ts');
  return resolveImage(new ImageStore(), name);
}

/** docker's rule: the command given replaces the image's CMD; its ENTRYPOINT stays in front. */
function commandOf(options: RunOptions, image: Image | undefined): string[] {
  if (!image) {
    if (options.command.length > 0) return options.command;
    throw new UsageError("no command specified: the image 'host' has none of its own (try: mydocker run host /bin/sh)");
  }
  const command = [...image.config.entrypoint, ...(options.command.length > 0 ? options.command : image.config.cmd)];
  if (command.length > 0) return command;
  throw new UsageError(
    `no command specified: the image '${image.name}' has none of its own (try: mydocker run ${options.image} /bin/sh)`,
  );
}

function parseVolumes(specs: readonly string[]): Volume[] {
  const volumes = specs.map(parseVolume);
  const targets = new Set<string>();
  for (const volume of volumes) {
    // A seat belt while lab ch4-volumes is half done: a relative source would be made in the current
    // directory, and a volume on '/' would hide the whole root.
    if (!isAbsolute(volume.source) || !isAbsolute(volume.target) || normalize(volume.target) === '/') {
      throw new UsageError(
        `refusing the volume ${JSON.stringify(volume)}: both paths must be absolute, and the target not '/' (see lab ch4-volumes)`,
      );
    }
    if (targets.has(volume.target))
      throw new UsageError(`duplicate mount point '${volume.target}': each -v needs its own container path`);
    targets.add(volume.target);
  }
  return volumes;
}

/** docker's rule for names (the reservation itself is atomic: store.reserveName). */
function checkName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(`invalid container name '${name}': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
}

function rootfsSpec(layout: ContainerLayout, image: Image, volumes: readonly Volume[]): RootfsSpec {
  const layerDir = (id: string): string => fromStoreRoot(layout, join(layout.storeRoot, 'layers', id));
  return {
    storeRoot: layout.storeRoot,
    layers: {
      lower: [
        ...image.layers.map(layerDir),
        ...initLayers(layout, volumes.length > 0).map((dir) => fromStoreRoot(layout, dir)),
      ],
      upper: fromStoreRoot(layout, layout.upper),
      work: fromStoreRoot(layout, layout.work),
    },
    target: layout.rootfs,
    etcFiles: layout.etc,
    volumes,
    workingDir: image.config.workingDir || '/',
  };
}

/** What the container's plan expects to find: its directories, its /etc files, its volumes' sources. */
function prepareRootfs(layout: ContainerLayout, hostname: string, volumes: readonly Volume[]): void {
  makeContainerDirs(
    layout,
    volumes.map((volume) => volume.target),
  );
  writeFileSync(layout.etc.hostname, `${hostname}\n`);
  writeFileSync(layout.etc.hosts, hostsFile(hostname));
  writeFileSync(layout.etc.resolvConf, resolvConf(readHostFile('/etc/resolv.conf')));
  // docker makes a missing host directory of a volume; it stays, like the data written into it.
  for (const volume of volumes) mkdirSync(volume.source, { recursive: true });
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * 64 hex digits from the kernel's random source, like docker's ids. Read directly: loading
 * node:crypto would cost more than the rest of the start-up.
 */
function newContainerId(): string {
  const bytes = Buffer.alloc(32);
  const fd = openSync('/dev/urandom', 'r');
  try {
    readSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return bytes.toString('hex');
}
