/** The pure Mosquitto generator: hashes, what the files can express, the ACL of each login, and agreement with the embedded broker. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigDeviceAccess } from '../../src/broker/device-access.js';
import {
  type AclBlock,
  aclText,
  filtersIntersect,
  loginAcl,
  mosquittoFiles,
  mosquittoPasswordHash,
  unexpressibleTopic,
  unexpressibleUserName,
} from '../../src/broker/mosquitto-config.js';
import { topicMatches } from '../../src/broker/topic-filter.js';
import { deriveTopicRights, type Rights, type TopicRights } from '../../src/broker/topic-rights.js';
import { loadConfig } from '../../src/config/index.js';
import { makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from '../helpers/tree.js';

const SALT = Buffer.alloc(12, 7);

describe('mosquittoPasswordHash', () => {
  it.each([
    // Written by Debian's mosquitto_passwd 2.0.11 (`mosquitto_passwd -c -b f alice 's3cret:pw'`).
    ['s3cret:pw', 'R2V+17oOmWKecfpT', '$7$101$R2V+17oOmWKecfpT$zcFuYgAHx2qTU5s4i8s8ZLia845QvoOAZL+ToK6yvPwHaNmqjjaP/HsxyShAg9rYoGejkZJktVu2CYYOqaECjA=='],
  ])('%s with salt %s is what mosquitto_passwd writes', (password, salt, expected) => {
    expect(mosquittoPasswordHash(password, Buffer.from(salt, 'base64'))).toBe(expected);
  });

  it('is type 7, 101 iterations, 12-byte salt, 64-byte key', () => {
    const [, type, iterations, salt, key] = mosquittoPasswordHash('x', SALT).split('$');
    expect([type, iterations, Buffer.from(salt as string, 'base64').length, Buffer.from(key as string, 'base64').length]).toEqual(['7', '101', 12, 64]);
  });
});

describe('what Mosquitto can express', () => {
  it.each([
    ['shop-12', null],
    ['王店主', null],
    ['a b', null],
    ['a:b', /":"/],
    ['#admin', /"#"/],
    [' shop', /space/],
    ['shop ', /space/],
    ['shop\nuser root', /control/],
    ['shop\t', /control/],
  ])('user name %j → %s', (name, expected) => {
    const why = unexpressibleUserName(name);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });

  it.each([
    ['zigbee2mqtt/front_door', null],
    ['a/sp ace/b', null],
    ['a/%u/b', null],
    ['a/+/#', null],
    ['a/b ', /space/],
    [' a/b', /space/],
    ['a/b\ntopic readwrite #', /control/],
    ['a/#/b', /filter/],
    ['a/b+', /filter/],
  ])('topic %j → %s', (topic, expected) => {
    const why = unexpressibleTopic(topic);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toMatch(expected);
  });
});

describe('filtersIntersect', () => {
  it.each([
    ['a/b', 'a/b', true],
    ['a/b', 'a/c', false],
    ['a/#', 'a', true],
    ['a/+/#', 'a', false],
    ['a/+/#', 'a/b', true],
    ['a/+/#', 'a/b/c', true],
    ['a/+', 'a/b/c', false],
    ['+/b', 'a/+', true],
    ['#', 'x/y', true],
    ['a/b/c', 'a/b', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(filtersIntersect(a, b)).toBe(expected);
    expect(filtersIntersect(b, a)).toBe(expected);
  });
});

const rights = (r: Partial<Rights>): Rights => ({ publish: new Set(), publishFilters: [], namespace: null, housekeeping: [], subscribe: [], ...r });

describe('loginAcl', () => {
  const world = {
    owned: new Set(['safegrid/a/p/event', 'safegrid/b/p/event', 'zigbee2mqtt/a_door', 'zigbee2mqtt/b_door', 'frigate/other']),
    ownedFilters: ['frigate/events/#'],
  };
  it.each<[string, Partial<Rights>, AclBlock['lines']]>([
    [
      'a native device: writes its topics, reads its commands',
      { publish: new Set(['safegrid/a/p/event']), subscribe: ['safegrid/a/p/cmd/#'] },
      [
        { access: 'write', topic: 'safegrid/a/p/event' },
        { access: 'read', topic: 'safegrid/a/p/cmd/#' },
      ],
    ],
    [
      "a zigbee2mqtt login: its base is readable but another login's device is denied",
      { publish: new Set(['zigbee2mqtt/a_door']), subscribe: ['zigbee2mqtt/a_door/set/#', 'zigbee2mqtt/#'], housekeeping: ['zigbee2mqtt/bridge/'] },
      [
        { access: 'deny', topic: 'zigbee2mqtt/b_door' },
        { access: 'write', topic: 'zigbee2mqtt/a_door' },
        { access: 'write', topic: 'zigbee2mqtt/bridge/+/#' },
        { access: 'read', topic: 'zigbee2mqtt/a_door/set/#' },
        { access: 'read', topic: 'zigbee2mqtt/#' },
      ],
    ],
    [
      "a bridge: its own filter, its namespace below frigate/, never another's topic there",
      { publishFilters: ['frigate/events/#'], namespace: 'frigate', subscribe: ['frigate/#'] },
      [
        { access: 'deny', topic: 'frigate/other' },
        { access: 'write', topic: 'frigate/events/#' },
        { access: 'write', topic: 'frigate/+/#' },
        { access: 'read', topic: 'frigate/#' },
      ],
    ],
    ['a topic both written and read is one readwrite line', { publish: new Set(['x/y']), subscribe: ['x/y'] }, [{ access: 'readwrite', topic: 'x/y' }]],
  ])('%s', (_name, r, expected) => {
    expect(loginAcl(rights(r), world)).toEqual(expected);
  });
});

describe('mosquittoFiles', () => {
  const derived = (extra: Partial<TopicRights> = {}): TopicRights => ({
    logins: new Map([['shop-a', { principal: 'site:shop-a', password: 'pw-a' }]]),
    rights: new Map([['site:shop-a', rights({ publish: new Set(['safegrid/shop-a/p/event']), subscribe: ['safegrid/shop-a/p/cmd/#'] })]]),
    owned: new Set(['safegrid/shop-a/p/event']),
    ownedFilters: [],
    withoutLogin: [],
    ...extra,
  });
  const hub = { username: 'safegrid-hub', password: 'pw-hub' };

  it.each([
    ['no hub user name', { username: null, password: 'pw' }, derived(), 'SG_MOSQUITTO_NO_HUB_LOGIN'],
    ['no hub password (variable unset)', { username: 'hub', password: null }, derived(), 'SG_MOSQUITTO_NO_HUB_LOGIN'],
    ["the hub's name taken by a site", { username: 'shop-a', password: 'pw' }, derived(), 'SG_CONFIG_DUPLICATE_ID'],
    ['a user name with ":"', hub, derived({ logins: new Map([['shop:a', { principal: 'site:shop-a', password: 'pw' }]]) }), 'SG_MOSQUITTO_UNEXPRESSIBLE'],
    [
      'a topic ending in a space',
      hub,
      derived({ rights: new Map([['site:shop-a', rights({ publish: new Set(['safegrid/shop-a/p/event ']) })]]) }),
      'SG_MOSQUITTO_UNEXPRESSIBLE',
    ],
    ['a password with NUL', hub, derived({ logins: new Map([['shop-a', { principal: 'site:shop-a', password: 'a\u0000b' }]]) }), 'SG_MOSQUITTO_UNEXPRESSIBLE'],
  ] as const)('refuses %s and writes nothing', (_name, h, r, code) => {
    const result = mosquittoFiles({ rights: r, hub: h, salt: () => SALT });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((p) => p.code)).toContain(code);
  });

  it('writes the hub first with read rights on every device topic, then each login; no password in clear', () => {
    const result = mosquittoFiles({ rights: derived(), hub, salt: () => SALT });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.passwordFile).toBe(`safegrid-hub:${mosquittoPasswordHash('pw-hub', SALT)}\nshop-a:${mosquittoPasswordHash('pw-a', SALT)}\n`);
    expect(result.passwordFile).not.toMatch(/pw-hub|pw-a/);
    const lines = result.aclFile.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines).toEqual([
      'user safegrid-hub',
      'topic read safegrid/shop-a/p/event',
      'user shop-a',
      'topic write safegrid/shop-a/p/event',
      'topic read safegrid/shop-a/p/cmd/#',
    ]);
    expect(result.logins).toBe(2);
  });

  it('warns about devices no login covers', () => {
    const result = mosquittoFiles({ rights: derived({ withoutLogin: ['shop-a/cid'] }), hub, salt: () => SALT });
    expect(result.ok && result.warnings).toEqual(['1 device(s) have no MQTT login and cannot connect to Mosquitto either: shop-a/cid']);
  });

  it('warns when deny lines keep logins apart under a shared base', () => {
    const shared = derived({
      logins: new Map([
        ['a', { principal: 'site:a', password: 'pw-a' }],
        ['b', { principal: 'site:b', password: 'pw-b' }],
      ]),
      rights: new Map([
        ['site:a', rights({ publish: new Set(['zigbee2mqtt/a_door']), subscribe: ['zigbee2mqtt/#'] })],
        ['site:b', rights({ publish: new Set(['zigbee2mqtt/b_door']), subscribe: ['zigbee2mqtt/#'] })],
      ]),
      owned: new Set(['zigbee2mqtt/a_door', 'zigbee2mqtt/b_door']),
    });
    const result = mosquittoFiles({ rights: shared, hub, salt: () => SALT });
    expect(result.ok && result.warnings.join('\n')).toMatch(/^2 login\(s\) share a zigbee2mqtt base .*; 2 deny lines/);
  });

  it('gives anonymous clients nothing: no topic line before the first user', () => {
    const text = aclText([{ username: 'u', note: 'n', lines: [{ access: 'read', topic: 't' }] }]);
    const firstUser = text.split('\n').findIndex((l) => l.startsWith('user '));
    expect(
      text
        .split('\n')
        .slice(0, firstUser)
        .filter((l) => l.startsWith('topic')),
    ).toEqual([]);
  });
});

/**
 * Mosquitto 2.0's acl_file check, as its manual states it: deny lines first, then any grant of the
 * access asked for ("readwrite" grants both).
 */
