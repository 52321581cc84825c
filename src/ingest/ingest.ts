import { createHash } from 'node:crypto';
import { KIND_INFO, type AlarmEvent, type EventKind, type LatLng } from '../contract/alarm-event.js';
import type { DeviceStatus } from '../contract/socket.js';
import type { Device, Site } from '../config/model.js';
import type { Clock } from '../core/clock.js';
import type { ErrorCode } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import { newId } from '../core/ids.js';
import { LIMITS } from '../core/limits.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { DecodedSignal, DeviceState } from '../profiles/types.js';
import { GroupCommit, type DeviceStateRow, type Store } from '../store/index.js';
import { deviceKey, type TopicRouter } from './router.js';
import { checkTopic, printableTopic } from './topic.js';

/** One MQTT message as the broker layer hands it over. */
export interface InboundMessage {
  topic: string;
  payload: Buffer;
  /**
   * A retained message replayed at subscribe time (external broker). It is the device's current
   * state, not something that just happened: it primes on-change decoding and raises no alarm.
   */
  retained: boolean;
  /** MQTT client id of the publisher when known (embedded broker). */
  clientId?: string | null;
}

export type IngestOutcome =
  | { status: 'accepted'; events: number }
  | { status: 'rejected'; code: ErrorCode; reason: string };

export interface IngestOptions {
  router: TopicRouter;
  store: Store;
  bus: EventBus<HubEvents>;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Identical payloads from one device within this window are one event (retransmissions). */
  payloadDedupeWindowMs?: number;
  /** Device message ids are remembered this long (devices restart their counters eventually). */
  msgIdDedupeWindowMs?: number;
}

interface CommitItem {
  events: AlarmEvent[];
  states: DeviceStateRow[];
  statuses: DeviceStatus[];
}

interface LiveDevice {
  state: DeviceState;
  availability: 'online' | 'offline' | null;
  lastSeenMs: number | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** How stale the stored last-seen time of a device may get while only heartbeats arrive. */
const LAST_SEEN_PERSIST_MS = 60_000;
const MAX_LOGGED_TOPICS = 10_000;

/**
 * Ingest: topic → device → profile decode → enrich (site, grid cell, station) → durable commit.
 * `receive` resolves only after the resulting events are committed, so the broker can hold the
 * device's QoS 1 PUBACK until then. A message that fails any step is rejected with a code and a
 * reason, counted, logged (once per topic for unknown topics) — and the next message goes on.
 */
export class Ingest {
  private router: TopicRouter;
  private readonly live = new Map<string, LiveDevice>();
  /** What device_state holds per device (as last enqueued), to skip writing heartbeats that change nothing. */
  private readonly persisted = new Map<string, { stateJson: string; availability: 'online' | 'offline' | null; atMs: number }>();
  private readonly loggedTopics = new Set<string>();
  private readonly commit: GroupCommit<CommitItem>;
  private readonly countMessage;
  private readonly countRejected;
  private readonly countHousekeeping;
  private readonly countStored;
  private readonly countDuplicate;
  private readonly countFlagged;
  private readonly countHeartbeatOnly;
  private readonly payloadWindow: number;
  private readonly msgIdWindow: number;

