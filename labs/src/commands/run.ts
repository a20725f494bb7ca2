// `mydocker run`: the whole recipe on one screen. The runtime decides everything and writes it down
// as a plan; then this process becomes the shim (native/shim.c), which runs the plan: clone, the host
// steps, the container's steps, and waiting for it. The shim's exit code is docker's.
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
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
import { resolvConf } from '../rootfs/etc-files.ts';
import { resolveNetwork, readEtcSource, type ContainerNetwork } from '../network/container-network.ts';
import { endpointOf } from '../network/endpoint.ts';
import { bridgeCommands } from '../network/bridge.ts';
import { ensureNetwork } from '../network/ensure.ts';
import { forgetNameSteps, networkHostsFile, refreshNetworkHosts } from '../network/hosts.ts';
import { parseNetworkMode } from '../network/mode.ts';
import { predefinedByReference } from '../network/predefined.ts';
import { NetworkStore } from '../network/store.ts';
import type { Endpoint, NetworkConfig, NetworkRecord } from '../network/types.ts';
import { hostSide } from '../network/veth.ts';
import { nextAddress } from '../network/ipam.ts';
import { portSteps, publishedPorts, reservePorts, writeRulesFiles } from '../network/ports.ts';
import { parseVolume, type Volume } from '../union/volumes.ts';
import { UsageError } from '../errors.ts';
import type { SecurityOptions } from '../security/options.ts';
import { resolveSecurity } from '../security/resolve.ts';
import { deviceSteps } from '../security/device-steps.ts';
import { refuseRootlessLimits, refuseRootlessNetwork, refuseSharedNetwork } from '../security/rootless.ts';
import { withProfileContent } from '../security/seccomp/resolve.ts';
import { idMapSteps, mappedRoot } from '../security/userns.ts';
import { ensureRemapped, idShiftOf, remappedPath, type IdShift } from '../rootfs/remapped.ts';
import { randomHex } from '../random-hex.ts';
import { explainPlan } from '../kernel/explain.ts';
import type { HostStep, HostSteps, LogPath, Plan } from '../kernel/plan.ts';
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
  /** --network: bridge (the default), none, host, container:NAME, or a user network's name. */
  network: string;
  /** -p, as given: [IP:]HOSTPORT:CONTAINERPORT[/tcp|udp] (network/ports.ts). */
  publish: string[];
  /** The hardening flags (chapter 7), shape-checked (security/options.ts). */
  security: SecurityOptions;
}

/**
 * A container that exists already, for `mydocker start` (commands/start.ts): its id and final command
 * are kept, its config.json is not written again, and its upper layer stays.
 */
export interface ExistingContainer {
  id: string;
  command: string[];
  hostSteps: HostSteps;
  /** Its network as config.json keeps it: on a network, its address is still its own. */
  network?: NetworkConfig;
}

/**
 * What the daemon (chapter 8) changes of a run: the id it gave the container at create, docker's
 * AutoRemove (the daemon removes the container once its waiters have the exit code, where --rm has
 * the shim remove it), and how the shim is started: a child process that reports the start and
 * exits (spawnShim), where the command line becomes the shim itself (execShim).
 */
export interface RunHooks {
  id?: string;
  autoRemove?: boolean;
  launch?: (shim: string, plan: Plan) => Promise<number>;
  /** docker's StdinOnce: the end of the first attached input is the end of the container's. */
  stdinOnce?: boolean;
}

