/**
 * What an installer reads when a profile file is wrong: file, line, key path, what was found and
 * what was expected — every problem at once, the broken file skipped, the good ones loaded.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatProblem, loadProfiles, runProfileExamples } from '../../src/profiles/index.js';

let root: string;
let dir: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'sg-profiles-'));
  dir = path.join(root, 'devices', 'profiles');
  mkdirSync(dir, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFileSync(path.join(dir, name), text);
const lines = () => loadProfiles(dir, root).problems.map(formatProblem);

const GOOD = `vendor: acme
models:
  - id: acme/door-1
    description: door
    extends: [contact]
    examples:
      - payload: { contact: false }
        expect: [{ kind: intrusion }]
`;

describe('installer profile problems', () => {
  it('reports an unknown key, a bad polarity and a bad kind with file, line and path', () => {
    write(
      'bad.yaml',
      `vendor: bad
models:
  - id: bad/door
    description: a door
    extnds: [contact]
    examples:
      - payload: { contact: false }
  - id: bad/door-2
    description: another door
    extends:
      - contact:
          polarity: open
      - motion: { kind: burgler }
    examples:
      - payload: { contact: false }
        expect: [{ kind: intrusion }]
`,
    );
    expect(lines()).toEqual([
      'devices/profiles/bad.yaml:5  models[0].extnds: unknown key; expected one of id, description, format, topics, ignore, extends, decoder, examples ' +
        '(did you mean "extends"?)',
      'devices/profiles/bad.yaml:12  models[1].extends[0].contact.polarity: got "open"; expected one of true, false',
      'devices/profiles/bad.yaml:13  models[1].extends[1].motion.kind: got "burgler"; expected one of panic, duress, fire, smoke, gas, medical, burglary, ' +
        'intrusion, perimeter, tamper, water, video_motion, person_detected, trouble.ac_loss, trouble.low_battery, trouble.comm, trouble.offline, restore, ' +
        'arm, disarm, test (did you mean "burglary"?)',
    ]);
  });

  it('gives each problem a code and a structured location', () => {
    write('bad.yaml', GOOD.replace('extends: [contact]', 'extends: [{ contact: { polarty: true } }]'));
    expect(loadProfiles(dir, root).problems).toEqual([
      {
        code: 'SG_CONFIG_UNKNOWN_KEY',
        severity: 'error',
        file: 'devices/profiles/bad.yaml',
        line: 5,
        path: 'models[0].extends[0].contact.polarty',
        message: 'unknown key; expected one of property, kind, restore, zone, zone_property, channel, polarity, open, closed',
        hint: 'did you mean "polarity"?',
      },
    ]);
  });

  it('a broken file is skipped and a good one still loads', () => {
    write('acme.yaml', GOOD);
    write('broken.yaml', 'vendor: broken\nmodels:\n  - id: broken/x\n    description: [unclosed\n');
    const { registry, problems } = loadProfiles(dir, root);
    expect(registry.get('acme/door-1')).toBeDefined();
    expect(registry.get('broken/x')).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'SG_CONFIG_PARSE', file: 'devices/profiles/broken.yaml' });
  });

  it('reports a duplicate model id where the second one is written', () => {
    write('acme.yaml', GOOD);
    write('zz-acme-copy.yaml', GOOD.replace('description: door', 'description: copied door'));
    const { registry, problems } = loadProfiles(dir, root);
    expect(problems.map(formatProblem)).toEqual([
      'devices/profiles/zz-acme-copy.yaml:3  models[0].id: "acme/door-1" is already defined in devices/profiles/acme.yaml:3; expected a unique model id ' +
        '(this model is skipped; rename it or remove one of the two)',
    ]);
    expect(problems[0]!.code).toBe('SG_CONFIG_DUPLICATE_ID');
    expect(registry.get('acme/door-1')!.description).toBe('door');
  });

  it('an installer model may not take a built-in id', () => {
    write('z.yaml', GOOD.replace('vendor: acme', 'vendor: zigbee2mqtt').replace('acme/door-1', 'zigbee2mqtt'));
    expect(lines()).toEqual(['devices/profiles/z.yaml:3  models[0].id: got "zigbee2mqtt"; expected "zigbee2mqtt/<model>" (ids start with the file\'s vendor)']);
  });

  it('reports a missing key, an unknown block, an unknown decoder and a channel without topic', () => {
    write(
      'acme.yaml',
      `vendor: acme
models:
  - id: acme/a
    extends: [contcat]
    examples:
      - payload: {}
  - id: acme/b
    description: b
    decoder: contactid
    examples:
      - payload: "x"
  - id: acme/c
    description: c
    extends: [availability]
    examples:
      - payload: online
`,
    );
    expect(lines()).toEqual([
      'devices/profiles/acme.yaml:3  models[0].description: missing; expected text',
      'devices/profiles/acme.yaml:9  models[1].decoder: got "contactid"; expected one of contact-id',
      'devices/profiles/acme.yaml:14  models[2].extends[0]: channel "availability" is not among this model\'s topics (state); expected one of them (add ' +
        'it under topics, e.g. availability: "{topic}/availability")',
    ]);
    write('acme.yaml', GOOD.replace('extends: [contact]', 'extends: [contcat]'));
    expect(lines()).toEqual([
      'devices/profiles/acme.yaml:5  models[0].extends[0]: got "contcat"; expected a block, one of contact, motion, smoke, gas, carbon_monoxide, ' +
        'water_leak, vibration, tamper, battery_low, field_map, action, availability, state_map, native_event, frigate_event (did you mean "contact"?)',
    ]);
  });

  it('a missing directory is no problem: installer profiles are optional', () => {
    const { registry, problems } = loadProfiles(path.join(root, 'nope'), root);
    expect(problems).toEqual([]);
    expect(registry.get('native')).toBeDefined();
  });
});

describe('runProfileExamples', () => {
  it('reports a failing example with its file, line, description and what differed', () => {
    write(
      'acme.yaml',
      GOOD.replace(
        '        expect: [{ kind: intrusion }]\n',
        '        expect: [{ kind: intrusion }]\n      - description: closed door\n        payload: { contact: true }\n' +
          '        expect: [{ kind: intrusion, zone: 1 }]\n',
      ),
    );
    const { registry, problems } = loadProfiles(dir, root);
    expect(problems).toEqual([]);
    expect(runProfileExamples(registry).map(formatProblem)).toEqual([
      'devices/profiles/acme.yaml:9  models[0].examples[1]: acme/door-1 example "closed door": expected [intrusion zone 1]; got []',
    ]);
    expect(runProfileExamples(registry)[0]!.code).toBe('SG_PROFILE_EXAMPLE_FAILED');
  });

  it('an expected error that does not happen is reported', () => {
    write('acme.yaml', GOOD.replace('        expect: [{ kind: intrusion }]\n', '        expect_error: SG_INGEST_BAD_JSON\n'));
    const { registry } = loadProfiles(dir, root);
    expect(runProfileExamples(registry).map((p) => p.message)).toEqual(['acme/door-1 example: expected SG_INGEST_BAD_JSON; got [intrusion]']);
  });
});
