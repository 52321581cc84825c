import type { BridgeConfig, Camera, Config, Device, Site } from '../config/model.js';
import { bridgeHousekeepingPrefixes, deviceHousekeepingPrefixes } from '../profiles/housekeeping.js';
import type { TopicPattern } from '../profiles/topic-pattern.js';
import type { Profile, ProfileRegistry } from '../profiles/types.js';

/** Device ids are unique within a site (`panel-1` exists at many sites); the hub keys them by both. */
export function deviceKey(siteId: string, deviceId: string): string {
  return `${siteId}/${deviceId}`;
}

export type Binding = (
  | { type: 'device'; topic: string; channel: string; profile: Profile; device: Device; site: Site }
  | { type: 'bridge'; topic: string; channel: string; profile: Profile; bridge: BridgeConfig }
) & {
  /** Levels a topic template captured (`{zone}`), for a binding reached through a pattern. */
  captures?: Readonly<Record<string, string>>;
};

/**
 * Topic → who publishes there. Built once per configuration (and again on reload); lookups are
 * a single Map access on the hot path.
 */
export class TopicRouter {
  private readonly byTopic = new Map<string, Binding>();
  private readonly camerasByFrigateName = new Map<string, { camera: Camera; site: Site }>();
  private readonly devicesById = new Map<string, { device: Device; site: Site }>();
  /** Devices skipped because their profile is unknown (config check reports them too). */
  readonly unbound: string[] = [];
  /** Where bridges talk about themselves (profiles/housekeeping.ts). */
  private readonly housekeeping = new Set<string>();
  /** Bindings whose topic captures a level (`dsc/Get/Zone{zone}`), tried after the exact topics. */
  private readonly patterns: Array<{ pattern: TopicPattern; binding: Binding }> = [];
  /** Topics devices publish that their profile accepts and ignores (Tasmota tele/<t>/STATE). */
  private readonly ignored: TopicPattern[] = [];

  constructor(config: Config, profiles: ProfileRegistry) {
    for (const site of config.sites) {
      for (const device of site.devices) {
        this.devicesById.set(deviceKey(site.id, device.id), { device, site });
        const profile = profiles.get(device.profile);
        if (!profile) {
          this.unbound.push(device.id);
          continue;
        }
        for (const prefix of deviceHousekeepingPrefixes(device)) this.housekeeping.add(prefix);
        for (const { topic, channel, pattern } of profile.topics(device.topic)) {
          const binding: Binding = { type: 'device', topic, channel, profile, device, site };
          if (pattern) this.patterns.push({ pattern, binding });
          // First binding wins; the config check reports duplicates as SG_CONFIG_DUPLICATE_TOPIC.
          else if (!this.byTopic.has(topic)) this.byTopic.set(topic, binding);
        }
        this.ignored.push(...(profile.ignored?.(device.topic) ?? []));
      }
      for (const camera of site.cameras) {
        if (camera.frigateName) this.camerasByFrigateName.set(camera.frigateName, { camera, site });
      }
    }
    for (const bridge of config.hub.bridges) {
      for (const prefix of bridgeHousekeepingPrefixes(bridge)) this.housekeeping.add(prefix);
      const profile = profiles.get(bridge.profile);
      if (!profile) continue;
      for (const { topic, channel } of profile.topics(bridge.topic)) {
        if (!this.byTopic.has(topic)) this.byTopic.set(topic, { type: 'bridge', topic, channel, profile, bridge });
      }
    }
  }

  route(topic: string): Binding | undefined {
    const exact = this.byTopic.get(topic);
    if (exact) return exact;
    for (const { pattern, binding } of this.patterns) {
      const captures = pattern.match(topic);
      if (captures) return { ...binding, topic, captures };
    }
    return undefined;
  }

  /**
   * An unbound topic where a bridge reports on itself (zigbee2mqtt `<base>/bridge/…`,
   * `frigate/stats`), or one a device's profile lists under `ignore`.
   */
  isHousekeeping(topic: string): boolean {
    for (const prefix of this.housekeeping) if (topic.startsWith(prefix)) return true;
    for (const p of this.ignored) if (p.match(topic)) return true;
    return false;
  }

  cameraByBridgeName(name: string): { camera: Camera; site: Site } | undefined {
    return this.camerasByFrigateName.get(name);
  }

  device(siteId: string, deviceId: string): { device: Device; site: Site } | undefined {
    return this.devicesById.get(deviceKey(siteId, deviceId));
  }

  /** Every topic the hub must hear (external broker subscriptions). */
  topics(): string[] {
    return [...new Set([...this.byTopic.keys(), ...this.patterns.map((p) => p.pattern.filter)])];
  }

  allDevices(): Array<{ device: Device; site: Site }> {
    return [...this.devicesById.values()];
  }
}
