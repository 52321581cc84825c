import type { RejectedMessage } from '../contract/commissioning.js';
import type { Site } from '../config/model.js';
import type { HubEvents } from '../core/hub-events.js';

/** Messages kept per device (and per site for topics under the site but no device), newest first. */
export const REJECTED_PER_DEVICE = 20;
/** Devices (or sites) with a list; the oldest list goes when a new one would exceed it. */
const MAX_LISTS = 5000;
/** Payload excerpt kept, characters: enough to see a wrong format, never a whole dump. */
export const PAYLOAD_EXCERPT_CHARS = 200;

/**
 * The recent rejected messages per device, in memory (issue 15: an installer finds a wrong topic or
 * format without SSH). A rejected message names no device; it is put on the device whose topic it
 * is or lies under, else on the site whose native prefix it has (`safegrid/<site>/…`), else kept
 * under no site (admins see those). Bounded in every direction.
 */
export class RejectedLog {
  private readonly lists = new Map<string, RejectedMessage[]>();

  add(r: HubEvents['ingest:rejected'], sites: readonly Site[], nowMs: number): void {
    const owner = ownerOf(r.topic, sites);
    const entry: RejectedMessage = {
      at: new Date(nowMs).toISOString(),
      topic: r.topic.slice(0, 300),
      code: r.code,
      reason: r.reason.slice(0, 300),
      payload: (r.payload ?? '').slice(0, PAYLOAD_EXCERPT_CHARS),
      siteId: owner.siteId,
      deviceId: owner.deviceId,
    };
    const k = `${owner.siteId ?? ''}/${owner.deviceId ?? ''}`;
    const list = this.lists.get(k) ?? [];
    list.unshift(entry);
    if (list.length > REJECTED_PER_DEVICE) list.length = REJECTED_PER_DEVICE;
    this.lists.delete(k); // re-insert: the map's order is the order of last use
    this.lists.set(k, list);
    if (this.lists.size > MAX_LISTS) this.lists.delete(this.lists.keys().next().value!);
  }

  /** A site's rejected messages (its devices' and its own), newest first. */
  forSite(siteId: string): RejectedMessage[] {
    const out: RejectedMessage[] = [];
    for (const list of this.lists.values()) for (const m of list) if (m.siteId === siteId) out.push(m);
    return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }

  /** Messages no site could be found for (an admin's view). */
  unowned(): RejectedMessage[] {
    return [...(this.lists.get('/') ?? [])];
  }
}

function ownerOf(topic: string, sites: readonly Site[]): { siteId: string | null; deviceId: string | null } {
  for (const s of sites) {
    for (const d of s.devices) if (topic === d.topic || topic.startsWith(`${d.topic}/`)) return { siteId: s.id, deviceId: d.id };
  }
  for (const s of sites) if (topic.startsWith(`safegrid/${s.id}/`)) return { siteId: s.id, deviceId: null };
  return { siteId: null, deviceId: null };
}