export async function run(options: RunOptions, existing?: ExistingContainer, hooks: RunHooks = {}): Promise<number> {
  validate(options);
  const resources = parseResources(options.resources, thisMachine());
  const volumes = parseVolumes(options.volumes);
  const store = new StateStore();
  if (options.name !== undefined && !existing) checkName(options.name);
  const image = options.image === 'host' ? undefined : await findImage(options.image);
  const command = existing?.command ?? commandOf(options, image);
  const id = existing?.id ?? hooks.id ?? randomHex(32);
  const hostname = containerHostname(options.hostname, id);
  const env = containerEnv({ hostname, tty: options.tty, assignments: [...(image?.config.env ?? []), ...options.env] });
  const layout = containerLayout(store.root, id);
  const state = existing?.hostSteps ?? store.hostSteps(id, options.rm);
  const cgroupSystem = detectCgroups();
  // Chapter 7: what the container may do, resolved once from its flags (bad ones are refused here).
  // Rootless (an ordinary user runs mydocker): a user namespace always, and what needs root on the
  // host is refused in one line each (security/rootless.ts). A seccomp profile file is read once,
  // and kept in config.json: start and exec compile the same.
  const rootless = process.getuid?.() !== 0;
  const securityOptions = withProfileContent(options.security);
  const security = resolveSecurity(securityOptions, { cgroups: cgroupSystem, rootless });
  let networks: NetworkStore | undefined;
  const networkStore = (): NetworkStore => (networks ??= new NetworkStore(store.root));
  // host's and none's ids too, as docker takes them: what is refused below is refused by either name.
  const networkRequest = predefinedByReference(parseNetworkMode(options.network), () => networkStore().list());
  if (security.users)
    refuseSharedNetwork(networkRequest, rootless ? 'rootless' : `--userns ${options.security.userns}`);
  if (rootless) {
    refuseRootlessLimits(resources, cgroupSystem);
    refuseRootlessNetwork(networkRequest);
  }
  const cgroups = rootless ? NO_CGROUPS : containerCgroups(cgroupSystem, resources, cgroupParent(), id);
  // The files the host makes for the container and the container writes (its upper layer, /etc
  // files) are its root's: with --userns remap, a host uid that is not 0 (rootless they are the
  // caller's already, which is its root). The state root must let that uid pass (docker: 0711).
  const owner = security.users && !rootless ? mappedRoot(security.users) : undefined;
  // Its layers, too: copies whose owners are shifted into the range (rootfs/remapped.ts).
  const shift = owner && security.users ? idShiftOf(security.users.uids, security.users.gids) : undefined;
  // The network (chapter 6): what --network names must exist (and container:X run) before anything
  // is made. The network is set up once (its bridge, its rules: ensure.ts); then the address is
  // allocated, before the entry (a failed run releases it below); a container started again keeps
  // the one it has. --explain changes nothing: it shows the address IPAM would give now. Until lab
  // ch6-bridge makes a bridge there is nothing to join: no address, and the container's namespace
  // has nothing in it, as in chapter 5.
  const network = resolveNetwork(networkRequest, { networks: networkStore, containers: store });
  let allocated = false;
  let endpoint: Endpoint | undefined = existing?.network?.endpoint;
  if (network.network) {
    const joined = network.network;
    const wired = options.explain ? bridgeCommands(joined).length > 0 : ensureNetwork(networkStore(), joined);
    if (wired && !endpoint) {
      const address = options.explain ? previewAddress(networkStore(), joined) : networkStore().allocate(joined, id);
      allocated = !options.explain;
      endpoint = endpointOf(joined, id, address);
    }
  }
  // Published ports (-p; chapter 6, lab ch6-ports): checked now, a free host port chosen for a
  // bare CONTAINERPORT; reserved once the entry exists, the rules loaded by the shim (`created`),
  // removed with the reservations when the container ends (`ended`, `failed`: before the state's).
  const ports = existing?.network?.ports ?? publishedPorts(store.root, options.publish, network.config.mode);
  const portHost = endpoint ? portSteps(store.root, id, ports, endpoint) : { created: [], ended: [], failed: [] };
  const released = (): void => {
    if (allocated) networkStore().release(network.network!, id);
  };
  let plan;
  try {
    // A container started again: its last run's pair may still exist, for the moment the kernel takes
    // to delete it with the old namespace (cleanup_net), or for as long as a container:X partner keeps
    // that namespace. The name is this container's: delete it (gone already counts as done, and costs
    // nothing then), or the new pair would be refused (EEXIST).
    const vethOps = endpoint ? hostSide(endpoint) : [];
    const networkHost =
      existing && endpoint && vethOps.length > 0
        ? [{ op: 'link-delete' as const, link: endpoint.hostLink }, ...vethOps]
        : vethOps;
    // Its devices, limited in its cgroup by the host (lab ch7-devices), once the cgroup exists.
    const devicesHost = deviceSteps(cgroupSystem, security.devices, {
      parent: cgroupParent(),
      id,
      made: cgroups.join.length > 0,
    });
    // --rm: the address goes when the container ends; a new container that never started gives it back.
    const unlinkAddress =
      endpoint && network.network
        ? [{ op: 'unlink' as const, path: networkStore().addressPath(network.network, endpoint.address) }]
        : [];
    const stdio = chooseStdio(options, logPath(store, id));
    // -i, detached: whoever connects to the container's input socket types into it (the daemon's
    // attach); the container's stdin stays open in between, held by the shim's supervisor.
    const inputHost: HostStep[] =
      stdio.stdin === 'inherit' && stdio.output !== 'inherit'
        ? [{ op: 'input-socket', path: resolve(store.inputSocketPath(id)), once: hooks.stdinOnce ?? false }]
        : [];
    // An entry the shim removes (--rm's end, a failed first start) leaves its peers' /etc/hosts after
    // it has gone: the last step, so that the files are written from who is left.
    const forgetName = endpoint && network.network ? forgetNameSteps(network.network, options.name, store.root) : [];
    plan = buildPlan(
      {
        hostname,
        command,
        env,
        rootfs: image && rootfsSpec(layout, image, volumes, shift),
        ...(network.ownNamespace && { network: { ...(endpoint && { endpoint }) } }),
        security,
      },
      {
        stdio,
        join: cgroups.join,
        ...(!network.ownNamespace && { sharedNetwork: { enter: network.enter } }),
        // The state first (the pid is known), then the cgroups and the network's host half, all
        // before the container may run (it then joins its cgroups and sets up its links itself);
        // afterwards the cgroups go first, then the network's, then the state records the end.
        host: {
          created: [
            ...state.created,
            ...(security.users ? idMapSteps(security.users) : []),
            ...cgroups.created,
            ...devicesHost,
            ...networkHost,
            ...portHost.created,
            ...inputHost,
          ],
          ended: [
            ...portHost.ended,
            ...cgroups.ended,
            ...(options.rm ? [...unlinkAddress, ...state.ended, ...forgetName] : state.ended),
          ],
          failed: [
            ...portHost.failed,
            ...cgroups.failed,
            ...(existing ? state.failed : [...unlinkAddress, ...state.failed, ...forgetName]),
          ],
        },
      },
    );
  } catch (error) {
    released();
    throw error;
  }
  if (options.explain) {
    process.stdout.write(explainPlan(plan));
    return 0;
  }
  const networkConfig: NetworkConfig = { ...network.config, ...(endpoint && { endpoint, ports }) };

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
    ...(hooks.autoRemove && { autoRemove: true }),
    volumes: options.volumes,
    resources: options.resources,
    cgroups: rootless ? [] : containerCgroupDirs(cgroupSystem, cgroupParent(), id),
    workingDir: image?.config.workingDir || '/',
    creator: thisProcess(),
    network: networkConfig,
    security: securityOptions,
  };
  let published = false;
  try {
    // The name first: a run that loses it has made nothing. Then the entry, published whole. A
    // container started again (`mydocker start`) has both already: its name holds while it exists.
    if (!existing) {
      if (options.name !== undefined) store.reserveName(options.name, id);
      breakpoint('reserved');
      store.create(config, (stagingId) => {
        const staging = containerLayout(store.root, stagingId);
        if (image && owner) letThrough([store.root, dirname(staging.dir), join(store.root, 'layers'), staging.dir]);
        if (image) prepareRootfs(staging, hostname, volumes, network, endpoint, owner);
        if (image && shift) {
          for (const layer of image.layers)
            ensureRemapped(store.root, shift, join(store.root, 'layers', layer), `layers/${layer}`);
          ensureRemapped(store.root, shift, staging.sharedInit, 'init');
        }
        if (endpoint) writeRulesFiles(store.dir(stagingId), id, ports, endpoint);
      });
    }
    published = true;
    if (endpoint) reservePorts(store.root, id, ports); // all or none; `rm` (containerRemoved) releases them
    // On a user network every member's /etc/hosts gets this container's name, this one's theirs.
    if (network.network) refreshNetworkHosts(networkStore(), network.network, store.root);
    breakpoint('published');
    return hooks.launch ? await hooks.launch(shim, plan) : execShim(shim, plan);
  } catch (error) {
    if (published && !existing) store.remove(id); // it never started: leave nothing behind
    if (!existing) released();
    throw error;
  }
}

