import type { InboundMessage, MessageSink, SinkOutcome } from '../broker/types.js';
import type { AlarmEvent, EventKind } from '../contract/alarm-event.js';
import type { EventDestination } from '../contract/commissioning.js';
import type { ConfigDirectory } from '../config/directory.js';
import type { Coded } from '../contract/messages.js';
import type { Clock } from '../core/clock.js';
import type { ErrorCode } from '../core/errors.js';
import type { EventBus } from '../core/event-bus.js';
import type { HubEvents } from '../core/hub-events.js';
import { newId } from '../core/ids.js';
import { LIMITS } from '../core/limits.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { DeviceStateRow } from '../store/index.js';
import type { EventBatchStore } from '../store/index.js';
import { capUtf8, decode, type DecodedMessage } from './decode.js';
import { DeviceStates, mayBeJudgedElsewhere, type LiveDevice } from './device-state.js';
import { cameraAsDevice, enrichBridgeMessage, enrichDeviceMessage, observedEvent, type Enriched, type MessageFacts, type Refusal } from './enrich.js';
import { Journal, type JournalEntry, type ReadAhead } from './journal.js';
import { deviceKey, type TopicRouter } from './router.js';
import { batteryOf, deviceStatusOf, NO_SUPERVISION, statusChanged, SUPERVISION_KINDS, type SupervisionTrouble } from './supervision.js';
import { panelModeChange, type PanelModeChange } from './panel-mode.js';
import { printableTopic } from './topic.js';

export type { InboundMessage } from '../broker/types.js';
/** What ingest made of a message (the broker's SinkOutcome). */
export type IngestOutcome = SinkOutcome;

/**
 * What ingest asks of commissioning (issue 15), which implements it (src/commissioning/service.ts).
 * Handed over as the service itself, so the composition root is not on the per-message path.
 */
export interface Commissioning {
  /**
   * Where a device's events go (walk test, maintenance, the queue; commissioning/destination.ts
   * decides). Asked before the events are stored, so the answer is stored with them.
   */
  destinationOf(siteId: string, deviceId: string, nowMs: number): EventDestination;
  /**
   * The panel announced a mode the hub acts on (Contact ID 607 walk test mode, panel-mode.ts); called
   * before the message's events are tagged, so a walk test the panel starts takes what follows.
   */
  panelMode(siteId: string, deviceId: string, change: PanelModeChange): void;
}

export interface IngestOptions {
  router: TopicRouter;
  /**
   * The running config's lookups (src/config/directory.ts), read at each call so a reload takes
   * effect: a camera's site and the camera by id.
   */
  directory: () => Pick<ConfigDirectory, 'site' | 'camera'>;
  /** Awaited before committed events are announced, after their PUBACKs (dispatch reads its site histories ahead). */
  readAhead?: ReadAhead | undefined;
  /** The parts of the store ingest uses: the stored device state at start, and the batch write. */
  store: EventBatchStore & { deviceState: { all(): Promise<DeviceStateRow[]> } };
  bus: EventBus<HubEvents>;
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /**
   * Identical payloads from one device within this window, with no other payload from it in
   * between, are one event (retransmissions); the window bounds how long a resend is recognised.
   */
  payloadDedupeWindowMs?: number;
  /** Device message ids are remembered this long (devices restart their counters eventually). */
  msgIdDedupeWindowMs?: number;
  /** Walk tests and maintenance (issue 15; src/commissioning implements it). Absent: every event goes to the queue. */
  commissioning?: Commissioning | undefined;
  /**
   * The hub's drill windows (src/drill/): an event of a site under an active drill is a drill event.
   * Decided here, by the hub, for every event whatever its source; absent: no drills.
   */
  drills?: { isDrill(siteId: string, stationId: string | null, atMs: number): boolean };
  /**
   * Replicas (issue 18): a device's shared row. Read before acting on a message from a device that
   * was silent here long enough for the site's owner to have called it offline (or whose trouble
   * this replica marks), so the replica that hears it return restores it — once. Absent: one hub,
   * whose memory knows every trouble it raised.
   */
  storedDevice?: (deviceKey: string) => Promise<DeviceStateRow | null>;
  /**
   * The devices' live state, when the app shares it with another reader (commissioning reads what
   * ingest last heard of a device); absent: ingest loads its own from the store.
   */
  devices?: DeviceStates;
}

/** An event a camera caused or the hub observed about it (Ingest.raiseCameraEvent). */
export interface CameraEvent {
  siteId: string;
  cameraId: string;
  kind: EventKind;
  detail: string;
  /** The detail as a code for the page. */
  message?: Coded | undefined;
}

