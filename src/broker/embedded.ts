import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { createServer as createTlsServer, TLSSocket, type Server as TlsServer } from 'node:tls';
import type { HubConfig } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { type AedesCluster, dropEarlyQos0, gateUntilConnack } from './cluster.js';
import { certificateRefusal } from './login-binding.js';
import { AddressCounter, CoolOff, PacketSizeScanner } from './packet-guard.js';
import { printableTopic } from './printable.js';

/** Marks an error the broker raised on purpose and already counted (a refused login or PUBLISH). */
const HANDLED_REFUSAL = 'SG_HANDLED_REFUSAL';
import type { BindingRefusal, BrokerLink, DeviceAccess, MessageSink } from './types.js';

/** The mqtts listener: PEM material already read, and whether devices must present a certificate. */
export interface EmbeddedTls {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | null;
  port: number;
  requireClientCert: boolean;
}

/** Reads the PEM files `mqtt.tls` names; relative paths start at the config root. */
export function readTlsFiles(tls: NonNullable<HubConfig['mqtt']['tls']>, rootDir: string): EmbeddedTls {
  const read = (file: string): Buffer => readFileSync(resolve(rootDir, file));
  return { cert: read(tls.cert), key: read(tls.key), ca: tls.ca ? read(tls.ca) : null, port: tls.port, requireClientCert: tls.requireClientCert };
}

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  sink: MessageSink;
  log: Logger;
  metrics: Metrics;
  /** When absent, any client may connect and publish (development). */
  access?: DeviceAccess | null;
  /** Also listen with TLS (mqtts) when given; port 0 picks a free one (tests). */
  tls?: EmbeddedTls | null;
  /** Limits that hold before login (hub.yaml mqtt.max_packet_size, …); defaults as in the schema. */
  limits?: Partial<ConnectionLimits>;
  /** Replicas sharing Redis (cluster.ts): aedes' message bus and session state there; absent: in memory. */
  cluster?: AedesCluster | null;
}

export interface ConnectionLimits {
  maxPacketBytes: number;
  maxConnectionsPerAddress: number;
  connectTimeoutMs: number;
}

/** New connections from an address that sent an oversize CONNECT are closed unread for this long. */
const OVERSIZE_COOL_OFF_MS = 10_000;

const DEFAULT_LIMITS: ConnectionLimits = { maxPacketBytes: 128 * 1024, maxConnectionsPerAddress: 64, connectTimeoutMs: 10_000 };

type Counter = ReturnType<Metrics['counter']>;
type AuthenticateDone = (error: AuthenticateError | null, success: boolean | null) => void;

/** CONNACK return codes of MQTT 3.1.1, table 3.1. */
const CONNACK_IDENTIFIER_REJECTED = 2;
const CONNACK_BAD_USERNAME_OR_PASSWORD = 4;
const CONNACK_NOT_AUTHORIZED = 5;

/**
 * The embedded aedes broker. aedes sends a QoS 1 PUBACK *before* its publish handlers run
 * (FIELD-NOTES), so the durable write happens in `authorizePublish`, the one hook aedes waits for
 * before it acknowledges: the callback is called only when ingest has committed the message.
 */
export class EmbeddedBroker implements BrokerLink {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private boundPort: number | null = null;
  private tlsServer: TlsServer | null = null;
  /** Every open device connection, also those still in their CONNECT handshake (aedes does not know those yet). */
  private readonly sockets = new Set<Socket>();
  private boundTlsPort: number | null = null;
  /** Drain (issue 18): PUBLISHes waiting for their commit, and whether new ones are still taken. */
  private inFlight = 0;
  private readonly onIdle: Array<() => void> = [];
  private refusing = false;
  private listenersClosed: Promise<void>[] = [];
  /** The broker's counters, registered by start(). */
  private counters!: { refused: Counter; publishDenied: Counter; subscribeDenied: Counter };
  /** Each connected client's device login: who its PUBLISH and SUBSCRIBE are checked as. */
  private readonly principals = new WeakMap<object, string>();

  constructor(private readonly o: EmbeddedBrokerOptions) {}

