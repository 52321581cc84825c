/**
 * `safegrid site new`: a site file from a few answers (issue 15). Pure: the answers in, the file's
 * text and the problems out — the text is checked with the same schema `safegrid check` uses
 * before anything is written, so a bad answer is said at once, as the flag that gave it.
 */
import { Document, isCollection, type YAMLMap, type YAMLSeq } from 'yaml';
import { siteFileSchema } from './schema/site.js';

export interface SiteAnswers {
  id: string;
  name: string;
  kind: string;
  address: string;
  doorPlate: string;
  /** "lat,lng" as typed. */
  location: string;
  /** "name:phone" each, in call order. */
  contacts: string[];
  guardGroup?: string | undefined;
  pole?: string | undefined;
  crs?: string | undefined;
}

/** The answers a site cannot do without, with the flag that gives each. */
export const REQUIRED_ANSWERS: ReadonlyArray<{ key: keyof SiteAnswers; flag: string }> = [
  { key: 'id', flag: '--id' },
  { key: 'name', flag: '--name' },
  { key: 'kind', flag: '--kind' },
  { key: 'address', flag: '--address' },
  { key: 'doorPlate', flag: '--door-plate' },
  { key: 'location', flag: '--location' },
  { key: 'contacts', flag: '--contact' },
];

/** Which flag a schema path came from, so a problem names what the installer typed. */
const FLAG_OF: Record<string, string> = {
  'site.id': '--id',
  'site.name': '--name',
  'site.kind': '--kind',
  'site.address': '--address',
  'site.door_plate': '--door-plate',
  'site.location': '--location',
  'site.contacts': '--contact',
  'site.guard_group': '--guard-group',
  'site.pole': '--pole',
  'site.crs': '--crs',
  'site.mqtt': '--id',
};

export interface SiteNewResult {
  /** The file's text; null when an answer is wrong. */
  text: string | null;
  /** `--flag: what was wrong`, one per problem. */
  problems: string[];
}

function parseLocation(text: string): [number, number] | null {
  const m = /^\s*\[?\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*\]?\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function parseContact(text: string): { name: string; phone: string } | null {
  // "王店主:13800000000" (a full-width colon too, as a Chinese keyboard types it)
  const m = /^\s*(.+?)\s*[:：]\s*(\+?[\d -]{3,20})\s*$/.exec(text);
  return m ? { name: m[1]!, phone: m[2]!.replace(/[ -]/g, '') } : null;
}

function answerOf(a: SiteAnswers, flag: string): unknown {
  const key =
    REQUIRED_ANSWERS.find((r) => r.flag === flag)?.key ?? ({ '--guard-group': 'guardGroup', '--pole': 'pole', '--crs': 'crs' } as const)[flag as '--pole'];
  return key ? a[key] : '';
}

export function buildSiteFile(a: SiteAnswers): SiteNewResult {
  const problems: string[] = [];
  for (const { key, flag } of REQUIRED_ANSWERS) {
    const v = a[key];
    if (v === undefined || (Array.isArray(v) ? v.length === 0 : String(v).trim() === '')) problems.push(`${flag}: missing`);
  }
  if (problems.length > 0) return { text: null, problems };
  const location = parseLocation(a.location);
  if (!location) problems.push(`${'--location'}: got "${a.location}"; expected "lat,lng" in degrees, e.g. 26.5951,104.8302`);
  const contacts = a.contacts.map((c) => ({ text: c, parsed: parseContact(c) }));
  for (const c of contacts) if (!c.parsed) problems.push(`--contact: got "${c.text}"; expected "name:phone", e.g. 王店主:13800000000`);
  if (problems.length > 0) return { text: null, problems };

  const site: Record<string, unknown> = {
    id: a.id.trim(),
    name: a.name.trim(),
    kind: a.kind.trim(),
    address: a.address.trim(),
    door_plate: a.doorPlate.trim(),
    ...(a.pole ? { pole: a.pole.trim() } : {}),
    location,
    crs: a.crs?.trim() || 'wgs84',
    contacts: contacts.map((c) => c.parsed),
    ...(a.guardGroup ? { guard_group: a.guardGroup.trim() } : {}),
    // One login for the site's devices; its password lives in config/secrets.yaml, never here.
    mqtt: { username: a.id.trim(), password_file_key: `mqtt_${a.id.trim()}` },
  };
  const data = { site, devices: [], cameras: [] };
  const parsed = siteFileSchema.safeParse(data);
  if (!parsed.success) {
    const flags = new Set<string>();
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p) => typeof p === 'string').join('.');
      const flag = Object.entries(FLAG_OF).find(([p]) => path === p || path.startsWith(`${p}.`))?.[1] ?? path;
      // One problem per flag: a bad --id also makes the MQTT login's key bad, which says nothing new.
      if (flags.has(flag)) continue;
      flags.add(flag);
      // The schema's own message is either "got …; expected …" (whole) or the expected half.
      problems.push(issue.message.startsWith('got ') ? `${flag}: ${issue.message}` : `${flag}: got "${String(answerOf(a, flag))}"; expected ${issue.message}`);
    }
    return { text: null, problems };
  }

  const doc = new Document(data);
  doc.commentBefore =
    ' yaml-language-server: $schema=../schema/site.schema.json\n' +
    ` ${site.name} — written by \`safegrid site new\`. Add its devices and cameras, then run \`safegrid check\`.\n` +
    ` The MQTT password of site.mqtt goes in config/secrets.yaml under mqtt_${site.id}.`;
  // Short lists on one line, as the sample files write them.
  const siteNode = doc.get('site') as YAMLMap;
  const flow = (n: unknown) => {
    if (isCollection(n)) n.flow = true;
  };
  flow(siteNode.get('location', true));
  flow(siteNode.get('mqtt', true));
  const contactNodes = siteNode.get('contacts', true) as unknown as YAMLSeq<YAMLMap>;
  for (const c of contactNodes.items) flow(c);
  flow(doc.get('devices', true));
  flow(doc.get('cameras', true));
  // Phone numbers stay quoted text: unquoted digits lose their leading zero.
  for (const c of contactNodes.items) {
    const phone = c.get('phone', true) as { type?: string } | undefined;
    if (phone) phone.type = 'QUOTE_DOUBLE';
  }
  return { text: doc.toString({ lineWidth: 0 }), problems: [] };
}
