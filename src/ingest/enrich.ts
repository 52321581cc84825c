import { KIND_INFO, type AlarmEvent, type EventKind, type LatLng } from '../contract/alarm-event.js';
import type { Camera, Device, Site } from '../config/model.js';
import type { ErrorCode } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import type { DecodedSignal } from '../profiles/types.js';
import { message, type Coded } from '../contract/messages.js';
import type { ZoneType } from '../contract/zones.js';
import type { Zone } from '../config/model.js';
import { deviceKey } from './router.js';
import { SUPERVISION_KINDS, type SupervisionRestore } from './supervision.js';
import { kindOnZone } from './zone-kind.js';

/**
 * Enrich: decoded signals plus what the configuration knows (site, device, zone names, grid cell,
 * station, location) become AlarmEvent values. Pure: ids come from the caller's `newId`, times are
 * given, and what deserves a warning comes back as a flag for the caller to count and log.
 */

/** Everything an AlarmEvent is made of; `zoneName` defaults to null. */
export interface EventFields {
  id: string;
  site: Site;
  device: Device;
  kind: EventKind;
  zone: number | null;
  zoneName?: string | null;
  zoneType?: ZoneType | null;
  occurredAt: string;
  receivedAt: string;
  detail: string | null;
  /** The detail as a code with parameters, when the decoder or the hub gave one. */
  message?: Coded | null;
  profile: string;
  topic: string;
  raw: string;
  dedupeKey: string;
  location: LatLng;
  /** Set by ingest from the hub's drill windows (src/drill/), never from the message. */
  drill?: boolean;
}

export function buildEvent(f: EventFields): AlarmEvent {
  return {
    id: f.id,
    siteId: f.site.id,
    deviceId: f.device.id,
    kind: f.kind,
    category: KIND_INFO[f.kind].category,
    zone: f.zone,
    zoneName: f.zoneName ?? null,
    zoneType: f.zoneType ?? null,
    occurredAt: f.occurredAt,
    receivedAt: f.receivedAt,
    location: f.location,
    gridCellId: f.site.gridCellId,
    stationId: f.site.stationId,
    detail: f.detail,
    ...(f.message ? { detailCode: f.message.code, detailParams: f.message.params } : {}),
    profile: f.profile,
    topic: f.topic,
    raw: f.raw,
    dedupeKey: f.dedupeKey,
    drill: f.drill ?? false,
  };
}

/** What one message contributes to each of its events. */
export interface MessageFacts {
  topic: string;
  profile: string;
  raw: string;
  payloadHash: string;
  receivedAt: string;
  /**
   * Start of the run of identical payloads this message belongs to (device-state.ts runAfter): part
   * of the payload dedupe key, so the same payload after a different one is not a duplicate.
   */
  runSinceMs?: number;
}

/** An event kept with a warning: a zone the device file does not list. */
export interface ZoneFlag {
  code: 'SG_INGEST_UNKNOWN_ZONE';
  site: string;
  device: string;
  zone: number;
}

export interface Enriched {
  events: AlarmEvent[];
  flags: ZoneFlag[];
}

export interface Refusal {
  refused: { code: ErrorCode; reason: string };
}

export interface DeviceMessage {
  site: Site;
  device: Device;
  signals: readonly DecodedSignal[];
  /** Restores the device's supervision earned with this message (supervision.ts afterMessage). */
  restores: readonly SupervisionRestore[];
  /** A retained replay is state, not news: it raises nothing but the armed state it reports. */
  retained: boolean;
  facts: MessageFacts;
  newId: () => string;
}

/** Kinds a retained (first, replayed) report still records: the site's armed state is state (issue 12). */
const STATE_KINDS: ReadonlySet<string> = new Set(['arm', 'disarm']);

/**
 * A device's message: the supervision restores first (the device is back, its test arrived), then
 * one event per signal. Supervision reports (a periodic test) are not events: ingest recorded them
 * on the device. Availability is state too (device:status), never an event by itself.
 */
export function enrichDeviceMessage(m: DeviceMessage): Enriched {
  const out: Enriched = { events: [], flags: [] };
  const { site, device, facts } = m;
  const key = deviceKey(site.id, device.id);
  if (!m.retained) {
    m.restores.forEach((r, index) => {
      out.events.push(
        buildEvent({
          id: m.newId(),
          site,
          device,
          kind: r.kind,
          zone: null,
          occurredAt: facts.receivedAt,
          receivedAt: facts.receivedAt,
          detail: r.detail,
          message: r.message,
          profile: facts.profile,
          topic: facts.topic,
          raw: facts.raw,
          dedupeKey: `h:${key}:${facts.payloadHash}:r${index}:${facts.runSinceMs ?? ''}`,
          location: site.location,
        }),
      );
    });
  }
  m.signals.forEach((signal, index) => {
    if (SUPERVISION_KINDS.has(signal.kind)) return;
    if (m.retained && !STATE_KINDS.has(signal.kind)) return;
    const { event, flag } = eventFromSignal({ signal, index, site, device, location: site.location, facts, newId: m.newId });
    out.events.push(event);
    if (flag) out.flags.push(flag);
  });
  return out;
}

export interface BridgeMessage {
  signals: readonly DecodedSignal[];
  retained: boolean;
  /** The SafeGrid camera a bridge's camera name is linked to (`frigate:` on a camera). */
  cameraByBridgeName(name: string): { camera: Camera; site: Site } | undefined;
  facts: MessageFacts;
  newId: () => string;
}

/**
 * A bridge's message (Frigate): each signal names a camera, and becomes an event of the camera's
 * site at the camera's location. One unlinked camera refuses the whole message.
 */
