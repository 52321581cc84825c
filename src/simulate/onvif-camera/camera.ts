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
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { FrameSource } from './frames.js';
import { RtspServer } from './rtsp.js';
import type { RtspAuthScheme } from './rtsp-auth.js';

export type Misbehaviour = 'none' | 'malformed' | 'doctype' | 'huge' | 'missing-fields';

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

/** What the event service has seen (tests read it). */
export interface SubscriptionStats {
  created: number;
  /** Refused for want of a slot. */
  refusedNoSlot: number;
  /** Requests faulted for missing WS-Addressing headers, by operation. */
  refusedAddressing: Record<string, number>;
  renewed: number;
  unsubscribed: number;
  /** Dropped by the camera because nobody renewed them in time. */
  expired: number;
  /** The most subscriptions alive at once. */
  maxLive: number;
  /** Notification messages handed out by PullMessages (Changed ones, not Initialized). */
  delivered: number;
  /** Requests faulted for a missing or wrong reference parameter (`referenceParameters`), by operation. */
  refusedReferenceParameters: Record<string, number>;
  /** Subscription ids (reference parameters) that reached each operation, in order (`referenceParameters`). */
  referenced: Array<{ op: string; id: number }>;
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

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa5: 'http://www.w3.org/2005/08/addressing',
  ter: 'http://www.onvif.org/ver10/error',
  tns1: 'http://www.onvif.org/ver10/topics',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  d: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
};

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
});
/** Prefixes kept: the reference-parameter check needs the header's namespace. */
const nsParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: false, parseTagValue: false, processEntities: false });
const SIM_REF_NS = 'urn:safegrid:sim:subscription';
/** The five predefined entities (the request parser leaves them as written). */
const unescapeXml = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

type Obj = Record<string, unknown>;
const PRE_AUTH = new Set([
  'GetSystemDateAndTime',
  'GetHostname',
  'GetCapabilities',
  'GetServices',
  'GetServiceCapabilities',
  'GetWsdlUrl',
  'GetEndpointReference',
]);
const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (Array.isArray(cur) ? cur[0] : cur)?.[k as never] : undefined), o);
const str = (v: unknown): string =>
  typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Obj)['#text'] === 'string' ? ((v as Obj)['#text'] as string) : '';

interface Subscription {
  id: number;
  expires: number;
  queue: string[];
  wake: (() => void) | null;
}

type EventName = 'motion' | 'tamper' | 'input';

/** `PT60S` (xs:duration, seconds only — what clients send) → ms; null otherwise. */
function durationMs(v: string): number | null {
  const m = /^PT(\d+(?:\.\d+)?)S$/.exec(v.trim());
  return m ? Number(m[1]) * 1000 : null;
}

