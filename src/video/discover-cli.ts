/**
 * `safegrid discover`: probe for ONVIF cameras, print what answered, and optionally write or extend
 * a site file for the installer to finish (TODO markers where only a person knows the answer).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq, type Scalar } from 'yaml';
import type { LatLng } from '../contract/alarm-event.js';
import { discover, type DiscoverOptions } from './onvif/discover.js';
import type { DiscoveredDevice } from './onvif/discovery.js';

/**
 * A device-supplied string made safe for a terminal and a YAML comment: C0 and C1 control
 * characters (ESC starts the sequences that move the cursor, clear the screen, retitle the window or
 * write to the clipboard), DEL and the bidirectional overrides that make text read backwards are
 * replaced by "?", and the length is capped. Anyone on the LAN can answer a WS-Discovery probe.
 */
export function terminalSafe(s: string, max = 200): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function formatDevices(devices: readonly DiscoveredDevice[], skipped: ReadonlyArray<{ from: string; reason: string }>): string {
  const lines: string[] = [];
  const t = terminalSafe;
  for (const d of devices) {
    lines.push(`${t(d.name ?? '(no name)')}  ${t(d.hardware ?? '(no hardware)')}  ${d.xaddrs.map((x) => t(x)).join(' ')}`);
    lines.push(`  from ${t(d.from ?? '?')}  endpoint ${t(d.endpoint || '?')}${d.location ? `  location ${t(d.location)}` : ''}`);
    lines.push(`  scopes: ${d.scopes.map((x) => t(x)).join(' ')}`);
  }
  for (const s of skipped) lines.push(`skipped a reply from ${t(s.from)}: ${t(s.reason)}`);
  lines.push(
    `${devices.length} camera${devices.length === 1 ? '' : 's'} ` +
      `answered${skipped.length ? `, ${skipped.length} repl${skipped.length === 1 ? 'y' : 'ies'} skipped` : ''}.`,
  );
  return lines.join('\n');
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);

/** A camera id from its name: ASCII letters and digits kept; `cam-…` when little is left (Chinese names). */
const cameraIdFrom = (name: string): string => {
  const s = slug(name);
  return /^[a-z][a-z0-9-]{2,}$/.test(s) ? s : `cam-${s || '1'}`;
};

function uniqueId(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

function cameraNode(doc: ReturnType<typeof parseDocument>, siteId: string, id: string, d: DiscoveredDevice): YAMLMap {
  const env = `CAM_${siteId}_${id}_PASS`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  const node = doc.createNode({
    id,
    name: terminalSafe(d.name ?? id),
    onvif: { xaddr: d.xaddrs[0]!, username: 'admin', password_env: env },
    zones: [],
  }) as YAMLMap;
  node.commentBefore = ` found by safegrid discover: ${terminalSafe(d.hardware ?? 'unknown model')}, endpoint ${terminalSafe(d.endpoint)}`;
  const onvif = node.get('onvif') as YAMLMap;
  (onvif.get('username', true) as Scalar).comment = ' TODO: the camera user';
  (onvif.get('password_env', true) as Scalar).comment = ` TODO: export ${env}=<camera password> before start`;
  const zones = node.get('zones', true) as unknown as YAMLSeq;
  zones.flow = true;
  zones.comment = ' TODO: zone numbers this camera sees (declared by a device of this site)';
  node.comment = ' TODO: location: [lat, lng] if the camera is not at the site address';
  return node;
}

export interface WriteResult {
  file: string;
  added: string[];
  alreadyThere: string[];
  created: boolean;
}

/** Create `file` (a new site with TODOs) or add the cameras not yet in it. */
export function writeSiteFile(file: string, devices: readonly DiscoveredDevice[], defaultLocation: LatLng): WriteResult {
  const created = !existsSync(file);
  const siteId = slug(basename(file).replace(/\.ya?ml$/i, '')) || 'site';
  const text = created
    ? `# Written by safegrid discover. Fill in every TODO, then run \`safegrid check\`.
site:
  id: ${siteId}
  name: TODO 站点名称 (site name)
  kind: shop # TODO: home | shop | unit
  address: TODO 地址 (street address)
  door_plate: TODO 门牌号 (door plate)
  location: [${defaultLocation[0]}, ${defaultLocation[1]}] # TODO: the site's [lat, lng]; this is the map centre
  contacts:
    - { name: TODO 联系人, phone: "TODO" }
devices: []
cameras: []
`
    : readFileSync(file, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`${file}: not valid YAML (${doc.errors[0]!.message.split('\n')[0]}); fix it before adding cameras`);
  let cams = doc.get('cameras', true);
  if (!isSeq(cams)) {
    cams = new YAMLSeq();
    doc.set('cameras', cams);
  }
  const seq = cams as YAMLSeq;
  const taken = new Set<string>();
  const known = new Set<string>();
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const id = item.get('id');
    if (typeof id === 'string') taken.add(id);
    const onvif = item.get('onvif');
    if (isMap(onvif) && typeof onvif.get('xaddr') === 'string') known.add(onvif.get('xaddr') as string);
  }
  // Device ids share the namespace with camera ids.
  const devs = doc.get('devices', true);
  if (isSeq(devs)) for (const item of devs.items) if (isMap(item) && typeof item.get('id') === 'string') taken.add(item.get('id') as string);
  const added: string[] = [];
  const alreadyThere: string[] = [];
  for (const d of devices) {
    const xaddr = d.xaddrs[0]!;
    if (known.has(xaddr)) {
      alreadyThere.push(xaddr);
      continue;
    }
    known.add(xaddr);
    const id = uniqueId(cameraIdFrom(d.name ?? d.hardware ?? ''), taken);
    seq.add(cameraNode(doc, siteId, id, d));
    added.push(id);
  }
  seq.flow = false;
  writeFileSync(file, doc.toString({ lineWidth: 0 }));
  return { file, added, alreadyThere, created };
}

export async function runDiscover(o: DiscoverOptions): Promise<{ devices: DiscoveredDevice[]; output: string }> {
  const r = await discover(o);
  return { devices: r.devices, output: formatDevices(r.devices, r.skipped) };
}
