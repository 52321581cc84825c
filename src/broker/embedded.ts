import { Aedes, type AuthenticateError } from 'aedes';
import { createServer, type Server } from 'node:net';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { printableTopic } from '../ingest/topic.js';
import type { BrokerLink, DeviceAccess, MessageSink } from './types.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  sink: MessageSink;
  log: Logger;
  metrics: Metrics;
  /** When absent, any client may connect and publish (development). */
  access?: DeviceAccess | null;
}

/**
 * The embedded aedes broker. aedes sends a QoS 1 PUBACK *before* its publish handlers run
 * (FIELD-NOTES), so the durable write happens in `authorizePublish`, the one hook aedes waits for
 * before it acknowledges: the callback is called only when ingest has committed the message.
 */
export class EmbeddedBroker implements BrokerLink {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private boundPort: number | null = null;

  constructor(private readonly o: EmbeddedBrokerOptions) {}

  get port(): number | null {
    return this.boundPort;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { log, sink, access, metrics } = this.o;
    const refused = metrics.counter('sg_mqtt_refused_total', 'MQTT connections refused, by reason');
    const publishDenied = metrics.counter('sg_mqtt_publish_denied_total', 'PUBLISH packets refused by the topic ACL');
    const principals = new WeakMap<object, string>();
    const aedes = await Aedes.createBroker({
      id: 'safegrid',
      authenticate: (client, username, password, done) => {
        if (!access) return done(null, true);
        const who = access.authenticate(username, password);
        if (!who) {
          refused({ reason: 'bad_credentials' });
          log.warn({ clientId: client.id, username: username?.slice(0, 64) }, 'MQTT login refused');
          const err = new Error('bad username or password') as AuthenticateError;
          err.returnCode = 4;
          return done(err, false);
        }
        principals.set(client, who.principal);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (access && client) {
          const who = principals.get(client);
          if (!who || !access.mayPublish(who, packet.topic)) {
            publishDenied();
            log.warn({ clientId: client.id, topic: printableTopic(packet.topic) }, 'PUBLISH outside the device topic ACL refused');
            return done(new Error('not authorized'));
          }
        }
        // A live publish, even with the retain flag set, is news; only retained replays at
        // subscribe time are state. Hence retained: false here.
        sink({ topic: packet.topic, payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload), retained: false, clientId: client?.id ?? null })
          .then(
            () => done(null),
            (err: unknown) => {
              // Not durable: no PUBACK, the device keeps the message and resends it.
              log.error({ err, topic: printableTopic(packet.topic) }, 'message not committed; withholding PUBACK');
              done(err instanceof Error ? err : new Error(String(err)));
            },
          );
      },
      authorizeSubscribe: (client, sub, done) => {
        if (access) {
          const who = principals.get(client);
          if (!who || !access.maySubscribe(who, sub.topic)) return done(new Error('not authorized'));
        }
        done(null, sub);
      },
    });
    aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'MQTT client error'));
    aedes.on('connectionError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'MQTT connection error'));
    this.aedes = aedes;
    this.server = createServer(aedes.handle);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
    const addr = this.server.address();
    this.boundPort = typeof addr === 'object' && addr ? addr.port : this.o.port;
    log.info({ host: this.o.host, port: this.boundPort }, 'embedded MQTT broker listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = null;
    this.aedes = null;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connected devices keep the server open; aedes.close below ends them.
        if (aedes) aedes.close();
      });
    } else if (aedes) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    }
  }
}
