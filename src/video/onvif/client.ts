/**
 * A small ONVIF device client: the operations SafeGrid needs, nothing else. Every request carries
 * a WS-UsernameToken digest computed against the device's clock (read with the unauthenticated
 * GetSystemDateAndTime, Core §5.12.1 tells devices to check Created), and answers an HTTP Digest
 * challenge if the device also uses one.
 */
import type { Clock } from '../../core/clock.js';
import { checkCameraUri, type CameraUriKind, type UriCheck } from '../camera-host.js';
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
  type PulledMessages,
  type PullPointSubscription,
  type ServiceAddresses,
} from './messages.js';
import type { RefElement } from './reference-parameters.js';
import { envelope, parseResponse } from './soap.js';
import { DigestCache, httpExchange, redactUrl, type HttpResult } from './transport.js';

export interface OnvifClientOptions {
  xaddr: string;
  username: string | null;
  password: string | null;
  /** Per request; default 5 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Our clock (default: the system's); tests of long subscriptions run it fast. */
  clock?: Clock;
  /**
   * May the camera's login go to this address? Default: only to the host of `xaddr`. The registry
   * passes the camera's rule (camera-host.ts, with its `allowed_hosts`).
   */
  checkUri?: (uri: string, kind: CameraUriKind) => UriCheck;
  /** Told of every address refused by checkUri (the service logs and counts it). */
  onRefused?: (refusal: Extract<UriCheck, { ok: false }>) => void;
}

export type UriRefusal = Extract<UriCheck, { ok: false }>;

export interface CameraProbe {
  info: DeviceInformation;
  services: ServiceAddresses;
  profiles: MediaProfile[];
  /** Of the first profile. */
  streamUri: string | null;
  snapshotUri: string | null;
  /**
   * Hosts of stream or snapshot addresses the camera reported elsewhere than at its own address
   * (issue 17, item 8; issue 16): dropped, because the hub would send them the camera's login.
   * An installer who wants such a host lists it in the camera's `allowed_hosts`.
   */
  withheld: string[];
}

export class OnvifClient {
  /** Device clock minus ours, ms. */
  private offsetMs = 0;
  private services: ServiceAddresses | null = null;
  /** Why a service address was refused (by service), so that the operation that needs it can say. */
  private refusedServices = new Map<'media' | 'events', UriRefusal>();
  private readonly digest = new DigestCache();
  private readonly clock: Clock;
  readonly timeoutMs: number;

  constructor(private readonly o: OnvifClientOptions) {
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.clock = o.clock ?? { now: () => Date.now() };
  }

  /** Our estimate of the device clock minus ours (from GetSystemDateAndTime), ms. */
  get deviceOffsetMs(): number {
    return this.offsetMs;
  }

  private check(uri: string, kind: CameraUriKind): UriCheck {
    return this.o.checkUri ? this.o.checkUri(uri, kind) : checkCameraUri({ onvif: { xaddr: this.o.xaddr } }, uri, kind);
  }

  /** Check an address the camera gave; a refusal is reported and thrown as `foreign_host`. */
  private pinned(uri: string, kind: CameraUriKind): string {
    const check = this.check(uri, kind);
    if (check.ok) return uri;
    this.o.onRefused?.(check);
    throw new OnvifError('foreign_host', check.reason);
  }

  /** Like pinned(), but a refusal gives null (the caller goes on without that address). */
  private pinnedOrNull(uri: string | null | undefined, kind: CameraUriKind): { uri: string | null; refusal: UriRefusal | null } {
    if (!uri) return { uri: null, refusal: null };
    const check = this.check(uri, kind);
    if (check.ok) return { uri, refusal: null };
    this.o.onRefused?.(check);
    return { uri: null, refusal: check };
  }

  get xaddr(): string {
    return redactUrl(this.o.xaddr);
  }

  private get credentials(): { username: string; password: string } | null {
    return this.o.username ? { username: this.o.username, password: this.o.password ?? '' } : null;
  }