/** An event the hub raises about a device (Ingest.raiseSynthetic). */
export interface SyntheticEvent {
  siteId: string;
  deviceId: string;
  kind: EventKind;
  detail: string;
  /** The detail as a code for the page. */
  message?: Coded;
  /** The supervision trouble this event is (recorded on the device so it is raised once; silence makes it offline). */
  marks?: SupervisionTrouble['marks'];
}

/** A message that could not be made durable: the broker must not acknowledge it. */
export class IngestNotStoredError extends Error {
  readonly code = 'SG_INGEST_STORE_FAILED';
  constructor(cause: unknown) {
    super('storage write failed; message not acknowledged', { cause });
  }
}

const MAX_LOGGED_TOPICS = 10_000;
const NOTHING_TO_WRITE: SinkOutcome = { status: 'accepted', events: 0 };

/**
 * Ingest, the broker's sink: decode (decode.ts) → device state (device-state.ts) → enrich
 * (enrich.ts) → journal (journal.ts). `receive` resolves only after the resulting events are
 * committed, so the broker can hold the device's QoS 1 PUBACK until then; the journal announces
 * them after that. A message that fails any step is rejected with a code and a reason, counted,
 * logged (once per topic for unknown topics) — and the next message goes on.
 */
export class Ingest implements MessageSink {
  private router: TopicRouter;
  private readonly devices: DeviceStates;
  private readonly journal: Journal;
  private readonly loggedTopics = new Set<string>();
  private readonly countMessage;
  private readonly countRejected;
  private readonly countHousekeeping;
  private readonly countFlagged;
  private readonly countHeartbeatOnly;
  private readonly newEventId = (): string => newId(this.o.clock.now());
  /** Replicas: shared-row reads in flight by device; the device's later messages wait for it, in order. */
  private readonly storeReads = new Map<string, Promise<void>>();

  /** Builds ingest with what it needs from the store first: the devices' last state (unless given) and the last event seq. */
  static async open(o: IngestOptions): Promise<Ingest> {
    const [devices, lastSeq] = await Promise.all([o.devices ?? DeviceStates.load(o.store), o.store.events.lastSeq()]);
    return new Ingest(o, devices, lastSeq);
  }

  private constructor(
    private readonly o: IngestOptions,
    devices: DeviceStates,
    lastSeq: number,
  ) {
    this.router = o.router;
    this.countMessage = o.metrics.counter('sg_ingest_messages_total', 'MQTT messages received by ingest');
    this.countRejected = o.metrics.counter('sg_ingest_rejected_total', 'Messages rejected, by reason code');
    this.countHousekeeping = o.metrics.counter(
      'sg_ingest_housekeeping_total',
      'Bridge status messages (zigbee2mqtt bridge/…, frigate/stats) accepted and ignored',
    );
    this.countHeartbeatOnly = o.metrics.counter('sg_ingest_unchanged_total', 'Messages that changed nothing (heartbeats): acknowledged without a write');
    this.countFlagged = o.metrics.counter('sg_ingest_flagged_total', 'Events accepted with a warning (e.g. a zone the device file does not list), by reason');
    this.journal = new Journal({
      store: o.store,
      bus: o.bus,
      clock: o.clock,
      log: o.log,
      metrics: o.metrics,
      payloadDedupeWindowMs: o.payloadDedupeWindowMs ?? 10_000,
      msgIdDedupeWindowMs: o.msgIdDedupeWindowMs ?? 24 * 3600_000,
      lastSeq,
      readAhead: o.readAhead,
    });
    this.devices = devices;
  }

  /** The newest event seq announced as `event:stored` (see Journal.announcedSeq). */
  get announcedSeq(): number {
    return this.journal.announcedSeq;
  }

  /** Swap the routing table after a config reload. In-flight messages finish with the old one. */
  setRouter(router: TopicRouter): void {
    this.router = router;
  }

  get currentRouter(): TopicRouter {
    return this.router;
  }

  deviceAvailability(siteId: string, deviceId: string): LiveDevice | undefined {
    return this.devices.get(deviceKey(siteId, deviceId));
  }

