/**
 * What the installer page (`/installer`) reads from GET /api/commissioning, and pure helpers for
 * it (no DOM): the shapes come from src/contract/commissioning.ts plus the per-device facts the
 * route adds (last message, battery, signal, supervision).
 */
import type { CommissioningState, CommissioningStatus, RejectedMessage, SiteCommissioning, WalkTest } from '../../src/contract/commissioning.js';

export interface InstallerDevice extends CommissioningStatus {
  lastSeenAt: string | null;
  availability: 'online' | 'offline' | null;
  battery: number | null;
  signal: number | null;
  supervision: { offline: boolean; testMissed: boolean };
}

/** A config problem worded as `safegrid check` says it, in both languages. */
export interface WordedProblem {
  code: string;
  severity: string;
  file: string;
  line: number | null;
  en: string;
  zh: string;
}

export interface DivertedEvent {
  id: string;
  deviceId: string;
  kind: string;
  zone: number | null;
  zoneName: string | null;
  receivedAt: string;
  destination: 'walk_test' | 'maintenance';
}

export interface InstallerSite extends Omit<SiteCommissioning, 'devices'> {
  devices: InstallerDevice[];
  problems: WordedProblem[];
  rejected: RejectedMessage[];
  diverted: DivertedEvent[];
}

export interface InstallerAnswer {
  sites: InstallerSite[];
  /** Problems of files that hold no loaded site (admins). */
  problems: WordedProblem[];
  rejected: RejectedMessage[];
}

export const STATE_KEY = {
  pending_install: 'instPending',
  in_service: 'instInService',
  maintenance: 'instMaintenance',
} as const satisfies Record<CommissioningState, string>;

/** "3 / 4" of a checklist. */
export function seenCount(t: Pick<WalkTest, 'zones'>): { seen: number; total: number } {
  return { seen: t.zones.filter((z) => z.seen).length, total: t.zones.length };
}

/** Seconds left of a running test at `nowMs` (never negative). */
export function secondsLeft(t: Pick<WalkTest, 'endsAt'>, nowMs: number): number {
  return Math.max(0, Math.round((Date.parse(t.endsAt) - nowMs) / 1000));
}
