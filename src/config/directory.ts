/**
 * Lookups by id into one loaded Config: sites, grid cells, stations, cameras and their names.
 *
 * Built once per Config (at start and on each hot reload) so that the hot path — dispatch naming an
 * incident's site and cell, the API answering one site — is a Map lookup instead of a linear search
 * of the site list. Immutable: a reload builds a new directory; RunningConfig swaps it.
 */
import type { GridCell } from '../contract/grid-cell.js';
import { RECEIVING_TIERS, type ReceivingPoint, type ReceivingTier } from '../contract/routing.js';
import type { Camera, Config, Site, Station } from './model.js';

export class ConfigDirectory {
  private readonly sites: ReadonlyMap<string, Site>;
  private readonly cells: ReadonlyMap<string, GridCell>;
  private readonly stations: ReadonlyMap<string, Station>;
  /** Keyed by site id, then camera id: camera ids are unique within a site only. */
  private readonly cameras: ReadonlyMap<string, ReadonlyMap<string, Camera>>;
  /** 119/120/122 receiving points by tier, in file order. */
  private readonly points: ReadonlyMap<ReceivingTier, readonly ReceivingPoint[]>;
  /** Each station and every station above it, walked once per config (scope.ts `audience` asks on every push). */
  private readonly ancestors: ReadonlyMap<string, readonly string[]>;
  /** Sites by the id of a camera they have, in file order (camera ids repeat across sites). */
  private readonly sitesByCamera: ReadonlyMap<string, readonly Site[]>;

  constructor(config: Pick<Config, 'sites' | 'cells' | 'stations'>) {
    // Ids are unique per kind (the loader refuses duplicates); should one slip through, the first
    // entry wins, as the linear search this replaces did.
    this.sites = firstById(config.sites);
    this.cells = firstById(config.cells);
    this.stations = firstById(config.stations);
    this.cameras = new Map([...this.sites.values()].map((s) => [s.id, firstById(s.cameras)]));
    const byCamera = new Map<string, Site[]>();
    for (const s of this.sites.values()) {
      for (const cameraId of this.cameras.get(s.id)!.keys()) byCamera.set(cameraId, [...(byCamera.get(cameraId) ?? []), s]);
    }
    this.sitesByCamera = byCamera;
    const stations = [...this.stations.values()];
    this.ancestors = new Map(stations.map((s) => [s.id, this.walkUp(s.id)]));
    this.points = new Map(
      RECEIVING_TIERS.map((tier) => [
        tier,
        stations.filter((s) => s.tier === tier).map((s) => ({ id: s.id, name: s.name, location: s.location ? [s.location[0], s.location[1]] : null })),
      ]),
    );
  }

  /** The receiving points of a tier (fire 119, medical 120, traffic 122), for routing. */
  receivingPoints(tier: ReceivingTier): readonly ReceivingPoint[] {
    return this.points.get(tier) ?? [];
  }

  /** The community post a cell names (grids.geojson `post`); null when none. */
  cellPost(cellId: string): string | null {
    return this.cells.get(cellId)?.post ?? null;
  }

  /** stations.yaml `code` (the 警情编号 prefix); null when the file gives none or the station is unknown. */
  stationCode(stationId: string): string | null {
    return this.stations.get(stationId)?.code ?? null;
  }

  site(siteId: string): Site | undefined {
    return this.sites.get(siteId);
  }

  cell(cellId: string): GridCell | undefined {
    return this.cells.get(cellId);
  }

  station(stationId: string): Station | undefined {
    return this.stations.get(stationId);
  }

  camera(siteId: string, cameraId: string): Camera | undefined {
    return this.cameras.get(siteId)?.get(cameraId);
  }

  siteName(siteId: string): string | null {
    return this.sites.get(siteId)?.name ?? null;
  }

  cellName(cellId: string): string | null {
    return this.cells.get(cellId)?.name ?? null;
  }

  stationName(stationId: string): string | null {
    return this.stations.get(stationId)?.name ?? null;
  }

  /** The next tier up (police station → city command centre); null at the top or for an unknown id. */
  stationParent(stationId: string): string | null {
    return this.stations.get(stationId)?.parent ?? null;
  }

  /**
   * The station and every station above it, nearest first (the tiers an incident there is visible
   * to); [] for an unknown id. A loop in stations.yaml (config's to report) ends the walk.
   */
  stationAncestors(stationId: string): readonly string[] {
    return this.ancestors.get(stationId) ?? [];
  }

  /** The sites that have a camera with this id, in file order ([] for none). */
  sitesWithCamera(cameraId: string): readonly Site[] {
    return this.sitesByCamera.get(cameraId) ?? [];
  }

  private walkUp(stationId: string): string[] {
    const out: string[] = [];
    let cur = this.stations.get(stationId);
    while (cur && !out.includes(cur.id)) {
      out.push(cur.id);
      cur = cur.parent ? this.stations.get(cur.parent) : undefined;
    }
    return out;
  }
}

function firstById<T extends { id: string }>(items: readonly T[]): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const item of items) if (!map.has(item.id)) map.set(item.id, item);
  return map;
}
