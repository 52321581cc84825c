/** Device logins and topic rights of the embedded broker, from a real config tree, no network. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDeviceAccess, commandFilters, mqttLoginOf } from '../../src/broker/device-access.js';
import { filterCovers, isValidFilter, topicMatches } from '../../src/broker/topic-filter.js';
import type { AuthResult } from '../../src/broker/types.js';
import { loadConfig } from '../../src/config/index.js';
import type { Config } from '../../src/config/model.js';
import type { ProfileRegistry } from '../../src/profiles/types.js';
import { HOME_YAML, HUB_YAML, makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from '../helpers/tree.js';

describe('MQTT topic filters (MQTT 3.1.1 section 4.7)', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/+', 'a/b', true],
    ['a/+', 'a/b/c', false],
    ['a/#', 'a', true], // [MQTT-4.7.1-2]: # includes the parent level
    ['a/#', 'a/b/c', true],
    ['a/#', 'ab', false],
    ['+/b', '/b', true],
    ['#', '$SYS/x', false], // [MQTT-4.7.2-1]
    ['+/x', '$SYS/x', false],
    ['a/b', 'a/b/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ['a/cmd/#', 'a/cmd/#', true],
    ['a/cmd/#', 'a/cmd', true],
    ['a/cmd/#', 'a/cmd/arm', true],
    ['a/cmd/#', 'a/cmd/+/x', true],
    ['a/cmd/#', 'a/#', false],
    ['a/cmd/#', 'a/+/arm', false],
    ['a/cmd/#', '#', false],
    ['a/cmd/#', '+/cmd/arm', false],
    ['a/+', 'a/b', true],
    ['a/+', 'a/+', true],
    ['a/+', 'a/#', false],
    ['a/+', 'a/b/c', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(filterCovers(outer, inner)).toBe(expected);
  });

  it('knows a malformed filter', () => {
    expect(['a/#', '#', 'a/+/b', '+'].every(isValidFilter)).toBe(true);
    expect(['a/#/b', 'a#', 'a/b+', ''].some(isValidFilter)).toBe(false);
  });
});

describe('ConfigDeviceAccess on the test district', () => {
  let tree: TestTree;
  let config: Config;
  let profiles: ProfileRegistry;
  let access: ConfigDeviceAccess;
  const load = (env = TREE_ENV): { config: Config; profiles: ProfileRegistry } => {
    const r = loadConfig(tree.root, { env });
    if (!r.config || !r.profiles) throw new Error(JSON.stringify(r.problems));
    return { config: r.config, profiles: r.profiles };
  };
  const login = (username: string | undefined, password?: string): AuthResult =>
    access.authenticate(username, password === undefined ? undefined : Buffer.from(password));
  const principal = (username: string): string => {
    const r = login(username, TREE_LOGINS[username]);
    if (!('principal' in r)) throw new Error(`${username}: ${r.refused}`);
    return r.principal;
  };

  beforeAll(() => {
    tree = makeTree();
    ({ config, profiles } = load());
    access = new ConfigDeviceAccess(config, profiles);
  });
  afterAll(() => tree.remove());

  it('logs in devices, sites and bridges with their own password; says why it refuses the rest', () => {
    expect(login('shop-a-panel', TREE_LOGINS['shop-a-panel'])).toEqual({ principal: 'device:shop-a/shop-a-panel' });
    expect(login('shop-a', TREE_LOGINS['shop-a'])).toEqual({ principal: 'site:shop-a' });
    expect(login('home-b', TREE_LOGINS['home-b'])).toEqual({ principal: 'site:home-b' });
    expect(login('frigate', TREE_LOGINS.frigate)).toEqual({ principal: 'bridge:frigate-main' });
    expect(login(undefined)).toEqual({ refused: 'no_credentials' });
    expect(login('', 'x')).toEqual({ refused: 'no_credentials' });
    expect(login('nobody', 'x')).toEqual({ refused: 'unknown_user' });
    expect(login('shop-a', 'wrong')).toEqual({ refused: 'bad_password' });
    // Another login's password is still the wrong password; so is none at all.
    expect(login('shop-a', TREE_LOGINS['home-b'])).toEqual({ refused: 'bad_password' });
    expect(login('shop-a')).toEqual({ refused: 'bad_password' });
    expect(login('shop-a', '')).toEqual({ refused: 'bad_password' });
    // A prefix of the right password is not the right password (digests are compared, not bytes).
    expect(login('shop-a', TREE_LOGINS['shop-a']!.slice(0, -1))).toEqual({ refused: 'bad_password' });
  });

  it('a device may publish only the topics its profile derives from its own topic', () => {
    const panel = principal('shop-a-panel');
    expect(access.mayPublish(panel, 'safegrid/shop-a/shop-a-panel/event')).toBe(true);
    expect(access.mayPublish(panel, 'safegrid/shop-a/shop-a-panel/status')).toBe(true);
    expect(access.mayPublish(panel, 'safegrid/shop-a/shop-a-panel')).toBe(false); // native derives /event and /status only
    expect(access.mayPublish(panel, 'safegrid/shop-a/shop-a-panel/event/x')).toBe(false);
    expect(access.mayPublish(panel, 'alarms/shop-a/cid')).toBe(false); // same site, other device
    expect(access.mayPublish(panel, 'safegrid/home-b/home-b-panel/event')).toBe(false); // other site
    expect(access.mayPublish(panel, 'frigate/events')).toBe(false);
    const door = principal('shop-a-door');
    expect(access.mayPublish(door, 'zigbee2mqtt/shop_a_front_door')).toBe(true);
    expect(access.mayPublish(door, 'zigbee2mqtt/shop_a_front_door/availability')).toBe(true);
    // zigbee2mqtt's reports about itself (its last will is bridge/state): accepted, since a refused
    // PUBLISH disconnects it; another device's topic in the same base still is not.
    expect(access.mayPublish(door, 'zigbee2mqtt/bridge/state')).toBe(true);
    expect(access.mayPublish(door, 'zigbee2mqtt/bridge/logging')).toBe(true);
    expect(access.mayPublish(door, 'zigbee2mqtt/shop_b_door')).toBe(false);
    expect(access.mayPublish(panel, 'zigbee2mqtt/bridge/state')).toBe(false);
  });

  it('zigbee2mqtt on a base shared with another site: the later site is held back, and neither gets the bridge topics', () => {
    const door = principal('shop-a-door');
    // The only site under zigbee2mqtt/ is shop-a: z2m's own subscription is granted.
    expect(access.maySubscribe(door, 'zigbee2mqtt/#')).toBe(true);
    const withZ2m = (topic: string): string =>
      HOME_YAML.replace('devices:\n', `devices:\n  - id: home-b-door\n    profile: zigbee2mqtt\n    topic: ${topic}\n`);
    // The same base, and a base nested in it: both reach shop-a's bridge (issue 17).
    for (const topic of ['zigbee2mqtt/home_b_door', 'zigbee2mqtt/home-b/door']) {
      tree.write('devices/home-b.yaml', withZ2m(topic));
      const r = loadConfig(tree.root, { env: TREE_ENV });
      // Files load in name order: home-b first, so shop-a is the one held back.
      expect(r.heldBack.map((h) => h.siteId)).toEqual(['shop-a']);
      const p = r.problems.find((x) => x.code === 'SG_CONFIG_DUPLICATE_TOPIC');
      expect(p?.message).toMatch(/zigbee2mqtt base topic "zigbee2mqtt" (is already|overlaps "zigbee2mqtt\/home-b", which is) the base of site "home-b"/);
      expect(p?.hint).toContain('zigbee2mqtt-shop-a/<friendly name>');
    }
    // Whatever Config the rights are given, a shared base gives neither site the bridge.
    const shared = {
      ...config,
      sites: config.sites.map((s) =>
        s.id === 'home-b'
          ? { ...s, devices: [...s.devices, { ...s.devices[0]!, id: 'home-b-door', profile: 'zigbee2mqtt', topic: 'zigbee2mqtt/home_b_door' }] }
          : s,
      ),
    };
    const both = new ConfigDeviceAccess(shared, profiles);
    for (const p of ['device:shop-a/shop-a-door', 'site:shop-a', 'site:home-b']) {
      expect(both.maySubscribe(p, 'zigbee2mqtt/bridge/#'), p).toBe(false);
      expect(both.maySubscribe(p, 'zigbee2mqtt/#'), p).toBe(false);
      expect(both.mayPublish(p, 'zigbee2mqtt/bridge/request/permit_join'), p).toBe(false);
      expect(both.mayPublish(p, 'zigbee2mqtt/bridge/request/device/remove'), p).toBe(false);
      expect(both.mayPublish(p, 'zigbee2mqtt/bridge/state'), p).toBe(false);
    }
    // Its own device and /set topics stay.
    expect(both.mayPublish('site:home-b', 'zigbee2mqtt/home_b_door')).toBe(true);
    expect(both.maySubscribe('site:home-b', 'zigbee2mqtt/home_b_door/set')).toBe(true);
    expect(both.maySubscribe('site:home-b', 'zigbee2mqtt/shop_a_front_door/set')).toBe(false);

    // Each site's z2m on its own base_topic (the documented set-up): each reads and reports under its own base only.
    tree.write('devices/home-b.yaml', withZ2m('zigbee2mqtt-home-b/door'));
    let next = load();
    access.update(next.config, next.profiles);
    expect(access.maySubscribe(principal('home-b'), 'zigbee2mqtt-home-b/#')).toBe(true);
    expect(access.mayPublish(principal('home-b'), 'zigbee2mqtt-home-b/bridge/state')).toBe(true);
    expect(access.mayPublish(principal('home-b'), 'zigbee2mqtt/bridge/state')).toBe(false);
    expect(access.maySubscribe(principal('home-b'), 'zigbee2mqtt/bridge/#')).toBe(false);
    expect(access.maySubscribe(principal('shop-a-door'), 'zigbee2mqtt/#')).toBe(true);
    expect(access.maySubscribe(principal('shop-a-door'), 'zigbee2mqtt-home-b/#')).toBe(false);
    expect(access.mayPublish(principal('shop-a'), 'zigbee2mqtt-home-b/bridge/request/permit_join')).toBe(false);
    tree.write('devices/home-b.yaml', HOME_YAML);
    next = load();
    access.update(next.config, next.profiles);
  });

  it('a site login may publish for every device of its site and for no other site', () => {
    const site = principal('shop-a');
    for (const t of [
      'safegrid/shop-a/shop-a-panel/event',
      'alarms/shop-a/cid',
      'zigbee2mqtt/shop_a_front_door',
      'zigbee2mqtt/shop_a_front_door/availability',
      'homeassistant/alarm_control_panel/shop_a/state',
    ]) {
      expect(access.mayPublish(site, t), t).toBe(true);
    }
    expect(access.mayPublish(site, 'safegrid/home-b/home-b-panel/event')).toBe(false);
    expect(access.mayPublish(site, 'frigate/events')).toBe(false);
    expect(access.mayPublish('site:no-such-site', 'alarms/shop-a/cid')).toBe(false);
  });

  it('a bridge publishes its topic and unowned topics of its namespace, never a device topic', () => {
    const frigate = principal('frigate');
    expect(access.mayPublish(frigate, 'frigate/events')).toBe(true);
    expect(access.mayPublish(frigate, 'frigate/stats')).toBe(true);
    expect(access.mayPublish(frigate, 'frigate/available')).toBe(true);
    expect(access.mayPublish(frigate, 'safegrid/shop-a/shop-a-panel/event')).toBe(false);
    expect(access.mayPublish(frigate, 'frigatex/events')).toBe(false);
  });

  it('subscriptions: only the own command topics (zigbee2mqtt: /set)', () => {
    expect(commandFilters({ profile: 'native', topic: 'safegrid/s/d' })).toEqual(['safegrid/s/d/cmd/#']);
    expect(commandFilters({ profile: 'zigbee2mqtt', topic: 'zigbee2mqtt/door' })).toEqual(['zigbee2mqtt/door/set/#']);
    const panel = principal('shop-a-panel');
    expect(access.maySubscribe(panel, 'safegrid/shop-a/shop-a-panel/cmd/#')).toBe(true);
    expect(access.maySubscribe(panel, 'safegrid/shop-a/shop-a-panel/cmd/arm')).toBe(true);
    expect(access.maySubscribe(panel, 'safegrid/shop-a/shop-a-panel/event')).toBe(false);
    expect(access.maySubscribe(panel, 'safegrid/shop-a/#')).toBe(false);
    expect(access.maySubscribe(panel, 'safegrid/+/shop-a-panel/cmd/#')).toBe(false);
    expect(access.maySubscribe(panel, '#')).toBe(false);
    expect(access.maySubscribe(panel, '$SYS/#')).toBe(false);
    const door = principal('shop-a-door');
    expect(access.maySubscribe(door, 'zigbee2mqtt/shop_a_front_door/set')).toBe(true);
    expect(access.maySubscribe(door, 'zigbee2mqtt/shop_a_front_door/set/state')).toBe(true);
    // Inside a base_topic no other login uses, anything goes (z2m subscribes to base_topic/#).
    expect(access.maySubscribe(door, 'zigbee2mqtt/shop_a_front_door/cmd/#')).toBe(true);
    expect(access.maySubscribe(door, 'safegrid/shop-a/shop-a-panel/cmd/#')).toBe(false);
    const site = principal('shop-a');
    expect(access.maySubscribe(site, 'safegrid/shop-a/shop-a-panel/cmd/#')).toBe(true);
    expect(access.maySubscribe(site, 'zigbee2mqtt/shop_a_front_door/set')).toBe(true);
    expect(access.maySubscribe(site, 'safegrid/home-b/home-b-panel/cmd/#')).toBe(false);
    const frigate = principal('frigate');
    expect(access.maySubscribe(frigate, 'frigate/+/detect/set')).toBe(true);
    expect(access.maySubscribe(frigate, 'frigate/#')).toBe(true);
    expect(access.maySubscribe(frigate, '#')).toBe(false);
  });

  it('follows a reload: a new site can log in, a removed one loses its rights at once', () => {
    const home = principal('home-b');
    expect(login('home-c', TREE_LOGINS['home-c'])).toEqual({ refused: 'unknown_user' });
    tree.write('devices/home-c.yaml', HOME_YAML.replaceAll('home-b', 'home-c').replace('[26.605, 104.845]', '[26.596, 104.846]'));
    tree.write('devices/home-b.yaml', '');
    const next = load();
    access.update(next.config, next.profiles);
    expect(principal('home-c')).toBe('site:home-c');
    expect(access.mayPublish('site:home-c', 'safegrid/home-c/home-c-panel/event')).toBe(true);
    expect(login('home-b', TREE_LOGINS['home-b'])).toEqual({ refused: 'unknown_user' });
    // Still connected with the old login: its next PUBLISH is refused.
    expect(access.mayPublish(home, 'safegrid/home-b/home-b-panel/event')).toBe(false);
    tree.write('devices/home-b.yaml', HOME_YAML);
    tree.remove();
    tree = makeTree();
  });

  it('mqtt.auth: off lets anyone in and anywhere except $SYS, and says so loudly', () => {
    const lab = makeTree();
    try {
      lab.write('config/hub.yaml', HUB_YAML.replace('auth: required', 'auth: off'));
      const r = loadConfig(lab.root, { env: TREE_ENV });
      const lines: Array<{ level: string; msg: string }> = [];
      const log = {
        error: (_o: unknown, msg: string) => lines.push({ level: 'error', msg }),
        warn: (_o: unknown, msg: string) => lines.push({ level: 'warn', msg }),
      };
      const off = new ConfigDeviceAccess(r.config!, r.profiles!, log as never);
      expect(off.authenticate(undefined, undefined)).toEqual({ principal: 'anonymous' });
      expect(off.mayPublish('anonymous', 'safegrid/home-b/home-b-panel/event')).toBe(true);
      expect(off.mayPublish('anonymous', '$SYS/broker/uptime')).toBe(false);
      expect(off.maySubscribe('anonymous', '#')).toBe(true);
      expect(lines).toEqual([{ level: 'error', msg: expect.stringContaining('MQTT authentication is OFF') }]);
    } finally {
      lab.remove();
    }
  });

  it('lists devices no login covers, and the simulator picks the login the hub expects', () => {
    const site = config.sites.find((s) => s.id === 'shop-a')!;
    const panel = site.devices.find((d) => d.id === 'shop-a-panel')!;
    const cid = site.devices.find((d) => d.id === 'shop-a-cid')!;
    expect(mqttLoginOf(site, panel)).toEqual({ username: 'shop-a-panel', password: TREE_LOGINS['shop-a-panel'] });
    expect(mqttLoginOf(site, cid)).toEqual({ username: 'shop-a', password: TREE_LOGINS['shop-a'] });
    expect(access.devicesWithoutLogin).toEqual([]);
    const bare = { ...config, sites: config.sites.map((s) => ({ ...s, mqttUsername: null, mqttPassword: null })) };
    const lines: string[] = [];
    const warnOnly = new ConfigDeviceAccess(bare, profiles, { warn: (_o: unknown, msg: string) => lines.push(msg) } as never);
    // home-b-panel relied on its site login; shop-a-panel and shop-a-door have their own.
    expect([...warnOnly.devicesWithoutLogin].sort()).toEqual(['home-b/home-b-panel', 'shop-a/shop-a-cid', 'shop-a/shop-a-ha']);
    expect(lines[0]).toMatch(/^3 device\(s\) have no MQTT credentials and cannot connect/);
  });
});