export function enrichBridgeMessage(m: BridgeMessage): Enriched | Refusal {
  const out: Enriched = { events: [], flags: [] };
  if (m.retained) return out;
  for (const [index, signal] of m.signals.entries()) {
    const linked = signal.camera ? m.cameraByBridgeName(signal.camera) : undefined;
    if (!linked) {
      const name = String(signal.camera ?? '').slice(0, 64);
      return {
        refused: {
          code: 'SG_INGEST_UNKNOWN_CAMERA',
          reason: `camera "${name}" is not linked to a SafeGrid camera (set \`frigate:\` on a camera in devices/)`,
        },
      };
    }
    const device = cameraAsDevice({ cameraId: linked.camera.id, siteId: linked.site.id, profile: m.facts.profile, topic: m.facts.topic });
    const { event, flag } = eventFromSignal({ signal, index, site: linked.site, device, location: linked.camera.location, facts: m.facts, newId: m.newId });
    out.events.push(event);
    if (flag) out.flags.push(flag);
  }
  return out;
}

export interface SignalInput {
  signal: DecodedSignal;
  /** Position in the message: part of the payload-hash dedupe key. */
  index: number;
  site: Site;
  device: Device;
  location: LatLng;
  facts: MessageFacts;
  newId: () => string;
}

/**
 * One decoded signal as an event: zone name from the device (or the site's panel), detail capped,
 * the device's time when it is a valid date, and a dedupe key — the device's message id when it
 * sends one, else the payload hash and the signal's position.
 */
export function eventFromSignal(s: SignalInput): { event: AlarmEvent; flag: ZoneFlag | null } {
  const { signal, site, device, facts } = s;
  let zone: Zone | null = null;
  let flag: ZoneFlag | null = null;
  let detail = signal.detail ? signal.detail.slice(0, LIMITS.maxDetailChars) : null;
  let coded: Coded | null = signal.message ?? null;
  if (signal.zone !== null && signal.zone !== undefined) {
    zone = zoneOf(site, device, signal.zone);
    if (!zone && (device.zones.length > 0 || device.zone !== null)) {
      // An alarm on a zone nobody registered is still an alarm: keep it, flag it.
      flag = { code: 'SG_INGEST_UNKNOWN_ZONE', site: site.id, device: device.id, zone: signal.zone };
      detail = `${detail ? detail + '; ' : ''}zone ${signal.zone} is not registered in ${site.file}`;
      // The page words the flag; the decoder's own code (if any) gives way to it, its text stays in `detail`.
      coded = message('zone.unregistered', { zone: signal.zone, file: site.file });
    }
  }
  const key = deviceKey(site.id, device.id);
  // Without a message id, identity is the payload within its run of identical payloads (see MessageFacts.runSinceMs).
  const run = facts.runSinceMs === undefined ? '' : `:${facts.runSinceMs}`;
  const dedupeKey = signal.msgId
    ? `m:${key}:${signal.msgId.slice(0, 128)}:${signal.kind}:${signal.zone ?? ''}`
    : `h:${key}:${facts.payloadHash}:${s.index}${run}`;
  const zoneType = zone ? (zone.type as ZoneType) : null;
  const event = buildEvent({
    id: s.newId(),
    site,
    device,
    kind: kindOnZone(signal.kind, zoneType),
    zone: signal.zone ?? null,
    zoneName: zone?.name ?? null,
    zoneType,
    occurredAt: validIso(signal.occurredAt) ?? facts.receivedAt,
    receivedAt: facts.receivedAt,
    detail,
    message: coded,
    profile: facts.profile,
    topic: facts.topic,
    raw: facts.raw,
    dedupeKey,
    location: s.location,
  });
  return { event, flag };
}

export interface ObservedEvent {
  id: string;
  site: Site;
  device: Device;
  kind: EventKind;
  detail: string;
  message?: Coded | null;
  /** 'hub' for what the hub saw itself (a missed heartbeat), 'onvif' for a camera's own events. */
  profile: string;
  location: LatLng;
  nowMs: number;
}

/** An event the hub observed rather than decoded: no topic, no payload; one per kind and millisecond. */
export function observedEvent(o: ObservedEvent): AlarmEvent {
  const at = new Date(o.nowMs).toISOString();
  const key = deviceKey(o.site.id, o.device.id);
  return buildEvent({
    id: o.id,
    site: o.site,
    device: o.device,
    kind: o.kind,
    zone: null,
    occurredAt: at,
    receivedAt: at,
    detail: o.detail,
    message: o.message ?? null,
    profile: o.profile,
    topic: '',
    raw: '',
    dedupeKey: `s:${key}:${o.kind}:${o.nowMs}`,
    location: o.location,
  });
}

/** The zone's name on the device, else on any device of the site (a single-zone sensor reports into the panel's zone). */
export function zoneNameOf(site: Site, device: Device, zone: number): string | null {
  return zoneOf(site, device, zone)?.name ?? null;
}

/** The declared zone: on the device, else on any device of the site. */
export function zoneOf(site: Site, device: Device, zone: number): Zone | null {
  const own = device.zones.find((z) => z.number === zone);
  if (own) return own;
  for (const d of site.devices) {
    const z = d.zones.find((x) => x.number === zone);
    if (z) return z;
  }
  return null;
}

/** A camera reporting an event stands where a device would: same event shape, no zones of its own. */
export function cameraAsDevice(c: { cameraId: string; siteId: string; profile: string; topic: string }): Device {
  return {
    id: c.cameraId,
    siteId: c.siteId,
    profile: c.profile,
    topic: c.topic,
    heartbeatMs: null,
    testIntervalMs: null,
    // As an absent key read before: a camera is not a commissioned device.
    installed: false,
    zones: [],
    zone: null,
    account: null,
    mqttUsername: null,
    mqttPassword: null,
  };
}

function validIso(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}