  /** POST one SOAP request; returns the raw reply body for the pure parsers. */
  async call(
    url: string,
    action: string,
    body: string,
    opts: { auth?: boolean; addressing?: boolean; referenceParameters?: readonly RefElement[]; timeoutMs?: number; maxBytes?: number } = {},
  ): Promise<Buffer> {
    const auth = opts.auth !== false;
    const xml = envelope(body, {
      credentials: auth ? this.credentials : null,
      now: new Date(this.clock.now() + this.offsetMs),
      ...(opts.addressing ? { addressing: { action, to: url } } : {}),
      ...(opts.referenceParameters ? { referenceParameters: opts.referenceParameters } : {}),
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
          maxBytes: opts.maxBytes ?? ONVIF_LIMITS.maxXmlBytes,
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
    if (device) this.offsetMs = device.getTime() - this.clock.now();
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
    // Service XAddrs are where every later request (with the UsernameToken) goes: pinned too.
    const refused = new Map<'media' | 'events', UriRefusal>();
    const media = this.pinnedOrNull(s.media, 'service');
    const events = this.pinnedOrNull(s.events, 'service');
    if (media.refusal) refused.set('media', media.refusal);
    if (events.refusal) refused.set('events', events.refusal);
    const kept: ServiceAddresses = {
      ...s,
      media: media.refusal ? null : s.media,
      events: events.refusal ? null : s.events,
      pullPoint: events.refusal ? false : s.pullPoint,
    };
    this.refusedServices = refused;
    this.services = kept;
    return kept;
  }

  private async mediaXaddr(): Promise<string> {
    const s = await this.getServiceAddresses();
    const refused = this.refusedServices.get('media');
    if (refused) throw new OnvifError('foreign_host', refused.reason);
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
    // The camera's login goes only to the camera's own host (camera-host.ts): a reply that names
    // another host (a forged or misconfigured camera) would otherwise receive it.
    const stream = this.pinnedOrNull(streamUri, 'stream');
    const snapshot = this.pinnedOrNull(snapshotUri, 'snapshot');
    const withheld = [stream.refusal, snapshot.refusal].filter((r): r is UriRefusal => r !== null).map((r) => r.host ?? '(unparsable)');
    return { info, services, profiles, streamUri: stream.uri, snapshotUri: snapshot.uri, withheld };
  }

  // --- Events: PullPoint (Events ver10 §9.1) ---

  /**
   * CreatePullPointSubscription (Events ver10 §9.1.1). The subscription reference the device
   * returns is where PullMessages, Renew and Unsubscribe — each with the UsernameToken — will go,
   * so it is pinned to the camera's host like every other address it gives.
   */
  async createPullPoint(terminationSeconds = 120): Promise<PullPointSubscription> {
    const s = await this.getServiceAddresses();
    const refused = this.refusedServices.get('events');
    if (refused) throw new OnvifError('foreign_host', refused.reason);
    if (!s.events || !s.pullPoint) throw new OnvifError('unsupported', 'the device offers no PullPoint event service');
    const sub = parseCreatePullPoint(
      await this.call(s.events, ACTIONS.createPullPointSubscription, requests.createPullPointSubscription(terminationSeconds), { addressing: true }),
    );
    this.pinned(sub.address, 'event');
    return sub;
  }

  /**
   * Long-poll for at most `timeoutSeconds` (the device may answer earlier when messages arrive).
   * At most `limit` messages are returned even if the device sends more (`dropped` counts them).
   */
  async pullMessages(sub: PullPointSubscription, timeoutSeconds = 5, limit = 32): Promise<PulledMessages> {
    const raw = await this.call(sub.address, ACTIONS.pullMessages, requests.pullMessages(timeoutSeconds, limit), {
      addressing: true,
      referenceParameters: sub.referenceParameters,
      timeoutMs: timeoutSeconds * 1000 + this.timeoutMs,
      maxBytes: ONVIF_LIMITS.maxPullBytes,
    });
    return parsePullMessages(raw, limit);
  }

  async renew(sub: PullPointSubscription, terminationSeconds = 120): Promise<{ currentTime: string | null; terminationTime: string | null }> {
    return parseRenew(
      await this.call(sub.address, ACTIONS.renew, requests.renew(terminationSeconds), { addressing: true, referenceParameters: sub.referenceParameters }),
    );
  }

  async unsubscribe(sub: PullPointSubscription, timeoutMs = this.timeoutMs): Promise<void> {
    parseUnsubscribe(
      await this.call(sub.address, ACTIONS.unsubscribe, requests.unsubscribe(), {
        addressing: true,
        referenceParameters: sub.referenceParameters,
        timeoutMs,
      }),
    );
  }

  /** A JPEG from the snapshot URI, with HTTP Digest when asked. */
  async fetchSnapshot(uri: string, timeoutMs = this.timeoutMs): Promise<Buffer> {
    this.pinned(uri, 'snapshot'); // also here: a caller may hold a URI from before allowed_hosts changed
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
