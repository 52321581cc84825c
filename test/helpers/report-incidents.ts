/**
 * Incidents with known times and outcomes, for the reports' table tests: written through the
 * store's repository exactly as dispatch writes them, so the reports read what a hub would hold.
 */
import type { Config } from '../../src/config/model.js';
import type { Category, EventKind } from '../../src/contract/alarm-event.js';
import { type Disposition, type Incident, workflowDefaults } from '../../src/contract/incident.js';

export interface IncidentSpec {
  id: string;
  siteId: string;
  siteName?: string;
  stationId: string | null;
  cellId: string | null;
  /** ISO with offset, e.g. `2026-11-10T23:59:59+08:00`. */
  openedAt: string;
  /** Seconds after opening it closed; null: still open. */
  closedAfter?: number | null;
  disposition?: Disposition | null;
  nature?: string | null;
  kind?: EventKind;
  category?: Category;
  owner?: string | null;
  /** Dispatched this many seconds after opening, by this unit. */
  dispatchedAfter?: number | null;
  unitId?: string;
  ackSeconds?: number | null;
  onSceneSeconds?: number | null;
  eventCount?: number;
  location?: [number, number];
  drill?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function reportIncident(s: IncidentSpec): Incident {
  const opened = Date.parse(s.openedAt);
  const closedMs = s.closedAfter === undefined || s.closedAfter === null ? null : opened + s.closedAfter * 1000;
  const dispatchedMs = s.dispatchedAfter === undefined || s.dispatchedAfter === null ? null : opened + s.dispatchedAfter * 1000;
  const defaults = workflowDefaults();
  const incident: Incident = {
    id: s.id,
    version: 1,
    siteId: s.siteId,
    siteName: s.siteName ?? s.siteId,
    kind: s.kind ?? 'intrusion',
    category: s.category ?? 'police',
    priority: 2,
    priorityReason: 'test',
    priorityReasonZh: '测试',
    status: closedMs === null ? 'new' : 'closed',
    disposition: closedMs === null ? null : (s.disposition ?? 'real'),
    owner: s.owner ?? null,
    location: s.location ?? [26.595, 104.835],
    gridCellId: s.cellId,
    gridCellName: s.cellId,
    stationId: s.stationId,
    responsibleStationId: s.stationId,
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [1],
    eventCount: s.eventCount ?? 1,
    openedAt: iso(opened),
    updatedAt: iso(closedMs ?? opened),
    lastEventAt: iso(opened),
    closedAt: closedMs === null ? null : iso(closedMs),
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...defaults,
    nature: s.nature ?? null,
    unit: dispatchedMs === null ? null : { id: s.unitId ?? 'unit-1', name: '巡逻车', kind: 'patrol_car', stationId: s.stationId ?? '', officers: [] },
    times: {
      ...defaults.times,
      acknowledgedAt: s.ackSeconds == null ? null : iso(opened + s.ackSeconds * 1000),
      dispatchedAt: dispatchedMs === null ? null : iso(dispatchedMs),
      ackSeconds: s.ackSeconds ?? null,
      dispatchSeconds: dispatchedMs === null || s.ackSeconds == null ? null : s.dispatchedAfter! - s.ackSeconds,
      onSceneSeconds: s.onSceneSeconds ?? null,
      totalSeconds: closedMs === null ? null : s.closedAfter!,
    },
  };
  // The drill flag (issue 15) rides in the stored document; the reports read it from there.
  return (s.drill ? { ...incident, drill: true } : incident) as Incident;
}

const NATURES = [
  { code: 'criminal', zh: '刑事', en: 'criminal' },
  { code: 'public_order', zh: '治安', en: 'public order' },
];

/** A hand-built config of three stations and three cells (the reports read stations, cells, triage and reports). */
export const REPORT_CONFIG = {
  dir: '.',
  devicesDir: 'devices',
  hub: {
    triage: { timezone: 'Asia/Shanghai', natures: NATURES },
    reports: { dailyAtMinute: 480, ackWithinSeconds: 30, onSceneWithinSeconds: [300, 600], bulletinAdvice: 'none.yaml', notifyChannels: [] },
  },
  stations: [
    { id: 'city-110', name: '市局110指挥中心', tier: 'city', parent: null },
    { id: 'ps-hecheng', name: '荷城派出所', tier: 'station', parent: 'city-110' },
    { id: 'ps-minghu', name: '明湖派出所', tier: 'station', parent: 'city-110' },
  ],
  cells: [
    { id: 'cell-sw', name: '荷城第1网格', community: '荷城街道', station: 'ps-hecheng', post: null, leader: null, phone: null, polygons: [] },
    { id: 'cell-se', name: '荷城第2网格', community: '荷城街道', station: 'ps-hecheng', post: null, leader: null, phone: null, polygons: [] },
    { id: 'cell-nw', name: '明湖第1网格', community: '明湖社区', station: 'ps-minghu', post: null, leader: null, phone: null, polygons: [] },
  ],
  sites: [],
} as unknown as Config;
