/**
 * WS-Discovery (OASIS WS-Discovery 2005/04, as profiled by ONVIF Core §7.3): the Probe a client
 * multicasts to 239.255.255.250:3702 (or sends to one address), and the ProbeMatches a device
 * answers with. Pure: bytes in, values out.
 */
import { randomUUID } from 'node:crypto';
import { OnvifError } from './errors.js';
import { at, children, esc, parseXml, text } from './xml.js';

export const WSD = {
  multicastAddress: '239.255.255.250',
  port: 3702,
  ns: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  to: 'urn:schemas-xmlsoap-org:ws:2005:04:discovery',
  probeAction: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe',
  probeMatchesAction: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches',
  /** ONVIF Core §7.3.2: devices are of type dn:NetworkVideoTransmitter. */
  dn: 'http://www.onvif.org/ver10/network/wsdl',
} as const;

/** ProbeMatches are small; a UDP datagram cannot exceed 64 KiB anyway. */
export const MAX_PROBE_MATCH_BYTES = 64 * 1024;

export function buildProbe(messageId: string = `urn:uuid:${randomUUID()}`): { messageId: string; xml: string } {
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="${WSD.wsa}" xmlns:d="${WSD.ns}" xmlns:dn="${WSD.dn}">` +
    `<s:Header><a:Action s:mustUnderstand="1">${WSD.probeAction}</a:Action>` +
    `<a:MessageID>${esc(messageId)}</a:MessageID>` +
    `<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:To s:mustUnderstand="1">${WSD.to}</a:To></s:Header>` +
    `<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`;
  return { messageId, xml };
}

export interface DiscoveredDevice {
  /** wsa:EndpointReference/Address: stable device identity (urn:uuid:...). */
  endpoint: string;
  xaddrs: string[];
  scopes: string[];
  types: string[];
  /** From the onvif://www.onvif.org/name/ scope, decoded. */
  name: string | null;
  hardware: string | null;
  location: string | null;
  /** Sender address of the datagram (filled in by the socket layer). */
  from?: string;
}

export interface ProbeMatchesResult {
  devices: DiscoveredDevice[];
  /** Matches skipped, each with the reason. */
  skipped: string[];
}

const SAFE_XADDR = /^https?:\/\/[^\s/?#@]+(\/[^\s]*)?$/i;

function scopeValue(scopes: string[], key: string): string | null {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
  if (!hit) return null;
  try {
    return (
      decodeURIComponent(hit.slice(prefix.length))
        .replace(/[\u0000-\u001f\u007f]/g, '')
        .slice(0, 120) || null
    );
  } catch {
    return hit.slice(prefix.length).slice(0, 120) || null;
  }
}

/**
 * Parse a ProbeMatches datagram. Throws OnvifError for what is not a ProbeMatches at all (too big,
 * DOCTYPE, malformed, wrong action or RelatesTo); skips individual matches that lack an address.
 */
export function parseProbeMatches(raw: Buffer | string, relatesTo?: string): ProbeMatchesResult {
  const doc = parseXml(raw, MAX_PROBE_MATCH_BYTES);
  const env = at(doc, 'Envelope');
  if (env === undefined) throw new OnvifError('malformed', 'not a SOAP envelope');
  const action = text(at(env, 'Header', 'Action'))?.trim();
  if (action && action !== WSD.probeMatchesAction) throw new OnvifError('malformed', `not ProbeMatches (action ${action.slice(0, 80)})`);
  const rel = text(at(env, 'Header', 'RelatesTo'))?.trim();
  if (relatesTo && rel && rel !== relatesTo) throw new OnvifError('malformed', 'answers another probe (RelatesTo does not match)');
  const pm = at(env, 'Body', 'ProbeMatches');
  if (pm === undefined) throw new OnvifError('missing_field', 'no ProbeMatches in the body');
  const result: ProbeMatchesResult = { devices: [], skipped: [] };
  for (const m of children(pm, 'ProbeMatch')) {
    const endpoint = text(at(m, 'EndpointReference', 'Address'))?.trim() ?? '';
    const words = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter(Boolean).slice(0, 64);
    const xaddrsAll = words(text(at(m, 'XAddrs')));
    const xaddrs = xaddrsAll.filter((x) => SAFE_XADDR.test(x));
    if (xaddrs.length === 0) {
      result.skipped.push(
        xaddrsAll.length ? `match ${endpoint || '(no endpoint)'}: XAddrs are not plain http(s) URLs` : `match ${endpoint || '(no endpoint)'}: no XAddrs`,
      );
      continue;
    }
    const scopes = words(text(at(m, 'Scopes')));
    result.devices.push({
      endpoint: endpoint.slice(0, 200),
      xaddrs,
      scopes,
      types: words(text(at(m, 'Types'))),
      name: scopeValue(scopes, 'name'),
      hardware: scopeValue(scopes, 'hardware'),
      location: scopeValue(scopes, 'location'),
    });
  }
  if (result.devices.length === 0 && result.skipped.length === 0) throw new OnvifError('missing_field', 'ProbeMatches lists no ProbeMatch');
  return result;
}
