/**
 * The open incidents a console's queue shows. One hub: its memory holds them all. Replica mode
 * (issue 18): each replica holds only the sites it owns, so the others' come from the store, which
 * their owners write through; their later changes reach the console as pushes over the Socket.IO
 * Redis adapter, and the page keeps the newest version of each (web/src/incidents.ts).
 */
import type { Incident } from '../contract/incident.js';
import { queueOrder } from '../contract/workflow.js';
import { normalise } from '../dispatch/correlate.js';
import type { ApiContext } from './context.js';

/** Synchronous for one hub (the socket's snapshot-then-join relies on it); a promise in replica mode. */
export function openIncidents(ctx: ApiContext, filter?: (i: Incident) => boolean): Incident[] | Promise<Incident[]> {
  const role = ctx.role;
  if (!role?.replicated) return ctx.incidents.snapshot(filter);
  return ctx.store.incidents.open().then((stored) => {
    // Ours from memory (the newest version, maybe not written yet), the others' from the store.
    const ours = ctx.incidents.snapshot((i) => role.owns(i.siteId) && (!filter || filter(i)));
    const theirs = stored.map(normalise).filter((i) => !role.owns(i.siteId) && (!filter || filter(i)));
    return [...ours, ...theirs].sort(queueOrder);
  });
}

/**
 * How long a replica looks for an incident it does not hold before answering that there is none:
 * the owner pushes a new incident at once but writes it up to DERIVED_WRITE_DELAY_MS (500 ms)
 * later, and a console may act on the push within that time.
 */
export const NOT_YET_WRITTEN_MS = 1_500;
const LOOK_AGAIN_MS = 100;

/** One incident; in replica mode a miss is read again until the owner's held write has landed. */
export async function findIncident(ctx: ApiContext, id: string): Promise<Incident | undefined> {
  const found = await ctx.incidents.get(id);
  if (found || !ctx.role?.replicated) return found;
  const until = Date.now() + NOT_YET_WRITTEN_MS;
  while (Date.now() < until) {
    await new Promise((ok) => setTimeout(ok, LOOK_AGAIN_MS));
    const later = await ctx.incidents.get(id);
    if (later) return later;
  }
  return undefined;
}
