/**
 * Who may log in to the embedded broker, and what each login may publish and subscribe to,
 * derived from the validated Config by topic-rights.ts (DESIGN.md "Security": devices authenticate and may publish
 * only under their own topics).
 *
 * Principals — one per user name:
 *   device:<site>/<device>  `mqtt:` on a device entry: that device's topics.
 *   site:<site>             `site.mqtt:` in a site file: the topics of every device of the site
 *                           (a site gateway, or a zigbee2mqtt instance serving the whole site).
 *   bridge:<id>             `bridges[].mqtt:` in hub.yaml (a Frigate NVR): see below.
 *
 * Rights:
 *   PUBLISH    exactly the topics its devices' profiles derive (`profile.topics(device.topic)`),
 *              plus, for zigbee2mqtt devices, the bridge's own `<base_topic>/bridge/…` where no
 *              device is bound (profiles/housekeeping.ts: z2m publishes `bridge/state` on
 *              connect and as its last will; refusing it would disconnect z2m in a loop).
 *              A bridge: its derived topics, plus other topics in its namespace (the first level
 *              of its topic, `frigate/#`) that no device or other bridge owns — Frigate also
 *              publishes `frigate/available` and `frigate/stats`, and a refused PUBLISH costs the
 *              connection.
 *   SUBSCRIBE  only the device's command topics: `<device topic>/cmd/#`, or for zigbee2mqtt
 *              devices the zigbee2mqtt convention `<device topic>/set/#` (which includes
 *              `<device topic>/set`), and zigbee2mqtt's own `<base_topic>/#` when that reaches
 *              no other login's device and no other site shares or nests in the base (each
 *              site's z2m has its own base_topic, e.g. `zigbee2mqtt-shop-12`, issue 17).
 *              A bridge: filters inside its namespace that reach no device's topic. No filter
 *              may reach a device topic of another login.
 *   CLIENT ID  only one bound to the login (login-binding.ts, issue 17).
 *
 * Passwords are kept only as SHA-256 digests and compared with crypto.timingSafeEqual; an unknown
 * user name is compared against a dummy digest so that the answer takes the same time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { BridgeConfig, Config, Device, Site } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import type { ProfileRegistry } from '../profiles/types.js';
import { ClientIdBinding, clientIdRule, type SharedClientIds } from './login-binding.js';
import { filterCovers, isValidFilter, topicMatches } from './topic-filter.js';
import { deriveTopicRights, type Rights } from './topic-rights.js';
import type { AuthResult, DeviceAccess } from './types.js';

/** The rules live in topic-rights.ts (shared with `safegrid broker-config mosquitto`); re-exported for existing callers. */
export { commandFilters } from './topic-rights.js';

export interface MqttLogin {
  username: string;
  password: string;
}

/**
 * The login a device uses: its own `mqtt:` entry, else its site's. The hub's ACL and the
 * simulator both call this, so the demo connects exactly as the hub expects.
 */
export function mqttLoginOf(site: Pick<Site, 'mqttUsername' | 'mqttPassword'>, device: Pick<Device, 'mqttUsername' | 'mqttPassword'>): MqttLogin | null {
  if (device.mqttUsername && device.mqttPassword) return { username: device.mqttUsername, password: device.mqttPassword };
  if (site.mqttUsername && site.mqttPassword) return { username: site.mqttUsername, password: site.mqttPassword };
  return null;
}

export function bridgeLoginOf(bridge: BridgeConfig): MqttLogin | null {
  return bridge.mqttUsername && bridge.mqttPassword ? { username: bridge.mqttUsername, password: bridge.mqttPassword } : null;
}

interface State {
  mode: 'required' | 'off';
  logins: Map<string, { principal: string; digest: Buffer }>;
  rights: Map<string, Rights>;
  /** Every topic a device or bridge owns; a bridge namespace never reaches these. */
  owned: Set<string>;
  ownedFilters: string[];
  /** `<site>/<device>` of devices no login covers (they cannot connect while auth is required). */
  withoutLogin: string[];
}

const digest = (secret: string | Buffer): Buffer => createHash('sha256').update(secret).digest();
/** Compared against when the user name is unknown, so that the reply time does not tell. */
const DUMMY = digest('safegrid: no such user');

export class ConfigDeviceAccess implements DeviceAccess {
  private state: State;
  private lastWarning = '';
  /** Kept across reloads: a client id stays with the login that used it first. */
  private readonly clientIds = new ClientIdBinding();
  /** Replicas (issue 18): rule 2's bindings in Redis; null: this process's `clientIds`. */
  private shared: SharedClientIds | null = null;

  constructor(
    config: Config,
    profiles: ProfileRegistry,
    private readonly log?: Logger,
  ) {
    this.state = build(config, profiles, log);
    this.warn(config);
  }

  /** Follow a reload of devices/: new sites can log in, removed ones lose their rights at once. */
  update(config: Config, profiles: ProfileRegistry): void {
    this.state = build(config, profiles, this.log);
    this.clientIds.keepOnly(new Set([...this.state.logins.values()].map((l) => l.principal)));
    this.warn(config);
  }

  get mode(): 'required' | 'off' {
    return this.state.mode;
  }

  /** Devices that cannot connect because no login covers them (for `safegrid check` and logs). */
  get devicesWithoutLogin(): readonly string[] {
    return this.state.withoutLogin;
  }