export class SimCamera {
  readonly o: Required<Omit<SimCameraOptions, 'discovery' | 'ffmpeg' | 'rtsp' | 'reportHost' | 'maxSubscriptions'>> &
    Pick<SimCameraOptions, 'discovery' | 'ffmpeg' | 'rtsp' | 'reportHost' | 'maxSubscriptions'>;
  /** The next this many Renews are faulted (s:Receiver), the subscription itself staying alive. */
  failRenews = 0;
  readonly state: SimState = { wrongPassword: false, delayMs: 0, misbehave: 'none', discoveryMisbehave: 'none', ignoreMessageLimit: false };
  readonly subscriptionStats: SubscriptionStats = {
    created: 0,
    refusedNoSlot: 0,
    refusedAddressing: {},
    renewed: 0,
    unsubscribed: 0,
    expired: 0,
    maxLive: 0,
    delivered: 0,
    refusedReferenceParameters: {},
    referenced: [],
  };
  /** Real time at construction: the scaled clock counts from here. */
  private readonly realStart = Date.now();
  readonly uuid = randomUUID();
  readonly frames: FrameSource;
  readonly rtsp: RtspServer;
  private server: http.Server | null = null;
  private udp: dgram.Socket | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly subs = new Map<number, Subscription>();
  private nextSub = 1;
  private readonly usedNonces = new Map<string, number>();
  private readonly properties: Record<EventName, boolean> = { motion: false, tamper: false, input: false };
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
      credentials: () => ({ username: this.o.username, password: this.state.wrongPassword ? `${this.o.password}-changed` : this.o.password }),
    });
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
    for (const sub of this.subs.values()) sub.wake?.();
    this.subs.clear();
    this.frames.stop();
  }

  /** Raise (or clear) an event: every live PullPoint subscription gets a Changed message. */
  trigger(what: EventName, active = true): void {
    this.properties[what] = active;
    const msg = this.notification(what, active, 'Changed');
    for (const sub of this.subs.values()) {
      sub.queue.push(msg);
      sub.wake?.();
    }
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

  // --- HTTP Digest (RFC 7616 §3.3–3.4), server side ---

  private readonly digestNonces = new Set<string>();

  private digestOk(req: http.IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Digest ')) return false;
    const p: Record<string, string> = {};
    for (const m of h.slice(7).matchAll(/([a-z]+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/gi)) p[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? '').replace(/\\(.)/g, '$1');
    if (!p.nonce || !this.digestNonces.has(p.nonce)) return false;
    const algo = this.o.digestAlgorithm;
    const H = (s: string): string =>
      createHash(algo === 'SHA-256' ? 'sha256' : 'md5')
        .update(s)
        .digest('hex');
    const password = this.state.wrongPassword ? `${this.o.password}-changed` : this.o.password;
    if (p.username !== this.o.username) return false;
    const ha1 = H(`${this.o.username}:sim-camera:${password}`);
    const ha2 = H(`${req.method}:${p.uri}`);
    if (p.uri !== req.url) return false;
    const expected = H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`);
    return p.qop === 'auth' && p.response === expected;
  }

  private challenge(res: http.ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    this.digestNonces.add(nonce);
    const opaque = randomBytes(8).toString('hex');
    res.writeHead(401, {
      'WWW-Authenticate': `Digest realm="sim-camera", qop="auth", algorithm=${this.o.digestAlgorithm}, nonce="${nonce}", opaque="${opaque}"`,
      'Content-Type': 'text/plain',
    });
    res.end('401 Unauthorized');
  }

  private async snapshot(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.calls.push('snapshot');
    if (!this.digestOk(req)) return this.challenge(res);
    const frame = await this.frames.frame();
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': frame.length });
    res.end(frame);
  }

  private mjpeg(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.calls.push('mjpeg');
    if (!this.digestOk(req)) return this.challenge(res);
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
    const now = this.clockMs();
    for (const [id, sub] of this.subs) {
      if (sub.expires < now) {
        this.subs.delete(id);
        this.subscriptionStats.expired++;
        sub.wake?.();
      }
    }
    return this.subs.size;
  }

  private send(res: http.ServerResponse, status: number, body: string, headers = ''): void {
    let xml =
      `<?xml version="1.0" encoding="UTF-8"?>` +
      `<s:Envelope xmlns:s="${NS.s}" xmlns:tt="${NS.tt}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tev="${NS.tev}" xmlns:wsnt="${NS.wsnt}" ` +
      `xmlns:wsa5="${NS.wsa5}" xmlns:ter="${NS.ter}" xmlns:tns1="${NS.tns1}">${headers ? `<s:Header>${headers}</s:Header>` : ''}<s:Body>${body}</s:Body>` +
      `</s:Envelope>`;
    switch (this.state.misbehave) {
      case 'malformed':
        xml = xml.slice(0, Math.floor(xml.length * 0.6)) + '<unclosed attr="x>';
        break;
      case 'doctype':
        xml = `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + xml.replace('<s:Body>', '<s:Body>&xxe;');
        break;
      case 'huge':
        xml = xml.replace('</s:Body>', `<tt:Padding>${'A'.repeat(10 * 1024 * 1024)}</tt:Padding></s:Body>`);
        break;
      case 'missing-fields':
        xml = xml
          .replace(/<tt:Uri>[^<]*<\/tt:Uri>/g, '')
          .replace(/<tds:Manufacturer>[^<]*<\/tds:Manufacturer>/g, '')
          .replace(/ token="[^"]*"/g, '');
        break;
    }
    // Content-Length, not chunked: embedded ONVIF clients (libonvif's onvif-util) read only that.
    const bytes = Buffer.from(xml, 'utf8');
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': bytes.length });
    res.end(bytes);
  }

  private fault(res: http.ServerResponse, sender: boolean, subcode: string, reason: string): void {
    this.send(
      res,
      sender ? 400 : 500,
      `<s:Fault><s:Code><s:Value>${sender ? 's:Sender' : 's:Receiver'}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
        `<s:Reason><s:Text xml:lang="en">${escapeXml(reason)}</s:Text></s:Reason></s:Fault>`,
    );
  }

  /** WS-Security UsernameToken Profile 1.0 §3.1; ONVIF Core §5.12.2. */
  private authenticated(envelope: unknown): boolean {
    const token = get(envelope, 'Envelope', 'Header', 'Security', 'UsernameToken');
    if (!token) return false;
    const user = str(get(token, 'Username'));
    const pwNode = get(token, 'Password') as Obj | string | undefined;
    const pw = str(pwNode);
    const type = typeof pwNode === 'object' ? String(pwNode['@_Type'] ?? '') : '';
    const nonce = str(get(token, 'Nonce'));
    const created = str(get(token, 'Created'));
    const password = this.state.wrongPassword ? `${this.o.password}-changed` : this.o.password;
    if (user !== this.o.username) return false;
    if (type.endsWith('#PasswordText')) return pw === password;
    if (!nonce || !created) return false;
    const t = Date.parse(created);
    if (!Number.isFinite(t) || Math.abs(t - this.now().getTime()) > 5 * 60_000) return false;
    // Replay: a nonce is accepted once within the Created window.
    const seen = this.usedNonces.get(nonce);
    if (seen !== undefined && seen === t) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)]))
      .digest('base64');
    if (expected !== pw) return false;
    this.usedNonces.set(nonce, t);
    if (this.usedNonces.size > 5000) this.usedNonces.clear();
    return true;
  }

  private async soap(path: string, body: string, res: http.ServerResponse): Promise<void> {
    let env: unknown;
    try {
      env = xmlParser.parse(body);
    } catch {
      return this.fault(res, true, 'ter:WellFormed', 'request is not well-formed XML');
    }
    const bodyEl = get(env, 'Envelope', 'Body');
    const op = bodyEl && typeof bodyEl === 'object' ? Object.keys(bodyEl).find((k) => !k.startsWith('@_')) : undefined;
    if (!op) return this.fault(res, true, 'ter:WellFormed', 'no operation in the SOAP body');
    this.calls.push(op);
    const req = get(bodyEl, op);
    // Core §5.9.4.3 access class PRE_AUTH: answered without credentials.
    const preAuth = PRE_AUTH.has(op);
    if (!preAuth && !this.authenticated(env)) return this.fault(res, true, 'ter:NotAuthorized', 'Sender not Authorized');

    const eventOp = path === '/onvif/event_service' || path.startsWith('/onvif/subscription/');
    if (eventOp && this.o.strictAddressing) {
      // WS-Addressing 1.0 SOAP Binding §6.4.1: a required header missing is a Sender fault.
      const h = (name: string): string => str(get(env, 'Envelope', 'Header', name)).trim();
      const missing = ['Action', 'MessageID', 'To'].filter((name) => h(name) === '');
      if (missing.length > 0) {
        this.subscriptionStats.refusedAddressing[op] = (this.subscriptionStats.refusedAddressing[op] ?? 0) + 1;
        return this.fault(
          res,
          true,
          'wsa5:MessageAddressingHeaderRequired',
          `A required header representing a Message Addressing Property is not present: wsa:${missing.join(', wsa:')}`,
        );
      }
    }
    if (path === '/onvif/device_service') return this.device(op, res);
    if (path === '/onvif/media_service') return this.media(op, req, res);
    if (path === '/onvif/event_service') return this.events(op, req, res);
    if (path === '/onvif/subscription' && this.o.referenceParameters) {
      const id = this.referencedSubscription(body, op, res);
      return id === null ? undefined : this.subscription(id, op, req, res);
    }
    const m = /^\/onvif\/subscription\/(\d+)$/.exec(path);
    if (m && !this.o.referenceParameters) return this.subscription(Number(m[1]), op, req, res);
    return this.fault(res, false, 'ter:ActionNotSupported', `no service at ${path}`);
  }

  /** The reference parameter as this camera hands it out: the id, then characters that need escaping. */
  private referenceId(id: number): string {
    return `${id}&<sub id="${id}">'`;
  }

  /**
   * The subscription a request names by its echoed reference parameter, or null after faulting it
   * (WS-Addressing 1.0 SOAP Binding §3.3 / §6.4).
   */
  private referencedSubscription(body: string, op: string, res: http.ServerResponse): number | null {
    const refuse = (subcode: string, reason: string): null => {
      this.subscriptionStats.refusedReferenceParameters[op] = (this.subscriptionStats.refusedReferenceParameters[op] ?? 0) + 1;
      this.fault(res, true, subcode, reason);
      return null;
    };
    let env: unknown;
    try {
      env = nsParser.parse(body);
    } catch {
      return refuse('ter:WellFormed', 'request is not well-formed XML');
    }
    const root = (env && typeof env === 'object' ? Object.entries(env as Obj).find(([k]) => k.endsWith('Envelope')) : undefined) as [string, Obj] | undefined;
    const envEl = root?.[1] ?? {};
    const headerEntry = Object.entries(envEl).find(([k]) => k.endsWith(':Header') || k === 'Header');
    const header = (headerEntry?.[1] ?? {}) as Obj;
    const entry = Object.entries(header).find(([k]) => k === 'SubscriptionId' || k.endsWith(':SubscriptionId'));
    if (!entry) return refuse('wsa5:MessageAddressingHeaderRequired', "the subscription's reference parameter SubscriptionId is not present");
    const [qname, raw] = entry;
    const el = (Array.isArray(raw) ? raw[0] : raw) as Obj | string;
    const attrs = (typeof el === 'object' ? el : {}) as Obj;
    const prefix = qname.includes(':') ? qname.slice(0, qname.indexOf(':')) : '';
    const nsOf = (p: string): unknown =>
      attrs[p ? `@_xmlns:${p}` : '@_xmlns'] ?? header[p ? `@_xmlns:${p}` : '@_xmlns'] ?? envEl[p ? `@_xmlns:${p}` : '@_xmlns'];
    if (nsOf(prefix) !== SIM_REF_NS) return refuse('wsa5:InvalidAddressingHeader', 'SubscriptionId is not in the namespace this camera gave it');
    const marked = Object.entries(attrs).some(
      ([k, v]) => k.endsWith(':IsReferenceParameter') && (v === 'true' || v === '1') && nsOf(k.slice(2, k.indexOf(':'))) === NS.wsa5,
    );
    if (!marked) return refuse('wsa5:InvalidAddressingHeader', 'SubscriptionId is not marked wsa:IsReferenceParameter="true"');
    const value = unescapeXml(str(el));
    const id = Number(/^(\d+)&/.exec(value)?.[1] ?? NaN);
    if (!Number.isInteger(id) || value !== this.referenceId(id)) return refuse('wsa5:DestinationUnreachable', 'no subscription with this SubscriptionId');
    this.subscriptionStats.referenced.push({ op, id });
    return id;
  }

  /** `url` with `reportHost` in place of our host, where the options ask for it. */
  private reported(where: 'media' | 'services' | 'subscription', url: string): string {
    if (!this.o.reportHost || !this.o.reportHostIn.includes(where)) return url;
    return url.replace(`//${this.o.host}:`, `//${this.o.reportHost}:`);
  }

  private device(op: string, res: http.ServerResponse): void {
    const b = this.base;
    const svcBase = this.reported('services', b);
    switch (op) {
      case 'GetSystemDateAndTime': {
        const d = this.now();
        return this.send(
          res,
          200,
          `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
            `<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour>` +
            `<tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
            `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
            `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
        );
      }
      case 'GetDeviceInformation':
        return this.send(
          res,
          200,
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(this.o.manufacturer)}</tds:Manufacturer>` +
            `<tds:Model>${escapeXml(this.o.hardware)}</tds:Model>` +
            `<tds:FirmwareVersion>V5.7.3 build 240101</tds:FirmwareVersion><tds:SerialNumber>${escapeXml(this.o.serial)}</tds:SerialNumber>` +
            `<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>`,
        );
      case 'GetCapabilities':
        return this.send(
          res,
          200,
          `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
            `<tt:Device><tt:XAddr>${b}/onvif/device_service</tt:XAddr><tt:Network><tt:IPFilter>false</tt:IPFilter>` +
            `<tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>` +
            `<tt:System><tt:DiscoveryResolve>true</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>` +
            `<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging>` +
            `<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions>` +
            `</tt:System>` +
            `<tt:IO><tt:InputConnectors>1</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO><tt:Security><tt:TLS1.1>false</tt:TLS1.1>` +
            `<tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>` +
            `<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken>` +
            `<tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>` +
            `<tt:Events><tt:XAddr>${svcBase}/onvif/event_service</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
            `<tt:WSPullPointSupport>true</tt:WSPullPointSupport>` +
            `<tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
            `<tt:Media><tt:XAddr>${svcBase}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
            `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
            `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
        );
      case 'GetServices': {
        const svc = (ns: string, path: string): string =>
          `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${ns === NS.tds ? b : svcBase}${path}</tds:XAddr><tds:Version>` +
          `<tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
        return this.send(
          res,
          200,
          `<tds:GetServicesResponse>` +
            `${svc(NS.tds, '/onvif/device_service')}${svc(NS.trt, '/onvif/media_service')}${svc(NS.tev, '/onvif/event_service')}</tds:GetServicesResponse>`,
        );
      }
      case 'GetScopes':
        return this.send(
          res,
          200,
          `<tds:GetScopesResponse>${this.scopes()
            .map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${escapeXml(s)}</tt:ScopeItem></tds:Scopes>`)
            .join('')}</tds:GetScopesResponse>`,
        );
      case 'GetNTP':
        return this.send(
          res,
          200,
          `<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>false</tt:FromDHCP><tt:NTPManual><tt:Type>IPv4</tt:Type>` +
            `<tt:IPv4Address>127.0.0.1</tt:IPv4Address></tt:NTPManual></tds:NTPInformation></tds:GetNTPResponse>`,
        );
      case 'GetHostname':
        return this.send(
          res,
          200,
          `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${escapeXml(this.o.name)}</tt:Name>` +
            `</tds:HostnameInformation></tds:GetHostnameResponse>`,
        );
      case 'GetNetworkInterfaces':
        return this.send(
          res,
          200,
          `<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>` +
            `<tt:HwAddress>02:00:00:00:00:01</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
            `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${this.o.host}</tt:Address><tt:PrefixLength>8</tt:PrefixLength>` +
            `</tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>`,
        );
      default:
        return this.fault(res, false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  private profileXml(token: string, name: string, w: number, h: number): string {
    return (
      `<trt:Profiles token="${token}" fixed="true"><tt:Name>${name}</tt:Name>` +
      `<tt:VideoSourceConfiguration token="vsc0"><tt:Name>vsc0</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>vs0</tt:SourceToken>` +
      `<tt:Bounds x="0" y="0" width="${w}" height="${h}"/></tt:VideoSourceConfiguration>` +
      `<tt:VideoEncoderConfiguration token="vec_${token}"><tt:Name>vec_${token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>JPEG</tt:Encoding>` +
      `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
      `<tt:RateControl><tt:FrameRateLimit>5</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit>` +
      `</tt:RateControl>` +
      `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL>` +
      `<tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
      `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration></trt:Profiles>`
    );
  }

  private media(op: string, req: unknown, res: http.ServerResponse): void {
    const token = str(get(req, 'ProfileToken'));
    const known = token === 'main' || token === 'sub';
    switch (op) {
      case 'GetProfiles':
        return this.send(
          res,
          200,
          `<trt:GetProfilesResponse>` +
            `${this.profileXml('main', 'MainStream', 320, 240)}${this.profileXml('sub', 'SubStream', 320, 240)}</trt:GetProfilesResponse>`,
        );
      case 'GetProfile':
        if (!known) return this.fault(res, true, 'ter:InvalidArgVal', 'no such profile');
        return this.send(
          res,
          200,
          `<trt:GetProfileResponse>` +
            `${this.profileXml(token, token === 'main' ? 'MainStream' : 'SubStream', 320, 240).replace(/trt:Profiles/g, 'trt:Profile')}` +
            `</trt:GetProfileResponse>`,
        );
      case 'GetVideoSources':
        return this.send(
          res,
          200,
          `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs0"><tt:Framerate>5</tt:Framerate><tt:Resolution><tt:Width>320</tt:Width>` +
            `<tt:Height>240</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>`,
        );
      case 'GetStreamUri':
      case 'GetSnapshotUri': {
        // Media ver10 §5.15: an unknown profile token is env:Sender/ter:InvalidArgVal/ter:NoProfile.
        if (!known) return this.fault(res, true, 'ter:InvalidArgVal', 'no such profile');
        const own = op === 'GetSnapshotUri' ? `${this.base}/snapshot.jpg` : this.o.streamUri === 'mjpeg' ? `${this.base}/mjpeg` : this.rtsp.url(token);
        const uri = this.reported('media', own);
        return this.send(
          res,
          200,
          `<trt:${op}Response><trt:MediaUri><tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
            `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:${op}Response>`,
        );
      }
      default:
        return this.fault(res, false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  private notification(what: EventName, active: boolean, operation: 'Initialized' | 'Changed'): string {
    const v = this.o.booleans === 'digit' ? (active ? '1' : '0') : active ? 'true' : 'false';
    const [topic, source, item] =
      what === 'motion'
        ? [
            'tns1:RuleEngine/CellMotionDetector/Motion',
            `<tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsc0"/><tt:SimpleItem Name="Rule" Value="MyMotionDetectorRule"/>`,
            'IsMotion',
          ]
        : what === 'tamper'
          ? [
              'tns1:RuleEngine/TamperDetector/Tamper',
              `<tt:SimpleItem Name="VideoSourceConfigurationToken" Value="vsc0"/><tt:SimpleItem Name="Rule" Value="MyTamperDetectorRule"/>`,
              'IsTamper',
            ]
          : ['tns1:Device/Trigger/DigitalInput', `<tt:SimpleItem Name="InputToken" Value="DI_1"/>`, 'LogicalState'];
    return (
      `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic>` +
      `<wsnt:Message><tt:Message UtcTime="${this.now().toISOString()}" PropertyOperation="${operation}"><tt:Source>${source}</tt:Source>` +
      `<tt:Data><tt:SimpleItem Name="${item}" Value="${v}"/></tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>`
    );
  }

  /** The inside of a SubscriptionReference: the address, and the id as a reference parameter in that mode. */
  private subscriptionReference(id: number): string {
    const base = this.reported('subscription', this.base);
    if (!this.o.referenceParameters) return `<wsa5:Address>${base}/onvif/subscription/${id}</wsa5:Address>`;
    return (
      `<wsa5:Address>${base}/onvif/subscription</wsa5:Address><wsa5:ReferenceParameters>` +
      `<sim:SubscriptionId xmlns:sim="${SIM_REF_NS}">${escapeXml(this.referenceId(id))}</sim:SubscriptionId>` +
      (this.o.referenceParameters === 'impersonating'
        ? `<wsse:Security xmlns:wsse="${NS.wsse}"><wsse:UsernameToken><wsse:Username>planted</wsse:Username></wsse:UsernameToken></wsse:Security>`
        : '') +
      `</wsa5:ReferenceParameters>`
    );
  }

  private events(op: string, _req: unknown, res: http.ServerResponse): void {
    switch (op) {
      case 'CreatePullPointSubscription': {
        const max = this.o.maxSubscriptions;
        if (max !== undefined && this.liveSubscriptions() >= max) {
          this.subscriptionStats.refusedNoSlot++;
          // WS-BaseNotification 1.3 §6.1: SubscribeCreationFailedFault; the device is out of slots.
          return this.fault(res, false, 'wsnt:SubscribeCreationFailedFault', `no free subscription slot (${max} in use)`);
        }
        const id = this.nextSub++;
        const asked = durationMs(str(get(_req, 'InitialTerminationTime')));
        const lifetime = asked ?? 120_000;
        const sub: Subscription = { id, expires: this.clockMs() + lifetime, queue: [], wake: null };
        this.subscriptionStats.created++;
        // Events ver10 §9.1.x / Core §9.2.2.1: a property's current state is sent first, as Initialized.
        for (const what of ['motion', 'tamper', 'input'] as const) sub.queue.push(this.notification(what, this.properties[what], 'Initialized'));
        this.subs.set(id, sub);
        this.subscriptionStats.maxLive = Math.max(this.subscriptionStats.maxLive, this.subs.size);
        const now = this.now();
        return this.send(
          res,
          200,
          `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference>${this.subscriptionReference(id)}</tev:SubscriptionReference>` +
            `<wsnt:CurrentTime>${now.toISOString()}</wsnt:CurrentTime><wsnt:TerminationTime>${new Date(sub.expires).toISOString()}</wsnt:TerminationTime>` +
            `</tev:CreatePullPointSubscriptionResponse>`,
        );
      }
      case 'GetEventProperties':
        return this.send(
          res,
          200,
          `<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>` +
            `<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>` +
            `<wstop:TopicSet xmlns:wstop="http://docs.oasis-open.org/wsn/t-1"><tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true"/>` +
            `</CellMotionDetector><TamperDetector><Tamper wstop:topic="true"/></TamperDetector></tns1:RuleEngine>` +
            `<tns1:Device><Trigger><DigitalInput wstop:topic="true"/></Trigger></tns1:Device></wstop:TopicSet>` +
            `<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>` +
            `<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>` +
            `<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation>` +
            `</tev:GetEventPropertiesResponse>`,
        );
      default:
        return this.fault(res, false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  private async subscription(id: number, op: string, req: unknown, res: http.ServerResponse): Promise<void> {
    this.liveSubscriptions(); // expire what is due, on the camera's clock
    const sub = this.subs.get(id);
    if (!sub) return this.fault(res, true, 'ter:InvalidArgVal', 'subscription does not exist or has expired');
    switch (op) {
      case 'PullMessages': {
        const m = /^PT(\d+(?:\.\d+)?)S$/.exec(str(get(req, 'Timeout')));
        const timeoutMs = Math.min(60_000, m ? Number(m[1]) * 1000 : 10_000);
        const asked = Math.max(1, Number(str(get(req, 'MessageLimit'))) || 10);
        if (sub.queue.length === 0) {
          // Long poll (Events ver10 §9.1.x): answer when a message arrives or the timeout passes
          // (on the camera's clock, so a fast camera's polls are short in real time).
          await new Promise<void>((ok) => {
            const t = setTimeout(ok, timeoutMs / this.o.timeScale);
            sub.wake = () => {
              clearTimeout(t);
              ok();
            };
          });
          sub.wake = null;
        }
        if (!this.server) return void res.destroy();
        const msgs = sub.queue.splice(0, this.state.ignoreMessageLimit ? sub.queue.length : asked);
        this.subscriptionStats.delivered += msgs.filter((x) => x.includes('PropertyOperation="Changed"')).length;
        const now = this.now();
        return this.send(
          res,
          200,
          `<tev:PullMessagesResponse><tev:CurrentTime>${now.toISOString()}</tev:CurrentTime>` +
            `<tev:TerminationTime>${new Date(sub.expires).toISOString()}</tev:TerminationTime>${msgs.join('')}</tev:PullMessagesResponse>`,
          `<wsa5:Action>${NS.tev}/PullPointSubscription/PullMessagesResponse</wsa5:Action>`,
        );
      }
      case 'Renew': {
        if (this.failRenews > 0) {
          this.failRenews--;
          return this.fault(res, false, 'wsrf-rw:UnableToRenewFault', 'renew refused (simulated)');
        }
        sub.expires = this.clockMs() + (durationMs(str(get(req, 'TerminationTime'))) ?? 120_000);
        this.subscriptionStats.renewed++;
        return this.send(
          res,
          200,
          `<wsnt:RenewResponse><wsnt:TerminationTime>${new Date(sub.expires).toISOString()}</wsnt:TerminationTime>` +
            `<wsnt:CurrentTime>${this.now().toISOString()}</wsnt:CurrentTime></wsnt:RenewResponse>`,
        );
      }
      case 'Unsubscribe':
        this.subs.delete(id);
        this.subscriptionStats.unsubscribed++;
        sub.wake?.();
        return this.send(res, 200, `<wsnt:UnsubscribeResponse/>`);
      default:
        return this.fault(res, false, 'ter:ActionNotSupported', `${op} is not supported`);
    }
  }

  // --- WS-Discovery (ONVIF Core §7.3) ---

  scopes(): string[] {
    const enc = (s: string): string => encodeURIComponent(s);
    return [
      'onvif://www.onvif.org/type/video_encoder',
      'onvif://www.onvif.org/Profile/Streaming',
      `onvif://www.onvif.org/name/${enc(this.o.name)}`,
      `onvif://www.onvif.org/hardware/${enc(this.o.hardware)}`,
      `onvif://www.onvif.org/location/${enc(this.o.location)}`,
    ];
  }

  private async startDiscovery(d: { address: string; port?: number; multicast?: boolean }): Promise<void> {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    sock.on('message', (msg, rinfo) => this.onProbe(msg, rinfo));
    await new Promise<void>((ok, fail) => {
      sock.once('error', fail);
      // Multicast needs the socket bound to the port on the wildcard or group address; a unicast-only
      // simulator binds to its own address.
      sock.bind({ address: d.multicast ? '0.0.0.0' : d.address, port: d.port ?? 3702, exclusive: false }, () => ok());
    });
    if (d.multicast) sock.addMembership('239.255.255.250', d.address);
    this.udp = sock;
  }

  private onProbe(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    let env: unknown;
    try {
      env = xmlParser.parse(msg.toString('utf8'));
    } catch {
      return;
    }
    const action = str(get(env, 'Envelope', 'Header', 'Action'));
    if (!action.endsWith('/discovery/Probe')) return;
    const messageId = str(get(env, 'Envelope', 'Header', 'MessageID'));
    const types = str(get(env, 'Envelope', 'Body', 'Probe', 'Types'));
    // An empty Types matches every target; otherwise it must name a type we are.
    if (types && !/NetworkVideoTransmitter|Device/.test(types)) return;
    let xml =
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.s}" xmlns:a="${NS.wsa}" xmlns:d="${NS.d}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
      `<s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID><a:RelatesTo>${escapeXml(messageId)}</a:RelatesTo>` +
      `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
      `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
      `<d:AppSequence InstanceId="1" MessageNumber="1"/></s:Header>` +
      `<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:${this.uuid}</a:Address></a:EndpointReference>` +
      `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>${this.scopes().map(escapeXml).join(' ')}</d:Scopes>` +
      `<d:XAddrs>${this.xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
    switch (this.state.discoveryMisbehave) {
      case 'doctype':
        xml = xml.replace('<s:Envelope', '<!DOCTYPE s:Envelope [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope').replace('<d:XAddrs>', '<d:XAddrs>&x;');
        break;
      case 'malformed':
        xml = xml.slice(0, xml.length - 40);
        break;
      case 'missing-fields':
        xml = xml.replace(/<d:XAddrs>[^<]*<\/d:XAddrs>/, '');
        break;
      case 'huge':
        xml = xml.replace('</d:Scopes>', `${' onvif://www.onvif.org/x/' + 'A'.repeat(200)}`.repeat(300) + '</d:Scopes>');
        break;
    }
    const buf = Buffer.from(xml, 'utf8');
    this.udp?.send(buf.subarray(0, 65_000), rinfo.port, rinfo.address);
  }
}