  constructor(private readonly o: IngestOptions) {
    this.router = o.router;
    this.payloadWindow = o.payloadDedupeWindowMs ?? 10_000;
    this.msgIdWindow = o.msgIdDedupeWindowMs ?? 24 * 3600_000;
    this.countMessage = o.metrics.counter('sg_ingest_messages_total', 'MQTT messages received by ingest');
    this.countRejected = o.metrics.counter('sg_ingest_rejected_total', 'Messages rejected, by reason code');
    this.countHousekeeping = o.metrics.counter('sg_ingest_housekeeping_total', 'Bridge status messages (zigbee2mqtt bridge/…, frigate/stats) accepted and ignored');
    this.countStored = o.metrics.counter('sg_events_stored_total', 'Alarm events committed to storage, by kind');
    this.countDuplicate = o.metrics.counter('sg_events_duplicate_total', 'Duplicate deliveries suppressed');
    this.countHeartbeatOnly = o.metrics.counter('sg_ingest_unchanged_total', 'Messages that changed nothing (heartbeats): acknowledged without a write');
    this.countFlagged = o.metrics.counter(
      'sg_ingest_flagged_total',
      'Events accepted with a warning (e.g. a zone the device file does not list), by reason',
    );
    o.metrics.gauge('sg_ingest_commit_pending', 'Messages waiting for the next group commit', () => this.commit.pending);
    o.metrics.gauge('sg_ingest_commit_batches_total', 'Group-commit transactions written', () => this.commit.batches);
    for (const row of o.store.deviceState.all()) {
      this.live.set(row.deviceId, { state: row.state, availability: row.availability, lastSeenMs: row.lastSeenMs });
    }
    this.commit = new GroupCommit<CommitItem>({
      write: (items) => this.writeBatch(items),
      maxBatch: 512,
      onError: (err, n) => o.log.error({ err, batch: n }, 'event commit failed; devices will resend'),
    });
  }

  /** Swap the routing table after a config reload. In-flight messages finish with the old one. */
  setRouter(router: TopicRouter): void {
    this.router = router;
  }

  get currentRouter(): TopicRouter {
    return this.router;
  }

  deviceAvailability(siteId: string, deviceId: string): LiveDevice | undefined {
    return this.live.get(deviceKey(siteId, deviceId));
  }

