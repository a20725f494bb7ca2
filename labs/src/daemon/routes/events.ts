// GET /events (docker events): a stream of JSON lines, one per event, with docker's `since`, `until`
// and `filters` (event-filters.ts); event-stream.ts says how a slow client is served.
import { parseEventFilters, parseEventWindow } from '../event-filters.ts';
import { streamEvents } from '../event-stream.ts';
import type { Engine } from '../engine.ts';
import { badRequest } from '../api-error.ts';
import type { Router } from '../http.ts';

export function eventRoutes(router: Router, engine: Engine): void {
  router.add('GET', '/events', async (request, reply) => {
    if (reply.kind !== 'response') throw badRequest('GET /events is not a hijacked request');
    // Bad times and filters are a 400 before the stream's headers.
    const window = parseEventWindow(request.query);
    const filters = parseEventFilters(request.query.get('filters'));
    const { response } = reply;
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.flushHeaders();
    const end = await streamEvents(engine.events, response, { ...window, filters, signal: request.signal });
    if (end === 'done') response.end();
  });
}