  async receive(msg: InboundMessage): Promise<SinkOutcome> {
    this.countMessage();
    let now = this.o.clock.now();
    let decoded = decode(msg, this.router, (key) => this.devices.stateOf(key));
    if (this.o.storedDevice && decoded.type === 'decoded' && (await this.catchUpWithStore(decoded, now))) {
      // Decoded again on the state after the read (and after this device's messages queued before it).
      now = this.o.clock.now();
      decoded = decode(msg, this.router, (key) => this.devices.stateOf(key));
    }
    if (decoded.type === 'housekeeping') {
      this.countHousekeeping();
      return NOTHING_TO_WRITE;
    }
    if (decoded.type === 'rejected') {
      if (decoded.thrown) this.o.log.error({ err: decoded.thrown.err, topic: printableTopic(msg.topic), profile: decoded.thrown.profile }, 'decoder threw');
      return this.reject(decoded.code, msg, decoded.reason);
    }
    const prepared = this.track(decoded, msg, now);
    if ('refused' in prepared) return this.reject(prepared.refused.code, msg, prepared.refused.reason);
    const { entry } = prepared;
    this.markDrills(entry.events, now);

    // A heartbeat that changes nothing (no event, no availability change, same decoded state) needs
    // no commit: it is not an alarm, and its only news — "seen now" — lives in memory for liveness.
    // The last-seen time is still written now and then, so a restart knows roughly when. 95 % of a
    // district's traffic is heartbeats; each used to cost a row write and a place in the fsync.
    const stateUnchanged = entry.statuses.length === 0 && entry.states.length === 1 && this.devices.unchanged(decoded.key, entry.states[0]!, now);
    if (entry.events.length === 0 && stateUnchanged) {
      this.countHeartbeatOnly();
      return NOTHING_TO_WRITE;
    }
    // An alarm from a device whose state row says the same (and was written within the minute)
    // writes its events only: the row would be rewritten unchanged with every alarm of a storm.
    if (stateUnchanged) entry.states = [];
    try {
      await this.journal.append(entry);
    } catch (err) {
      // Not durable, so not final: counted and logged like a rejection, but thrown, so the broker
      // withholds the PUBACK and the device resends (docs/errors.md SG_INGEST_STORE_FAILED).
      this.reject('SG_INGEST_STORE_FAILED', msg, 'storage write failed');
      throw new IngestNotStoredError(err);
    }
    const written = entry.states.at(-1);
    if (written) this.devices.committed(decoded.key, written, now);
    return { status: 'accepted', events: entry.events.length };
  }

  /**
   * Replicas (issue 18): brings a device's troubles up to date with its shared row when another
   * replica may have judged it (device-state.ts `mayBeJudgedElsewhere`). True when it waited; a
   * failed read is logged and the message goes on (it is stored; only a restore may be missed).
   */
  private async catchUpWithStore(decoded: DecodedMessage, now: number): Promise<boolean> {
    const { binding, key } = decoded;
    if (binding.type !== 'device') return false;
    const pending = this.storeReads.get(key);
    if (pending !== undefined) {
      await pending;
      return true;
    }
    const tested = decoded.signals.some((s) => SUPERVISION_KINDS.has(s.kind));
    if (!mayBeJudgedElsewhere(this.devices.get(key), binding.device, tested, now)) return false;
    const read = this.o.storedDevice!(key)
      .then(
        (row) => {
          if (row) this.devices.reconcile(key, row);
        },
        (err: unknown) =>
          this.o.log.warn({ err, site: binding.site.id, device: binding.device.id }, "could not read the shared device row; going on with this replica's"),
      )
      .finally(() => this.storeReads.delete(key));
    this.storeReads.set(key, read);
    await read;
    return true;
  }

  /** Replicas: the site's owner adopts what the shared row says of a device's troubles before judging its silence. */
  reconcileStored(siteId: string, deviceId: string, row: DeviceStateRow): void {
    this.devices.reconcile(deviceKey(siteId, deviceId), row);
  }

  /** Records what the message says about its publisher, and turns its signals into events. */
  private track(decoded: DecodedMessage, msg: InboundMessage, now: number): { entry: JournalEntry } | Refusal {
    const { binding, key } = decoded;
    const receivedAt = new Date(now).toISOString();
    const facts: MessageFacts = { topic: msg.topic, profile: binding.profile.id, raw: decoded.raw, payloadHash: decoded.payloadHash, receivedAt };
    if (binding.type === 'device') {
      const { site, device } = binding;
      const previous = this.devices.get(key);
      const before = previous?.supervision ?? NO_SUPERVISION;
      const mode = this.o.commissioning ? panelModeChange(previous?.state, decoded.state) : null;
      if (mode) this.o.commissioning!.panelMode(site.id, device.id, mode);
      const tested = decoded.signals.some((s) => SUPERVISION_KINDS.has(s.kind));
      const heard = this.devices.heardFromDevice(key, decoded.state, decoded.availability, {
        tested,
        battery: batteryOf(decoded.state),
        nowMs: now,
        payloadHash: decoded.payloadHash,
      });
      const { transition, row, restores, run } = heard;
      const enriched = enrichDeviceMessage({
        site,
        device,
        signals: decoded.signals,
        restores,
        retained: msg.retained,
        facts: { topic: facts.topic, profile: facts.profile, raw: facts.raw, payloadHash: facts.payloadHash, receivedAt, runSinceMs: run.sinceMs },
        newId: this.newEventId,
      });
      this.logFlags(enriched);
      this.divert(enriched.events, now);
      // Supervision is state: the consoles hear of it as device:status, never as an event.
      const after = row.supervision ?? NO_SUPERVISION;
      const changed = transition !== null || (after !== before && statusChanged(before, after));
      const statuses = changed ? [deviceStatusOf(site.id, device.id, row)] : [];
      return { entry: { events: enriched.events, states: [row], statuses } };
    }
    const row = this.devices.heardFromBridge(key, decoded.state, now);
    const enriched = enrichBridgeMessage({
      signals: decoded.signals,
      retained: msg.retained,
      cameraByBridgeName: (name) => this.router.cameraByBridgeName(name),
      facts,
      newId: this.newEventId,
    });
    if ('refused' in enriched) return enriched;
    this.logFlags(enriched);
    this.divert(enriched.events, now);
    return { entry: { events: enriched.events, states: [row], statuses: [] } };
  }