  async receive(msg: InboundMessage): Promise<IngestOutcome> {
    this.countMessage();
    const now = this.o.clock.now();
    const topicProblem = checkTopic(msg.topic);
    if (topicProblem) return this.reject('SG_INGEST_BAD_TOPIC', msg, topicProblem);
    if (msg.payload.length > LIMITS.maxPayloadBytes) {
      return this.reject('SG_INGEST_OVERSIZE', msg, `payload ${msg.payload.length} bytes; limit ${LIMITS.maxPayloadBytes}`);
    }
    const binding = this.router.route(msg.topic);
    if (!binding) {
      if (this.router.isHousekeeping(msg.topic)) {
        this.countHousekeeping();
        return { status: 'accepted', events: 0 };
      }
      return this.reject('SG_INGEST_UNKNOWN_TOPIC', msg, 'no device is bound to this topic');
    }
    let text: string;
    try {
      text = utf8.decode(msg.payload);
    } catch {
      return this.reject('SG_INGEST_BAD_UTF8', msg, 'payload is not valid UTF-8');
    }

    const key = binding.type === 'device' ? deviceKey(binding.site.id, binding.device.id) : `bridge:${binding.bridge.id}`;
    const live = this.live.get(key) ?? { state: {}, availability: null, lastSeenMs: null };
    let outcome;
    try {
      outcome = binding.profile.decode({
        topic: msg.topic,
        channel: binding.channel,
        payload: msg.payload,
        state: live.state,
        device:
          binding.type === 'device'
            ? {
                id: binding.device.id,
                zone: binding.device.zone,
                zones: binding.device.zones,
                account: binding.device.account,
              }
            : { id: binding.bridge.id, zone: null, zones: [], account: null },
      });
    } catch (err) {
      // A decoder must not throw; if one does, the message is rejected, not the hub.
      this.o.log.error({ err, topic: printableTopic(msg.topic), profile: binding.profile.id }, 'decoder threw');
      return this.reject('SG_INGEST_UNDECODABLE', msg, `profile ${binding.profile.id} failed on this payload`);
    }
    if (!outcome.ok) return this.reject(outcome.code, msg, outcome.reason);

    const item: CommitItem = { events: [], states: [], statuses: [] };
    const receivedAt = new Date(now).toISOString();
    const raw = capUtf8(text, LIMITS.maxStoredRawBytes);
    const payloadHash = createHash('sha1').update(msg.payload).digest('hex').slice(0, 20);

    if (binding.type === 'device') {
      const { device, site } = binding;
      const previousAvailability = live.availability;
      const next: LiveDevice = { state: outcome.state, availability: live.availability, lastSeenMs: now };
      // Any message proves the device is alive; an explicit availability message says which way.
      const availability = outcome.availability ?? 'online';
      if (availability !== previousAvailability) {
        next.availability = availability;
        item.statuses.push({ deviceId: device.id, siteId: site.id, availability, lastSeenAt: receivedAt });
        if (!msg.retained) {
          if (availability === 'offline') {
            item.events.push(
              this.buildEvent(site, device, 'trouble.offline', null, receivedAt, receivedAt, 'device reported offline', binding.profile.id, msg.topic, raw, `h:${key}:${payloadHash}:offline`, site.location),
            );
          } else if (previousAvailability === 'offline') {
            item.events.push(
              this.buildEvent(site, device, 'restore', null, receivedAt, receivedAt, 'device back online', binding.profile.id, msg.topic, raw, `h:${key}:${payloadHash}:online`, site.location),
            );
          }
        }
      }
      this.live.set(key, next);
      item.states.push({ deviceId: key, state: next.state, availability: next.availability, lastSeenMs: now });
      if (!msg.retained) {
        outcome.signals.forEach((signal, index) => {
          const e = this.eventFromSignal(signal, index, site, device, site.location, binding.profile.id, msg.topic, raw, payloadHash, receivedAt);
          if (e) item.events.push(e);
        });
      }
    } else {
      this.live.set(key, { state: outcome.state, availability: null, lastSeenMs: now });
      item.states.push({ deviceId: key, state: outcome.state, availability: null, lastSeenMs: now });
      if (!msg.retained) {
        for (const [index, signal] of outcome.signals.entries()) {
          const linked = signal.camera ? this.router.cameraByBridgeName(signal.camera) : undefined;
          if (!linked) {
            return this.reject(
              'SG_INGEST_UNKNOWN_CAMERA',
              msg,
              `camera "${String(signal.camera ?? '').slice(0, 64)}" is not linked to a SafeGrid camera (set \`frigate:\` on a camera in devices/)`,
            );
          }
          const pseudoDevice = cameraAsDevice(linked.camera.id, linked.site.id, binding.profile.id, msg.topic);
          const e = this.eventFromSignal(signal, index, linked.site, pseudoDevice, linked.camera.location, binding.profile.id, msg.topic, raw, payloadHash, receivedAt);
          if (e) item.events.push(e);
        }
      }
    }

    // A heartbeat that changes nothing (no event, no availability change, same decoded state) needs
    // no commit: it is not an alarm, and its only news — "seen now" — lives in memory for liveness.
    // The last-seen time is still written now and then, so a restart knows roughly when. 95 % of a
    // district's traffic is heartbeats; each used to cost a row write and a place in the fsync.
    const stateUnchanged = item.statuses.length === 0 && item.states.length === 1 && this.unchanged(key, item.states[0]!, now);
    if (item.events.length === 0 && stateUnchanged) {
      this.countHeartbeatOnly();
      return { status: 'accepted', events: 0 };
    }
    // An alarm from a device whose state row says the same (and was written within the minute)
    // writes its events only: the row would be rewritten unchanged with every alarm of a storm.
    if (stateUnchanged) item.states = [];
    try {
      await this.commit.enqueue(item);
    } catch {
      return this.reject('SG_INGEST_STORE_FAILED', msg, 'storage write failed');
    }
    const written = item.states.at(-1);
    if (written) this.persisted.set(key, { stateJson: JSON.stringify(written.state), availability: written.availability, atMs: now });
    return { status: 'accepted', events: item.events.length };
  }

  /** True when `row` says nothing the stored row does not, and the stored last-seen is recent. */
  private unchanged(key: string, row: DeviceStateRow, now: number): boolean {
    const p = this.persisted.get(key);
    if (!p || now - p.atMs > LAST_SEEN_PERSIST_MS || p.availability !== row.availability) return false;
    return p.stateJson === JSON.stringify(row.state);
  }

