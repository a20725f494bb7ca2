// A client's input to a container with an open stdin (-i), through its input socket: the shim's
// supervisor listens there and makes every connection's bytes the container's input (native/shim.c,
// input-socket), so the daemon only pipes what its client types, and the container's stdin outlives
// the daemon, which holds nothing of it.
import { closeSync, constants, openSync } from 'node:fs';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';
import type { Duplex } from 'node:stream';

/**
 * Connected to the socket at `path`. sun_path holds 108 bytes (unix(7)) and a state root's path may
 * be longer, so the socket is reached through a descriptor of its directory, /proc/self/fd/N, as the
 * shim made it.
 */
export async function connectInput(path: string): Promise<Socket> {
  const dir = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    const socket = connect(`/proc/self/fd/${dir}/${basename(path)}`);
    await once(socket, 'connect');
    return socket;
  } finally {
    closeSync(dir);
  }
}

/**
 * What the client sends, from now on, into the container's input. The client's end of input
 * (docker's CloseWrite) ends this connection, which the shim takes as the container's end of input
 * when it was created StdinOnce (docker run -i). A container that ended closes it from its side.
 */
export async function pipeInput(client: Duplex, path: string): Promise<void> {
  const input = await connectInput(path);
  input.on('error', () => client.unpipe(input)); // the container ended meanwhile
  input.on('close', () => client.unpipe(input));
  client.pipe(input);
}
