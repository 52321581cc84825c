import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { printableTopic } from './printable.js';
import type { BrokerLink, MessageSink } from './types.js';

export interface ExternalBrokerOptions {
  url: string;
  clientId: string;
  username: string | null;
  password: string | null;
  /** Topics to subscribe (QoS 1). Replaced on config reload with `resubscribe`. */
  topics: string[];
  sink: MessageSink;
  log: Logger;
  metrics: Metrics;
  ca?: Buffer | null;
  /**
   * Several replicas on one broker (issue 18): MQTT 5 shared subscriptions `$share/<group>/<filter>`,
   * so the broker hands each message to one member of the group [MQTT-4.8.2], and a session that
   * outlives a disconnect (clean start 0, session expiry). Absent: MQTT 3.1.1 as one hub always did.
   */
  shared?: { group: string } | null;
}

/** MQTT 5 session expiry (seconds) of a replica's session: the maximum, "does not expire" [MQTT-3.1.2-23 ff.]. */
const SESSION_NEVER_EXPIRES = 0xffffffff;

/**
 * The hub as a subscriber of an external broker (Mosquitto, EMQX). A persistent session
 * (clean: false, fixed client id) makes the broker queue QoS 1 messages while the hub is down;
 * the PUBACK for each goes out only after ingest committed it: mqtt.js sends it when a custom
 * `handleMessage` calls back.
 */
export class ExternalBroker implements BrokerLink {
  private client: MqttClient | null = null;
  private subscribed = new Set<string>();
  private connected = false;

  constructor(private readonly o: ExternalBrokerOptions) {}

  get port(): number | null {
    return null;
  }

  get connectedClients(): number {
    return this.connected ? 1 : 0;
  }

  async start(): Promise<void> {
    const { log, sink } = this.o;
    const shared = this.o.shared ?? null;
    const options: IClientOptions = {
      clientId: this.o.clientId,
      clean: false,
      // MQTT 5 has no "persistent session" flag: clean start 0 resumes one, and the session expiry
      // decides whether it is kept while the replica is away (0, the default, drops it at once).
      ...(shared ? { protocolVersion: 5 as const, properties: { sessionExpiryInterval: SESSION_NEVER_EXPIRES } } : { protocolVersion: 4 as const }),
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      keepalive: 30,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
      ...(this.o.ca ? { ca: this.o.ca } : {}),
    };
    const client = mqtt.connect(this.o.url, options);
    this.client = client;
    client.handleMessage = (packet, done) => {
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      // A retained flag on a delivered message means "replayed at subscribe time" [MQTT-3.3.1-8];
      // forwarded live messages carry retain 0 [MQTT-3.3.1-9].
      sink.receive({ topic: packet.topic, payload, retained: packet.retain === true, clientId: null }).then(
        () => done(),
        (err: unknown) => {
          log.error({ err, topic: printableTopic(packet.topic) }, 'message not committed; withholding PUBACK');
          // No PUBACK: the broker redelivers after reconnect. Force that reconnect.
          client.stream.destroy();
        },
      );
    };
    client.on('connect', (connack) => {
      this.connected = true;
      log.info({ url: redactUrl(this.o.url), sessionPresent: connack.sessionPresent }, 'connected to external MQTT broker');
      // Subscribe again on every connect: cheap, and right even if the broker lost the session.
      const topics = [...new Set(this.o.topics)];
      this.subscribed = new Set(topics);
      if (topics.length > 0) {
        client.subscribe(topics.map(this.filter), { qos: 1 }, (err) => {
          if (err) log.error({ err: err.message }, 'subscribe failed');
        });
      }
    });
    client.on('close', () => {
      if (this.connected) log.warn({ url: redactUrl(this.o.url) }, 'external MQTT broker connection lost; reconnecting');
      this.connected = false;
    });
    client.on('error', (err) => log.warn({ err: err.message }, 'external MQTT broker error'));
    await new Promise<void>((resolve) => {
      // Start even if the broker is not there yet: the client keeps reconnecting, and /api/health says so.
      const timer = setTimeout(resolve, 5000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Follow a config reload: subscribe to new topics, unsubscribe from gone ones. */
  resubscribe(topics: string[]): void {
    const next = new Set(topics);
    const add = [...next].filter((t) => !this.subscribed.has(t));
    const remove = [...this.subscribed].filter((t) => !next.has(t));
    this.o.topics = [...next];
    this.subscribed = next;
    if (!this.client) return;
    if (add.length) this.client.subscribe(add.map(this.filter), { qos: 1 });
    if (remove.length) this.client.unsubscribe(remove.map(this.filter));
  }

  /**
   * The filter as subscribed: `$share/<group>/<filter>` with shared subscriptions. A shared
   * subscription gets no retained messages at subscribe time [MQTT-3.3.1-9 does not apply; MQTT 5
   * §4.8.2]: in that mode the hub does not see a device's retained state until it changes.
   */
  private readonly filter = (topic: string): string => (this.o.shared ? `$share/${this.o.shared.group}/${topic}` : topic);

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync(false).catch(() => undefined);
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
