/**
 * ONVIF request bodies and reply parsers (Core 2.x device service, Media ver10, Events ver10).
 * Pure: strings in, typed values out; a reply lacking what the spec requires is a typed error.
 */
import { ONVIF_LIMITS, OnvifError } from './errors.js';
import { parseReferenceParameters, type RefElement } from './reference-parameters.js';
import { NS, parseResponse } from './soap.js';
import { at, attr, child, children, esc, requireText, text, type XmlNode } from './xml.js';

export const ACTIONS = {
  getSystemDateAndTime: `${NS.tds}/GetSystemDateAndTime`,
  getDeviceInformation: `${NS.tds}/GetDeviceInformation`,
  getCapabilities: `${NS.tds}/GetCapabilities`,
  getServices: `${NS.tds}/GetServices`,
  getProfiles: `${NS.trt}/GetProfiles`,
  getStreamUri: `${NS.trt}/GetStreamUri`,
  getSnapshotUri: `${NS.trt}/GetSnapshotUri`,
  createPullPointSubscription: `${NS.tev}/EventPortType/CreatePullPointSubscriptionRequest`,
  pullMessages: `${NS.tev}/PullPointSubscription/PullMessagesRequest`,
  renew: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest',
  unsubscribe: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest',
} as const;

// --- request bodies ---

