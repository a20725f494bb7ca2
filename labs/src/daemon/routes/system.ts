// The endpoints a client asks first: /_ping (the version negotiation: a docker CLI reads API-Version
// and speaks that version or its own, the lower), /version and /info.
import { cpus, hostname, release, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { detectCgroups } from '../../cgroups/system.ts';
import { ImageStore } from '../../images/store.ts';
import type { Engine } from '../engine.ts';
import { API_VERSION, MIN_API_VERSION, sendJson, type Router } from '../http.ts';

/** The daemon's version: the project's, as package.json says (the docker CLI prints it as "Version"). */
export const DAEMON_VERSION = '0.1.0-mydocker';

export function systemRoutes(router: Router, engine: Engine): void {
  router.add('GET', '/_ping', (request, reply) => {
    if (reply.kind !== 'response') return;
    reply.response.writeHead(200, {
      'API-Version': API_VERSION,
      OSType: 'linux',
      'Docker-Experimental': 'false',
      'Cache-Control': 'no-cache, no-store, must-revalidate',
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': request.method === 'HEAD' ? 0 : 2,
    });
    reply.response.end(request.method === 'HEAD' ? undefined : 'OK');
  });
  router.add('GET', '/version', (_request, reply) => sendJson(reply, 200, version()));
  router.add('GET', '/info', (_request, reply) => sendJson(reply, 200, info(engine)));
}

function version() {
  const arch = goArch();
  return {
    Platform: { Name: 'mydocker' },
    Components: [
      {
        Name: 'Engine',
        Version: DAEMON_VERSION,
        Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: arch },
      },
    ],
    Version: DAEMON_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    Os: 'linux',
    Arch: arch,
    KernelVersion: release(),
    BuildTime: '',
  };
}

function info(engine: Engine) {
  const containers = engine.list();
  const count = (status: string): number => containers.filter((container) => container.status === status).length;
  const cgroups = detectCgroups();
  return {
    ID: '',
    Containers: containers.length,
    ContainersRunning: count('running'),
    ContainersPaused: 0,
    ContainersStopped: containers.length - count('running'),
    Images: new ImageStore(engine.store.root).list().length,
    Driver: 'overlay',
    DriverStatus: [],
    Plugins: { Volume: [], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: readFlag('/proc/sys/net/ipv4/ip_forward'),
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cgroups.version === 2 ? '2' : '1',
    KernelVersion: release(),
    OperatingSystem: operatingSystem(),
    OSType: 'linux',
    Architecture: process.arch === 'x64' ? 'x86_64' : process.arch,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: engine.store.root,
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: DAEMON_VERSION,
    Runtimes: { 'mydocker-shim': { path: 'mydocker-shim' } },
    DefaultRuntime: 'mydocker-shim',
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    SecurityOptions: ['name=seccomp,profile=default', 'name=no-new-privileges'],
    Warnings: null,
  };
}

/** Go's GOARCH for Node's process.arch: what the Engine API calls the architecture. */
function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
}

function readFlag(path: string): boolean {
  try {
    return readFileSync(path, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

function operatingSystem(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