/** Rootless: no cgroup at all (refuseRootlessLimits says why). */
const NO_CGROUPS = { join: [], created: [], ended: [], failed: [] };

/** The address IPAM would give now, for --explain: nothing is reserved. */
function previewAddress(networks: NetworkStore, network: NetworkRecord): string {
  const dir = dirname(networks.addressPath(network, '0.0.0.0'));
  const taken = new Set(listDirectory(dir).filter((name) => !name.startsWith('.')));
  const last = readHostFile(join(dirname(dir), 'last')).trim() || undefined;
  return nextAddress(network.subnet, network.gateway, taken, last) ?? network.gateway;
}

function listDirectory(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
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
export function commandOf(options: RunOptions, image: Image | undefined): string[] {
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

function rootfsSpec(
  layout: ContainerLayout,
  image: Image,
  volumes: readonly Volume[],
  shift: IdShift | undefined,
): RootfsSpec {
  // --userns remap: the range's copies of the image's layers and of the shared init layer.
  const copyOf = (path: string, name: string): string => (shift ? remappedPath(layout.storeRoot, shift, name) : path);
  const layerDir = (id: string): string =>
    fromStoreRoot(layout, copyOf(join(layout.storeRoot, 'layers', id), `layers/${id}`));
  const init = initLayers(layout, volumes.length > 0).map((dir) =>
    dir === layout.sharedInit ? copyOf(dir, 'init') : dir,
  );
  return {
    storeRoot: layout.storeRoot,
    layers: {
      lower: [...image.layers.map(layerDir), ...init.map((dir) => fromStoreRoot(layout, dir))],
      upper: fromStoreRoot(layout, layout.upper),
      work: fromStoreRoot(layout, layout.work),
    },
    target: layout.rootfs,
    etcFiles: layout.etc,
    volumes,
    workingDir: image.config.workingDir || '/',
  };
}

/**
 * What the container's plan expects to find: its directories, its /etc files, its volumes' sources.
 * /etc/hosts and resolv.conf are its own, or (host, container:X) copies of the host's or X's, as docker.
 */
function prepareRootfs(
  layout: ContainerLayout,
  hostname: string,
  volumes: readonly Volume[],
  network: ContainerNetwork,
  endpoint: Endpoint | undefined,
  owner: { uid: number; gid: number } | undefined,
): void {
  makeContainerDirs(
    layout,
    volumes.map((volume) => volume.target),
    owner,
  );
  writeFileSync(layout.etc.hostname, `${hostname}\n`);
  const shared = network.etcFrom;
  writeFileSync(layout.etc.hosts, shared ? readEtcSource(shared.hosts) : networkHostsFile(hostname, endpoint, []));
  writeFileSync(
    layout.etc.resolvConf,
    shared ? readEtcSource(shared.resolvConf) : resolvConf(readHostFile('/etc/resolv.conf')),
  );
  if (owner) for (const file of Object.values(layout.etc)) chownSync(file, owner.uid, owner.gid);
  // docker makes a missing host directory of a volume; it stays, like the data written into it.
  for (const volume of volumes) mkdirSync(volume.source, { recursive: true });
}

/**
 * The container's root (a host uid that is not 0) walks to its layers and its own directory (it
 * chdir()s to the state root to mount them): the directories on the way, the runtime's own and 0700,
 * must let others through (search, not list), as docker makes its root 0711 with user namespaces.
 */
function letThrough(dirs: readonly string[]): void {
  for (const dir of dirs) {
    const mode = statSync(dir).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) chmodSync(dir, mode | 0o711);
  }
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
