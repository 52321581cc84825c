/**
 * Who may log in to the MQTT broker and what each login may publish and subscribe to, derived
 * from the validated Config — pure. The embedded broker enforces these rights (device-access.ts)
 * and `safegrid broker-config mosquitto` writes them for an external Mosquitto
 * (mosquitto-config.ts): one derivation, so both brokers grant the same rights.
 * device-access.ts describes the rules in full.
 */
import type { Config, Device } from '../config/model.js';
import { basesOverlap, deviceHousekeepingPrefixes, zigbee2mqttBase } from '../profiles/housekeeping.js';
import type { ProfileRegistry } from '../profiles/types.js';
import { isValidFilter } from './topic-filter.js';

/** What one principal (`device:<site>/<device>`, `site:<site>`, `bridge:<id>`) may do. */
export interface Rights {
  /** Concrete topics it may publish to. */
  publish: Set<string>;
  /** Bridge topics may be filters (`frigate/#`): matched, not looked up. */
  publishFilters: string[];
  /** Bridges only: first topic level, where unowned topics are also allowed. */
  namespace: string | null;
  /** zigbee2mqtt bridges' self-reports (`<base>/bridge/`): allowed where no device is bound. */
  housekeeping: string[];
  /** Filters a SUBSCRIBE must fall inside. */
  subscribe: string[];
}

export interface TopicRights {
  /** User name → principal and its password in clear (the caller hashes it for its broker). */
  logins: Map<string, { principal: string; password: string }>;
  rights: Map<string, Rights>;
  /** Every concrete topic a device or bridge owns; a namespace or a z2m base never reaches these for another login. */
  owned: Set<string>;
  /** Bridge topics that are filters (`frigate/#`), owned like `owned`. */
  ownedFilters: string[];
  /** `<site>/<device>` of devices no login covers (they cannot connect while auth is required). */
  withoutLogin: string[];
}

/** Topic filters a device may subscribe to, to receive commands. */
export function commandFilters(device: Pick<Device, 'profile' | 'topic'>): string[] {
  // zigbee2mqtt's own convention is <base>/<friendly name>/set (and /set/<attribute>).
  return device.profile === 'zigbee2mqtt' ? [`${device.topic}/set/#`] : [`${device.topic}/cmd/#`];
}

/**
 * Derives every login's rights. `onDuplicate` hears of a user name given twice (the config check
 * reports those and holds the later file back; this keeps the first, belt and braces).
 */
export function deriveTopicRights(
  config: Config,
  profiles: ProfileRegistry,
  onDuplicate?: (d: { username: string; principal: string; kept: string | undefined }) => void,
): TopicRights {
  const logins = new Map<string, { principal: string; password: string }>();
  const rights = new Map<string, Rights>();
  const owned = new Set<string>();
  const ownedFilters: string[] = [];
  const withoutLogin: string[] = [];

  const addLogin = (username: string | null | undefined, password: string | null | undefined, principal: string): boolean => {
    if (!username || !password) return false;
    if (logins.has(username)) {
      onDuplicate?.({ username, principal, kept: logins.get(username)?.principal });
      return false;
    }
    logins.set(username, { principal, password });
    return true;
  };
  const rightsOf = (principal: string): Rights => {
    let r = rights.get(principal);
    if (!r) {
      r = { publish: new Set(), publishFilters: [], namespace: null, housekeeping: [], subscribe: [] };
      rights.set(principal, r);
    }
    return r;
  };
  const topicsOf = (profileId: string, topic: string): string[] => {
    const profile = profiles.get(profileId);
    if (!profile) return [];
    try {
      return profile.topics(topic).map((t) => t.topic);
    } catch {
      // A profile bug must not take the broker down; a device without topics can publish nothing.
      return [];
    }
  };
  /** Topics the profile accepts and ignores (telemetry): granted, never owned. */
  const ignoredOf = (profileId: string, topic: string): string[] => {
    try {
      return (
        profiles
          .get(profileId)
          ?.ignored?.(topic)
          .map((p) => p.filter) ?? []
      );
    } catch {
      // As above: a profile bug costs the device its telemetry rights, not the broker.
      return [];
    }
  };

  // A zigbee2mqtt base shared with (or nested in) another site's gives neither site its bridge
  // rights: `<base>/bridge/request/…` pairs and removes devices (issue 17). The config check
  // already holds such a site back; this keeps the rights safe whatever Config they are given.
  const basesBySite = new Map<string, Set<string>>();
  for (const site of config.sites) {
    const set = new Set<string>();
    for (const d of site.devices) {
      const b = zigbee2mqttBase(d);
      if (b) set.add(b);
    }
    basesBySite.set(site.id, set);
  }
  const baseIsShared = (siteId: string, base: string): boolean =>
    [...basesBySite].some(([other, bases]) => other !== siteId && [...bases].some((b) => basesOverlap(b, base)));

  for (const site of config.sites) {
    const sitePrincipal = `site:${site.id}`;
    const siteLogin = addLogin(site.mqttUsername, site.mqttPassword, sitePrincipal);
    for (const device of site.devices) {
      const topics = topicsOf(device.profile, device.topic);
      // A template that captures a level (`dsc/Get/Zone{zone}`) is granted as its filter (`dsc/Get/+`).
      for (const t of topics) {
        if (/[+#]/.test(t)) ownedFilters.push(t);
        else owned.add(t);
      }
      const ignored = ignoredOf(device.profile, device.topic);
      const devicePrincipal = `device:${site.id}/${device.id}`;
      const ownLogin = addLogin(device.mqttUsername, device.mqttPassword, devicePrincipal);
      const holders = [...(ownLogin ? [devicePrincipal] : []), ...(siteLogin ? [sitePrincipal] : [])];
      if (holders.length === 0) withoutLogin.push(`${site.id}/${device.id}`);
      for (const p of holders) {
        const r = rightsOf(p);
        for (const t of topics) {
          if (/[+#]/.test(t)) r.publishFilters.push(t);
          else r.publish.add(t);
        }
        for (const f of ignored) {
          if (/[+#]/.test(f)) r.publishFilters.push(f);
          else r.publish.add(f);
        }
        r.subscribe.push(...commandFilters(device));
        const base = zigbee2mqttBase(device);
        if (base && !r.subscribe.includes(`${base}/#`) && !baseIsShared(site.id, base)) {
          r.subscribe.push(`${base}/#`);
          r.housekeeping.push(...deviceHousekeepingPrefixes(device));
        }
      }
    }
  }

  for (const bridge of config.hub.bridges) {
    const topics = topicsOf(bridge.profile, bridge.topic);
    for (const t of topics) {
      if (isValidFilter(t) && /[+#]/.test(t)) ownedFilters.push(t);
      else owned.add(t);
    }
    const principal = `bridge:${bridge.id}`;
    if (!addLogin(bridge.mqttUsername, bridge.mqttPassword, principal)) continue;
    const r = rightsOf(principal);
    for (const t of topics) {
      if (/[+#]/.test(t)) r.publishFilters.push(t);
      else r.publish.add(t);
    }
    const first = bridge.topic.split('/')[0] ?? '';
    if (first && first !== '+' && first !== '#') {
      r.namespace = first;
      r.subscribe.push(`${first}/#`);
    }
  }
  // A bridge's own topics are owned, but not against itself: its own rights are checked first.
  return { logins, rights, owned, ownedFilters, withoutLogin };
}
