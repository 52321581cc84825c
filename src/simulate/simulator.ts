/**
 * `safegrid simulate`: plays believable traffic from the sample devices over MQTT, one MQTT client
 * per device (as real devices connect), so a new user sees the hub working within a minute:
 * heartbeats from every device, and now and then an alarm in each built-in format, later restored.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { EventKind } from '../contract/alarm-event.js';
import type { Camera, Config, Device, Site } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import { bridgeLoginOf, mqttLoginOf, type MqttLogin } from '../broker/device-access.js';
import {
  CONTACT_ID_CODE,
  contactId,
  frigateEvent,
  homeAssistantState,
  nativeEvent,
  nativeStatus,
  zigbeeAvailability,
  zigbeeState,
  type WireMessage,
} from './payloads.js';
import type { PlannedAlarm } from './scenarios.js';

export interface SimulatorOptions {
  url: string;
  config: Config;
  log: Logger;
  /** Seconds between alarms (default 15). */
  alarmEverySeconds?: number;
  /** Heartbeat period when the device file gives none, seconds (default 30). */
  heartbeatSeconds?: number;
  /**
   * The login each device connects with. Default: what the hub itself accepts — the device's own
   * `mqtt:` credentials, else its site's (`mqttLoginOf`).
   */
  credentials?: (device: Device, site: Site) => MqttLogin | null;
  /** The login of the Frigate bridge. Default: `bridges[].mqtt` of the first frigate bridge. */
  bridgeCredentials?: () => MqttLogin | null;
  random?: () => number;
  /** Random alarms now and then (default true); `simulate --drill` plays only its scenarios. */
  randomAlarms?: boolean;
}

interface SimDevice {
  site: Site;
  device: Device;
  client: MqttClient;
  zigbee: Record<string, unknown>;
  seq: number;
}

const ZIGBEE_ALARMS: Array<{ key: string; alarm: unknown; normal: unknown }> = [
  { key: 'contact', alarm: false, normal: true },
  { key: 'occupancy', alarm: true, normal: false },
  { key: 'smoke', alarm: true, normal: false },
  { key: 'water_leak', alarm: true, normal: false },
  { key: 'action', alarm: 'sos', normal: '' },
];

export class Simulator {
  private devices: SimDevice[] = [];
  private bridge: MqttClient | null = null;
  private timers: NodeJS.Timeout[] = [];
  private readonly random: () => number;
  /** Messages published, for the console line and tests. */
  published = 0;

  constructor(private readonly o: SimulatorOptions) {
    this.random = o.random ?? Math.random;
  }

