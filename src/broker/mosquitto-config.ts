/**
 * Mosquitto's password file and ACL from the device logins and topic rights the embedded broker
 * enforces (topic-rights.ts) — pure: the salts come from the caller, nothing is read or written.
 * `safegrid broker-config mosquitto` (mosquitto-command.ts) writes the result.
 *
 * Translation of one login's rights (device-access.ts has the rules):
 *   publish topics and bridge filters        → `topic write T`
 *   subscribe filters (commands, z2m base)   → `topic read F`
 *   a bridge namespace / z2m `<base>/bridge/` → `topic write <prefix>/+/#` ("anything below", as the
 *                                              embedded broker's prefix test; not the prefix itself)
 *   another login's device topic that one of those grants reaches → `topic deny T` (Mosquitto
 *                                              checks deny lines before grants, for reading and writing)
 * The hub's own login (hub.yaml mqtt.username) reads every device and bridge topic, as it subscribes.
 *
 * One difference stays: Mosquitto 2.0 grants every SUBSCRIBE and checks read rights per message,
 * so a filter reaching another login's topics is accepted but those messages are never delivered
 * (the embedded broker refuses the filter with 0x80). What a login can read is the same.
 */
import { pbkdf2Sync } from 'node:crypto';
import type { ErrorCode } from '../core/errors.js';
import { isValidFilter } from './topic-filter.js';
import type { Rights, TopicRights } from './topic-rights.js';

/** Hash type 7 (PBKDF2-HMAC-SHA512), 12-byte salt, 101 iterations: what Mosquitto 2.0's `mosquitto_passwd` writes. */
export const MOSQUITTO_HASH = { iterations: 101, saltBytes: 12, keyBytes: 64 } as const;

/** `$7$<iterations>$<base64 salt>$<base64 PBKDF2-SHA512(password, salt)>`, the form mosquitto_passwd writes. */
export function mosquittoPasswordHash(password: string, salt: Buffer, iterations: number = MOSQUITTO_HASH.iterations): string {
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, MOSQUITTO_HASH.keyBytes, 'sha512');
  return `$7$${iterations}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export interface MosquittoInput {
  rights: TopicRights;
  /** hub.yaml `mqtt.username` and its password (resolved from `password_env`). */
  hub: { username: string | null; password: string | null };
  /** A fresh random salt of MOSQUITTO_HASH.saltBytes per password; injected so tests can repeat a run. */
  salt: () => Buffer;
}

export type MosquittoFiles =
  | { ok: true; passwordFile: string; aclFile: string; logins: number; warnings: string[] }
  | { ok: false; problems: MosquittoProblem[] };

export interface MosquittoProblem {
  code: Extract<ErrorCode, 'SG_MOSQUITTO_NO_HUB_LOGIN' | 'SG_MOSQUITTO_UNEXPRESSIBLE' | 'SG_CONFIG_DUPLICATE_ID'>;
  message: string;
}

type Access = 'read' | 'write' | 'readwrite' | 'deny';

/** One `user` block of the ACL. */
export interface AclBlock {
  username: string;
  /** Why this login exists, as a comment (`site:shop-a`, `the hub`). */
  note: string;
  lines: Array<{ access: Access; topic: string }>;
}

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Why Mosquitto cannot hold this user name, or null. The password file splits `user:hash` at the
 * first ":" and skips lines starting with "#"; both files trim blanks around the name and end a
 * line at a line break.
 */
export function unexpressibleUserName(name: string): string | null {
  if (name.includes(':')) return 'contains ":", which ends the user name in the password file';
  if (CONTROL.test(name)) return 'contains a control character (line break, tab …)';
  if (name.trim() !== name) return 'begins or ends with a space, which Mosquitto trims';
  if (name.startsWith('#')) return 'begins with "#", which makes the password file line a comment';
  return null;
}

/** Why a `topic` line of Mosquitto's ACL cannot carry this topic or filter, or null. */
export function unexpressibleTopic(topic: string): string | null {
  if (CONTROL.test(topic)) return 'contains a control character (line break, tab …)';
  if (topic.trim() !== topic) return 'begins or ends with a space, which Mosquitto trims';
  if (!isValidFilter(topic)) return 'is not a valid MQTT topic filter ("+" and "#" only as whole levels, "#" last)';
  return null;
}

/**
 * True when some topic matches both filters (a concrete topic is a filter without wildcards):
 * the test for "does this grant reach that topic".
 */
export function filtersIntersect(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; ; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '#' || q === '#') return true;
    if (p === undefined || q === undefined) return p === q;
    if (p !== '+' && q !== '+' && p !== q) return false;
  }
}

/** `frigate/` → `frigate/+/#`: every topic that starts with the prefix, as the embedded broker's startsWith. */
const belowPrefix = (prefix: string): string => `${prefix.replace(/\/$/, '')}/+/#`;