  /**
   * Raise an event the hub itself observed (heartbeat missed, camera offline) through the same
   * durable path as device events.
   */
  async raiseSynthetic(siteId: string, deviceId: string, kind: EventKind, detail: string, availability?: 'online' | 'offline'): Promise<void> {
    const bound = this.router.device(siteId, deviceId);
    if (!bound) return;
    const { device, site } = bound;
    const key = deviceKey(site.id, device.id);
    const now = this.o.clock.now();
    const at = new Date(now).toISOString();
    const item: CommitItem = { events: [], states: [], statuses: [] };
    const live = this.live.get(key) ?? { state: {}, availability: null, lastSeenMs: null };
    if (availability && availability !== live.availability) {
      live.availability = availability;
      this.live.set(key, live);
      item.statuses.push({ deviceId, siteId: site.id, availability, lastSeenAt: live.lastSeenMs ? new Date(live.lastSeenMs).toISOString() : null });
      item.states.push({ deviceId: key, state: live.state, availability, lastSeenMs: live.lastSeenMs });
    }
    item.events.push(this.buildEvent(site, device, kind, null, at, at, detail, 'hub', '', '', `s:${key}:${kind}:${now}`, site.location));
    await this.commit.enqueue(item);
  }

  /**
   * Raise an event a camera caused or the hub observed about it (offline/restore from health
   * polling, ONVIF motion/tamper/digital input) through the same durable path; the event's
   * deviceId is the camera id (devices and cameras share one id namespace per site).
   */
  async raiseCameraEvent(siteId: string, cameraId: string, kind: EventKind, detail: string): Promise<boolean> {
    const site = this.router.site(siteId);
    const camera = site?.cameras.find((c) => c.id === cameraId);
    if (!site || !camera) return false;
    const now = this.o.clock.now();
    const at = new Date(now).toISOString();
    const pseudo = cameraAsDevice(camera.id, site.id, 'onvif', '');
    const key = deviceKey(site.id, camera.id);
    const clipped = detail.slice(0, LIMITS.maxDetailChars);
    const event = this.buildEvent(site, pseudo, kind, null, at, at, clipped, 'onvif', '', '', `s:${key}:${kind}:${now}`, camera.location);
    await this.commit.enqueue({ events: [event], states: [], statuses: [] });
    return true;
  }

  /** Write everything queued now (shutdown). */
  flush(): void {
    this.commit.flush();
  }

  private eventFromSignal(
    signal: DecodedSignal,
    index: number,
    site: Site,
    device: Device,
    location: LatLng,
    profile: string,
    topic: string,
    raw: string,
    payloadHash: string,
    receivedAt: string,
  ): AlarmEvent | null {
    let zoneName: string | null = null;
    let detail = signal.detail ? signal.detail.slice(0, LIMITS.maxDetailChars) : null;
    if (signal.zone !== null && signal.zone !== undefined) {
      const declared = this.zoneOf(site, device, signal.zone);
      if (declared) zoneName = declared;
      else if (device.zones.length > 0 || device.zone !== null) {
        // An alarm on a zone nobody registered is still an alarm: keep it, flag it, count it.
        this.countFlagged({ reason: 'unknown_zone' });
        this.o.log.warn(
          { code: 'SG_INGEST_UNKNOWN_ZONE', site: site.id, device: device.id, zone: signal.zone },
          'event on a zone the device file does not list; kept and flagged',
        );
        detail = `${detail ? detail + '; ' : ''}zone ${signal.zone} is not registered in ${site.file}`;
      }
    }
    const occurredAt = validIso(signal.occurredAt) ?? receivedAt;
    const key = deviceKey(site.id, device.id);
    const dedupeKey = signal.msgId
      ? `m:${key}:${signal.msgId.slice(0, 128)}:${signal.kind}:${signal.zone ?? ''}`
      : `h:${key}:${payloadHash}:${index}`;
    return this.buildEvent(site, device, signal.kind, signal.zone ?? null, occurredAt, receivedAt, detail, profile, topic, raw, dedupeKey, location, zoneName);
  }

