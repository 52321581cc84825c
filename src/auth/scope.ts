/**
 * Who sees what (DESIGN.md "Domain", "Security"). Pure: the principal and the station tree and
 * sites in, a Scope out. Used by REST lists and reads, the socket snapshot and live pushes, and
 * commands, so every path answers the same question the same way.
 *
 * - admin and installer: every site (installers never get incidents or events — that is a role
 *   capability, roles.ts — but see the whole installation).
 * - operator: the sites routed to their station or a station below it; a city-tier station sees all.
 * - guard: the sites of their guard group.
 *
 * Incidents and events are scoped by the station they were routed to when they happened (what the
 * store indexes), and for guards by their site's guard group. An incident is also seen by the
 * receiving point it was routed to (119/120/122) and by its cell's community post (issue 12).
 */
import type { Site, Station } from '../config/model.js';
import type { Role } from './roles.js';

export interface Principal {
  username: string;
  role: Role;
  /** Operators: their station. */
  stationId: string | null;
  /** Guards: their guard group. */
  guardGroup: string | null;
}

export interface ScopeInput {
  stations: readonly Pick<Station, 'id' | 'parent' | 'tier'>[];
  sites: readonly Pick<Site, 'id' | 'stationId' | 'guardGroup'>[];
}

/** Something routed to a station at a site: an incident, an event, a device status. */
export interface Scoped {
  siteId: string;
  stationId?: string | null;
  /** Incidents: where it was routed (a 119/120/122 receiving point) or escalated to. */
  responsibleStationId?: string | null;
  /** Incidents: the cell's community post (社区警务室), which sees it too. */
  communityPostId?: string | null;
}

/** The stations beside the cell's station that an incident was sent to: its receiving point and its post. */
function alsoRoutedTo(item: Scoped): string[] {
  const out: string[] = [];
  if (item.responsibleStationId) out.push(item.responsibleStationId);
  if (item.communityPostId) out.push(item.communityPostId);
  return out;
}

export interface Scope {
  /** Sees everything (admin, installer, a city-tier operator). */
  readonly all: boolean;
  /** Station ids seen (null when all, or for a guard). */
  readonly stationIds: ReadonlySet<string> | null;
  /** Site ids seen (null when all). */
  readonly siteIds: ReadonlySet<string> | null;
  /** The Socket.IO room this principal's sockets join; pushes go to audience() rooms. */
  readonly room: string;
  seesSite(siteId: string): boolean;
  seesStation(stationId: string | null): boolean;
  sees(item: Scoped): boolean;
}

export const ROOM_ALL = 'scope:all';
export const stationRoom = (id: string): string => `scope:station:${id}`;
export const groupRoom = (group: string): string => `scope:group:${group}`;
/** A principal bound to nothing that exists sees nothing; its sockets sit in a room nobody emits to. */
const ROOM_NONE = 'scope:none';

/** The station and every station below it. */
export function descendants(stations: ScopeInput['stations'], rootId: string): Set<string> {
  const children = new Map<string, string[]>();
  for (const s of stations) {
    if (s.parent) children.set(s.parent, [...(children.get(s.parent) ?? []), s.id]);
  }
  const out = new Set<string>();
  const walk = (id: string): void => {
    if (out.has(id)) return; // a loop in stations.yaml is config's to report; do not spin here
    out.add(id);
    for (const c of children.get(id) ?? []) walk(c);
  };
  if (stations.some((s) => s.id === rootId)) walk(rootId);
  return out;
}

/** The station and every station above it (the tiers an incident there is visible to). */
export function ancestors(stations: ScopeInput['stations'], id: string): string[] {
  const byId = new Map(stations.map((s) => [s.id, s]));
  const out: string[] = [];
  let cur = byId.get(id);
  while (cur && !out.includes(cur.id)) {
    out.push(cur.id);
    cur = cur.parent ? byId.get(cur.parent) : undefined;
  }
  return out;
}

