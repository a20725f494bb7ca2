// /containers/{id}/exec and /exec/{id}/...: docker's exec instances (exec-sessions.ts).
import { badRequest, conflict } from '../api-error.ts';
import type { Engine } from '../engine.ts';
import { execOptionsOfBody, type ExecSessions } from '../exec-sessions.ts';
import { sendEmpty, sendJson, type Router } from '../http.ts';
import { windowSizeOf } from '../terminal-size.ts';

/** docker's content type for an exec's stream, in API 1.41 (framed or not). */
const RAW_STREAM = 'application/vnd.docker.raw-stream';

export function execRoutes(router: Router, engine: Engine, sessions: ExecSessions): void {
  router
    .add('POST', '/containers/{id}/exec', async (request, reply) => {
      const container = engine.state(request.params.id!);
      if (container.status !== 'running') throw conflict(`Container ${container.id} is not running`);
      const { options, attach } = execOptionsOfBody(container.id, await request.json());
      const session = sessions.create(container.id, options, attach);
      engine.events.container(`exec_create: ${options.command.join(' ')}`, container, { execID: session.id });
      sendJson(reply, 201, { Id: session.id });
    })
    .add('POST', '/exec/{id}/start', async (request, reply) => {
      const session = sessions.get(request.params.id!);
      const body = (await request.json()) as { Detach?: boolean } | undefined;
      const plan = sessions.prepare(session);
      // docker's exec events: exec_start with the command, exec_die with its exit code.
      const container = engine.state(session.containerId);
      const started = (run: Promise<number>): Promise<number> => {
        const execID = { execID: session.id };
        engine.events.container(`exec_start: ${session.options.command.join(' ')}`, container, execID);
        return run.then((code) => {
          engine.events.container('exec_die', container, { ...execID, exitCode: String(code) });
          return code;
        });
      };
      if (body?.Detach) {
        void started(sessions.start(session, plan, undefined));
        sendEmpty(reply, 200);
        return;
      }
      if (reply.kind !== 'hijacked')
        throw badRequest("an exec's stream needs the connection taken over: send Connection: Upgrade, Upgrade: tcp");
      const { socket } = reply;
      socket.write(
        `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${RAW_STREAM}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
      );
      await started(sessions.start(session, plan, socket));
      socket.end();
    })
    .add('GET', '/exec/{id}/json', (request, reply) => {
      const session = sessions.get(request.params.id!);
      const [entrypoint = '', ...args] = session.options.command;
      sendJson(reply, 200, {
        ID: session.id,
        Running: session.running,
        ExitCode: session.exitCode,
        ProcessConfig: { tty: session.options.tty, entrypoint, arguments: args, privileged: false, user: '' },
        OpenStdin: session.attach.stdin,
        OpenStdout: session.attach.stdout,
        OpenStderr: session.attach.stderr,
        CanRemove: false,
        ContainerID: session.containerId,
        DetachKeys: '',
        Pid: session.pid,
      });
    })
    .add('POST', '/exec/{id}/resize', async (request, reply) => {
      const session = sessions.get(request.params.id!);
      await sessions.resize(session, windowSizeOf(request.query));
      sendEmpty(reply, 200);
    });
}
