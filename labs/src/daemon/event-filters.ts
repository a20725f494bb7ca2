// GET /events's query as docker reads it: `since` and `until` (docker's timestamps), and `filters`
// (docker's JSON filters), matched against an event as moby's daemon/events/filter.go matches them.
// Bad input is docker's 400, with a message that names it.
import { parseSince } from '../format/duration.ts';
import { badRequest } from './api-error.ts';
import type { EventMessage } from './events.ts';

/** A filter's key and the values given for it: values of one key are alternatives, keys all apply. */
export type EventFilters = Map<string, string[]>;

/** The keys docker's events take; those naming something this daemon has not (volume, ...) match by id or name. */
const NAME_KEYS = ['container', 'network', 'volume', 'plugin', 'node', 'service', 'secret', 'config', 'daemon'];
const KEYS = new Set([...NAME_KEYS, 'type', 'event', 'image', 'label', 'scope']);
const TYPES = new Set([
  'container',
  'image',
  'network',
  'volume',
  'plugin',
  'daemon',
  'service',
  'node',
  'secret',
  'config',
]);
/** Actions docker matches by prefix, for they carry the command after them ("exec_start: sh -c ..."). */
const PREFIX_ACTIONS = new Set(['exec_create', 'exec_start', 'health_status']);

/**
 * docker's filters JSON: {"key": {"value": true}} (its Args), or the older {"key": ["value"]}.
 * Absent or empty: no filter.
 */
export function parseEventFilters(text: string | null): EventFilters {
  const filters: EventFilters = new Map();
  if (text === null || text.trim() === '') return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest(`invalid filter: the filters are not JSON: ${text}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badRequest('invalid filter: the filters must be a JSON object ({"type": {"container": true}})');
  for (const [key, given] of Object.entries(parsed as Record<string, unknown>)) {
    if (!KEYS.has(key)) throw badRequest(`invalid filter '${key}'`);
    const values = Array.isArray(given)
      ? given
      : typeof given === 'object' && given !== null
        ? Object.keys(given).filter((value) => (given as Record<string, unknown>)[value] === true)
        : undefined;
    if (!values || !values.every((value) => typeof value === 'string'))
      throw badRequest(`invalid filter '${key}': its values must be {"value": true} or a list of strings`);
    for (const value of values as string[])
      if (key === 'type' && !TYPES.has(value)) throw badRequest(`invalid filter 'type=${value}': no such event type`);
    filters.set(key, values as string[]);
  }
  return filters;
}

/** moby's Filter.Include: every key given must match; with none, every event does. */
export function matchesFilters(filters: EventFilters, event: EventMessage): boolean {
  for (const [key, values] of filters) {
    if (values.length === 0) continue;
    if (!matchesKey(key, values, event)) return false;
  }
  return true;
}

function matchesKey(key: string, values: string[], event: EventMessage): boolean {
  const { ID: id, Attributes: attributes } = event.Actor;
  switch (key) {
    case 'type':
      return values.includes(event.Type);
    case 'scope':
      return values.includes(event.scope);
    case 'event': {
      // docker: one of exec_create, exec_start, health_status among the values makes all of them prefixes.
      const byPrefix = values.some((value) => PREFIX_ACTIONS.has(value));
      return values.some((value) => (byPrefix ? event.Action.startsWith(value) : event.Action === value));
    }
    case 'image': {
      // The image of a container's event, the name of an image's own; with or without its tag.
      const name = (event.Type === 'image' ? attributes.name : attributes.image) ?? '';
      const candidates = [id, name, withoutTag(id), withoutTag(name)];
      return values.some((value) => candidates.includes(value));
    }
    case 'label':
      return values.every((value) => {
        const [label, wanted] = splitOnce(value, '=');
        return wanted === undefined ? label in attributes : attributes[label] === wanted;
      });
    case 'daemon':
      return false; // this daemon sends no events of its own (docker's "daemon" type)
    default:
      // A name key (container, network, ...): docker's fuzzy match, a prefix of the id or of the name,
      // whatever the event's type (so container=web leaves out an image's events).
      return values.some((value) => id.startsWith(value) || (attributes.name ?? '').startsWith(value));
  }
}

/** busybox:latest is busybox; a registry's port (127.0.0.1:5000/bb) is no tag. */
function withoutTag(name: string): string {
  const at = name.indexOf('@');
  const plain = at === -1 ? name : name.slice(0, at);
  const colon = plain.lastIndexOf(':');
  return colon > plain.lastIndexOf('/') ? plain.slice(0, colon) : plain;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/**
 * `since` or `until` as docker's CLI sends them (Unix seconds with nine fraction digits), or as a
 * person may write them (an RFC 3339 time, a date, a Go duration before now: "10m"): nanoseconds since
 * the epoch, undefined when absent.
 */
export function parseEventTime(name: 'since' | 'until', text: string | null, nowMs = Date.now()): bigint | undefined {
  if (text === null || text === '') return undefined;
  const nanoseconds = parseSince(text, nowMs);
  if (nanoseconds === undefined)
    throw badRequest(
      `invalid value for ${name}: "${text}" (Unix seconds, an RFC 3339 time or a duration before now, as 10m)`,
    );
  return nanoseconds;
}

/** Both times, and docker's 400 when `since` is after `until`. */
export function parseEventWindow(query: URLSearchParams, nowMs = Date.now()): { since?: bigint; until?: bigint } {
  const since = parseEventTime('since', query.get('since'), nowMs);
  const until = parseEventTime('until', query.get('until'), nowMs);
  if (since !== undefined && until !== undefined && since > until)
    throw badRequest(`\`since\` time (${query.get('since')}) cannot be after \`until\` time (${query.get('until')})`);
  return { ...(since !== undefined && { since }), ...(until !== undefined && { until }) };
}