  private zoneOf(site: Site, device: Device, zone: number): string | null {
    const own = device.zones.find((z) => z.number === zone);
    if (own) return own.name;
    // A single-zone sensor reports into a zone declared by the site's panel.
    for (const d of site.devices) {
      const z = d.zones.find((x) => x.number === zone);
      if (z) return z.name;
    }
    return null;
  }

  private buildEvent(
    site: Site,
    device: Device,
    kind: EventKind,
    zone: number | null,
    occurredAt: string,
    receivedAt: string,
    detail: string | null,
    profile: string,
    topic: string,
    raw: string,
    dedupeKey: string,
    location: LatLng,
    zoneName: string | null = null,
  ): AlarmEvent {
    return {
      id: newId(this.o.clock.now()),
      siteId: site.id,
      deviceId: device.id,
      kind,
      category: KIND_INFO[kind].category,
      zone,
      zoneName,
      occurredAt,
      receivedAt,
      location,
      gridCellId: site.gridCellId,
      stationId: site.stationId,
      detail,
      profile,
      topic,
      raw,
      dedupeKey,
    };
  }

  /** One transaction for the whole batch; runs inside GroupCommit.flush. */
  private writeBatch(items: CommitItem[]): void {
    const stored: AlarmEvent[] = [];
    const statuses: DeviceStatus[] = [];
    const now = this.o.clock.now();
    this.o.store.transaction(() => {
      const seenInBatch = new Set<string>();
      const latestState = new Map<string, DeviceStateRow>();
      for (const item of items) {
        for (const e of item.events) {
          const window = e.dedupeKey.startsWith('m:') ? this.msgIdWindow : this.payloadWindow;
          if (seenInBatch.has(e.dedupeKey) || this.o.store.events.isDuplicate(e.dedupeKey, now - window)) {
            this.countDuplicate();
            continue;
          }
          seenInBatch.add(e.dedupeKey);
          stored.push({ ...e, seq: this.o.store.events.insert(e) });
        }
        for (const s of item.states) latestState.set(s.deviceId, s);
        statuses.push(...item.statuses);
      }
      for (const s of latestState.values()) this.o.store.deviceState.save(s);
    });
    for (const e of stored) this.countStored({ kind: e.kind });
    // Downstream stages see only what is durable.
    for (const s of statuses) this.o.bus.emit('device:status', s);
    if (stored.length > 0) this.o.bus.emit('event:stored', stored);
  }

  private reject(code: ErrorCode, msg: InboundMessage, reason: string): IngestOutcome {
    this.countRejected({ reason: code });
    const topic = printableTopic(msg.topic);
    if (code === 'SG_INGEST_UNKNOWN_TOPIC') {
      // Log once per topic, with the payload in a form that can be pasted into a profile's examples.
      if (!this.loggedTopics.has(msg.topic) && this.loggedTopics.size < MAX_LOGGED_TOPICS) {
        this.loggedTopics.add(msg.topic);
        this.o.log.warn(
          { code, topic, sample: capUtf8(msg.payload.toString('utf8'), 500) },
          'message on a topic no device is bound to (logged once per topic); bind it in devices/<site>.yaml or add a profile',
        );
      }
    } else {
      this.o.log.warn({ code, topic, reason, client: msg.clientId ?? undefined }, 'message rejected');
    }
    this.o.bus.emit('ingest:rejected', { code, topic, reason });
    return { status: 'rejected', code, reason };
  }
}

/** A camera reporting an event stands where a device would: same event shape, no zones of its own. */
function cameraAsDevice(cameraId: string, siteId: string, profile: string, topic: string): Device {
  return { id: cameraId, siteId, profile, topic, heartbeatMs: null, zones: [], zone: null, account: null, mqttUsername: null, mqttPassword: null };
}

function validIso(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** Truncate to at most `max` UTF-8 bytes without splitting a character. */
function capUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = Buffer.from(text).subarray(0, max).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut + '…';
}
