/**
 * WS-Discovery over UDP: multicast a Probe on the chosen interface, optionally send the same Probe
 * straight to given addresses (networks where multicast does not reach), collect ProbeMatches until
 * the timeout. Never answers anything, and listens only on the socket it opened for this probe.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { OnvifError } from './errors.js';
import { buildProbe, parseProbeMatches, WSD, type DiscoveredDevice } from './discovery.js';

export interface DiscoverOptions {
  /** Local IPv4 address to send from (the interface); default: the OS's choice. */
  interface?: string;
  /** Send the multicast probe (default true). */
  multicast?: boolean;
  /** Directed probes: `host` or `host:port` (port default 3702). */
  probes?: string[];
  /** Multicast destination port (default 3702; tests use another). */
  port?: number;
  timeoutMs?: number;
}

export interface DiscoverResult {
  devices: DiscoveredDevice[];
  /** Replies skipped, each with the sender and the reason. */
  skipped: Array<{ from: string; reason: string }>;
}

export function parseProbeTarget(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(s.trim());
  if (!m) throw new OnvifError('bad_url', `"${s.slice(0, 60)}" is not host or host:port`);
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = m[2] ? Number(m[2]) : WSD.port;
  if (port < 1 || port > 65535) throw new OnvifError('bad_url', `port ${port} out of range`);
  if (isIP(host) !== 4) throw new OnvifError('bad_url', `"${host}" is not an IPv4 address`);
  return { host, port };
}

export async function discover(o: DiscoverOptions = {}): Promise<DiscoverResult> {
  const targets = (o.probes ?? []).map(parseProbeTarget);
  if (o.interface && isIP(o.interface) !== 4) throw new OnvifError('bad_url', `--interface: "${o.interface}" is not an IPv4 address`);
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  const { messageId, xml } = buildProbe();
  const byEndpoint = new Map<string, DiscoveredDevice>();
  const skipped: DiscoverResult['skipped'] = [];
  socket.on('message', (msg, rinfo) => {
    const from = `${rinfo.address}:${rinfo.port}`;
    try {
      const r = parseProbeMatches(msg, messageId);
      for (const reason of r.skipped) skipped.push({ from, reason });
      for (const d of r.devices) {
        const key = d.endpoint || d.xaddrs[0]!;
        if (!byEndpoint.has(key)) byEndpoint.set(key, { ...d, from: rinfo.address });
      }
    } catch (err) {
      skipped.push({ from, reason: err instanceof OnvifError ? err.reason : String((err as Error).message).slice(0, 200) });
    }
  });
  await new Promise<void>((ok, fail) => {
    socket.once('error', fail);
    socket.bind({ address: o.interface ?? '0.0.0.0', port: 0 }, () => {
      socket.off('error', fail);
      ok();
    });
  });
  try {
    const payload = Buffer.from(xml, 'utf8');
    const send = (host: string, port: number): Promise<void> =>
      new Promise((ok) => {
        socket.send(payload, port, host, (err) => {
          if (err) skipped.push({ from: `${host}:${port}`, reason: `probe not sent: ${err.message}` });
          ok();
        });
      });
    if (o.multicast !== false) {
      if (o.interface) socket.setMulticastInterface(o.interface);
      socket.setMulticastTTL(1); // ONVIF Core §7.3: discovery stays on the local link
      socket.setMulticastLoopback(true);
      await send(WSD.multicastAddress, o.port ?? WSD.port);
    }
    for (const t of targets) await send(t.host, t.port);
    await new Promise((r) => setTimeout(r, o.timeoutMs ?? 3000));
  } finally {
    socket.close();
  }
  return { devices: [...byEndpoint.values()], skipped };
}
