/**
 * A small ONVIF device client: the operations SafeGrid needs, nothing else. Every request carries
 * a WS-UsernameToken digest computed against the device's clock (read with the unauthenticated
 * GetSystemDateAndTime, Core §5.12.1 tells devices to check Created), and answers an HTTP Digest
 * challenge if the device also uses one.
 */
import { OnvifError, ONVIF_LIMITS } from './errors.js';
import {
  ACTIONS,
  parseCapabilities,
  parseCreatePullPoint,
  parseDeviceInformation,
  parseProfiles,
  parsePullMessages,
  parseRenew,
  parseServices,
  parseSnapshotUri,
  parseStreamUri,
  parseSystemDateAndTime,
  parseUnsubscribe,
  requests,
  type DeviceInformation,
  type MediaProfile,
  type PullPointSubscription,
  type ServiceAddresses,
} from './messages.js';
import { envelope, parseResponse } from './soap.js';
import { DigestCache, httpExchange, redactUrl, type HttpResult } from './transport.js';
import type { XmlNode } from './xml.js';

export interface OnvifClientOptions {
  xaddr: string;
  username: string | null;
  password: string | null;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CameraProbe {
  info: DeviceInformation;
  services: ServiceAddresses;
  profiles: MediaProfile[];
  /** Of the first profile. */
  streamUri: string | null;
  snapshotUri: string | null;
  /**
   * Hosts of stream or snapshot addresses the camera reported elsewhere than at its own address
   * (issue 17, item 8): dropped, because the hub would send them the camera's login (RTSP Basic
   * carries the password in clear). An installer who wants such a host sets `rtsp:` in the site file.
   */
  withheld: string[];
}

/** Host (name or address, lower case) of a URL; null when it does not parse. */
function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}

export class OnvifClient {
  /** Device clock minus ours, ms. */
  private offsetMs = 0;
  private services: ServiceAddresses | null = null;
  private readonly digest = new DigestCache();
  readonly timeoutMs: number;

  constructor(private readonly o: OnvifClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
  }

  get xaddr(): string {
    return redactUrl(this.o.xaddr);
  }

  private get credentials(): { username: string; password: string } | null {
    return this.o.username ? { username: this.o.username, password: this.o.password ?? '' } : null;
  }

