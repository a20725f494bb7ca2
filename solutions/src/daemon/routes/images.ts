// /images/...: list, inspect, remove, in docker's shapes. Names hold slashes (127.0.0.1:5000/busybox),
// so the routes take the rest of the path.
import { imageSize } from '../../commands/images.ts';
import { parseReference } from '../../images/reference.ts';
import { ImageStore, type Image } from '../../images/store.ts';
import { AUTH_VARIABLE } from '../../images/pull/auth.ts';
import { badRequest, notFound } from '../api-error.ts';
import { failureLine, runCli } from '../cli-child.ts';
import type { Engine } from '../engine.ts';
import { sendJson, type Router } from '../http.ts';

export function imageRoutes(router: Router, engine: Engine): void {
  const images = (): ImageStore => new ImageStore(engine.store.root);
  router
    // docker pull, and docker run's pull of an image it does not have: `mydocker pull` as a child
    // (cli-child.ts says why), its progress lines as docker's JSON messages.
    .add('POST', '/images/create', async (request, reply) => {
      const from = request.query.get('fromImage');
      if (!from) throw badRequest('fromImage is required: the image to pull (importing with fromSrc is not supported)');
      const tag = request.query.get('tag') ?? '';
      const name =
        tag === '' || /[:@][^/]*$/.test(from) ? from : tag.startsWith('sha256:') ? `${from}@${tag}` : `${from}:${tag}`;
      const platform = request.query.get('platform');
      const auth = registryAuth(request.incoming.headers['x-registry-auth']);
      if (reply.kind !== 'response') throw badRequest('POST /images/create is not a hijacked request');
      const { response } = reply;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const say = (message: object): void => void response.write(`${JSON.stringify(message)}\n`);
      const outcome = await runCli(['pull', ...(platform ? ['--platform', platform] : []), name], {
        ...(auth && { env: { [AUTH_VARIABLE]: auth } }),
        signal: request.signal,
        onLine: (line) => {
          if (line !== '' && !line.includes(' ') && line.includes('/')) return; // the bare name it ends with
          say({ status: line });
        },
      });
      if (outcome.exitCode !== 0) {
        const message = failureLine(outcome);
        say({ errorDetail: { message }, error: message });
      } else {
        // docker's pull event names the image as it was asked for: its Actor's ID is the reference.
        const pulled = safeName(name);
        engine.events.emit('image', 'pull', pulled, { name: pulled });
      }
      response.end();
    })
    .add('GET', '/images/json', (_request, reply) => {
      const store = images();
      sendJson(
        reply,
        200,
        store.list().map((image) => summary(image, imageSize(store, image))),
      );
    })
    .add('GET', '/images/{name*}/json', (request, reply) => {
      const store = images();
      const image = findImage(store, request.params.name!);
      sendJson(reply, 200, inspectImage(image, imageSize(store, image)));
    })
    .add('DELETE', '/images/{name*}', (request, reply) => {
      const store = images();
      const image = findImage(store, request.params.name!);
      store.remove(image.name);
      // docker's two events of a removal: the tag goes (untag), then the image (delete).
      const id = `sha256:${image.id}`;
      engine.events.emit('image', 'untag', id, { name: image.name });
      engine.events.emit('image', 'delete', id, { name: id });
      sendJson(reply, 200, [{ Untagged: image.name }, { Deleted: id }]);
    });
}

/** By name (busybox means busybox:latest), by id, or by a prefix of the id, as docker finds them. */
function findImage(store: ImageStore, given: string): Image {
  const id = given.replace(/^sha256:/, '');
  const byId = /^[0-9a-f]{4,64}$/.test(id) ? store.list().filter((image) => image.id.startsWith(id)) : [];
  if (byId.length === 1) return byId[0]!;
  let image: Image | undefined;
  try {
    image = store.find(given);
  } catch {
    image = undefined; // not a name docker's grammar takes: no such image either
  }
  if (!image) throw notFound(`No such image: ${safeName(given)}`);
  return image;
}

function safeName(given: string): string {
  try {
    return parseReference(given).name;
  } catch {
    return given;
  }
}

function summary(image: Image, size: number) {
  return {
    Id: `sha256:${image.id}`,
    ParentId: '',
    RepoTags: [image.name],
    RepoDigests: [],
    Created: Math.floor(Date.parse(image.created) / 1000),
    Size: size,
    VirtualSize: size,
    SharedSize: -1,
    Labels: null,
    Containers: -1,
  };
}

function inspectImage(image: Image, size: number) {
  return {
    Id: `sha256:${image.id}`,
    RepoTags: [image.name],
    RepoDigests: [],
    Parent: '',
    Comment: '',
    Created: image.created,
    Container: '',
    DockerVersion: '',
    Author: '',
    Config: {
      Env: image.config.env,
      Cmd: image.config.cmd,
      Entrypoint: image.config.entrypoint.length > 0 ? image.config.entrypoint : null,
      WorkingDir: image.config.workingDir,
      Labels: null,
    },
    Architecture: process.arch === 'x64' ? 'amd64' : process.arch,
    Os: 'linux',
    Size: size,
    VirtualSize: size,
    RootFS: { Type: 'layers', Layers: image.layers },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/** X-Registry-Auth: base64 of docker's AuthConfig JSON ({"username", "password"}), as USER:PASSWORD. */
function registryAuth(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  try {
    const config = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as {
      username?: string;
      password?: string;
    };
    return config.username ? `${config.username}:${config.password ?? ''}` : undefined;
  } catch {
    throw badRequest('X-Registry-Auth is not base64 of a JSON object');
  }
}
