/**
 * Topics a bridge publishes about itself — not alarms — which the hub accepts and ignores.
 *
 * zigbee2mqtt publishes `<base_topic>/bridge/state` (retained, and its last will), `bridge/info`,
 * `bridge/devices`, `bridge/logging` (every log line) and more next to its devices'
 * `<base_topic>/<friendly name>`. Refusing them would cost the connection (a refused PUBLISH
 * disconnects) and z2m would reconnect forever; counting them as unknown topics would bury real
 * mistakes. A Frigate bridge likewise publishes `frigate/available` and `frigate/stats` in its
 * namespace (hub.yaml `bridges`).
 *
 * Returned as topic prefixes ending in "/": a topic is housekeeping when it starts with one and no
 * device or bridge is bound to it.
 */

/** What housekeeping needs of a device or a bridge (config/ passes its own Device and BridgeConfig). */
interface TopicOwner {
  topic: string;
}
interface ProfiledTopicOwner extends TopicOwner {
  profile: string;
}

/** The zigbee2mqtt base topic of a device (`zigbee2mqtt/shop-12` for `zigbee2mqtt/shop-12/front_door`), or null. */
export function zigbee2mqttBase(device: ProfiledTopicOwner): string | null {
  if (device.profile !== 'zigbee2mqtt') return null;
  const cut = device.topic.lastIndexOf('/');
  return cut > 0 ? device.topic.slice(0, cut) : null;
}

/** Equal, or one a parent of the other (`zigbee2mqtt` and `zigbee2mqtt/shop-b`): one's `<base>/#` reaches the other's bridge. */
export function basesOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

export function deviceHousekeepingPrefixes(device: ProfiledTopicOwner): string[] {
  const base = zigbee2mqttBase(device);
  return base ? [`${base}/bridge/`] : [];
}

export function bridgeHousekeepingPrefixes(bridge: TopicOwner): string[] {
  const first = bridge.topic.split('/')[0] ?? '';
  return first && first !== '+' && first !== '#' ? [`${first}/`] : [];
}