  /** POST one SOAP request; returns the raw reply body for the pure parsers. */
  async call(url: string, action: string, body: string, opts: { auth?: boolean; addressing?: boolean; timeoutMs?: number } = {}): Promise<Buffer> {
    const auth = opts.auth !== false;
    const xml = envelope(body, {
      credentials: auth ? this.credentials : null,
      now: new Date(Date.now() + this.offsetMs),
      ...(opts.addressing ? { addressing: { action, to: url } } : {}),
    });
    let res: HttpResult;
    try {
      res = await httpExchange(
        {
          url,
          method: 'POST',
          headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="${action}"` },
          body: xml,
          timeoutMs: opts.timeoutMs ?? this.timeoutMs,
          maxBytes: ONVIF_LIMITS.maxXmlBytes,
          credentials: auth ? this.credentials : null,
          ...(this.o.signal ? { signal: this.o.signal } : {}),
        },
        this.digest,
      );
    } catch (err) {
      if (err instanceof OnvifError) throw err;
      throw new OnvifError('unreachable', (err as Error).message);
    }
    if (res.status === 401) throw new OnvifError('not_authorized', 'HTTP 401 after answering the digest challenge');
    // SOAP 1.2 over HTTP: faults come with 400 or 500; let the parser read them.
    if (res.status !== 200 && res.status !== 400 && res.status !== 500) {
      throw new OnvifError('http_status', `HTTP ${res.status} from ${redactUrl(url)}`);
    }
    if (res.status !== 200) {
      try {
        parseResponse(res.body, '__no_such_element__'); // throws the SOAP fault the device sent
      } catch (err) {
        if (err instanceof OnvifError && err.code !== 'missing_field') throw err;
      }
      throw new OnvifError('http_status', `HTTP ${res.status} without a SOAP fault from ${redactUrl(url)}`);
    }
    return res.body;
  }

  /** Read the device clock (no credentials needed) and remember the skew. */
  async syncClock(): Promise<Date | null> {
    const raw = await this.call(this.o.xaddr, ACTIONS.getSystemDateAndTime, requests.getSystemDateAndTime(), { auth: false });
    const device = parseSystemDateAndTime(raw);
    if (device) this.offsetMs = device.getTime() - Date.now();
    return device;
  }

  async getDeviceInformation(): Promise<DeviceInformation> {
    return parseDeviceInformation(await this.call(this.o.xaddr, ACTIONS.getDeviceInformation, requests.getDeviceInformation()));
  }

  /** Service addresses: GetServices (Core 2.x), else GetCapabilities (Core 1.x devices). */
  async getServiceAddresses(): Promise<ServiceAddresses> {
    if (this.services) return this.services;
    let s: ServiceAddresses;
    try {
      s = parseServices(await this.call(this.o.xaddr, ACTIONS.getServices, requests.getServices()));
      if (!s.media) s = { ...s, ...pick(parseCapabilities(await this.call(this.o.xaddr, ACTIONS.getCapabilities, requests.getCapabilities()))) };
    } catch (err) {
      if (err instanceof OnvifError && (err.code === 'not_authorized' || err.code === 'timeout' || err.code === 'unreachable')) throw err;
      s = parseCapabilities(await this.call(this.o.xaddr, ACTIONS.getCapabilities, requests.getCapabilities()));
    }
    this.services = s;
    return s;
  }

  private async mediaXaddr(): Promise<string> {
    const s = await this.getServiceAddresses();
    if (!s.media) throw new OnvifError('unsupported', 'the device offers no Media service');
    return s.media;
  }

  async getProfiles(): Promise<MediaProfile[]> {
    return parseProfiles(await this.call(await this.mediaXaddr(), ACTIONS.getProfiles, requests.getProfiles()));
  }

  async getStreamUri(profileToken: string): Promise<string> {
    return parseStreamUri(await this.call(await this.mediaXaddr(), ACTIONS.getStreamUri, requests.getStreamUri(profileToken)));
  }

  async getSnapshotUri(profileToken: string): Promise<string> {
    return parseSnapshotUri(await this.call(await this.mediaXaddr(), ACTIONS.getSnapshotUri, requests.getSnapshotUri(profileToken)));
  }

  /**
   * Everything the hub needs to know about a camera, proving the credentials on the way: unlike
   * the `onvif` package's connect(), a wrong password fails here (GetDeviceInformation and
   * GetProfiles both require authentication, Core §5.9.4.3 access classes READ_SYSTEM / READ_MEDIA).
   */
  async probe(): Promise<CameraProbe> {
    try {
      await this.syncClock();
    } catch (err) {
      // GetSystemDateAndTime is optional to answer without auth on some firmware; skew stays 0.
      if (
        err instanceof OnvifError &&
        (err.code === 'timeout' || err.code === 'unreachable' || err.code === 'too_large' || err.code === 'doctype' || err.code === 'malformed')
      )
        throw err;
    }
    const info = await this.getDeviceInformation();
    const services = await this.getServiceAddresses();
    const profiles = await this.getProfiles();
    const token = profiles[0]!.token;
    const streamUri = await this.getStreamUri(token).catch((e: unknown) => {
      if (e instanceof OnvifError && e.code === 'soap_fault') return null;
      throw e;
    });
    const snapshotUri = await this.getSnapshotUri(token).catch((e: unknown) => {
      // Snapshot is optional in Profile S (GetServiceCapabilities SnapshotUri); a fault means "not offered".
      if (e instanceof OnvifError && (e.code === 'soap_fault' || e.code === 'missing_field')) return null;
      throw e;
    });
    // The camera's login goes only to the camera's own address: a reply that names another host
    // (a forged or misconfigured camera) would otherwise receive it.
    const home = hostOf(this.o.xaddr);
    const withheld: string[] = [];
    const atHome = (uri: string | null): string | null => {
      if (uri === null) return null;
      const host = hostOf(uri);
      if (host !== null && host === home) return uri;
      withheld.push(host ?? '(unparsable)');
      return null;
    };
    return { info, services, profiles, streamUri: atHome(streamUri), snapshotUri: atHome(snapshotUri), withheld };
  }

  // --- Events: PullPoint (Events ver10 §9.1) ---

  async createPullPoint(terminationSeconds = 120): Promise<PullPointSubscription> {
    const s = await this.getServiceAddresses();
    if (!s.events || !s.pullPoint) throw new OnvifError('unsupported', 'the device offers no PullPoint event service');
    return parseCreatePullPoint(await this.call(s.events, ACTIONS.createPullPointSubscription, requests.createPullPointSubscription(terminationSeconds)));
  }

  /** Long-poll for at most `timeoutSeconds` (the device may answer earlier when messages arrive). */
  async pullMessages(sub: PullPointSubscription, timeoutSeconds = 5, limit = 32): Promise<XmlNode[]> {
    const raw = await this.call(sub.address, ACTIONS.pullMessages, requests.pullMessages(timeoutSeconds, limit), {
      addressing: true,
      timeoutMs: timeoutSeconds * 1000 + this.timeoutMs,
    });
    return parsePullMessages(raw);
  }

  async renew(sub: PullPointSubscription, terminationSeconds = 120): Promise<string | null> {
    return parseRenew(await this.call(sub.address, ACTIONS.renew, requests.renew(terminationSeconds), { addressing: true }));
  }

  async unsubscribe(sub: PullPointSubscription): Promise<void> {
    parseUnsubscribe(await this.call(sub.address, ACTIONS.unsubscribe, requests.unsubscribe(), { addressing: true }));
  }

  /** A JPEG from the snapshot URI, with HTTP Digest when asked. */
  async fetchSnapshot(uri: string, timeoutMs = this.timeoutMs): Promise<Buffer> {
    const res = await httpExchange(
      {
        url: uri,
        method: 'GET',
        timeoutMs,
        maxBytes: ONVIF_LIMITS.maxSnapshotBytes,
        credentials: this.credentials,
        ...(this.o.signal ? { signal: this.o.signal } : {}),
      },
      this.digest,
    );
    if (res.status === 401) throw new OnvifError('not_authorized', 'snapshot URI refused the credentials');
    if (res.status !== 200) throw new OnvifError('http_status', `snapshot URI answered HTTP ${res.status}`);
    if (res.body.length < 4 || res.body[0] !== 0xff || res.body[1] !== 0xd8) throw new OnvifError('malformed', 'snapshot is not a JPEG');
    return res.body;
  }
}

function pick(c: ServiceAddresses): Partial<ServiceAddresses> {
  const out: Partial<ServiceAddresses> = {};
  if (c.media) out.media = c.media;
  if (c.events) {
    out.events = c.events;
    out.pullPoint = c.pullPoint;
  }
  return out;
}
