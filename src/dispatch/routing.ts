/**
 * Routing by category as a pure function: where a new incident is sent and why. Police and
 * technical matters go to the grid cell's station (派出所); fire to the 119 receiving point, medical
 * to 120 and traffic to 122 (stations.yaml tiers `fire`, `medical`, `traffic`), the nearest to the
 * incident when several are configured; with none configured they stay with the cell's station and
 * the timeline says so. The cell's community post (社区警务室, grids.geojson `post`) sees the incident
 * beside whoever received it.
 */
import type { Category, LatLng } from '../contract/alarm-event.js';
import type { TimelineEntry } from '../contract/incident.js';
import { RECEIVING_PHONE, type ReceivingPoint, type ReceivingTier } from '../contract/routing.js';

export type { ReceivingPoint, ReceivingTier } from '../contract/routing.js';

/** Which tier receives a category; police and technical: none (the cell's station). */
export const TIER_OF: Partial<Record<Category, ReceivingTier>> = { fire: 'fire', medical: 'medical', traffic: 'traffic' };

/** What routing asks of the configuration (ConfigDirectory answers it). */
export interface RoutingDirectory {
  /** The receiving points of a tier, in stations.yaml order. */
  receivingPoints(tier: ReceivingTier): readonly ReceivingPoint[];
  /** The community post a grid cell names; null when it names none. */
  cellPost(cellId: string): string | null;
}

export interface RouteInput {
  category: Category;
  /** The grid cell's station (the event's stationId); null outside every cell. */
  cellStationId: string | null;
  gridCellId: string | null;
  location: LatLng;
  at: string;
}

export interface Route {
  /** Where the incident was sent: `responsibleStationId`. */
  stationId: string | null;
  communityPostId: string | null;
  /** The `route` timeline entry that says where and why. */
  entry: TimelineEntry;
}

/** Routes a new incident. Without a directory (tests, older callers) everything stays with the cell's station. */
export function routeIncident(r: RouteInput, dir?: RoutingDirectory): Route {
  const communityPostId = r.gridCellId && dir ? dir.cellPost(r.gridCellId) : null;
  const entry = (code: string, params: Record<string, string | number | null>, text: string): TimelineEntry => ({
    at: r.at,
    type: 'route',
    by: 'hub',
    code,
    params,
    text,
  });
  const tier = TIER_OF[r.category];
  if (tier) {
    const service = { tier, phone: RECEIVING_PHONE[tier] };
    const point = nearest(dir?.receivingPoints(service.tier) ?? [], r.location);
    if (point) {
      const km = point.location ? Math.round(distanceKm(point.location, r.location) * 10) / 10 : null;
      return {
        stationId: point.id,
        communityPostId,
        entry: entry(
          'route.receiving_point',
          { service: service.phone, station: point.id, stationName: point.name, km },
          `已推送${service.phone}接警点 ${point.name} routed to the ${service.phone} receiving point ${point.id}`,
        ),
      };
    }
    return {
      stationId: r.cellStationId,
      communityPostId,
      entry: entry(
        'route.no_receiving_point',
        { service: service.phone, station: r.cellStationId },
        `未配置${service.phone}接警点，由辖区派出所处理 no ${service.phone} receiving point configured; kept by ${r.cellStationId ?? 'no station'}`,
      ),
    };
  }
  if (!r.cellStationId) {
    return { stationId: null, communityPostId, entry: entry('route.no_cell', {}, '不在任何网格内，无辖区派出所 outside every grid cell: no station') };
  }
  return {
    stationId: r.cellStationId,
    communityPostId,
    entry: entry('route.cell_station', { station: r.cellStationId }, `辖区派出所 ${r.cellStationId} the cell's station`),
  };
}

/** The point nearest to `at`; points without a location only when none has one; ties keep file order. */
export function nearest(points: readonly ReceivingPoint[], at: LatLng): ReceivingPoint | null {
  let best: ReceivingPoint | null = null;
  let bestKm = Number.POSITIVE_INFINITY;
  for (const p of points) {
    const km = p.location ? distanceKm(p.location, at) : Number.MAX_VALUE;
    if (best === null || km < bestKm) {
      best = p;
      bestKm = km;
    }
  }
  return best;
}

/** Great-circle distance (haversine), km; plenty for choosing between receiving points of one city. */
export function distanceKm(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLng = (b[1] - a[1]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}