export const requests = {
  getSystemDateAndTime: () => `<tds:GetSystemDateAndTime xmlns:tds="${NS.tds}"/>`,
  getDeviceInformation: () => `<tds:GetDeviceInformation xmlns:tds="${NS.tds}"/>`,
  getCapabilities: () => `<tds:GetCapabilities xmlns:tds="${NS.tds}"><tds:Category>All</tds:Category></tds:GetCapabilities>`,
  getServices: () => `<tds:GetServices xmlns:tds="${NS.tds}"><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>`,
  getProfiles: () => `<trt:GetProfiles xmlns:trt="${NS.trt}"/>`,
  /** Media ver10 §5.15.1: RTP-Unicast over RTSP (interleaved TCP is the client's choice at SETUP). */
  getStreamUri: (profileToken: string) =>
    `<trt:GetStreamUri xmlns:trt="${NS.trt}" xmlns:tt="${NS.tt}"><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream>` +
    `<tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>` +
    `<trt:ProfileToken>${esc(profileToken)}</trt:ProfileToken></trt:GetStreamUri>`,
  getSnapshotUri: (profileToken: string) =>
    `<trt:GetSnapshotUri xmlns:trt="${NS.trt}"><trt:ProfileToken>${esc(profileToken)}</trt:ProfileToken></trt:GetSnapshotUri>`,
  createPullPointSubscription: (terminationSeconds: number) =>
    `<tev:CreatePullPointSubscription xmlns:tev="${NS.tev}">` +
    `<tev:InitialTerminationTime>PT${Math.round(terminationSeconds)}S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
  pullMessages: (timeoutSeconds: number, limit: number) =>
    `<tev:PullMessages xmlns:tev="${NS.tev}"><tev:Timeout>PT${Math.round(timeoutSeconds)}S</tev:Timeout>` +
    `<tev:MessageLimit>${Math.round(limit)}</tev:MessageLimit></tev:PullMessages>`,
  renew: (terminationSeconds: number) =>
    `<wsnt:Renew xmlns:wsnt="${NS.wsnt}"><wsnt:TerminationTime>PT${Math.round(terminationSeconds)}S</wsnt:TerminationTime></wsnt:Renew>`,
  unsubscribe: () => `<wsnt:Unsubscribe xmlns:wsnt="${NS.wsnt}"/>`,
};

// --- reply parsers ---

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string;
  hardwareId: string;
}

/** Core §8.3.1: all five fields are mandatory (xs:string, possibly empty in practice except maker and model). */
export function parseDeviceInformation(raw: Buffer | string): DeviceInformation {
  const r = parseResponse(raw, 'GetDeviceInformationResponse');
  return {
    manufacturer: requireText(r, 'GetDeviceInformation', 'Manufacturer'),
    model: requireText(r, 'GetDeviceInformation', 'Model'),
    firmwareVersion: text(child(r, 'FirmwareVersion'))?.trim() ?? '',
    serialNumber: text(child(r, 'SerialNumber'))?.trim() ?? '',
    hardwareId: text(child(r, 'HardwareId'))?.trim() ?? '',
  };
}

export interface ServiceAddresses {
  device: string | null;
  media: string | null;
  events: string | null;
  /** Events: the device supports PullPoint (Capabilities/Events/WSPullPointSupport, or a GetServices entry). */
  pullPoint: boolean;
}

export function parseCapabilities(raw: Buffer | string): ServiceAddresses {
  const r = parseResponse(raw, 'GetCapabilitiesResponse');
  const caps = child(r, 'Capabilities');
  if (caps === undefined) throw new OnvifError('missing_field', 'GetCapabilities: no Capabilities in the reply');
  const xaddr = (name: string): string | null => text(at(caps, name, 'XAddr'))?.trim() || null;
  const pull = text(at(caps, 'Events', 'WSPullPointSupport'))?.trim();
  return { device: xaddr('Device'), media: xaddr('Media'), events: xaddr('Events'), pullPoint: pull === 'true' || pull === '1' };
}

export function parseServices(raw: Buffer | string): ServiceAddresses {
  const r = parseResponse(raw, 'GetServicesResponse');
  const out: ServiceAddresses = { device: null, media: null, events: null, pullPoint: false };
  for (const s of children(r, 'Service')) {
    const ns = text(child(s, 'Namespace'))?.trim();
    const addr = text(child(s, 'XAddr'))?.trim() || null;
    if (ns === NS.tds) out.device = addr;
    else if (ns === NS.trt) out.media = addr;
    else if (ns === NS.tev) {
      out.events = addr;
      out.pullPoint = true; // Events ver10 §9.1: PullPoint is mandatory for an event service.
    }
  }
  if (!out.device && !out.media && !out.events) throw new OnvifError('missing_field', 'GetServices: no known service in the reply');
  return out;
}

export interface MediaProfile {
  token: string;
  name: string;
  encoding: string | null;
  width: number | null;
  height: number | null;
}

export function parseProfiles(raw: Buffer | string): MediaProfile[] {
  const r = parseResponse(raw, 'GetProfilesResponse');
  const list = children(r, 'Profiles').map((p) => {
    const token = attr(p, 'token');
    if (!token) throw new OnvifError('missing_field', 'GetProfiles: a profile without its token attribute');
    const vec = child(p, 'VideoEncoderConfiguration');
    const num = (v: string | undefined): number | null => (v && /^\d{1,5}$/.test(v.trim()) ? Number(v) : null);
    return {
      token,
      name: text(child(p, 'Name'))?.trim() || token,
      encoding: text(child(vec, 'Encoding'))?.trim() || null,
      width: num(text(at(vec, 'Resolution', 'Width'))),
      height: num(text(at(vec, 'Resolution', 'Height'))),
    };
  });
  if (list.length === 0) throw new OnvifError('missing_field', 'GetProfiles: the device lists no media profile');
  return list;
}

function parseMediaUri(raw: Buffer | string, op: 'GetStreamUri' | 'GetSnapshotUri'): string {
  const r = parseResponse(raw, `${op}Response`);
  const uri = requireText(r, op, 'MediaUri', 'Uri');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new OnvifError('missing_field', `${op}: "${uri.slice(0, 80)}" is not an absolute URI`);
  return uri;
}

export const parseStreamUri = (raw: Buffer | string): string => parseMediaUri(raw, 'GetStreamUri');
export const parseSnapshotUri = (raw: Buffer | string): string => parseMediaUri(raw, 'GetSnapshotUri');

/** Core §8.3.10: UTCDateTime is optional; without it the device's clock is unknown (null). */
export function parseSystemDateAndTime(raw: Buffer | string): Date | null {
  const r = parseResponse(raw, 'GetSystemDateAndTimeResponse');
  const utc = at(r, 'SystemDateAndTime', 'UTCDateTime');
  if (utc === undefined) return null;
  const n = (v: unknown): number => Number(text(v) ?? NaN);
  const d = Date.UTC(
    n(at(utc, 'Date', 'Year')),
    n(at(utc, 'Date', 'Month')) - 1,
    n(at(utc, 'Date', 'Day')),
    n(at(utc, 'Time', 'Hour')),
    n(at(utc, 'Time', 'Minute')),
    n(at(utc, 'Time', 'Second')),
  );
  return Number.isFinite(d) ? new Date(d) : null;
}

export interface PullPointSubscription {
  /** Where PullMessages, Renew and Unsubscribe go (the SubscriptionReference's wsa:Address). */
  address: string;
  /** The device's clock when it answered (xs:dateTime as sent), if it said. */
  currentTime: string | null;
  /** When the device will drop the subscription unless renewed, on the device's clock. */
  terminationTime: string | null;
  /**
   * The SubscriptionReference's `wsa:ReferenceParameters` (often a subscription id), to be echoed
   * as SOAP headers on every request to `address` (issue 16). Empty when the device sends none.
   */
  referenceParameters: RefElement[];
}

export function parseCreatePullPoint(raw: Buffer | string): PullPointSubscription {
  const r = parseResponse(raw, 'CreatePullPointSubscriptionResponse');
  const address = requireText(r, 'CreatePullPointSubscription', 'SubscriptionReference', 'Address');
  if (!/^https?:\/\//i.test(address)) throw new OnvifError('missing_field', 'CreatePullPointSubscription: the subscription address is not an http(s) URL');
  // Our parser drops namespace prefixes; the reference parameters need them, so they are read
  // again from the (already bounded and validated) text by their own careful reader.
  const referenceParameters = child(child(r, 'SubscriptionReference'), 'ReferenceParameters') === undefined ? [] : parseReferenceParameters(raw.toString());
  return { address, ...times(r), referenceParameters };
}

/** CurrentTime and TerminationTime of a subscription reply (WS-BaseNotification 1.3 §6.1, Events ver10 §9.1). */
function times(r: XmlNode): { currentTime: string | null; terminationTime: string | null } {
  const t = (name: string): string | null => text(child(r, name))?.trim().slice(0, 64) || null;
  return { currentTime: t('CurrentTime'), terminationTime: t('TerminationTime') };
}

export interface PulledMessages {
  /** The raw NotificationMessage elements, at most `limit` of them; events.ts interprets them. */
  messages: XmlNode[];
  /** Messages beyond the limit the device sent anyway: not processed, counted by the caller. */
  dropped: number;
  currentTime: string | null;
  terminationTime: string | null;
}

/**
 * A PullMessages reply. Events ver10 §9.1.2: the device returns at most MessageLimit messages;
 * one that sends more (issue 16: 600 in one reply) gets only the first `limit` processed.
 */
export function parsePullMessages(raw: Buffer | string, limit = Number.POSITIVE_INFINITY): PulledMessages {
  const r = parseResponse(raw, 'PullMessagesResponse', ONVIF_LIMITS.maxPullBytes);
  const all = children(r, 'NotificationMessage').filter((m): m is XmlNode => !!m && typeof m === 'object');
  const kept = all.slice(0, Math.max(0, limit));
  return { messages: kept, dropped: all.length - kept.length, ...times(r) };
}

export function parseRenew(raw: Buffer | string): { currentTime: string | null; terminationTime: string | null } {
  return times(parseResponse(raw, 'RenewResponse'));
}

export function parseUnsubscribe(raw: Buffer | string): void {
  parseResponse(raw, 'UnsubscribeResponse');
}
