/**
 * The simulated camera's WS-Discovery (ONVIF Core §7.3; WS-Discovery 2005/04 Probe / ProbeMatches):
 * its scopes, the UDP socket on port 3702 (unicast, or joined to the multicast group 239.255.255.250)
 * and the ProbeMatches answer to a Probe, spoiled as `state.discoveryMisbehave` says.
 */
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { escapeXml, get, type Misbehaviour, NS, str, xmlParser } from './soap-xml.js';

export interface DiscoveryOptions {
  address: string;
  port?: number;
  multicast?: boolean;
}

/** The camera's scopes (Core §7.3), as in GetScopes and ProbeMatches. */
export function scopesOf(o: { name: string; hardware: string; location: string }): string[] {
  const enc = (s: string): string => encodeURIComponent(s);
  return [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${enc(o.name)}`,
    `onvif://www.onvif.org/hardware/${enc(o.hardware)}`,
    `onvif://www.onvif.org/location/${enc(o.location)}`,
  ];
}

/** A UDP socket bound for Probes, each handed to `onMessage`. */
export async function bindDiscovery(d: DiscoveryOptions, onMessage: (msg: Buffer, rinfo: dgram.RemoteInfo) => void): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  sock.on('message', onMessage);
  await new Promise<void>((ok, fail) => {
    sock.once('error', fail);
    // Multicast needs the socket bound to the port on the wildcard or group address; a unicast-only
    // simulator binds to its own address.
    sock.bind({ address: d.multicast ? '0.0.0.0' : d.address, port: d.port ?? 3702, exclusive: false }, () => ok());
  });
  if (d.multicast) sock.addMembership('239.255.255.250', d.address);
  return sock;
}

/** What a ProbeMatch says of the camera. */
export interface ProbeTarget {
  uuid: string;
  scopes: () => string[];
  xaddr: string;
  misbehave: Misbehaviour;
}

/** The ProbeMatches datagram answering `msg`, or null when it is no Probe or names a type we are not. */
export function probeMatches(msg: Buffer, t: ProbeTarget): Buffer | null {
  let env: unknown;
  try {
    env = xmlParser.parse(msg.toString('utf8'));
  } catch {
    return null;
  }
  const action = str(get(env, 'Envelope', 'Header', 'Action'));
  if (!action.endsWith('/discovery/Probe')) return null;
  const messageId = str(get(env, 'Envelope', 'Header', 'MessageID'));
  const types = str(get(env, 'Envelope', 'Body', 'Probe', 'Types'));
  // An empty Types matches every target; otherwise it must name a type we are.
  if (types && !/NetworkVideoTransmitter|Device/.test(types)) return null;
  let xml =
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.s}" xmlns:a="${NS.wsa}" xmlns:d="${NS.d}" xmlns:dn="${NS.dn}" xmlns:tds="${NS.tds}">` +
    `<s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID><a:RelatesTo>${escapeXml(messageId)}</a:RelatesTo>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
    `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>` +
    `<d:AppSequence InstanceId="1" MessageNumber="1"/></s:Header>` +
    `<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:${t.uuid}</a:Address></a:EndpointReference>` +
    `<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types><d:Scopes>${t.scopes().map(escapeXml).join(' ')}</d:Scopes>` +
    `<d:XAddrs>${t.xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
  switch (t.misbehave) {
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
  return buf.subarray(0, 65_000);
}
