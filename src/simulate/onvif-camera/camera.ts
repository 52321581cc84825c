/**
 * A simulated ONVIF camera (Profile S subset + PullPoint events), written from the ONVIF Core,
 * Media (ver10) and Event specifications, independent of SafeGrid's client code so that each
 * checks the other. It runs on loopback ports, several at once, and misbehaves on demand.
 *
 *   Device service  POST /onvif/device_service  GetSystemDateAndTime (no auth, Core §5.9.4.3
 *                   PRE_AUTH), GetDeviceInformation, GetCapabilities, GetServices, GetScopes,
 *                   GetHostname, GetNetworkInterfaces
 *   Media service   POST /onvif/media_service   GetProfiles, GetStreamUri, GetSnapshotUri, GetVideoSources
 *   Event service   POST /onvif/event_service   CreatePullPointSubscription, GetEventProperties
 *   Subscription    POST /onvif/subscription/N  PullMessages, Renew, Unsubscribe
 *   Snapshot        GET  /snapshot.jpg           HTTP Digest (RFC 7616, MD5 or SHA-256)
 *   Stream          RTSP rtsp://HOST:RTSPPORT/stream/main|sub   Motion JPEG over RTP, interleaved on
 *                        the RTSP connection, RTSP Digest MD5 (or Basic); rtsp.ts. A port of its own
 *                        (`rtsp.port`, 0 = any free one), like a camera's 554. GetStreamUri returns it.
 *   Stream          GET  /mjpeg                  multipart/x-mixed-replace, HTTP Digest: kept for
 *                        cameras that stream only this way (`streamUri: 'mjpeg'` makes GetStreamUri
 *                        return it instead, as such cameras do)
 *   WS-Discovery    UDP  bind address/port configurable; answers Probe with ProbeMatches
 *
 * `state.wrongPassword` applies to all of them: SOAP, HTTP Digest and RTSP.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Credentials, HttpDigest, PRE_AUTH, UsernameTokenAuth } from './auth.js';
import { type DeviceFacts, deviceService } from './device-service.js';
import { bindDiscovery, type DiscoveryOptions, probeMatches, scopesOf } from './discovery.js';
import { type EventName, EventService, type SubscriptionStats } from './event-service.js';
import { FrameSource } from './frames.js';
import { type MediaFacts, mediaService } from './media-service.js';
import { RtspServer } from './rtsp.js';
import type { RtspAuthScheme } from './rtsp-auth.js';
import { envelope, fault, get, type Misbehaviour, type SoapReply, xmlParser } from './soap-xml.js';

export type { Misbehaviour, SubscriptionStats };

export interface SimCameraOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  username?: string;
  password?: string;
  name?: string;
  hardware?: string;
  manufacturer?: string;
  serial?: string;
  location?: string;
  /** HTTP Digest algorithm on the snapshot and stream URIs. */
  digestAlgorithm?: 'MD5' | 'SHA-256';
  /** Digital input boolean style: `word` (true/false, Hikvision) or `digit` (1/0, Axis). */
  booleans?: 'word' | 'digit';
  /** The camera clock runs this far ahead of ours (tests of WS-Security Created checks). */
  clockSkewMs?: number;
  discovery?: { address: string; port?: number; multicast?: boolean } | null;
  ffmpeg?: string;
  /** The RTSP server: port (0 = any free one), authentication (default Digest MD5), session timeout. */
  rtsp?: { port?: number; auth?: RtspAuthScheme; sessionTimeoutSec?: number; maxClients?: number };
  /**
   * What GetStreamUri returns: `rtsp` (default; what ONVIF Profile S cameras return) or `mjpeg`
   * (the HTTP multipart stream, as some cheap cameras return).
   */
  streamUri?: 'rtsp' | 'mjpeg';
  /**
   * Names this host in the stream and snapshot addresses it reports instead of its own (a camera
   * behind NAT that reports its inside address, or a forged reply fishing for the login).
   */
  reportHost?: string;
  /**
   * Which addresses name `reportHost` (default: `media`, the stream and snapshot URIs): `services`
   * the media and event XAddrs of GetServices/GetCapabilities, `subscription` the
   * SubscriptionReference of CreatePullPointSubscription.
   */
  reportHostIn?: Array<'media' | 'services' | 'subscription'>;
  /**
   * Event service as strict servers run it (issue 16): CreatePullPointSubscription, PullMessages,
   * Renew and Unsubscribe without WS-Addressing Action, MessageID and To are faulted
   * (wsa:MessageAddressingHeaderRequired, WS-Addressing 1.0 SOAP Binding §6.4.1).
   */
  strictAddressing?: boolean;
  /** Subscription slots: a CreatePullPointSubscription beyond this many live ones is faulted. */
  maxSubscriptions?: number;
  /**
   * The camera's clock runs this many times faster than real time from start: subscriptions
   * expire, long polls end and times are stated on it (a 30-minute run in 30 s at 60).
   */
  timeScale?: number;
  /**
   * Subscriptions addressed as some Hikvision / Axis firmwares do (issue 16): one shared address,
   * `/onvif/subscription`, and the subscription id in the SubscriptionReference's
   * `wsa:ReferenceParameters` (`<sim:SubscriptionId xmlns:sim="urn:safegrid:sim:subscription">`,
   * its text full of characters that need escaping). PullMessages, Renew and Unsubscribe must echo
   * it as a header with `wsa:IsReferenceParameter="true"` (WS-Addressing 1.0 SOAP Binding §3.3);
   * the id picks the subscription. Without it: `wsa:MessageAddressingHeaderRequired`; not marked
   * or in another namespace: `wsa:InvalidAddressingHeader`; a value this camera never handed out:
   * `wsa:DestinationUnreachable`; the id of a subscription gone: `ter:InvalidArgVal`, as by path.
   * `'impersonating'` adds a second parameter, a `wsse:Security` header of its own (a forged reply
   * trying to plant a header in the client's requests).
   */
  referenceParameters?: boolean | 'impersonating';
}

