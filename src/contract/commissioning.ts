/**
 * Commissioning (issue 15): the states a site or device goes through on its way into service, the
 * walk test (步测) and its checklist, and the commands that drive them. Shared with the installer
 * page and the console's status board (web/ imports only src/contract/).
 */
import { z } from 'zod';

/** 待安装 · 在用 · 维护 (DESIGN "Device states"). */
export const COMMISSIONING_STATES = ['pending_install', 'in_service', 'maintenance'] as const;
export type CommissioningState = (typeof COMMISSIONING_STATES)[number];

/**
 * Where a stored event goes after it is committed: the 110 queue, a running walk test's checklist,
 * or nowhere but the record (maintenance). Stored with the event (`events.destination`, migration
 * 012), so a restart does not feed a diverted event to the queue.
 */
export const EVENT_DESTINATIONS = ['queue', 'walk_test', 'maintenance'] as const;
export type EventDestination = (typeof EVENT_DESTINATIONS)[number];

/** One expected zone of a walk test: seen or not, and what was seen. */
export interface WalkTestZone {
  zone: number;
  name: string;
  /** The device that first reported the zone during the test; null while not seen. */
  deviceId: string | null;
  seen: boolean;
  /** When first seen (ISO); null while not seen. */
  seenAt: string | null;
  kind: string | null;
  /** Signal strength the device reported (zigbee `linkquality`, `rssi`…), if any. */
  signal: number | null;
  /** Battery percent the device reported, if any. */
  battery: number | null;
}

export type WalkTestTrigger = 'installer' | 'panel';

/** A walk test, running or ended: the 验收记录 once ended. */
export interface WalkTest {
  id: string;
  siteId: string;
  startedAt: string;
  /** When it ends by itself (ISO). */
  endsAt: string;
  /** When it ended (ISO); null while running. */
  endedAt: string | null;
  startedBy: string;
  /** Who ended it early; `hub` when it ran out; null while running. */
  endedBy: string | null;
  trigger: WalkTestTrigger;
  zones: WalkTestZone[];
  /** Events of the site during the test on no expected zone (arm, disarm, troubles…). */
  otherEvents: number;
  /** Every expected zone seen; null while running. */
  passed: boolean | null;
}

/** A site's or device's commissioning record (`device` null: the site itself). */
export interface CommissioningStatus {
  siteId: string;
  deviceId: string | null;
  state: CommissioningState;
  /** End of the maintenance window (ISO) while in maintenance. */
  maintenanceUntil: string | null;
  /** The site's running walk test, if any (site records only). */
  walkTestId: string | null;
  changedAt: string | null;
  changedBy: string | null;
}

/** A message the hub rejected, as the installer page lists it per device (bounded, untrusted text). */
export interface RejectedMessage {
  at: string;
  topic: string;
  code: string;
  reason: string;
  /** The first bytes of the payload (UTF-8, capped); shown escaped. */
  payload: string;
  /** The device the topic or login belongs to, when known. */
  siteId: string | null;
  deviceId: string | null;
}

const MAX_MINUTES = 7 * 24 * 60;

/** Inputs of the site commands (REST `/api/sites/:id/<command>`), validated at the edge. */
export const SITE_COMMAND_INPUTS = {
  /** 步测: `minutes` until it ends by itself (default 15). */
  walktest_start: z.object({ minutes: z.number().int().min(1).max(240).optional() }),
  walktest_stop: z.object({}),
  /** 维护 of the whole site, or of one `device`, for `minutes` (ends by itself). */
  maintenance_start: z.object({
    minutes: z.number().int().min(1).max(MAX_MINUTES),
    device: z.string().max(64).optional(),
    note: z.string().max(500).optional(),
  }),
  maintenance_end: z.object({ device: z.string().max(64).optional() }),
  /** The installer marks the site in service (在用) without a walk test, saying why. */
  mark_in_service: z.object({ note: z.string().min(1).max(500) }),
} as const;
export type SiteCommand = keyof typeof SITE_COMMAND_INPUTS;
export const SITE_COMMANDS = Object.keys(SITE_COMMAND_INPUTS) as SiteCommand[];
export type SiteCommandBody<C extends SiteCommand> = z.input<(typeof SITE_COMMAND_INPUTS)[C]>;

/** A site command's answer: the site's commissioning view after it, or a refusal. */
export type SiteCommandReply = { ok: true; site: SiteCommissioning } | { ok: false; code: string; error: string };

/** Everything the installer page shows of one site. */
export interface SiteCommissioning {
  siteId: string;
  name: string;
  site: CommissioningStatus;
  devices: CommissioningStatus[];
  walkTest: WalkTest | null;
}