  authenticate(username: string | undefined, password: Buffer | undefined): AuthResult {
    const s = this.state;
    if (s.mode === 'off') return { principal: 'anonymous' };
    if (!username) return { refused: 'no_credentials' };
    const login = s.logins.get(username);
    const given = digest(password ?? Buffer.alloc(0));
    // Both digests are 32 bytes, as timingSafeEqual requires; the dummy keeps the timing alike.
    const match = timingSafeEqual(given, login?.digest ?? DUMMY);
    if (!login) return { refused: 'unknown_user' };
    if (!match || password === undefined) return { refused: 'bad_password' };
    return { principal: login.principal };
  }

  mayPublish(principal: string, topic: string): boolean {
    const s = this.state;
    // aedes's own default refuses $SYS publishes; keep that even in a lab.
    if (s.mode === 'off') return !topic.startsWith('$');
    const r = s.rights.get(principal);
    if (!r) return false;
    if (r.publish.has(topic)) return true;
    if (r.publishFilters.some((f) => topicMatches(f, topic))) {
      // A filter (a captured level `dsc/Get/+`, an ignored `tele/<t>/+`) never reaches a topic
      // another login owns: a profile's `ignore: ["{topic}/#"]` must not let one site speak as another.
      return !s.owned.has(topic) && !s.ownedFilters.some((f) => !r.publishFilters.includes(f) && topicMatches(f, topic));
    }
    if ((r.namespace && topic.startsWith(`${r.namespace}/`)) || r.housekeeping.some((p) => topic.startsWith(p))) {
      return !s.owned.has(topic) && !s.ownedFilters.some((f) => topicMatches(f, topic));
    }
    return false;
  }

  maySubscribe(principal: string, topicFilter: string): boolean {
    const s = this.state;
    if (s.mode === 'off') return true;
    const r = s.rights.get(principal);
    if (!r || !isValidFilter(topicFilter)) return false;
    if (!r.subscribe.some((f) => filterCovers(f, topicFilter))) return false;
    // A namespace (a bridge's, a z2m base) may contain other logins' device topics; reading those
    // is not its business.
    for (const t of s.owned) if (topicMatches(topicFilter, t) && !r.publish.has(t)) return false;
    return true;
  }

  /** Replicas: bind client ids by first use across every replica (shared-client-ids.ts). */
  shareClientIds(shared: SharedClientIds): void {
    this.shared = shared;
  }

  mayUseClientId(principal: string, clientId: string): boolean | Promise<boolean> {
    const s = this.state;
    if (s.mode === 'off') return true;
    const principalOf = (username: string) => s.logins.get(username)?.principal ?? null;
    const shared = this.shared;
    if (!shared || clientIdRule(clientId, principal, principalOf).kind !== 'first-use') return this.clientIds.claim(clientId, principal, principalOf);
    return this.claimShared(shared, clientId, principal, principalOf);
  }

  private async claimShared(shared: SharedClientIds, clientId: string, principal: string, principalOf: (u: string) => string | null): Promise<boolean> {
    try {
      const owner = await shared.claim(clientId, principal);
      if (owner === principal) return true;
      // Bound to a login removed since (as `keepOnly` frees them after a reload): free again.
      const live = new Set([...this.state.logins.values()].map((l) => l.principal));
      return !live.has(owner) && (await shared.replace(clientId, owner, principal));
    } catch (err) {
      // Redis away: this replica's own bindings decide meanwhile (rule 2 per replica, as one hub).
      this.log?.warn(
        { code: 'SG_MQTT_CLUSTER_ERROR', err: err instanceof Error ? err.message : String(err) },
        'client id binding: Redis did not answer; deciding on this replica',
      );
      return this.clientIds.claim(clientId, principal, principalOf);
    }
  }

  private warn(config: Config): void {
    const s = this.state;
    let text = '';
    if (s.mode === 'off') {
      text = 'MQTT authentication is OFF (mqtt.auth: off): anyone who reaches the broker can raise or fake any alarm. Use this only in a lab.';
    } else if (s.withoutLogin.length > 0) {
      const shown = s.withoutLogin.slice(0, 10).join(', ') + (s.withoutLogin.length > 10 ? ', …' : '');
      text = `${s.withoutLogin.length} device(s) have no MQTT credentials and cannot connect until they do (mqtt: on the device or site.mqtt): ${shown}`;
    }
    if (text && text !== this.lastWarning) {
      if (s.mode === 'off') this.log?.error({ auth: 'off', sites: config.sites.length }, text);
      else this.log?.warn({ devices: s.withoutLogin.length }, text);
    }
    this.lastWarning = text;
  }
}

function build(config: Config, profiles: ProfileRegistry, log?: Logger): State {
  const derived = deriveTopicRights(config, profiles, ({ username, principal, kept }) =>
    log?.warn({ username, principal, kept }, 'duplicate MQTT user name ignored'),
  );
  // Only digests stay in memory: authenticate() compares digests of equal length in constant time.
  const logins = new Map<string, { principal: string; digest: Buffer }>();
  for (const [username, l] of derived.logins) logins.set(username, { principal: l.principal, digest: digest(l.password) });
  const { rights, owned, ownedFilters, withoutLogin } = derived;
  return { mode: config.hub.mqtt.auth, logins, rights, owned, ownedFilters, withoutLogin };
}