export interface SimState {
  /** The camera's password changed: every client with the old one is refused. */
  wrongPassword: boolean;
  /** Every HTTP answer is delayed this long. */
  delayMs: number;
  /** SOAP answers misbehave this way. */
  misbehave: Misbehaviour;
  /** WS-Discovery answers misbehave this way. */
  discoveryMisbehave: Misbehaviour;
  /** PullMessages hands out the whole queue whatever MessageLimit says (issue 16: 600 in one reply). */
  ignoreMessageLimit: boolean;
}

export class SimCamera {
  readonly o: Required<Omit<SimCameraOptions, 'discovery' | 'ffmpeg' | 'rtsp' | 'reportHost' | 'maxSubscriptions'>> &
    Pick<SimCameraOptions, 'discovery' | 'ffmpeg' | 'rtsp' | 'reportHost' | 'maxSubscriptions'>;
  /** The next this many Renews are faulted (s:Receiver), the subscription itself staying alive. */
  failRenews = 0;
  readonly state: SimState = { wrongPassword: false, delayMs: 0, misbehave: 'none', discoveryMisbehave: 'none', ignoreMessageLimit: false };
  readonly subscriptionStats: SubscriptionStats;
  /** Real time at construction: the scaled clock counts from here. */
  private readonly realStart = Date.now();
  readonly uuid = randomUUID();
  readonly frames: FrameSource;
  readonly rtsp: RtspServer;
  private server: http.Server | null = null;
  private udp: dgram.Socket | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly events: EventService;
  private readonly digest = new HttpDigest(() => this.o.digestAlgorithm);
  private readonly usernameToken = new UsernameTokenAuth();
  private boundPort = 0;
  /** Requests seen, by operation (tests read it). */
  readonly calls: string[] = [];