/** The ACL lines of one device, site or bridge login. */
export function loginAcl(rights: Rights, world: Pick<TopicRights, 'owned' | 'ownedFilters'>): AclBlock['lines'] {
  const access = new Map<string, Set<'read' | 'write'>>();
  const grant = (topic: string, a: 'read' | 'write'): void => {
    const set = access.get(topic) ?? new Set();
    set.add(a);
    access.set(topic, set);
  };
  for (const t of rights.publish) grant(t, 'write');
  for (const f of rights.publishFilters) grant(f, 'write');
  const prefixes = [...(rights.namespace ? [`${rights.namespace}/`] : []), ...rights.housekeeping];
  for (const p of prefixes) grant(belowPrefix(p), 'write');
  for (const f of rights.subscribe) grant(f, 'read');

  const granted = [...access.keys()];
  const others = [...[...world.owned].filter((t) => !rights.publish.has(t)), ...world.ownedFilters.filter((f) => !rights.publishFilters.includes(f))];
  const deny = others.filter((t) => granted.some((g) => filtersIntersect(g, t)));
  return [
    ...deny.map((topic) => ({ access: 'deny' as const, topic })),
    ...[...access].map(([topic, set]) => ({ access: set.size === 2 ? ('readwrite' as const) : ([...set][0] as 'read' | 'write'), topic })),
  ];
}

/** The password file and the ACL, or every reason they cannot be written. */
export function mosquittoFiles(input: MosquittoInput): MosquittoFiles {
  const { rights, hub } = input;
  const problems: MosquittoProblem[] = [];
  const problem = (code: MosquittoProblem['code'], message: string): void => {
    if (!problems.some((p) => p.message === message)) problems.push({ code, message });
  };
  const warnings: string[] = [];

  if (!hub.username || !hub.password) {
    problem(
      'SG_MOSQUITTO_NO_HUB_LOGIN',
      'hub.yaml mqtt.username and mqtt.password_env (set in the environment): the hub needs its own login on Mosquitto, ' +
        'which refuses anonymous clients; set both and run again',
    );
  } else if (rights.logins.has(hub.username)) {
    problem(
      'SG_CONFIG_DUPLICATE_ID',
      `hub.yaml mqtt.username "${hub.username}" is also the login of ${rights.logins.get(hub.username)?.principal}; give the hub a name of its own`,
    );
  }

  const blocks: AclBlock[] = [];
  const passwords: Array<{ username: string; password: string }> = [];
  if (hub.username && hub.password) {
    const reads = [...rights.owned, ...rights.ownedFilters];
    blocks.push({
      username: hub.username,
      note: 'the hub (hub.yaml mqtt.username): reads every device and bridge topic',
      lines: reads.map((topic) => ({ access: 'read', topic })),
    });
    passwords.push({ username: hub.username, password: hub.password });
  }
  for (const [username, login] of rights.logins) {
    const r = rights.rights.get(login.principal);
    blocks.push({ username, note: login.principal, lines: r ? loginAcl(r, rights) : [] });
    passwords.push({ username, password: login.password });
  }

  for (const b of blocks) {
    const why = unexpressibleUserName(b.username);
    if (why) problem('SG_MOSQUITTO_UNEXPRESSIBLE', `user name "${printable(b.username)}" (${b.note}) ${why}; rename the login`);
    for (const l of b.lines) {
      const bad = unexpressibleTopic(l.topic);
      if (bad) problem('SG_MOSQUITTO_UNEXPRESSIBLE', `topic "${printable(l.topic)}" (${b.note}) ${bad}; Mosquitto's ACL cannot express it: rename the topic`);
    }
  }
  for (const p of passwords) {
    // Mosquitto reads the password as a C string; a NUL would end it early.
    if (p.password.includes('\u0000'))
      problem('SG_MOSQUITTO_UNEXPRESSIBLE', `the password of "${printable(p.username)}" contains a NUL character; Mosquitto cannot check it`);
  }
  if (problems.length > 0) return { ok: false, problems };

  if (rights.withoutLogin.length > 0) {
    const shown = rights.withoutLogin.slice(0, 10).join(', ') + (rights.withoutLogin.length > 10 ? ', …' : '');
    warnings.push(`${rights.withoutLogin.length} device(s) have no MQTT login and cannot connect to Mosquitto either: ${shown}`);
  }

  const denied = blocks.filter((b) => b.lines.some((l) => l.access === 'deny'));
  if (denied.length > 0) {
    // Mosquitto reads the ACL line by line for every message; a shared base multiplies the lines per site.
    const lines = denied.reduce((n, b) => n + b.lines.filter((l) => l.access === 'deny').length, 0);
    warnings.push(
      `${denied.length} login(s) share a zigbee2mqtt base or a bridge namespace with other logins' devices; ${lines} deny lines keep them apart. ` +
        "Give each site's zigbee2mqtt its own base_topic (zigbee2mqtt/<site>/…) to keep the ACL short",
    );
  }

  const passwordFile = passwords.map((p) => `${p.username}:${mosquittoPasswordHash(p.password, input.salt())}\n`).join('');
  return { ok: true, passwordFile, aclFile: aclText(blocks), logins: passwords.length, warnings };
}

export function aclText(blocks: AclBlock[]): string {
  const head = [
    '# Mosquitto ACL written by `safegrid broker-config mosquitto` from config/ and devices/. Do not edit:',
    '# run the command again after a change and reload Mosquitto (SIGHUP).',
    '# No topic lines before the first user: anonymous clients may do nothing.',
    '# "deny" lines win over grants (Mosquitto checks them first): they keep a namespace or a zigbee2mqtt',
    '# base from reaching another login\'s device topics. "a/+/#" means every topic below a/.',
  ];
  const body = blocks.flatMap((b) => ['', `# ${b.note}`, `user ${b.username}`, ...b.lines.map((l) => `topic ${l.access} ${l.topic}`)]);
  return `${[...head, ...body].join('\n')}\n`;
}

/** Problem messages quote names from config files: show control characters instead of printing them. */
function printable(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}
