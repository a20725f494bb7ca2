// The daemon's pure parts, fast: the create body into run's options, the router and the version
// prefix, the stream framing, and which error gets which status. The daemon itself, with docker's
// CLI as its client, is proven in daemon.test.ts and in the checker (checker/specs/ch08/).
import { describe, expect, test } from 'vitest';
import { ConflictError, NotFoundError, RuntimeError, UsageError } from '../../solutions/src/errors.ts';
import { ApiError, statusOf } from '../../solutions/src/daemon/api-error.ts';
import { autoRemoveOf, runOptionsOfBody } from '../../solutions/src/daemon/create-body.ts';
import { parseTarget, Router } from '../../solutions/src/daemon/http.ts';
import { encodeOutput } from '../../solutions/src/daemon/stream-frame.ts';
import { majorOf, windowSizeOf } from '../../solutions/src/daemon/terminal-size.ts';
import { splitFrames } from '../../checker/harness/daemon.ts';
import { NameTaken } from '../../solutions/src/state/names.ts';

/** What docker 20.10's CLI sends for `docker run --rm -m 64m --cpus 0.5 -p 8080:80 -e A=1 busybox echo hi`. */
const CLI_BODY = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: ['A=1'],
  Cmd: ['echo', 'hi'],
  Image: 'busybox',
  Volumes: {},
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: {},
  HostConfig: {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: '', Config: {} },
    NetworkMode: 'default',
    PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] },
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: true,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: '',
    Dns: [],
    ExtraHosts: null,
    IpcMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    Memory: 67108864,
    NanoCpus: 500000000,
    PidsLimit: null,
    Devices: [],
    MaskedPaths: null,
  },
  NetworkingConfig: { EndpointsConfig: {} },
};

describe('runOptionsOfBody: the create body as run takes it', () => {
  test("the docker CLI's body for a plain run", () => {
    const options = runOptionsOfBody(CLI_BODY, 'web');
    expect(options).toMatchObject({
      image: 'busybox',
      command: ['echo', 'hi'],
      name: 'web',
      env: ['A=1'],
      detach: true,
      rm: false,
      network: 'bridge',
      publish: ['8080:80/tcp'],
      resources: { memory: '67108864', cpus: '0.5' },
      volumes: [],
    });
    expect(autoRemoveOf(CLI_BODY)).toBe(true);
    expect(autoRemoveOf({ ...CLI_BODY, HostConfig: { ...CLI_BODY.HostConfig, AutoRemove: false } })).toBe(false);
  });

  test('security options: capabilities, privileged, no-new-privileges, a profile sent as content', () => {
    const profile = '{"defaultAction":"SCMP_ACT_ALLOW"}';
    const options = runOptionsOfBody(
      {
        Image: 'busybox',
        HostConfig: {
          CapAdd: ['NET_ADMIN'],
          CapDrop: ['chown'],
          SecurityOpt: ['no-new-privileges:false', `seccomp=${profile}`],
          Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/n', CgroupPermissions: 'rw' }],
        },
      },
      undefined,
    );
    expect(options.security).toMatchObject({
      capAdd: ['NET_ADMIN'],
      capDrop: ['chown'],
      noNewPrivileges: false,
      devices: ['/dev/null:/dev/n:rw'],
      seccomp: { kind: 'file', content: profile },
    });
  });

  test.each([
    [{ Image: 'busybox', User: 'nobody' }, 'User is not supported'],
    [{ Image: 'busybox', Entrypoint: ['sh'] }, 'Entrypoint is not supported'],
    [{ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'always' } } }, 'RestartPolicy "always"'],
    [{ Image: 'busybox', HostConfig: { VolumesFrom: ['x'] } }, 'HostConfig.VolumesFrom is not supported'],
    [{ Cmd: ['true'] }, 'Config.Image is required'],
    [{ Image: 'busybox', Cmd: [1] }, 'Cmd must be an array of strings'],
    [{ Image: 'busybox', Tty: 'yes' }, 'Tty must be true or false'],
    [[], 'the body must be a JSON object'],
  ])('refused with a 400 naming the field: %j', (body, message) => {
    let caught: unknown;
    try {
      runOptionsOfBody(body, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as Error).message).toContain(message);
  });
});

describe('the router and the version prefix', () => {
  const router = new Router()
    .add('GET', '/containers/{id}/json', () => {})
    .add('GET', '/images/{name*}/json', () => {});

  test('path parameters, with slashes where the route takes them', () => {
    expect(router.match('GET', '/containers/abc/json').params).toEqual({ id: 'abc' });
    expect(router.match('HEAD', '/containers/abc/json').params).toEqual({ id: 'abc' });
    expect(router.match('GET', '/images/127.0.0.1:5000/busybox:1/json').params).toEqual({
      name: '127.0.0.1:5000/busybox:1',
    });
  });

  test('an endpoint docker has and this daemon lacks: 501 with a message, also for a known path', () => {
    expect(() => router.match('GET', '/containers/abc/top')).toThrow(
      "GET /containers/abc/top is not implemented by mydocker's daemon",
    );
    expect(statusOf(catchError(() => router.match('GET', '/containers/abc/top')))).toBe(501);
    expect(statusOf(catchError(() => router.match('POST', '/containers/abc/json')))).toBe(501);
  });

  test("the prefix: stripped, and a version out of range is docker's 400", () => {
    expect(parseTarget('/v1.41/containers/json?all=1')).toMatchObject({ path: '/containers/json', version: '1.41' });
    expect(parseTarget('/v1.41/containers/json?all=1').query.get('all')).toBe('1');
    expect(parseTarget('/_ping')).toMatchObject({ path: '/_ping', version: '1.41' });
    expect(() => parseTarget('/v1.45/info')).toThrow(
      'client version 1.45 is too new. Maximum supported API version is 1.41',
    );
    expect(() => parseTarget('/v1.5/info')).toThrow(/too old/);
  });
});

