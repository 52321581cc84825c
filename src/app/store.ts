/** Storage: the SQLite database of hub.yaml `storage.path` (or the caller's). */
import { openStore, type Store } from '../store/index.js';
import type { HubContext } from './context.js';

export function openHubStore(ctx: HubContext): Store {
  const store = openStore(ctx.running.config.hub.storage.path);
  ctx.metrics.gauge('sg_events_total', 'Events in storage', () => store.events.count());
  return store;
}