  get port(): number | null {
    return this.boundPort;
  }

  /** Port the TLS listener bound, or null without `mqtt.tls`. */
  get tlsPort(): number | null {
    return this.boundTlsPort;
  }

  get connectedClients(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    const { log, metrics } = this.o;
    this.counters = {
      refused: metrics.counter('sg_mqtt_refused_total', 'MQTT connections refused, by reason'),
      publishDenied: metrics.counter('sg_mqtt_publish_denied_total', 'PUBLISH packets refused by the topic ACL'),
      subscribeDenied: metrics.counter('sg_mqtt_subscribe_denied_total', 'SUBSCRIBE topic filters refused by the topic ACL'),
    };
    const limits = { ...DEFAULT_LIMITS, ...this.o.limits };
    const cluster = this.o.cluster ?? null;
    const aedes = await Aedes.createBroker({
      // One id per replica in a cluster (cluster.ts says why); one hub keeps the name it always had.
      id: cluster?.id ?? 'safegrid',
      ...(cluster ? { mq: cluster.mq, persistence: cluster.persistence, authorizeForward: dropEarlyQos0 } : {}),
      // A client that opens a connection and never sends CONNECT holds a socket and a parser.
      connectTimeout: limits.connectTimeoutMs,
      authenticate: (client, username, password, done) => this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client, sub, done),
    });
    this.watchErrors(aedes, cluster);
    this.aedes = aedes;
    this.guard = this.connectionGuard(limits, this.counters.refused);
    const guard = this.guard;
    this.server = createServer((socket) => {
      if (guard(socket)) aedes.handle(socket);
    });
    this.track(this.server);
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
    if (this.o.tls) await this.listenTls(this.o.tls, aedes, this.counters.refused);
  }

  /** CONNECT: the device's login (access.ts), then its client id and certificate binding (login-binding.ts). */
  private authenticate(client: Client, username: string | undefined, password: Buffer | undefined, done: AuthenticateDone): void {
    const { log, access } = this.o;
    if (!access) return done(null, true);
    const who = access.authenticate(username, password);
    if ('refused' in who) {
      this.counters.refused({ reason: who.refused });
      // The user name is logged (cut and made printable: it is untrusted), the password never.
      log.warn(
        { clientId: printableTopic(client.id ?? ''), username: username ? printableTopic(username.slice(0, 64)) : null, reason: who.refused },
        'MQTT login refused',
      );
      const err = new Error(who.refused === 'no_credentials' ? 'not authorized' : 'bad username or password') as AuthenticateError;
      err.returnCode = who.refused === 'no_credentials' ? CONNACK_NOT_AUTHORIZED : CONNACK_BAD_USERNAME_OR_PASSWORD;
      Object.assign(err, { code: HANDLED_REFUSAL }); // counted and logged above, not a malformed packet
      return done(err, false);
    }
    const finish = (binding: BindingRefusal | null, principal: string): void => {
      if (binding) {
        this.counters.refused({ reason: binding });
        log.warn(
          { clientId: printableTopic(client.id ?? ''), username: printableTopic((username ?? '').slice(0, 64)), principal, reason: binding },
          binding === 'client_id_taken'
            ? 'MQTT login refused: the client id belongs to another login'
            : 'MQTT login refused: no client certificate for this login',
        );
        // Refused here, before aedes registers the client: the holder of the id is not taken
        // over, and its last will is not published.
        const err = new Error(binding === 'client_id_taken' ? 'identifier rejected' : 'not authorized') as AuthenticateError;
        err.returnCode = binding === 'client_id_taken' ? CONNACK_IDENTIFIER_REJECTED : CONNACK_NOT_AUTHORIZED;
        Object.assign(err, { code: HANDLED_REFUSAL });
        return done(err, false);
      }
      this.principals.set(client, principal);
      log.debug({ clientId: printableTopic(client.id ?? ''), principal }, 'MQTT login');
      done(null, true);
    };
    const decided = this.bindingRefusal(client, username ?? '', who.principal, access);
    // Replicas ask Redis for a client id's binding (shared-client-ids.ts): CONNECT waits for it.
    if (decided instanceof Promise) void decided.then((binding) => finish(binding, who.principal));
    else finish(decided, who.principal);
  }

  /** PUBLISH: the topic ACL, the drain, then ingest's durable write; the PUBACK leaves when it has committed. */
  private authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    const { log, sink, access } = this.o;
    if (access) {
      // client is null only for a will left over from an earlier broker run: nobody to vouch for it.
      const who = client ? this.principals.get(client) : undefined;
      if (!who || !access.mayPublish(who, packet.topic)) {
        this.counters.publishDenied();
        log.warn(
          {
            code: 'SG_INGEST_UNAUTHORIZED_TOPIC',
            clientId: client ? printableTopic(client.id ?? '') : null,
            principal: who ?? null,
            topic: printableTopic(packet.topic),
          },
          'PUBLISH outside the device topic ACL refused; connection closed',
        );
        // MQTT 3.1.1 has no way to refuse one PUBLISH; aedes closes the connection [MQTT-3.3.5-2].
        // Nothing reaches ingest: the message is not recorded under any device.
        return done(Object.assign(new Error('not authorized'), { code: HANDLED_REFUSAL }));
      }
    }
    // Draining: not taken, no PUBACK; aedes closes the connection and the device resends the
    // message to the replica it reconnects to.
    if (this.refusing) return done(Object.assign(new Error('draining'), { code: HANDLED_REFUSAL }));
    // A live publish, even with the retain flag set, is news; only retained replays at
    // subscribe time are state. Hence retained: false here.
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    this.inFlight++;
    // The PUBACK is written synchronously inside done(null) (aedes' enqueuePublish), so it
    // leaves before ingest's journal announces the batch on the next macrotask.
    sink.receive({ topic: packet.topic, payload, retained: false, clientId: client?.id ?? null }).then(
      () => {
        done(null);
        this.settledOne();
      },
      (err: unknown) => {
        // Not durable: no PUBACK, the device keeps the message and resends it.
        log.error({ err, topic: printableTopic(packet.topic) }, 'message not committed; withholding PUBACK');
        done(err instanceof Error ? err : new Error(String(err)));
        this.settledOne();
      },
    );
  }

  /** SUBSCRIBE: a device may subscribe to its own command topics only. */
  private authorizeSubscribe(client: Client, sub: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
    const { log, access } = this.o;
    if (access) {
      const who = this.principals.get(client);
      if (!who || !access.maySubscribe(who, sub.topic)) {
        this.counters.subscribeDenied();
        log.warn(
          { clientId: printableTopic(client.id ?? ''), principal: who ?? null, topic: printableTopic(sub.topic) },
          'SUBSCRIBE outside the device command topics refused',
        );
        // A null subscription is answered with return code 0x80 (failure) in the SUBACK
        // [MQTT-3.9.3]; the device stays connected and keeps sending alarms.
        return done(null, null);
      }
    }
    done(null, sub);
  }

  /** Connection errors: a malformed packet is counted and logged; in a cluster, Redis errors too. */
  private watchErrors(aedes: Aedes, cluster: AedesCluster | null): void {
    const { log, metrics } = this.o;
    // A malformed packet (bad UTF-8, bad length, a wildcard in a PUBLISH topic…) closes that one
    // connection [MQTT-4.8.0-1]; it is counted and logged, and every other device goes on. A reset
    // connection (a device losing power) is a network error, not a protocol one.
    const clientErrors = metrics.counter('sg_mqtt_client_errors_total', 'MQTT connections closed on an error, by kind (protocol, network)');
    const onClientError = (client: { id?: string | null }, err: Error & { code?: string }): void => {
      // A topic-ACL refusal closes the connection through the same path, but it is counted and
      // logged where it is decided (authorizePublish); it is not a malformed packet.
      if (err.code === HANDLED_REFUSAL) return;
      const kind = err.code && /^E[A-Z]+$/.test(err.code) ? 'network' : 'protocol';
      clientErrors({ kind });
      const fields = { clientId: printableTopic(client.id ?? ''), err: printableTopic(String(err.message).slice(0, 200)) };
      if (kind === 'protocol') log.warn({ ...fields, code: 'SG_MQTT_PROTOCOL_ERROR' }, 'malformed MQTT packet; connection closed');
      else log.debug(fields, 'MQTT connection error');
    };
    aedes.on('clientError', onClientError);
    if (cluster) {
      gateUntilConnack(aedes as never, cluster.persistence);
      // A Redis command of the session state failed (aedes has no other way to say it): the device
      // concerned reconnects and its session is read again; the broker and every other device go on.
      const clusterErrors = metrics.counter('sg_mqtt_cluster_errors_total', 'Errors of the embedded broker’s Redis message bus or session state');
      // aedes' typings list only its named events; 'error' is the EventEmitter's own.
      (aedes as EventEmitter).on('error', (err: Error) => {
        clusterErrors();
        log.error({ code: 'SG_MQTT_CLUSTER_ERROR', err: printableTopic(String(err.message).slice(0, 200)) }, 'MQTT cluster state error');
      });
    }
    aedes.on('connectionError', onClientError);
  }

  private guard: ((socket: Socket) => boolean) | null = null;

  /** A login with the right password that still may not connect this way (login-binding.ts), or null. */
  private bindingRefusal(
    client: { id?: string | null; conn?: unknown },
    username: string,
    principal: string,
    access: DeviceAccess,
  ): BindingRefusal | null | Promise<BindingRefusal | null> {
    const conn = client.conn;
    const encrypted = conn instanceof TLSSocket;
    // Only a verified certificate counts (rejectUnauthorized is on whenever certificates are required).
    const cert = encrypted && conn.authorized ? conn.getPeerCertificate() : null;
    const cn = cert?.subject?.CN;
    const certRefusal = certificateRefusal({
      requireClientCert: this.o.tls?.requireClientCert ?? false,
      encrypted,
      certCommonName: typeof cn === 'string' ? cn : null,
      username,
    });
    if (certRefusal) return certRefusal;
    const may = access.mayUseClientId(principal, client.id ?? '');
    if (typeof may === 'boolean') return may ? null : 'client_id_taken';
    return may.then((ok) => (ok ? null : 'client_id_taken'));
  }

  /**
   * Checks made on the raw socket, before aedes parses a byte (issue 17, item 1): at most
   * `maxConnectionsPerAddress` open connections per remote address, and no packet that announces
   * more than `maxPacketBytes` — aedes would otherwise buffer it whole, before authentication.
   * Returns false when the socket was closed at once.
   */
  private connectionGuard(limits: ConnectionLimits, refused: (labels: { reason: string }) => void): (socket: Socket) => boolean {
    const { log } = this.o;
    const perAddress = new AddressCounter(limits.maxConnectionsPerAddress);
    const coolOff = new CoolOff(OVERSIZE_COOL_OFF_MS);
    // Log once per address and minute at most: a flood must not become a log flood.
    const lastLogged = new Map<string, number>();
    const note = (address: string, fields: Record<string, unknown>, msg: string): void => {
      const now = Date.now();
      if ((lastLogged.get(address) ?? 0) > now - 60_000) return;
      if (lastLogged.size > 10_000) lastLogged.clear();
      lastLogged.set(address, now);
      log.warn({ remote: address, ...fields }, msg);
    };
    return (socket) => {
      const address = socket.remoteAddress ?? 'unknown';
      const cooling = coolOff.remaining(address, Date.now());
      if (cooling > 0) {
        refused({ reason: 'cool_off' });
        // Held unread until the cool-off ends (within the per-address cap): closing at once would
        // only make the client retry at once, and each retry costs an accept and a socket.
        if (!perAddress.admit(address)) {
          socket.destroy();
          return false;
        }
        socket.pause();
        socket.on('error', () => undefined);
        const timer = setTimeout(() => socket.destroy(), cooling);
        socket.once('close', () => {
          clearTimeout(timer);
          perAddress.release(address);
        });
        return false;
      }
      if (!perAddress.admit(address)) {
        refused({ reason: 'too_many_connections' });
        note(address, { code: 'SG_MQTT_TOO_MANY_CONNECTIONS', limit: limits.maxConnectionsPerAddress }, 'MQTT connection refused: too many from one address');
        socket.destroy();
        return false;
      }
      socket.once('close', () => perAddress.release(address));
      const scanner = new PacketSizeScanner(limits.maxPacketBytes);
      const onData = (chunk: Buffer): void => {
        const r = scanner.feed(chunk);
        if (r.ok) return;
        socket.off('data', onData);
        // A malformed length is aedes' to refuse (counted as a protocol error); only size is ours.
        if (r.reason !== 'too_big') return;
        refused({ reason: 'packet_too_big' });
        // An oversize CONNECT is never a device's mistake worth retrying at once: its address waits.
        if (r.first) coolOff.start(address, Date.now());
        note(
          address,
          { code: 'SG_MQTT_PACKET_TOO_BIG', announced: r.announced, limit: limits.maxPacketBytes },
          'MQTT packet over the size limit; connection closed',
        );
        // Closed before aedes asks for the rest: at most one chunk of the packet was ever held.
        socket.destroy();
      };
      // aedes reads with read() on 'readable'; a 'data' listener sees every chunk as it is read,
      // before aedes' parser gets it, and does not change the flow aedes controls.
      socket.on('data', onData);
      return true;
    };
  }

  private async listenTls(tls: EmbeddedTls, aedes: Aedes, refused: (labels: { reason: string }) => void): Promise<void> {
    const { log } = this.o;
    // Client certificates are asked for only when required: an optional certificate that is never
    // checked would look like protection without being any.
    const server = createTlsServer(
      {
        cert: tls.cert,
        key: tls.key,
        ...(tls.ca ? { ca: tls.ca } : {}),
        requestCert: tls.requireClientCert,
        rejectUnauthorized: tls.requireClientCert,
      },
      (socket) => {
        if (!this.guard || this.guard(socket)) aedes.handle(socket);
      },
    );
    server.on('tlsClientError', (err, socket) => {
      refused({ reason: 'tls' });
      log.warn({ remote: socket.remoteAddress ?? null, err: err.message }, 'MQTT TLS handshake refused');
    });
    this.tlsServer = server;
    this.track(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tls.port, this.o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.boundTlsPort = typeof addr === 'object' && addr ? addr.port : tls.port;
    log.info(
      { host: this.o.host, port: this.boundTlsPort, clientCert: tls.requireClientCert ? 'required' : 'not asked' },
      'embedded MQTT broker listening (TLS)',
    );
  }

  /** The raw TCP socket, also for TLS (a TLS handshake in progress holds the port as well). */
  private track(server: Server | TlsServer): void {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Drain, first step: no new device connections (a load balancer sends them to another replica); the open ones go on. */
  stopAccepting(): void {
    for (const server of [this.server, this.tlsServer]) {
      if (server?.listening) this.listenersClosed.push(new Promise<void>((resolve) => server.close(() => resolve())));
    }
  }

  /**
   * Drain, second step: take no new PUBLISH (its connection is closed unacknowledged) and resolve
   * once every one already taken has been committed and acknowledged, or refused.
   */
  quiesce(): Promise<void> {
    this.refusing = true;
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.onIdle.push(resolve));
  }

  private settledOne(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const resolve of this.onIdle.splice(0)) resolve();
  }

  /**
   * Stop listening, end every connection, and return once the ports are free. A connection still in
   * its CONNECT handshake is not an aedes client yet, so aedes.close() would not end it and
   * server.close() would wait for it: every socket is destroyed here. No PUBACK leaves after this.
   */
  async stop(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((s): s is Server | TlsServer => s !== null);
    const aedes = this.aedes;
    this.server = null;
    this.aedes = null;
    this.tlsServer = null;
    // A listener closed by stopAccepting() already has its promise; closing it again would answer at once.
    const closed = [
      ...this.listenersClosed.splice(0),
      ...servers.filter((server) => server.listening).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    ];
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all(closed);
  }
}
