// What happened to containers, images and networks, for GET /events (docker events): each event is
// one JSON line in docker's shape (moby's api/types/events.Message), kept in a ring of the last
// RING_LIMIT for a client's `since` to replay, and sent to every client that listens now. An event is
// serialized once, when it happens: every listener writes the same line.
import type { NetworkConfig } from '../network/types.ts';

/**
 * How many recent events are kept for `since` (docker keeps 256): a container's are about 330 bytes
 * each, so about 350 KiB in all; an exec's carries its command, which a body may make up to 1 MiB.
 */
export const RING_LIMIT = 1024;

export type EventType = 'container' | 'image' | 'network';

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

/** docker's events.Message; status, id and from are its legacy fields, for containers and images. */
export interface EventMessage {
  status?: string;
  id?: string;
  from?: string;
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: 'local';
  time: number;
  /** Nanoseconds since the epoch: more than a double holds exactly, so a bigint, written as digits. */
  timeNano: bigint;
}

/** An event with its line, made once. */
export interface LoggedEvent {
  message: EventMessage;
  line: string;
}

export type Listener = (event: LoggedEvent) => void;

/** What a container's events say of it: docker's Actor for a container is its id, name and image. */
export interface ContainerActor {
  id: string;
  name?: string;
  image: string;
  /** The start of its run, when it ran: what tells one end of it from the next. */
  startedAt?: string;
}

export class EventLog {
  private readonly ring: LoggedEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly limit: number;
  private readonly clock: () => bigint;

  constructor(limit = RING_LIMIT, clock: () => bigint = nowNanoseconds) {
    this.limit = limit;
    this.clock = clock;
  }

  emit(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): LoggedEvent {
    const timeNano = this.clock();
    const message: EventMessage = {
      // moby's events.Log fills the legacy fields for containers and images only.
      ...(type !== 'network' && { status: action, id }),
      ...(type === 'container' && { from: attributes.image ?? '' }),
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(timeNano / 1_000_000_000n),
      timeNano,
    };
    const event = { message, line: lineOf(message) };
    this.ring.push(event);
    if (this.ring.length > this.limit) this.ring.shift();
    for (const listener of this.listeners) listener(event);
    return event;
  }

  /** A container's event: its name and image as attributes, then `extra` (exitCode, signal, execID). */
  container(action: string, container: ContainerActor, extra: Record<string, string> = {}): LoggedEvent {
    const attributes: Record<string, string> = { image: container.image };
    if (container.name !== undefined) attributes.name = container.name;
    return this.emit('container', action, container.id, { ...attributes, ...extra });
  }

  /**
   * A container's joining (`connect`) or leaving (`disconnect`) of its bridge network, as dockerd
   * says them: the network's id as the actor, the container's id, the network's name and driver.
   * A container of another mode (none, host, container:X) joins none.
   */
  networkOf(action: 'connect' | 'disconnect', container: { id: string; network?: NetworkConfig }): void {
    const endpoint = container.network?.mode === 'bridge' ? container.network.endpoint : undefined;
    if (endpoint)
      this.emit('network', action, endpoint.networkId, {
        container: container.id,
        name: endpoint.network,
        type: 'bridge',
      });
  }

  /**
   * The kept events from `since` (up to `until`, when given) and a listener for the ones to come,
   * both at once, so that no event falls between them. moby's rule: nothing is replayed without
   * `since` or `until`; with `until` alone, everything kept up to it.
   */
  subscribe(listener: Listener, since?: bigint, until?: bigint): { replay: LoggedEvent[]; unsubscribe(): void } {
    const replay =
      since === undefined && until === undefined
        ? []
        : this.ring.filter(
            (event) =>
              (since === undefined || event.message.timeNano >= since) &&
              (until === undefined || event.message.timeNano <= until),
          );
    this.listeners.add(listener);
    return { replay, unsubscribe: () => this.listeners.delete(listener) };
  }

  get size(): number {
    return this.ring.length;
  }

  get listening(): number {
    return this.listeners.size;
  }
}

/** The JSON line, timeNano as its exact digits (JSON.stringify cannot write a bigint). */
function lineOf(message: EventMessage): string {
  const { timeNano, ...rest } = message;
  return `${JSON.stringify(rest).slice(0, -1)},"timeNano":${timeNano}}\n`;
}

/**
 * The wall clock in nanoseconds, to its millisecond: Date.now() is the clock a client's `since` is
 * read on (performance.timeOrigin drifts from it when the clock is set), and a fraction made up below
 * it could put an event after a `since` taken later. Events of one millisecond keep their order in
 * the ring.
 */
function nowNanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
