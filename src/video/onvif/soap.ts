/**
 * SOAP 1.2 envelopes for ONVIF, with the WS-Security UsernameToken (PasswordDigest) header that
 * ONVIF Core §5.12 requires devices to accept, and SOAP Fault parsing. Pure: no I/O.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { OnvifError } from './errors.js';
import { type RefElement, writeReferenceParameters } from './reference-parameters.js';
import { at, attr, child, esc, parseXml, text, type XmlNode } from './xml.js';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa: 'http://www.w3.org/2005/08/addressing',
} as const;

const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/**
 * WS-Security UsernameToken Profile 1.0 §3.1: Password_Digest = Base64(SHA-1(nonce + created +
 * password)), where nonce is the raw bytes (sent Base64-encoded) and created the exact xsd:dateTime
 * string sent in wsu:Created.
 */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

export interface Credentials {
  username: string;
  password: string;
}

/** The `<wsse:Security>` header. `now` is the device's clock (the client corrects for skew). */
export function securityHeader(c: Credentials, now: Date, nonce: Buffer = randomBytes(16)): string {
  // Second precision with Z: what ONVIF clients commonly send and every device parses.
  const created = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}">` +
    `<wsse:UsernameToken><wsse:Username>${esc(c.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, c.password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

export interface EnvelopeOptions {
  credentials?: Credentials | null;
  /** Device time for the UsernameToken. */
  now?: Date;
  /**
   * WS-Addressing 1.0 headers. The Event service's operations are WS-BaseNotification operations
   * bound with WS-Addressing (Events ver10 §5, WS-BaseNotification 1.3 §4): the request names its
   * action and destination (the subscription reference for PullMessages, Renew and Unsubscribe),
   * and, as a request that expects a reply, carries a MessageID and a ReplyTo (WS-Addressing 1.0
   * Core §3.4: "[message id] ... MUST be present if ... a reply is expected"). Servers that enforce
   * it fault a Renew without a MessageID (issue 16). The reply goes back on the HTTP connection:
   * ReplyTo is the anonymous address.
   */
  addressing?: { action: string; to: string; messageId?: string };
  /**
   * The reference parameters of the endpoint reference the request goes to (a subscription's
   * `wsa:ReferenceParameters`), each echoed as a header block with `wsa:IsReferenceParameter="true"`
   * (WS-Addressing 1.0 SOAP Binding §3.3), written by reference-parameters.ts, never pasted.
   */
  referenceParameters?: readonly RefElement[];
}

/** The anonymous endpoint (WS-Addressing 1.0 Core §2.1): answer on the same connection. */
export const WSA_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';

/** The WS-Addressing headers of a request that expects a reply. */
export function addressingHeaders(a: { action: string; to: string; messageId?: string }): string {
  const id = a.messageId ?? `urn:uuid:${randomUUID()}`;
  const wsa = (name: string, inner: string): string => `<wsa:${name} xmlns:wsa="${NS.wsa}">${inner}</wsa:${name}>`;
  return wsa('Action', esc(a.action)) + wsa('MessageID', esc(id)) + wsa('ReplyTo', `<wsa:Address>${WSA_ANONYMOUS}</wsa:Address>`) + wsa('To', esc(a.to));
}

/** A SOAP 1.2 envelope around `body` (already XML, with its own namespace declarations). */
export function envelope(body: string, o: EnvelopeOptions = {}): string {
  const headers: string[] = [];
  if (o.credentials) headers.push(securityHeader(o.credentials, o.now ?? new Date()));
  if (o.addressing) headers.push(addressingHeaders(o.addressing));
  if (o.referenceParameters?.length) headers.push(writeReferenceParameters(o.referenceParameters));
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap}">` +
    (headers.length ? `<s:Header>${headers.join('')}</s:Header>` : '') +
    `<s:Body>${body}</s:Body></s:Envelope>`
  );
}

export interface SoapFault {
  code: string;
  subcodes: string[];
  reason: string;
}

/** The SOAP 1.2 Fault in a parsed envelope, if any (SOAP 1.2 Part 1 §5.4). */
export function faultOf(doc: XmlNode): SoapFault | null {
  const fault = at(doc, 'Envelope', 'Body', 'Fault');
  if (fault === undefined) return null;
  const code = text(at(fault, 'Code', 'Value')) ?? '';
  const subcodes: string[] = [];
  let sub = at(fault, 'Code', 'Subcode');
  for (let depth = 0; sub !== undefined && depth < 8; depth++) {
    const v = text(child(sub, 'Value'));
    if (v) subcodes.push(v);
    sub = child(sub, 'Subcode');
  }
  const reasonNode = at(fault, 'Reason', 'Text');
  // SOAP 1.1 faults (some old cameras) use faultstring.
  const reason = text(reasonNode) ?? text(child(fault, 'faultstring')) ?? attr(reasonNode, 'lang') ?? '';
  return { code, subcodes, reason: reason.slice(0, 300) };
}

/** ONVIF Core §5.11.2.1: `ter:NotAuthorized` under `env:Sender`. */
export function isNotAuthorized(f: SoapFault): boolean {
  return f.subcodes.some((s) => /(^|:)NotAuthorized$/.test(s)) || /not ?authori[sz]ed|unauthori[sz]ed|auth.*fail/i.test(f.reason);
}

/**
 * Parse a SOAP reply and return the element `name` inside Body. Faults become typed errors;
 * an envelope without the expected element is `missing_field`.
 */
export function parseResponse(raw: Buffer | string, name: string, maxBytes?: number): XmlNode {
  const doc = parseXml(raw, maxBytes);
  if (at(doc, 'Envelope') === undefined) throw new OnvifError('malformed', 'reply is XML but not a SOAP envelope');
  const fault = faultOf(doc);
  if (fault) {
    if (isNotAuthorized(fault)) throw new OnvifError('not_authorized', `device refused the credentials (${fault.subcodes.join('/') || fault.code})`);
    throw new OnvifError('soap_fault', `${[fault.code, ...fault.subcodes].filter(Boolean).join('/')}: ${fault.reason}`);
  }
  const body = at(doc, 'Envelope', 'Body');
  const el = child(body, name);
  if (el === undefined) throw new OnvifError('missing_field', `no ${name} in the reply body`);
  // An empty element parses as ''; give callers an object to walk.
  return (el && typeof el === 'object' ? el : {}) as XmlNode;
}