describe("resize: docker's h and w, and which device is a terminal's slave", () => {
  test('rows and columns from h and w; anything but 0-65535 in each is a 400 that names it', () => {
    expect(windowSizeOf(new URLSearchParams('h=40&w=120'))).toEqual({ rows: 40, columns: 120 });
    expect(windowSizeOf(new URLSearchParams('h=0&w=65535'))).toEqual({ rows: 0, columns: 65535 });
    for (const [query, named] of [
      ['w=120', 'h'],
      ['h=40', 'w'],
      ['h=forty&w=120', 'h'],
      ['h=40&w=-1', 'w'],
      ['h=40&w=65536', 'w'],
      ['h=4.5&w=80', 'h'],
    ] as const) {
      let caught: unknown;
      try {
        windowSizeOf(new URLSearchParams(query));
      } catch (error) {
        caught = error;
      }
      expect([statusOf(caught), (caught as Error).message.split(' ')[0]], query).toEqual([400, named]);
    }
  });

  test("a device number's major as the kernel encodes it: /dev/pts/0 and /dev/pts/300 are 136, /dev/ptmx 5", () => {
    expect(majorOf(0x8800)).toBe(136); // makedev(136, 0)
    expect(majorOf(0x10882c)).toBe(136); // makedev(136, 300): the minor's high bits above the major
    expect(majorOf(0x502)).toBe(5); // makedev(5, 2)
    expect(majorOf(0x1000 * 0x1_0000_0000 + 0x100)).toBe(0x1001); // makedev(0x1001, 0): a major above 4095
  });
});

describe('the attach stream framing (stdcopy)', () => {
  test('an 8-byte header: the stream, three zeros, the length big-endian; none on a terminal', () => {
    const bytes = encodeOutput('stderr', Buffer.from('hi\n'), false);
    expect([...bytes.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0, 0, 0, 3]);
    expect(bytes.subarray(8).toString()).toBe('hi\n');
    expect(encodeOutput('stdout', Buffer.alloc(70_000), false).readUInt32BE(4)).toBe(70_000);
    expect(encodeOutput('stderr', Buffer.from('hi\n'), true).toString()).toBe('hi\n');
  });

  test("the checker's reading of frames: whole ones, and what is cut short", () => {
    const stream = Buffer.concat([
      encodeOutput('stdout', Buffer.from('out'), false),
      encodeOutput('stderr', Buffer.from('err'), false),
    ]);
    expect(splitFrames(stream).frames.map((f) => [f.stream, f.payload.toString()])).toEqual([
      [1, 'out'],
      [2, 'err'],
    ]);
    expect(splitFrames(stream.subarray(0, stream.length - 1))).toMatchObject({ leftover: 10 });
  });
});

test("each error's status: 404, 409, 400, 500", () => {
  expect(statusOf(new NotFoundError('No such container: x'))).toBe(404);
  expect(statusOf(new ConflictError('in use'))).toBe(409);
  expect(statusOf(new NameTaken('web', 'abc'))).toBe(409);
  expect(statusOf(new UsageError('bad flag'))).toBe(400);
  expect(statusOf(new RuntimeError('disk full'))).toBe(500);
  expect(statusOf(new Error('anything'))).toBe(500);
});

function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('it did not throw');
}

describe("createRequest: run's options as docker's create body, and back as the daemon reads it", () => {
  test('round trip: what the client sends is what the daemon runs', async () => {
    const { parseRunArguments } = await import('../../solutions/src/commands/run-arguments.ts');
    const { createRequest } = await import('../../solutions/src/client/create-request.ts');
    const given = parseRunArguments([
      '--rm',
      '-i',
      '-t',
      '--name',
      'web',
      '--hostname',
      'box',
      '-e',
      'A=1',
      '-v',
      '/srv:/data:ro',
      '-m',
      '64m',
      '--cpus',
      '0.5',
      '--pids-limit',
      '20',
      '-p',
      '127.0.0.1:8080:80/tcp',
      '-p',
      '9000:90/udp',
      '--network',
      'none',
      '--cap-add',
      'NET_ADMIN',
      '--cap-drop',
      'CHOWN',
      '--security-opt',
      'no-new-privileges=false',
      'busybox',
      'sh',
      '-c',
      'echo hi',
    ]);
    if (given === 'help') throw new Error('help');
    const body = createRequest(given);
    expect(body.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }],
      '90/udp': [{ HostIp: '', HostPort: '9000' }],
    });
    expect(body.HostConfig).toMatchObject({
      Memory: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      PidsLimit: 20,
      AutoRemove: true,
    });
    const back = runOptionsOfBody(JSON.parse(JSON.stringify(body)), 'web');
    expect(back).toMatchObject({
      image: 'busybox',
      command: ['sh', '-c', 'echo hi'],
      name: 'web',
      hostname: 'box',
      interactive: true,
      tty: true,
      env: ['A=1'],
      volumes: ['/srv:/data:ro'],
      network: 'none',
      publish: ['127.0.0.1:8080:80/tcp', '9000:90/udp'],
      resources: { memory: String(64 * 1024 * 1024), cpus: '0.5', pidsLimit: '20' },
      security: { capAdd: ['NET_ADMIN'], capDrop: ['CHOWN'], noNewPrivileges: false },
    });
    expect(autoRemoveOf(body)).toBe(true);
  });
});