  /**
   * Raise an event the hub itself observed about a device (silence, a missed periodic test) through
   * the same durable path as device events; with `marks`, the trouble is recorded on the device (so
   * it is raised once until the device recovers) and silence makes the device offline.
   */
  async raiseSynthetic(o: SyntheticEvent): Promise<void> {
    const { siteId, deviceId, kind, detail, marks, message } = o;
    const bound = this.router.device(siteId, deviceId);
    if (!bound) return;
    const { device, site } = bound;
    const now = this.o.clock.now();
    const entry: JournalEntry = { events: [], states: [], statuses: [] };
    if (marks) {
      const { row } = this.devices.raised(deviceKey(site.id, device.id), marks, now);
      entry.states.push(row);
      entry.statuses.push(deviceStatusOf(site.id, device.id, row, device.installed ?? false));
    }
    entry.events.push(observedEvent({ id: this.newEventId(), site, device, kind, detail, message, profile: 'hub', location: site.location, nowMs: now }));
    this.divert(entry.events, now);
    this.markDrills(entry.events, now);
    await this.journal.append(entry);
  }

  /**
   * Raise an event a camera caused or the hub observed about it (offline/restore from health
   * polling, ONVIF motion/tamper/digital input) through the same durable path; the event's
   * deviceId is the camera id (devices and cameras share one id namespace per site).
   */
  async raiseCameraEvent(o: CameraEvent): Promise<boolean> {
    const { siteId, cameraId, kind, detail, message } = o;
    const directory = this.o.directory();
    const site = directory.site(siteId);
    const camera = directory.camera(siteId, cameraId);
    if (!site || !camera) return false;
    const device = cameraAsDevice({ cameraId: camera.id, siteId: site.id, profile: 'onvif', topic: '' });
    const event = observedEvent({
      id: this.newEventId(),
      site,
      device,
      kind,
      detail: detail.slice(0, LIMITS.maxDetailChars),
      message: message ?? null,
      profile: 'onvif',
      location: camera.location,
      nowMs: this.o.clock.now(),
    });
    this.divert([event], this.o.clock.now());
    this.markDrills([event], this.o.clock.now());
    await this.journal.append({ events: [event], states: [], statuses: [] });
    return true;
  }

  /** Write everything queued now and announce it (shutdown). */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  /** Marks each event that goes to a walk test or stays on record (maintenance) instead of the queue. */
  private divert(events: AlarmEvent[], nowMs: number): void {
    const commissioning = this.o.commissioning;
    if (!commissioning) return;
    for (const e of events) {
      const to = commissioning.destinationOf(e.siteId, e.deviceId, nowMs);
      if (to !== 'queue') e.destination = to;
    }
  }

  /**
   * Flags the events of sites under an active drill (演练), as of when the hub received them. The
   * flag comes from the hub's windows only: whatever a payload says, a device cannot make an alarm a
   * drill (a compromised or misconfigured simulator must not hide a real alarm).
   */
  private markDrills(events: AlarmEvent[], nowMs: number): void {
    const drills = this.o.drills;
    if (!drills) return;
    for (const e of events) e.drill = drills.isDrill(e.siteId, e.stationId, nowMs);
  }

  private logFlags(enriched: Enriched): void {
    for (const flag of enriched.flags) {
      this.countFlagged({ reason: 'unknown_zone' });
      this.o.log.warn(
        { code: flag.code, site: flag.site, device: flag.device, zone: flag.zone },
        'event on a zone the device file does not list; kept and flagged',
      );
    }
  }

  private reject(code: ErrorCode, msg: InboundMessage, reason: string): SinkOutcome {
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
    this.o.bus.emit('ingest:rejected', { code, topic, reason, payload: capUtf8(msg.payload.toString('utf8'), 200) });
    return { status: 'rejected', code, reason };
  }
}
