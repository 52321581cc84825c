/**
 * Issue 15, the profile language's reach: captured topic levels, a zone from a payload field,
 * bracketed property keys, topics accepted and ignored (and what the broker grants for them),
 * YAML mistakes in profile files with file:line, and one bad model skipped while its vendor's
 * others load — with a device naming the skipped model sent to it rather than told to "add" it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigDeviceAccess } from '../../src/broker/device-access.js';
import { loadConfig } from '../../src/config/index.js';
import { unknownProfileProblem } from '../../src/config/load-site.js';
import { TopicRouter } from '../../src/ingest/router.js';
import { formatProblem, loadProfiles } from '../../src/profiles/index.js';
import { compileTemplate, templateProblem } from '../../src/profiles/topic-pattern.js';
import { getPath, parsePath } from '../../src/profiles/values.js';
import { makeTree, TREE_ENV, type TestTree } from '../helpers/tree.js';

describe('property paths', () => {
  it.each([
    ['contact', ['contact']],
    ['status.door', ['status', 'door']],
    ['params["smoke:0"].alarm', ['params', 'smoke:0', 'alarm']],
    ["params['switch:1'].output", ['params', 'switch:1', 'output']],
    ['zones[2].state', ['zones', '2', 'state']],
    ['a["x.y"]', ['a', 'x.y']],
  ])('%s reads as %j', (p, keys) => {
    expect(parsePath(p)).toEqual(keys);
  });

  it.each(['', 'a.', '.a', 'a..b', 'a[smoke:0]', 'a["x"', 'a b', 'a.["x"]', 'params["smoke:0"]x'])('%j is not a path', (p) => {
    expect(parsePath(p)).toBeNull();
  });

  it('reads a Gen2 component key and never the prototype', () => {
    const body = JSON.parse('{"params":{"smoke:0":{"alarm":true}},"__proto__":{"x":1}}');
    expect(getPath(body, 'params["smoke:0"].alarm')).toBe(true);
    expect(getPath(body, '["__proto__"].x')).toBeUndefined();
    expect(getPath(body, 'params["constructor"]')).toBeUndefined();
  });
});

describe('topic templates', () => {
  it('a captured level becomes + in the filter and is returned by the matcher', () => {
    const p = compileTemplate('{topic}/Get/Zone{zone}', 'dsc');
    expect(p.filter).toBe('dsc/Get/+');
    expect(p.match('dsc/Get/Zone12')).toEqual({ zone: '12' });
    expect(p.match('dsc/Get/Partition1')).toBeNull();
    expect(p.match('dsc/Get/Zone12/x')).toBeNull();
    const pai = compileTemplate('{topic}/states/zones/{zone}/open', 'paradox');
    expect(pai.match('paradox/states/zones/Front_door/open')).toEqual({ zone: 'Front_door' });
  });

  it('a device topic with regex characters is taken literally', () => {
    const p = compileTemplate('{topic}/x{zone}', 'a.b(c)');
    expect(p.match('a.b(c)/x1')).toEqual({ zone: '1' });
    expect(p.match('aXb(c)/x1')).toBeNull();
  });

  it('ignore templates may use wildcards; # also matches its parent level', () => {
    const p = compileTemplate('tele/{topic}/#', 'tasmota_1');
    expect(p.filter).toBe('tele/tasmota_1/#');
    expect(p.match('tele/tasmota_1/STATE')).not.toBeNull();
    expect(p.match('tele/tasmota_1')).not.toBeNull();
    expect(p.match('tele/tasmota_10/STATE')).toBeNull();
    expect(compileTemplate('{topic}/sensor/+', 'shellies/dw').match('shellies/dw/sensor/battery')).not.toBeNull();
  });

  it.each([
    ['state', false, 'a topic template containing {topic}, e.g. "{topic}/availability"'],
    ['{topic}/+', false, 'a topic template without MQTT wildcards (+ #); capture a level with {zone} instead'],
    ['{topic}/{zone}/{zone}', false, 'a topic template that captures each name once'],
    ['{topic}/{a}{zone}', false, 'at most one {name} per topic level, e.g. "{topic}/Get/Zone{zone}"'],
    ['{topic}/{Zone}', false, 'placeholders written as {topic} or {name} (lower-case letters, digits, _)'],
  ])('%s is refused', (template, wildcards, message) => {
    expect(templateProblem(template, { wildcards })).toBe(message);
  });
});

describe('profile files', () => {
  let root: string;
  let dir: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'sg-lang-'));
    dir = path.join(root, 'devices', 'profiles');
    mkdirSync(dir, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);

  it('a YAML syntax error in a profile file has its file and line', () => {
    write('acme.yaml', 'vendor: acme\nmodels:\n  - id: acme/x\n    description: [unclosed\n    examples: []\n');
    const lines = loadProfiles(dir, root).problems.map(formatProblem);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^devices\/profiles\/acme\.yaml:4 {2}/);
  });

  it('a tab in the indentation is reported on its line', () => {
    write('acme.yaml', 'vendor: acme\nmodels:\n  - id: acme/x\n\tdescription: tab\n');
    const [p] = loadProfiles(dir, root).problems;
    expect(p).toMatchObject({ code: 'SG_CONFIG_PARSE', file: 'devices/profiles/acme.yaml', line: 4 });
  });

  it('one bad model is reported and skipped; the vendor’s other models load', () => {
    write(
      'acme.yaml',
      `vendor: acme
models:
  - id: acme/good
    description: good
    extends: [contact]
    examples:
      - payload: { contact: false }
        expect: [{ kind: intrusion }]
  - id: acme/bad
    description: bad
    extends: [{ contact: { polarity: open } }]
    examples:
      - payload: { contact: false }
`,
    );
    const { registry, problems } = loadProfiles(dir, root);
    expect(registry.get('acme/good')).toBeDefined();
    expect(registry.get('acme/bad')).toBeUndefined();
    expect(problems.map(formatProblem)).toEqual([
      'devices/profiles/acme.yaml:11  models[1].extends[0].contact.polarity: got "open"; expected one of true, false',
    ]);
    // A site naming the skipped model is sent to it, not told to add a file that exists.
    expect(unknownProfileProblem('acme/bad', registry)).toEqual({
      message: 'no profile "acme/bad"',
      hint: 'acme/bad is in devices/profiles/acme.yaml:9 but was skipped; fix the problems reported there',
    });
  });

  it('a vendor file that loaded nothing is named, not "added"', () => {
    write('acme.yaml', 'vendor: acme\nmodels:\n  - id: acme/only\n    description: x\n    extends: [contcat]\n    examples: [{ payload: {} }]\n');
    const { registry } = loadProfiles(dir, root);
    expect(unknownProfileProblem('acme/other', registry).hint).toBe('devices/profiles/acme.yaml loaded no model; fix the problems reported there');
    expect(unknownProfileProblem('nobody/x', registry).hint).toBe('no vendor "nobody" in devices/profiles/; add devices/profiles/nobody.yaml');
  });

  it('an example topic that no template reaches is refused at its line', () => {
    write(
      'acme.yaml',
      'vendor: acme\nmodels:\n  - id: acme/x\n    description: x\n    format: text\n    topics: { state: "{topic}/Zone{zone}" }\n' +
        '    extends: [{ contact: { open: "1", closed: "0" } }]\n    examples:\n      - topic: "{topic}/Zon3"\n        payload: "1"\n' +
        '        expect: [{ kind: intrusion, zone: 3 }]\n',
    );
    expect(loadProfiles(dir, root).problems.map(formatProblem)).toEqual([
      'devices/profiles/acme.yaml:9  models[0].examples[0].topic: got "{topic}/Zon3"; expected a topic of this model ({topic}/Zone{zone}), {topic} ' +
        "standing for the device's",
    ]);
  });

  it('a capture other than {zone} is refused at its line', () => {
    write(
      'acme.yaml',
      'vendor: acme\nmodels:\n  - id: acme/x\n    description: x\n    topics: { state: "{topic}/{area}" }\n    extends: [contact]\n' +
        '    examples: [{ payload: { contact: true } }]\n',
    );
    expect(loadProfiles(dir, root).problems.map(formatProblem)).toEqual([
      'devices/profiles/acme.yaml:5  models[0].topics.state: got "area"; expected {topic} or {zone} as the only placeholders',
    ]);
  });
});

describe('what the hub grants and routes for captured and ignored topics', () => {
  let tree: TestTree;
  afterEach(() => tree?.remove());

  it('a DSC panel may publish its zone topics and its telemetry; both route, neither reaches another login', () => {
    tree = makeTree({
      'inst-b.yaml': `site:
  id: inst-b
  name: 测试商铺
  kind: shop
  address: 钟山区测试路1号
  door_plate: 测试路1号
  location: [26.595, 104.835]
  contacts: [{ name: 测试, phone: "13900000001" }]
  guard_group: hecheng-team
  mqtt: { username: inst-b, password_env: MQTT_INST_B_PASS }
devices:
  - id: dsc
    profile: dsc/keybus
    topic: dsc
    zones:
      1: { name: 大门, type: entry }
  - id: t1
    profile: tasmota/switch-contact
    topic: tasmota_1
    zone: 1
`,
    });
    const r = loadConfig(tree.root, { env: { ...TREE_ENV, MQTT_INST_B_PASS: 'pw-b' } });
    expect(r.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    const access = new ConfigDeviceAccess(r.config!, r.profiles!);
    expect(access.mayPublish('site:inst-b', 'dsc/Get/Zone7')).toBe(true);
    expect(access.mayPublish('site:inst-b', 'dsc/Get/Partition1')).toBe(true);
    expect(access.mayPublish('site:inst-b', 'tele/tasmota_1/STATE')).toBe(true);
    expect(access.mayPublish('site:inst-b', 'dsc/Set/Zone7')).toBe(false);
    expect(access.mayPublish('site:shop-a', 'dsc/Get/Zone7')).toBe(false);
    expect(access.mayPublish('site:shop-a', 'tele/tasmota_1/STATE')).toBe(false);

    const router = new TopicRouter(r.config!, r.profiles!);
    expect(router.route('dsc/Get/Zone7')).toMatchObject({ channel: 'state', captures: { zone: '7' } });
    expect(router.route('dsc/Get/Fire1')).toMatchObject({ channel: 'fire' });
    expect(router.route('dsc/Get/Partition1')).toBeUndefined();
    expect(router.isHousekeeping('dsc/Get/Partition1')).toBe(true);
    expect(router.isHousekeeping('tele/tasmota_1/STATE')).toBe(true);
    expect(router.route('tele/tasmota_1/LWT')).toMatchObject({ channel: 'availability' });
    expect(router.isHousekeeping('tele/tasmota_2/STATE')).toBe(false);
    expect(router.topics()).toContain('dsc/Get/+');
  });

  it('an ignore filter never lets a device publish on a topic another login owns', () => {
    tree = makeTree({
      'inst-c.yaml': `site:
  id: inst-c
  name: 测试商铺
  kind: shop
  address: 钟山区测试路2号
  door_plate: 测试路2号
  location: [26.595, 104.835]
  contacts: [{ name: 测试, phone: "13900000001" }]
  guard_group: hecheng-team
  mqtt: { username: inst-c, password_env: MQTT_INST_C_PASS }
devices:
  - id: greedy
    profile: acme/greedy
    topic: safegrid/shop-a
    zone: 1
    zones:
      1: { name: 门, type: entry }
`,
    });
    tree.write(
      'devices/profiles/acme.yaml',
      `vendor: acme
models:
  - id: acme/greedy
    description: a profile that ignores everything below its topic
    topics: { state: "{topic}/state" }
    ignore: ["{topic}/#"]
    extends: [contact]
    examples: [{ payload: { contact: false }, expect: [{ kind: intrusion }] }]
`,
    );
    const r = loadConfig(tree.root, { env: { ...TREE_ENV, MQTT_INST_C_PASS: 'pw-c' } });
    expect(r.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    const access = new ConfigDeviceAccess(r.config!, r.profiles!);
    expect(access.mayPublish('site:inst-c', 'safegrid/shop-a/stats')).toBe(true);
    expect(access.mayPublish('site:inst-c', 'safegrid/shop-a/shop-a-panel/event')).toBe(false);
    expect(access.mayPublish('site:shop-a', 'safegrid/shop-a/shop-a-panel/event')).toBe(true);
  });
});