  constructor(options: SimCameraOptions = {}) {
    this.o = {
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      username: options.username ?? 'admin',
      password: options.password ?? 'sim-pass-1',
      name: options.name ?? 'SimCam',
      hardware: options.hardware ?? 'SIM-IPC-2000',
      manufacturer: options.manufacturer ?? 'SafeGrid Sim',
      serial: options.serial ?? randomBytes(4).toString('hex').toUpperCase(),
      location: options.location ?? 'test-lab',
      digestAlgorithm: options.digestAlgorithm ?? 'MD5',
      booleans: options.booleans ?? 'word',
      clockSkewMs: options.clockSkewMs ?? 0,
      discovery: options.discovery ?? null,
      ffmpeg: options.ffmpeg,
      rtsp: options.rtsp,
      streamUri: options.streamUri ?? 'rtsp',
      reportHost: options.reportHost,
      reportHostIn: options.reportHostIn ?? ['media'],
      strictAddressing: options.strictAddressing ?? false,
      maxSubscriptions: options.maxSubscriptions,
      timeScale: options.timeScale ?? 1,
      referenceParameters: options.referenceParameters ?? false,
    };
    // Each camera tints its picture differently, so two cameras never send the same bytes.
    const hue = [...this.o.name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) % 360, 7);
    this.frames = new FrameSource({ hue, ...(options.ffmpeg ? { ffmpeg: options.ffmpeg } : {}) });
    this.rtsp = new RtspServer({
      host: this.o.host,
      port: options.rtsp?.port ?? 0,
      frames: this.frames,
      auth: options.rtsp?.auth ?? 'digest',
      ...(options.rtsp?.sessionTimeoutSec ? { sessionTimeoutSec: options.rtsp.sessionTimeoutSec } : {}),
      ...(options.rtsp?.maxClients ? { maxClients: options.rtsp.maxClients } : {}),
      name: this.o.name,
      credentials: () => this.credentials(),
    });
    this.events = new EventService({
      o: this.o,
      state: this.state,
      clockMs: () => this.clockMs(),
      online: () => this.server !== null,
      subscriptionBase: () => this.reported('subscription', this.base),
      failRenew: () => {
        if (this.failRenews <= 0) return false;
        this.failRenews--;
        return true;
      },
    });
    this.subscriptionStats = this.events.stats;
  }

  get port(): number {
    return this.boundPort;
  }
  get base(): string {
    return `http://${this.o.host}:${this.boundPort}`;
  }
  get xaddr(): string {
    return `${this.base}/onvif/device_service`;
  }
  /** The RTSP URL of a profile's stream (no credentials in it). */
  rtspUrl(profile: 'main' | 'sub' = 'main'): string {
    return this.rtsp.url(profile);
  }
  get discoveryPort(): number | null {
    const a = this.udp?.address();
    return a ? a.port : null;
  }

  async start(): Promise<this> {
    await this.listen(this.o.port);
    try {
      await this.rtsp.start();
    } catch (err) {
      await this.goOffline(); // no half-started camera holding its HTTP port
      throw err;
    }
    if (this.o.discovery) await this.startDiscovery(this.o.discovery);
    return this;
  }

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, this.o.host, () => ok());
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** Stop answering: the listener closes and open connections drop (a camera losing power). */
  async goOffline(): Promise<void> {
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((ok) => s.close(() => ok()));
    await this.rtsp.stop();
    this.udp?.close();
    this.udp = null;
  }

  /** Back on the same port. */
  async goOnline(): Promise<void> {
    if (this.server) return;
    await this.listen(this.boundPort);
    await this.rtsp.start();
    if (this.o.discovery) await this.startDiscovery(this.o.discovery);
  }

  async stop(): Promise<void> {
    await this.goOffline();
    this.events.stop();
    this.frames.stop();
  }

  /** Raise (or clear) an event: every live PullPoint subscription gets a Changed message. */
  trigger(what: EventName, active = true): void {
    this.events.trigger(what, active);
  }

  // --- HTTP ---

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1024 * 1024) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    if (process.env.SIM_DEBUG)
      console.error(`${req.method} ${req.url} ${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8').slice(0, 3000)}`);
    if (this.state.delayMs > 0) await new Promise((r) => setTimeout(r, this.state.delayMs));
    if (!this.server) return void res.destroy();
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (req.method === 'GET' && url.pathname === '/snapshot.jpg') return await this.snapshot(req, res);
      if (req.method === 'GET' && url.pathname === '/mjpeg') return this.mjpeg(req, res);
      if (req.method === 'POST' && url.pathname.startsWith('/onvif/')) return await this.soap(url.pathname, Buffer.concat(chunks).toString('utf8'), res);
      res.writeHead(404).end();
    } catch (err) {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    }
  }

  /** The login the camera takes now: with `state.wrongPassword`, not the configured one. */
  private credentials(): Credentials {
    return { username: this.o.username, password: this.state.wrongPassword ? `${this.o.password}-changed` : this.o.password };
  }

  private async snapshot(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.calls.push('snapshot');
    if (!this.digest.ok(req, this.credentials())) return this.digest.challenge(res);
    const frame = await this.frames.frame();
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': frame.length });
    res.end(frame);
  }

  private mjpeg(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.calls.push('mjpeg');
    if (!this.digest.ok(req, this.credentials())) return this.digest.challenge(res);
    res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace;boundary=simframe', 'Cache-Control': 'no-store' });
    const off = this.frames.onFrame((f) => {
      res.write(`--simframe\r\nContent-Type: image/jpeg\r\nContent-Length: ${f.length}\r\n\r\n`);
      res.write(f);
      res.write('\r\n');
    });
    res.on('close', off);
  }

  // --- SOAP ---

  /** The camera's clock, ms: real time scaled by `timeScale` from start, plus the skew. */
  clockMs(): number {
    return this.realStart + (Date.now() - this.realStart) * this.o.timeScale + this.o.clockSkewMs;
  }

  private now(): Date {
    return new Date(this.clockMs());
  }

  /** Live (unexpired) subscriptions; expired ones are dropped on the way, as the device would. */
  liveSubscriptions(): number {
    return this.events.live();
  }

  private send(res: http.ServerResponse, r: SoapReply): void {
    const xml = envelope(r.body, r.header ?? '', this.state.misbehave);
    // Content-Length, not chunked: embedded ONVIF clients (libonvif's onvif-util) read only that.
    const bytes = Buffer.from(xml, 'utf8');
    res.writeHead(r.status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': bytes.length });
    res.end(bytes);
  }

  private async soap(path: string, body: string, res: http.ServerResponse): Promise<void> {
    let env: unknown;
    try {
      env = xmlParser.parse(body);
    } catch {
      return this.send(res, fault(true, 'ter:WellFormed', 'request is not well-formed XML'));
    }
    const bodyEl = get(env, 'Envelope', 'Body');
    const op = bodyEl && typeof bodyEl === 'object' ? Object.keys(bodyEl).find((k) => !k.startsWith('@_')) : undefined;
    if (!op) return this.send(res, fault(true, 'ter:WellFormed', 'no operation in the SOAP body'));
    this.calls.push(op);
    const req = get(bodyEl, op);
    // Core §5.9.4.3 access class PRE_AUTH: answered without credentials.
    const preAuth = PRE_AUTH.has(op);
    if (!preAuth && !this.usernameToken.authenticated(env, this.credentials(), () => this.now())) {
      return this.send(res, fault(true, 'ter:NotAuthorized', 'Sender not Authorized'));
    }

    const eventOp = path === '/onvif/event_service' || path.startsWith('/onvif/subscription/');
    const refused = eventOp ? this.events.addressingFault(env, op) : null;
    if (refused) return this.send(res, refused);
    if (path === '/onvif/device_service') return this.send(res, deviceService(op, this.deviceFacts()));
    if (path === '/onvif/media_service') return this.send(res, mediaService(op, req, this.mediaFacts()));
    if (path === '/onvif/event_service') return this.send(res, this.events.eventService(op, req));
    if (path === '/onvif/subscription' && this.o.referenceParameters) {
      const id = this.events.referencedSubscription(body, op);
      return typeof id === 'number' ? this.subscription(id, op, req, res) : this.send(res, id);
    }
    const m = /^\/onvif\/subscription\/(\d+)$/.exec(path);
    if (m && !this.o.referenceParameters) return this.subscription(Number(m[1]), op, req, res);
    return this.send(res, fault(false, 'ter:ActionNotSupported', `no service at ${path}`));
  }

  private async subscription(id: number, op: string, req: unknown, res: http.ServerResponse): Promise<void> {
    const r = await this.events.subscription(id, op, req);
    if (r === null) return void res.destroy();
    return this.send(res, r);
  }

  /** `url` with `reportHost` in place of our host, where the options ask for it. */
  private reported(where: 'media' | 'services' | 'subscription', url: string): string {
    if (!this.o.reportHost || !this.o.reportHostIn.includes(where)) return url;
    return url.replace(`//${this.o.host}:`, `//${this.o.reportHost}:`);
  }

  private deviceFacts(): DeviceFacts {
    const { manufacturer, hardware, serial, name, host } = this.o;
    const now = (): Date => this.now();
    return { base: this.base, svcBase: this.reported('services', this.base), now, manufacturer, hardware, serial, name, host, scopes: () => this.scopes() };
  }

  private mediaFacts(): MediaFacts {
    return { base: this.base, streamUri: this.o.streamUri, rtspUrl: (p) => this.rtsp.url(p), reported: (url) => this.reported('media', url) };
  }

  // --- WS-Discovery (ONVIF Core §7.3, discovery.ts) ---

  scopes(): string[] {
    return scopesOf(this.o);
  }

  private async startDiscovery(d: DiscoveryOptions): Promise<void> {
    this.udp = await bindDiscovery(d, (msg, rinfo) => this.onProbe(msg, rinfo));
  }

  private onProbe(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const buf = probeMatches(msg, { uuid: this.uuid, scopes: () => this.scopes(), xaddr: this.xaddr, misbehave: this.state.discoveryMisbehave });
    if (buf) this.udp?.send(buf, rinfo.port, rinfo.address);
  }
}