function mosquittoAllows(lines: AclBlock['lines'], access: 'read' | 'write', topic: string): boolean {
  if (lines.some((l) => l.access === 'deny' && topicMatches(l.topic, topic))) return false;
  return lines.some((l) => (l.access === access || l.access === 'readwrite') && topicMatches(l.topic, topic));
}

describe('the ACL grants exactly what the embedded broker grants (test district plus a second zigbee2mqtt site on its own base)', () => {
  let tree: TestTree;
  let derived: TopicRights;
  let access: ConfigDeviceAccess;

  beforeAll(() => {
    tree = makeTree({
      'home-c.yaml': `site:
  id: home-c
  name: 凤凰小区5栋101
  kind: home
  address: 钟山区凤凰街道凤凰小区5栋101
  door_plate: 凤凰小区5-101
  location: [26.605, 104.835]
  contacts: [{ name: 赵先生, phone: "13700000000" }]
  mqtt: { username: home-c, password_file_key: mqtt_home-c }
devices:
  - id: home-c-window
    profile: zigbee2mqtt
    topic: zigbee2mqtt-home-c/home_c_window
    zone: 1
    zones:
      1: { name: 窗, type: perimeter }
  - id: home-c-panel
    profile: native
    topic: frigate/home-c-panel
`,
    });
    const r = loadConfig(tree.root, { env: TREE_ENV });
    if (!r.config || !r.profiles) throw new Error(JSON.stringify(r.problems));
    if (r.heldBack.length > 0) throw new Error(JSON.stringify(r.problems));
    derived = deriveTopicRights(r.config, r.profiles);
    access = new ConfigDeviceAccess(r.config, r.profiles);
  });
  afterAll(() => tree.remove());

  it('has the logins it expects', () => {
    expect([...derived.logins.keys()].sort()).toEqual(Object.keys(TREE_LOGINS).sort());
  });

  it('agrees on every publish and read of every login, for every device topic and its neighbours', () => {
    const probes = new Set<string>([
      'zigbee2mqtt/bridge/state',
      'zigbee2mqtt/bridge',
      // Another site's bridge (issue 17): nobody but home-c may touch it, on either broker.
      'zigbee2mqtt-home-c/bridge/state',
      'zigbee2mqtt-home-c/bridge/request/permit_join',
      'zigbee2mqtt-home-c/bridge/request/device/remove',
      'frigate/available',
      'frigate',
      'frigate/',
      'other/x',
      'safegrid/x',
    ]);
    for (const t of derived.owned) for (const p of [t, `${t}/cmd/arm`, `${t}/set`, `${t}/set/state`, `${t}/x`]) probes.add(p);
    const disagreements: string[] = [];
    for (const [username, login] of derived.logins) {
      const r = derived.rights.get(login.principal);
      const lines = r ? loginAcl(r, derived) : [];
      for (const topic of probes) {
        const pub = access.mayPublish(login.principal, topic);
        if (pub !== mosquittoAllows(lines, 'write', topic)) disagreements.push(`${username} publish ${topic}: embedded ${pub}`);
        // For a concrete topic, "may subscribe" is "may read".
        const read = access.maySubscribe(login.principal, topic);
        if (read !== mosquittoAllows(lines, 'read', topic)) disagreements.push(`${username} read ${topic}: embedded ${read}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(probes.size).toBeGreaterThan(40);
  });
});