export function scopeFor(p: Principal, input: ScopeInput): Scope {
  if (p.role === 'admin' || p.role === 'installer') return everything();
  if (p.role === 'operator') {
    const station = p.stationId ? input.stations.find((s) => s.id === p.stationId) : undefined;
    if (!station) return nothing();
    if (station.tier === 'city') return everything();
    const stationIds = descendants(input.stations, station.id);
    const siteIds = new Set(input.sites.filter((s) => s.stationId !== null && stationIds.has(s.stationId)).map((s) => s.id));
    return {
      all: false,
      stationIds,
      siteIds,
      room: stationRoom(station.id),
      seesSite: (id) => siteIds.has(id),
      seesStation: (id) => id !== null && stationIds.has(id),
      // Routed here when it happened; a site moved since keeps its history where it was handled. An
      // incident is also seen where it was sent (a 119 point) and by the cell's community post.
      sees: (item) =>
        alsoRoutedTo(item).some((id) => stationIds.has(id)) ||
        (item.stationId !== undefined ? item.stationId !== null && stationIds.has(item.stationId) : siteIds.has(item.siteId)),
    };
  }
  // guard
  if (!p.guardGroup) return nothing();
  const group = p.guardGroup;
  const siteIds = new Set(input.sites.filter((s) => s.guardGroup === group).map((s) => s.id));
  return {
    all: false,
    stationIds: null,
    siteIds,
    room: groupRoom(group),
    seesSite: (id) => siteIds.has(id),
    seesStation: () => false,
    sees: (item) => siteIds.has(item.siteId),
  };
}

function everything(): Scope {
  return { all: true, stationIds: null, siteIds: null, room: ROOM_ALL, seesSite: () => true, seesStation: () => true, sees: () => true };
}

function nothing(): Scope {
  return {
    all: false,
    stationIds: new Set(),
    siteIds: new Set(),
    room: ROOM_NONE,
    seesSite: () => false,
    seesStation: () => false,
    sees: () => false,
  };
}

/**
 * What `audience` looks up on every push, as Maps built once per config: src/config/directory.ts
 * (ConfigDirectory) answers both from the running config; `audienceLookup` builds one from a
 * ScopeInput.
 */
export interface AudienceLookup {
  site(siteId: string): Pick<Site, 'stationId' | 'guardGroup'> | undefined;
  /** The station and every station above it; [] for an unknown id. */
  stationAncestors(stationId: string): readonly string[];
}

/** An AudienceLookup over a station tree and sites given as lists (the ancestors walked once per station). */
export function audienceLookup(input: ScopeInput): AudienceLookup {
  const sites = new Map<string, ScopeInput['sites'][number]>();
  for (const s of input.sites) if (!sites.has(s.id)) sites.set(s.id, s);
  const up = new Map(input.stations.map((s) => [s.id, ancestors(input.stations, s.id)]));
  return { site: (id) => sites.get(id), stationAncestors: (id) => up.get(id) ?? [] };
}

/**
 * The rooms that may receive an item: everyone-seers, the stations on the path from its station to
 * the top, and its site's guard group. The unit test checks this agrees with Scope.sees for every
 * principal, so a push never reaches a socket whose REST reads would 404. Map lookups only: it
 * runs on every push (api/socket/fan-out.ts).
 */
export function audience(item: Scoped, lookup: AudienceLookup): string[] {
  const rooms = [ROOM_ALL];
  const site = lookup.site(item.siteId);
  const stationId = item.stationId !== undefined ? item.stationId : (site?.stationId ?? null);
  const stations = new Set<string>();
  for (const id of [stationId, ...alsoRoutedTo(item)]) if (id) for (const s of lookup.stationAncestors(id)) stations.add(s);
  for (const s of stations) rooms.push(stationRoom(s));
  if (site?.guardGroup) rooms.push(groupRoom(site.guardGroup));
  return rooms;
}
