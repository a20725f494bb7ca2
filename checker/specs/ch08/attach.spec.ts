// Lab ch8-attach: a container's output on the Engine API's attach stream, framed (docker's stdcopy)
// without a terminal and raw with one, judged by docker's own CLI (Debian's docker.io client) and by
// the checker's own reading of the bytes. The daemon is the runtime's: `mydocker daemon` in the lab
// host, with its socket in the run's state root.
import { connect } from 'node:net';
import { expect } from 'vitest';
import { daemonOf, type Daemon, splitFrames } from '../../harness/daemon.ts';
import { describeRun, expectExitCode } from '../../harness/expect.ts';
import { describeLab } from '../../harness/suite.ts';
import { importTarget } from '../../harness/target.ts';
import { scaled } from '../../harness/timing.ts';

type FrameModule = typeof import('../../../solutions/src/daemon/stream-frame.ts');

/**
 * POST /containers/{id}/attach taken over (Connection: Upgrade), as docker's CLI does, then the
 * container started on another connection: everything the stream brings until the daemon ends it.
 */
async function attachedOutput(daemon: Daemon, id: string): Promise<{ head: string; body: Buffer }> {
  const socket = connect(daemon.socket);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('close', () => resolve());
    socket.on('error', reject);
    setTimeout(() => reject(new Error('the attach stream did not end after the container did')), scaled(15_000));
  });
  socket.write(
    `POST /v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: mydocker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
  );
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const started = await daemon.request('POST', `/v1.41/containers/${id}/start`);
  expect(started.status, `POST /containers/${id}/start: ${started.body.toString()}`).toBe(204);
  await ended;
  socket.destroy();
  const all = Buffer.concat(chunks);
  const split = all.indexOf('\r\n\r\n');
  return { head: all.subarray(0, split).toString(), body: all.subarray(split + 4) };
}

/** A time as docker's CLI takes it for --since and --until: Unix seconds, with a fraction. */
const seconds = (milliseconds: number): string => (milliseconds / 1000).toFixed(3);

async function create(daemon: Daemon, body: object): Promise<string> {
  const answer = await daemon.request('POST', '/v1.41/containers/create', {
    HostConfig: { NetworkMode: 'none', AutoRemove: true },
    ...body,
  });
  expect(answer.status, `POST /containers/create: ${answer.body.toString()}`).toBe(201);
  return (JSON.parse(answer.body.toString()) as { Id: string }).Id;
}

describeLab('ch8-attach', (check) => {
  check(
    'encodeOutput: an 8-byte header (stream, three zeros, the length big-endian) without a terminal, none with one',
    { hint: 1 },
    async () => {
      const { encodeOutput } = await importTarget<FrameModule>('daemon/stream-frame.ts');
      const out = encodeOutput('stdout', Buffer.from('hello\n'), false);
      expect([...out.subarray(0, 8)], 'the header of 6 bytes of stdout').toEqual([1, 0, 0, 0, 0, 0, 0, 6]);
      expect(out.subarray(8).toString(), 'the payload after the header').toBe('hello\n');
      const big = encodeOutput('stderr', Buffer.alloc(300_000, 0x61), false);
      expect([...big.subarray(0, 8)], 'the header of 300000 bytes of stderr (0x000493e0)').toEqual([
        2, 0, 0, 0, 0, 0x04, 0x93, 0xe0,
      ]);
      const raw = encodeOutput('stderr', Buffer.from('on a terminal\n'), true);
      expect(raw.toString(), "a terminal's output goes as it is: no header (hint 1)").toBe('on a terminal\n');
    },
  );

  check(
    "docker's CLI runs a container of this runtime: stdout and stderr apart, the exit code, and --rm removes it",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const result = await client.docker([
        'run',
        '--rm',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'echo out; echo err >&2; echo more; exit 3',
      ]);
      const context = `${describeRun(result)}\nthe daemon printed: ${client.output.trim()}`;
      expect(result.stdout, `${context}\nstdout: only the container's stdout lines`).toBe('out\nmore\n');
      expect(result.stderr, `${context}\nstderr: only the container's stderr line`).toBe('err\n');
      expectExitCode(result, 3);
      expect(mydocker.states(), 'containers left in the store after `docker run --rm`').toEqual([]);
    },
  );

  check(
    "the attach stream, read by the checker: 101 UPGRADED, then one frame per line, each with its stream's id and length",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const id = await create(client, { Image: 'busybox', Cmd: ['sh', '-c', 'echo one; echo two >&2; printf three'] });
      const { head, body } = await attachedOutput(client, id);
      expect(head.split('\r\n')[0], 'the status line of a hijacked attach').toBe('HTTP/1.1 101 UPGRADED');
      const { frames, leftover } = splitFrames(body);
      expect(leftover, `bytes after the last whole frame (the stream: ${JSON.stringify(body.toString())})`).toBe(0);
      expect(
        frames.map((f) => [f.stream, f.payload.toString()]),
        'the frames: [stream, payload]',
      ).toEqual([
        [1, 'one\n'],
        [2, 'two\n'],
        [1, 'three'],
      ]);
    },
  );

  check(
    'with a terminal (-t), the stream is raw: the output as the terminal gave it, no headers',
    { hint: 1 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const id = await create(client, { Image: 'busybox', Tty: true, Cmd: ['sh', '-c', 'echo out; echo err >&2'] });
      const { body } = await attachedOutput(client, id);
      // The terminal's line discipline turns each \n into \r\n (termios' ONLCR).
      expect(body.toString(), 'the raw stream of a container with a terminal').toBe('out\r\nerr\r\n');
    },
  );

  check(
    '`docker logs` of a detached container: its lines, stdout and stderr apart, --tail and -f until it ends',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const started = await client.docker([
        'run',
        '-d',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'for i in 1 2 3; do echo out $i; echo err $i >&2; done; sleep 1; echo last',
      ]);
      expectExitCode(started, 0);
      const id = started.stdout.trim();
      try {
        const followed = await client.docker(['logs', '-f', id]);
        expectExitCode(followed, 0);
        expect(followed.stdout, `${describeRun(followed)}\nstdout, followed to the end`).toBe(
          'out 1\nout 2\nout 3\nlast\n',
        );
        expect(followed.stderr, 'stderr').toBe('err 1\nerr 2\nerr 3\n');
        const tail = await client.docker(['logs', '--tail', '2', id]);
        expect([tail.stdout, tail.stderr], `${describeRun(tail)}\nthe last two lines: [stdout, stderr]`).toEqual([
          'last\n',
          'err 3\n',
        ]);
      } finally {
        await client.docker(['rm', '-f', id]);
      }
    },
  );

  check(
    "`docker run -i` and `docker exec -i`: the connection's input is the command's stdin, and the exit codes come back",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const run = await client.docker(
        ['run', '-i', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'cat; echo err >&2; exit 2'],
        'piped line\n',
      );
      expect([run.stdout, run.stderr], `${describeRun(run)}\n[stdout, stderr] of a run whose input was piped`).toEqual([
        'piped line\n',
        'err\n',
      ]);
      expectExitCode(run, 2);
      const started = await client.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
      expectExitCode(started, 0);
      const id = started.stdout.trim();
      try {
        const exec = await client.docker(
          ['exec', '-i', id, 'sh', '-c', 'tr a-z A-Z; echo out; echo oops >&2; exit 4'],
          'shout\n',
        );
        expect([exec.stdout, exec.stderr], `${describeRun(exec)}\n[stdout, stderr] of the exec`).toEqual([
          'SHOUT\nout\n',
          'oops\n',
        ]);
        expectExitCode(exec, 4);
      } finally {
        await client.docker(['rm', '-f', id]);
      }
    },
  );

  check(
    '`docker run -di`, then `docker attach`: the stdin stays open between clients and across a kill -9 of the daemon, and `docker logs` has the output',
    { hint: 2, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const script = 'while read line; do echo "got $line"; done; echo "its input ended"';
      const started = await client.docker(['run', '-di', '--network', 'none', 'busybox', 'sh', '-c', script]);
      expectExitCode(started, 0);
      const id = started.stdout.trim();
      const logged = async (line: string): Promise<string> => {
        const deadline = Date.now() + scaled(15_000);
        for (;;) {
          const logs = await client.docker(['logs', id]);
          if (logs.stdout.includes(line) || Date.now() > deadline) return logs.stdout;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      // An attach lasts as long as the container: each is let run, and ends when it is killed.
      const attaches: Promise<unknown>[] = [];
      try {
        attaches.push(client.docker(['attach', id], 'one\n'));
        expect(await logged('got one'), "docker logs, after an attach's input 'one'").toBe('got one\n');
        // The first client's input ended (docker's CloseWrite): the container's did not (no StdinOnce).
        attaches.push(client.docker(['attach', id], 'two\n'));
        expect(await logged('got two'), "docker logs, after a second attach's input 'two'").toBe('got one\ngot two\n');
        await client.killNow();
        await client.restart();
        const third = client.docker(['attach', id], 'three\n');
        attaches.push(third);
        expect(
          await logged('got three'),
          "docker logs, after kill -9 of the daemon, a new daemon and a third attach's 'three'",
        ).toBe('got one\ngot two\ngot three\n');
        expectExitCode(await client.docker(['kill', id]), 0);
        const attached = (await third) as Awaited<ReturnType<Daemon['docker']>>;
        expect(attached.stdout, `${describeRun(attached)}\nwhat the third attach showed`).toBe('got three\n');
      } finally {
        await client.docker(['rm', '-f', id]);
        await Promise.allSettled(attaches);
      }
    },
  );

  check(
    "`docker ps`, `inspect`, `stop`, `rm` and `images` see and drive the runtime's own containers and images",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const started = await client.docker([
        'run',
        '-d',
        '--name',
        'web',
        '--network',
        'none',
        'busybox',
        'sleep',
        '60',
      ]);
      expectExitCode(started, 0);
      const id = started.stdout.trim();
      try {
        const ps = await client.docker(['ps', '--format', '{{.ID}} {{.Names}} {{.Status}}']);
        expect(ps.stdout, describeRun(ps)).toMatch(new RegExp(`^${id.slice(0, 12)} web Up `));
        const state = mydocker.states().find((s) => s.id === id);
        expect(state?.status, 'the container in the state store, as mydocker sees it').toBe('running');
        const inspect = await client.docker(['inspect', '-f', '{{.State.Pid}} {{.Config.Image}}', 'web']);
        expect(inspect.stdout.trim(), describeRun(inspect)).toBe(`${state!.pid} busybox:latest`);
        const stop = await client.docker(['stop', '-t', '0', 'web']);
        expectExitCode(stop, 0);
        expect(mydocker.states().find((s) => s.id === id)?.status, 'after docker stop').toBe('exited');
        const images = await client.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
        expect(images.stdout.split('\n'), describeRun(images)).toContain('busybox:latest');
      } finally {
        const rm = await client.docker(['rm', '-f', 'web']);
        expectExitCode(rm, 0);
      }
      expect(mydocker.states(), 'containers left after docker rm').toEqual([]);
    },
  );

  check(
    "`docker network create`, `ls`, `rm` drive chapter 6's networks, and a container run on one gets its address",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const created = await client.docker(['network', 'create', '--subnet', '10.123.0.0/24', 'checknet']);
      expectExitCode(created, 0);
      try {
        const ls = await client.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
        expect(ls.stdout.split('\n'), describeRun(ls)).toContain('checknet bridge');
        const run = await client.docker([
          'run',
          '--rm',
          '--network',
          'checknet',
          'busybox',
          'ip',
          '-4',
          '-o',
          'addr',
          'show',
          'eth0',
        ]);
        expectExitCode(run, 0);
        expect(run.stdout, describeRun(run)).toContain('inet 10.123.0.2/24');
        const predefined = await client.docker(['network', 'rm', 'bridge']);
        expect(predefined.exitCode, describeRun(predefined)).toBe(1);
        expect(predefined.stderr, describeRun(predefined)).toContain(
          'bridge is a pre-defined network and cannot be removed',
        );
      } finally {
        expectExitCode(await client.docker(['network', 'rm', 'checknet']), 0);
      }
      const after = await client.docker(['network', 'ls', '--format', '{{.Name}}']);
      expect(after.stdout.split('\n'), describeRun(after)).not.toContain('checknet');
    },
  );

  check(
    '`docker network ls` lists bridge, host and none as dockerd does; host and none cannot be removed or made',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const ls = await client.docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
      expectExitCode(ls, 0);
      expect(ls.stdout.trimEnd().split('\n'), describeRun(ls)).toEqual([
        'bridge bridge local',
        'host host local',
        'none null local',
      ]);
      const ids = await client.docker(['network', 'ls', '-q', '--no-trunc']);
      expectExitCode(ids, 0);
      const inspect = await client.docker(['network', 'inspect', '--format', '{{.Name}} {{.Driver}}', 'host', 'none']);
      expectExitCode(inspect, 0);
      expect(inspect.stdout, describeRun(inspect)).toBe('host host\nnone null\n');
      const byId = await client.docker(['network', 'inspect', '--format', '{{.Id}}', 'host']);
      expect(ids.stdout.split('\n'), `${describeRun(ids)}\nhost's id (${byId.stdout.trim()}) among them`).toContain(
        byId.stdout.trim(),
      );
      for (const name of ['host', 'none']) {
        const rm = await client.docker(['network', 'rm', name]);
        expect(rm.exitCode, describeRun(rm)).toBe(1);
        expect(rm.stderr, describeRun(rm)).toContain(`${name} is a pre-defined network and cannot be removed`);
        const create = await client.docker(['network', 'create', name]);
        expect(create.exitCode, describeRun(create)).toBe(1);
        expect(create.stderr, describeRun(create)).toContain(
          `operation is not permitted on predefined ${name} network`,
        );
      }
      const after = await client.docker(['network', 'ls', '--format', '{{.Name}}']);
      expect(after.stdout, describeRun(after)).toBe('bridge\nhost\nnone\n');
    },
  );

  check(
    "`docker events --since --until --filter container=NAME` after `docker run --name NAME`: the container's life in docker's order",
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const since = seconds(Date.now());
      const run = await client.docker(['run', '--name', 'evlife', '--network', 'none', 'busybox', 'true']);
      try {
        expectExitCode(run, 0);
        // The daemon sees the end a moment after the wait's answer: `until` a little ahead, so that
        // the die is in the window (the stream then stays open until then).
        const events = await client.docker([
          'events',
          '--since',
          since,
          '--until',
          seconds(Date.now() + 500),
          '--filter',
          'container=evlife',
          '--format',
          '{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}',
        ]);
        expectExitCode(events, 0);
        // docker run attaches before it starts (the order the chapter draws): create, attach, start, die.
        expect(events.stdout.split('\n').filter(Boolean), describeRun(events)).toEqual([
          'container create evlife <no value>',
          'container attach evlife <no value>',
          'container start evlife <no value>',
          'container die evlife 0',
        ]);
      } finally {
        await client.docker(['rm', '-f', 'evlife']);
      }
    },
  );

  check(
    '`docker events --filter` while a container runs and ends: its die comes live, with its exit code, and nothing the filter leaves out',
    { hint: 2 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      // Listening from now, for a few seconds (until ends the stream), to the dies of evlive only.
      const listening = client.docker([
        'events',
        '--until',
        seconds(Date.now() + scaled(3_500)),
        '--filter',
        'container=evlive',
        '--filter',
        'event=die',
        '--format',
        '{{.Actor.Attributes.name}} {{.Action}} {{.Actor.Attributes.exitCode}}',
      ]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const other = await client.docker(['run', '--rm', '--network', 'none', 'busybox', 'true']);
      expectExitCode(other, 0);
      const started = await client.docker([
        'run',
        '-d',
        '--name',
        'evlive',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'sleep 1; exit 4',
      ]);
      try {
        expectExitCode(started, 0);
        const events = await listening;
        expectExitCode(events, 0);
        expect(events.stdout, describeRun(events)).toBe('evlive die 4\n');
      } finally {
        await client.docker(['rm', '-f', 'evlive']);
      }
    },
  );

  check(
    '`docker run -it` and `docker exec -it` on a terminal: a terminal of their own, the keys typed reach them',
    { hint: 1 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      const run = await client.dockerOnTerminal(
        ['run', '-it', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'tty; read line; echo "got $line"; exit 3'],
        'typed\n',
      );
      expect(run.stdout, describeRun(run)).toMatch(/\/dev\/pts\/\d+\n/);
      expect(run.stdout, describeRun(run)).toContain('got typed\n');
      expect(run.exitCode, `${describeRun(run)}\nthe terminal showed: ${JSON.stringify(run.stdout)}`).toBe(3);
      const started = await client.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
      expectExitCode(started, 0);
      const id = started.stdout.trim();
      try {
        const exec = await client.dockerOnTerminal(
          ['exec', '-it', id, 'sh', '-c', 'tty; read line; echo "exec got $line"'],
          'keys\n',
        );
        expect(exec.stdout, describeRun(exec)).toMatch(/\/dev\/pts\/\d+\n/);
        expect(exec.stdout, describeRun(exec)).toContain('exec got keys\n');
        expectExitCode(exec, 0);
      } finally {
        await client.docker(['rm', '-f', id]);
      }
    },
  );

  check(
    "a terminal takes its client's size: `docker run -it` and `docker exec -it` at once, and a running container's on POST /containers/{id}/resize",
    { hint: 1, timeout: 60_000 },
    async ({ host, mydocker }) => {
      const client = await daemonOf(host, mydocker);
      // A pty is 0 by 0 until someone sets its size (busybox's stty size then prints nothing), and
      // docker's CLI sends it just after the start: the command waits for it, a bounded number of times.
      const sizeOnceSet = `i=0; until [ -n "$(stty size 2>/dev/null)" ]; do i=$((i+1)); [ $i -gt 100 ] && exit 9; sleep 0.05; done; stty size`;
      const run = await client.dockerOnTerminal(
        ['run', '-it', '--rm', '--network', 'none', 'busybox', 'sh', '-c', sizeOnceSet],
        '',
        { rows: 30, columns: 100 },
      );
      expect(run.stdout, `${describeRun(run)}\nstty size in a container of a 30x100 terminal`).toContain('30 100\n');
      expectExitCode(run, 0);
      const started = await client.docker(['run', '-d', '--network', 'none', 'busybox', 'sleep', '60']);
      expectExitCode(started, 0);
      const sleeper = started.stdout.trim();
      try {
        const exec = await client.dockerOnTerminal(['exec', '-it', sleeper, 'sh', '-c', sizeOnceSet], '', {
          rows: 31,
          columns: 101,
        });
        expect(exec.stdout, `${describeRun(exec)}\nstty size in an exec of a 31x101 terminal`).toContain('31 101\n');
        expectExitCode(exec, 0);
      } finally {
        await client.docker(['rm', '-f', sleeper]);
      }

      // docker's CLI sends the size again at each SIGWINCH of its terminal: the same request.
      const id = await create(client, {
        Image: 'busybox',
        Tty: true,
        Cmd: [
          'sh',
          '-c',
          'i=0; until [ "$(stty size 2>/dev/null)" = "40 120" ]; do i=$((i+1)); [ $i -gt 100 ] && exit 9; sleep 0.05; done; echo resized',
        ],
        HostConfig: { NetworkMode: 'none' },
      });
      try {
        const before = await client.request('POST', `/v1.41/containers/${id}/resize?h=40&w=120`);
        expect(before.status, `POST /containers/{id}/resize before the start: ${before.body.toString()}`).toBe(409);
        const start = await client.request('POST', `/v1.41/containers/${id}/start`);
        expect(start.status, `POST /containers/{id}/start: ${start.body.toString()}`).toBe(204);
        const bad = await client.request('POST', `/v1.41/containers/${id}/resize?h=forty&w=120`);
        expect(bad.status, `POST /containers/{id}/resize?h=forty: ${bad.body.toString()}`).toBe(400);
        const resized = await client.request('POST', `/v1.41/containers/${id}/resize?h=40&w=120`);
        expect(resized.status, `POST /containers/{id}/resize?h=40&w=120: ${resized.body.toString()}`).toBe(200);
        const waited = await client.request('POST', `/v1.41/containers/${id}/wait`);
        const logs = await client.request('GET', `/v1.41/containers/${id}/logs?stdout=1&stderr=1`);
        expect(
          [JSON.parse(waited.body.toString()), logs.body.toString().replaceAll('\r', '')],
          'the exit of a container that waits until its terminal is 40x120 (9: it never was), and its output',
        ).toEqual([{ StatusCode: 0, Error: null }, 'resized\n']);
      } finally {
        await client.request('DELETE', `/v1.41/containers/${id}?force=1`);
      }
    },
  );
});