  async start(): Promise<void> {
    const connects: Array<Promise<void>> = [];
    for (const site of this.o.config.sites) {
      for (const device of site.devices) {
        const creds = this.o.credentials ? this.o.credentials(device, site) : mqttLoginOf(site, device);
        const will = device.profile === 'native' ? nativeStatus(device.topic, 'offline') : null;
        const client = mqtt.connect(this.o.url, {
          clientId: `sim-${device.id}-${site.id}`.slice(0, 64),
          protocolVersion: 4,
          reconnectPeriod: 2000,
          ...(creds ? { username: creds.username, password: creds.password } : {}),
          ...(will ? { will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: false } } : {}),
        });
        const sim: SimDevice = { site, device, client, zigbee: defaultZigbeeState(device), seq: 0 };
        this.devices.push(sim);
        connects.push(new Promise((ok) => client.once('connect', () => ok())));
      }
    }
    const frigate = this.o.config.hub.bridges.find((b) => b.profile === 'frigate');
    const bridgeCreds = this.o.bridgeCredentials ? this.o.bridgeCredentials() : frigate ? bridgeLoginOf(frigate) : null;
    this.bridge = mqtt.connect(this.o.url, {
      clientId: 'sim-frigate-bridge',
      protocolVersion: 4,
      reconnectPeriod: 2000,
      ...(bridgeCreds ? { username: bridgeCreds.username, password: bridgeCreds.password } : {}),
    });
    // A refused login is the one mistake a new user would otherwise not see: say it once per client.
    const refusedOnce = (who: string, client: MqttClient): void => {
      client.once('error', (err) => this.o.log.warn({ client: who, err: err.message }, 'simulator: MQTT connection refused'));
    };
    refusedOnce('frigate bridge', this.bridge);
    for (const d of this.devices) refusedOnce(`${d.site.id}/${d.device.id}`, d.client);
    await Promise.race([Promise.all(connects), new Promise((ok) => setTimeout(ok, 5000))]);
    this.o.log.info({ devices: this.devices.length, url: this.o.url }, 'simulator connected');
    for (const d of this.devices) {
      this.sendHeartbeat(d, true);
      const every = (d.device.heartbeatMs ?? (this.o.heartbeatSeconds ?? 30) * 1000) * 0.5;
      // Spread heartbeats so a thousand devices do not fire in the same millisecond.
      const t = setTimeout(() => {
        this.sendHeartbeat(d, false);
        this.timers.push(setInterval(() => this.sendHeartbeat(d, false), every));
      }, this.random() * every);
      this.timers.push(t);
    }
    if (this.o.randomAlarms === false) return;
    const alarmEvery = (this.o.alarmEverySeconds ?? 15) * 1000;
    this.timers.push(setTimeout(() => this.alarm(), 2000));
    this.timers.push(setInterval(() => this.alarm(), alarmEvery));
  }

  /**
   * Plays planned alarms (scenarios.ts), each from its own device's connection and in its own wire
   * format, restored a little later. Returns how many were sent (a device not connected is skipped).
   */
  play(alarms: readonly PlannedAlarm[]): number {
    let sent = 0;
    for (const a of alarms) {
      const d = this.devices.find((x) => x.site.id === a.siteId && x.device.id === a.deviceId);
      if (!d) continue;
      this.sendAlarm(d, a.kind, a.zone);
      sent++;
    }
    return sent;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await Promise.all([...this.devices.map((d) => d.client.endAsync(true)), this.bridge?.endAsync(true)]);
    this.devices = [];
  }

  private publish(client: MqttClient, m: WireMessage): void {
    this.published++;
    client.publish(m.topic, m.payload, { qos: 1, retain: m.retain ?? false });
  }

  private sendHeartbeat(d: SimDevice, first: boolean): void {
    const { device } = d;
    switch (device.profile) {
      case 'native':
        this.publish(d.client, nativeStatus(device.topic, 'online'));
        break;
      case 'zigbee2mqtt':
        if (first) this.publish(d.client, zigbeeAvailability(device.topic, 'online', this.random() < 0.3));
        this.publish(d.client, zigbeeState(device.topic, d.zigbee));
        break;
      case 'contact-id':
        // Panels supervise their line with periodic test reports (DC-05 code 602).
        this.publish(d.client, { topic: device.topic, payload: contactId({ account: device.account ?? '1234', qualifier: 1, code: 602, group: 0, zone: 0 }) });
        break;
      case 'homeassistant':
        if (first) this.publish(d.client, homeAssistantState(device.topic, 'armed_away'));
        break;
      default:
        break;
    }
  }

  /** One alarm from a random device in its own format, restored a little later. */
  private alarm(): void {
    if (this.devices.length === 0) return;
    const cameras = this.o.config.sites.flatMap((s) => s.cameras.filter((c) => c.frigateName).map((c) => ({ site: s, camera: c })));
    // Now and then a Frigate detection instead of a device alarm.
    if (cameras.length > 0 && this.random() < 0.15) {
      const pick = cameras[Math.floor(this.random() * cameras.length)]!;
      this.frigate(pick.camera);
      return;
    }
    const d = this.devices[Math.floor(this.random() * this.devices.length)]!;
    const { device } = d;
    const zones = device.zones.map((z) => z.number);
    const zone = device.zone ?? (zones.length ? zones[Math.floor(this.random() * zones.length)]! : null);
    const zoneType = device.zones.find((z) => z.number === zone)?.type;
    const kind: EventKind = zoneType === 'panic' ? 'panic' : zoneType === 'fire' ? 'smoke' : zoneType === 'perimeter' ? 'perimeter' : 'intrusion';
    this.sendAlarm(d, kind, zone);
  }

  /** One alarm of `kind` from a device in its own format, restored a little later. */
  private sendAlarm(d: SimDevice, kind: EventKind, zone: number | null): void {
    const { device } = d;
    this.o.log.info({ site: d.site.id, device: device.id, profile: device.profile, kind, zone }, 'simulated alarm');
    switch (device.profile) {
      case 'native':
        this.publish(d.client, nativeEvent(device.topic, kind, zone, `${Date.now()}-${++d.seq}`));
        this.later(() => this.publish(d.client, nativeEvent(device.topic, 'restore', zone, `${Date.now()}-${++d.seq}`)));
        break;
      case 'contact-id': {
        const code = CONTACT_ID_CODE[kind] ?? 130;
        this.publish(d.client, {
          topic: device.topic,
          payload: contactId({ account: device.account ?? '1234', qualifier: 1, code, group: 1, zone: zone ?? 0 }),
        });
        this.later(() =>
          this.publish(d.client, {
            topic: device.topic,
            payload: contactId({ account: device.account ?? '1234', qualifier: 3, code, group: 1, zone: zone ?? 0 }),
          }),
        );
        break;
      }
      case 'zigbee2mqtt': {
        const present = ZIGBEE_ALARMS.find((a) => a.key in d.zigbee) ?? ZIGBEE_ALARMS[0]!;
        d.zigbee = { ...d.zigbee, [present.key]: present.alarm };
        this.publish(d.client, zigbeeState(device.topic, d.zigbee));
        this.later(() => {
          d.zigbee = { ...d.zigbee, [present.key]: present.normal };
          this.publish(d.client, zigbeeState(device.topic, d.zigbee));
        });
        break;
      }
      case 'homeassistant':
        this.publish(d.client, homeAssistantState(device.topic, 'triggered'));
        this.later(() => this.publish(d.client, homeAssistantState(device.topic, 'armed_away')));
        break;
      default:
        break;
    }
  }

  private frigate(camera: Camera): void {
    if (!this.bridge || !camera.frigateName) return;
    const id = `${(Date.now() / 1000).toFixed(6)}-${Math.random().toString(36).slice(2, 8)}`;
    const start = Date.now() / 1000;
    this.o.log.info({ camera: camera.id, site: camera.siteId }, 'simulated Frigate person detection');
    this.publish(this.bridge, frigateEvent({ type: 'new', camera: camera.frigateName, label: 'person', id, startTime: start }));
    this.later(() => this.publish(this.bridge!, frigateEvent({ type: 'end', camera: camera.frigateName!, label: 'person', id, startTime: start })));
  }

  private later(fn: () => void): void {
    this.timers.push(setTimeout(fn, 5000 + this.random() * 10_000));
  }
}

function defaultZigbeeState(device: Device): Record<string, unknown> {
  // Guess the sensor type from the friendly name the installer chose; a door contact is the default.
  const name = device.topic.toLowerCase() + ' ' + device.id.toLowerCase();
  if (/pir|motion|occup/.test(name)) return { occupancy: false, tamper: false, battery_low: false };
  if (/smoke|fire/.test(name)) return { smoke: false, tamper: false, battery_low: false };
  if (/water|leak/.test(name)) return { water_leak: false, battery_low: false };
  if (/sos|panic|button/.test(name)) return { action: null, battery_low: false };
  return { contact: true, tamper: false, battery_low: false };
}
