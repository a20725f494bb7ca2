// A second client of the daemon's Engine API, so that it is not tuned to docker's CLI alone: dockerode
// (the Node SDK, through docker-modem), with its own framing parser (docker-modem's demuxStream) and its
// own ways of asking: create, start, wait, logs, inspect, list, exec, kill, remove, images.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt } from '../../scripts/build.mjs';
import { TestDaemon } from '../support/test-daemon.ts';

const isRoot = process.getuid?.() === 0;
const daemon = new TestDaemon('dockerode');
let docker: Docker;

/** A demultiplexed stream's two halves, as strings, once it ended. */
async function demuxed(stream: NodeJS.ReadableStream): Promise<{ stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  docker.modem.demuxStream(stream, out, err);
  await new Promise((resolve) => stream.on('end', resolve));
  return { stdout, stderr };
}

describe.runIf(isRoot)('dockerode against mydocker daemon (root)', () => {
  beforeAll(async () => {
    await ensureBuilt('solutions');
    await daemon.start();
    docker = new Docker({ socketPath: daemon.socket });
  }, 60_000);

  afterAll(async () => {
    await daemon.destroy();
  }, 60_000);

  test('ping and version', async () => {
    expect((await docker.ping()).toString()).toBe('OK');
    expect(await docker.version()).toMatchObject({ ApiVersion: '1.41', Os: 'linux' });
  });

  test('create, attach, start, wait, inspect, remove: the output demultiplexed and the exit code', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'],
      Env: [`MYDOCKER_TEST_MARKER=${daemon.marker}`],
      HostConfig: { NetworkMode: 'none' },
    });
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
    const output = demuxed(stream);
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 7 });
    expect(await output).toEqual({ stdout: 'out\n', stderr: 'err\n' });
    const inspected = await container.inspect();
    expect(inspected.State).toMatchObject({ Status: 'exited', ExitCode: 7, Running: false });
    await container.remove();
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  test('a detached container: list, logs, exec with its exit code, kill, remove with force', async () => {
    const container = await docker.createContainer({
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo started; exec sleep 60'],
      Env: [`MYDOCKER_TEST_MARKER=${daemon.marker}`],
      HostConfig: { NetworkMode: 'none' },
      name: 'sdk',
    });
    await container.start();
    const listed = await docker.listContainers();
    expect(listed.map((c) => c.Names)).toContainEqual(['/sdk']);
    await expect.poll(async () => (await container.logs({ stdout: true })).toString()).toContain('started\n');
    const exec = await container.exec({
      Cmd: ['sh', '-c', 'echo from exec; exit 3'],
      AttachStdout: true,
      AttachStderr: true,
    });
    const execStream = await exec.start({ hijack: true, stdin: false });
    expect((await demuxed(execStream)).stdout).toBe('from exec\n');
    expect(await exec.inspect()).toMatchObject({ ExitCode: 3, Running: false });
    await container.kill({ signal: 'SIGKILL' });
    expect(await container.wait()).toMatchObject({ StatusCode: 137 });
    await expect(container.kill()).rejects.toMatchObject({ statusCode: 409 });
    await container.remove({ force: true });
    expect(await docker.listContainers({ all: true })).toEqual([]);
  });

  test('images: busybox listed and inspected; a name conflict is 409, an unknown image 404', async () => {
    const images = await docker.listImages();
    expect(images.flatMap((image) => image.RepoTags)).toContain('busybox:latest');
    expect((await docker.getImage('busybox').inspect()).RepoTags).toEqual(['busybox:latest']);
    await expect(docker.createContainer({ Image: 'nosuch:latest' })).rejects.toMatchObject({ statusCode: 404 });
    const first = await docker.createContainer({ Image: 'busybox', name: 'twice' });
    await expect(docker.createContainer({ Image: 'busybox', name: 'twice' })).rejects.toMatchObject({
      statusCode: 409,
    });
    await first.remove();
  });
});
