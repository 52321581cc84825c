/**
 * The simulated camera's SOAP 1.2 plumbing (SOAP 1.2 Part 1 §5 envelope, §5.4 faults): the namespaces
 * it speaks, the request parsers, XML escaping, small readers of parsed requests, the envelope every
 * answer goes out in and the ways `state.misbehave` spoils it. Pure (no I/O).
 */
import { XMLParser } from 'fast-xml-parser';

export type Misbehaviour = 'none' | 'malformed' | 'doctype' | 'huge' | 'missing-fields';

export const NS = {
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

export const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: false,
});
/** Prefixes kept: the reference-parameter check needs the header's namespace. */
export const nsParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  processEntities: false,
});
/** The five predefined entities (the request parser leaves them as written). */
export const unescapeXml = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

export type Obj = Record<string, unknown>;
export const get = (o: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((cur, k) => (cur && typeof cur === 'object' ? (Array.isArray(cur) ? cur[0] : cur)?.[k as never] : undefined), o);
export const str = (v: unknown): string =>
  typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as Obj)['#text'] === 'string' ? ((v as Obj)['#text'] as string) : '';

/** `PT60S` (xs:duration, seconds only — what clients send) → ms; null otherwise. */
export function durationMs(v: string): number | null {
  const m = /^PT(\d+(?:\.\d+)?)S$/.exec(v.trim());
  return m ? Number(m[1]) * 1000 : null;
}

/** An answer before it is wrapped: HTTP status, the Body's content and (optionally) the Header's. */
export interface SoapReply {
  status: number;
  body: string;
  header?: string;
}

export const ok = (body: string, header?: string): SoapReply => (header === undefined ? { status: 200, body } : { status: 200, body, header });

/** A SOAP 1.2 fault (Part 1 §5.4), env:Sender sent with HTTP 400, env:Receiver with 500. */
export function fault(sender: boolean, subcode: string, reason: string): SoapReply {
  return {
    status: sender ? 400 : 500,
    body:
      `<s:Fault><s:Code><s:Value>${sender ? 's:Sender' : 's:Receiver'}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escapeXml(reason)}</s:Text></s:Reason></s:Fault>`,
  };
}

/** The whole answer document, spoiled as `misbehave` says. */
export function envelope(body: string, headers: string, misbehave: Misbehaviour): string {
  let xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.s}" xmlns:tt="${NS.tt}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tev="${NS.tev}" xmlns:wsnt="${NS.wsnt}" ` +
    `xmlns:wsa5="${NS.wsa5}" xmlns:ter="${NS.ter}" xmlns:tns1="${NS.tns1}">${headers ? `<s:Header>${headers}</s:Header>` : ''}<s:Body>${body}</s:Body>` +
    `</s:Envelope>`;
  switch (misbehave) {
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
  return xml;
}
