/** The exact wording of the report and of `safegrid check` (CONVENTIONS.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check.js';
import { formatProblems } from '../../src/config/index.js';
import type { Problem } from '../../src/core/problems.js';
import { ENV, GRIDS, HOME, HUB, SHOP, makeTree, removeTree, writeTree, type Tree } from './config-fixture.js';

const roots: string[] = [];
afterEach(() => {
  while (roots.length) removeTree(roots.pop() as string);
});
function tree(changes: Tree = {}): string {
  const root = makeTree(changes);
  roots.push(root);
  return root;
}

const problem = (p: Partial<Problem>): Problem => ({
  code: 'SG_CONFIG_INVALID_VALUE',
  severity: 'error',
  file: 'config/hub.yaml',
  line: 14,
  path: 'mqtt.port',
  message: 'got "18830x"; expected a whole number 1–65535',
  ...p,
});

describe('formatProblems', () => {
  it('prints the CONVENTIONS example exactly', () => {
    const out = formatProblems([
      problem({}),
      problem({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        file: 'devices/shop-12.yaml',
        line: 9,
        path: 'devices[2].profile',
        message: 'no profile "acme/pir-200"',
        hint: 'acme has acme/pir-100, acme/door-1',
      }),
    ]);
    expect(out).toBe(
      [
        'config/hub.yaml:14  mqtt.port: got "18830x"; expected a whole number 1–65535',
        'devices/shop-12.yaml:9  devices[2].profile: no profile "acme/pir-200"; acme has acme/pir-100, acme/door-1',
        '2 problems. Fix them, then run `safegrid check`.',
      ].join('\n'),
    );
  });

  it('counts warnings apart from problems, and says one problem in the singular', () => {
    const warn = problem({ severity: 'warning', code: 'SG_CONFIG_SECRET_MISSING', path: 'x', message: 'm' });
    expect(
      formatProblems([problem({}), warn])
        .split('\n')
        .at(-1),
    ).toBe('1 problem (and 1 warning). Fix it, then run `safegrid check`.');
    expect(formatProblems([warn]).split('\n')).toEqual(['config/hub.yaml:14  warning: x: m', '1 warning; nothing here stops the hub from starting.']);
    expect(formatProblems([])).toBe('');
  });

  it('leaves the line out when a problem has none, and the path when it is the whole file', () => {
    expect(formatProblems([problem({ line: null, path: '', message: 'file not found' })]).split('\n')[0]).toBe('config/hub.yaml  file not found');
  });
});

/** The fixture sites with one MQTT login each (site.mqtt), so that every device can connect. */
const LOGINS = { MQTT_SHOP1: 'pw-shop-1', MQTT_HOME2: 'pw-home-2' };
const withLogins = (): Tree => ({
  'devices/shop-1.yaml': SHOP.replace('  contacts:', '  mqtt: { username: shop-1, password_env: MQTT_SHOP1 }\n  contacts:'),
  'devices/home-2.yaml': HOME.replace('  contacts:', '  mqtt: { username: home-2, password_env: MQTT_HOME2 }\n  contacts:'),
});

describe('runCheck', () => {
  it('exits 0 with a summary line when there is no error', () => {
    const { exitCode, output } = runCheck(tree(withLogins()), { ...ENV, ...LOGINS });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^OK: 2 sites, 3 devices, 1 camera, 2 cells, 2 stations, \d+ profiles$/);
  });

  it('exits 0 with warnings shown (an unset camera password does not block the start)', () => {
    const { exitCode, output } = runCheck(tree(withLogins()), LOGINS);
    expect(exitCode).toBe(0);
    const lines = output.split('\n');
    expect(lines[0]).toMatch(/^devices\/shop-1\.yaml:24  warning: cameras\[0\]\.onvif\.password_env: /);
    expect(lines.at(-1)).toMatch(/^OK: 2 sites, .* \(1 warning\)$/);
  });

  it('a scraper token named in hub.yaml but not set is a warning at its line; both references at once is an error', () => {
    const withToken = HUB + 'metrics:\n  token_env: SCRAPER_TOKEN_UNSET\n';
    const { exitCode, output } = runCheck(tree({ ...withLogins(), 'config/hub.yaml': withToken }), { ...ENV, ...LOGINS });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^config\/hub\.yaml:9  warning: metrics\.token_env: .*SCRAPER_TOKEN_UNSET.*\/metrics answers admins only until it is set/m);
    const both = runCheck(tree({ ...withLogins(), 'config/hub.yaml': withToken + '  token_file_key: scraper\n' }), { ...ENV, ...LOGINS });
    expect(both.exitCode).toBe(1);
    expect(both.output).toContain('both token_env and token_file_key are given');
  });

  it('warns about overlapping grid cells, naming both and the feature line', () => {
    // The east cell drawn 0.01° too far west: it covers a strip of the west cell.
    const overlapping = GRIDS.replace(/\[\[\[104\.83, 26\.58\], \[104\.86/, '[[[104.82, 26.58], [104.86').replace(
      /\[104\.83, 26\.61\], \[104\.83, 26\.58\]\]\]/,
      '[104.82, 26.61], [104.82, 26.58]]]',
    );
    expect(overlapping).not.toBe(GRIDS);
    const { exitCode, output } = runCheck(tree({ ...withLogins(), 'config/grids.geojson': overlapping }), { ...ENV, ...LOGINS });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/^config\/grids\.geojson:\d+  warning: features\[1\]: cells "cell-east" and "cell-west" overlap \(for example at \[/m);
    expect(runCheck(tree(withLogins()), { ...ENV, ...LOGINS }).output).not.toContain('overlap');
  });

  it('checks the accounts file too: an entry that could not log in is reported with its line', () => {
    const users = [
      'users:',
      '  - username: op-1',
      '    role: operator',
      '    station: ps-nowhere',
      '    password: "scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"',
      '  - username: chief',
      '    role: superuser',
      '    password: "x"',
      '',
    ].join('\n');
    const { exitCode, output } = runCheck(tree({ ...withLogins(), 'config/users.yaml': users }), { ...ENV, ...LOGINS });
    expect(exitCode).toBe(1);
    expect(output).toMatch(/^config\/users\.yaml:4 .*station.*ps-nowhere/m);
    expect(output).toMatch(/^config\/users\.yaml:7 .*role/m);
    // No accounts file at all is fine (the first start creates an admin).
    expect(runCheck(tree(withLogins()), { ...ENV, ...LOGINS }).exitCode).toBe(0);
  });

  it('warns about each device no MQTT login covers: it cannot connect while auth is required', () => {
    const { exitCode, output } = runCheck(tree(), ENV);
    expect(exitCode).toBe(0);
    const lines = output.split('\n');
    expect(lines).toContain(
      'devices/shop-1.yaml:10  warning: devices[0]: device "panel-1" has no mqtt credentials and its site has no site.mqtt; ' +
        'this device cannot connect until it has mqtt credentials; add mqtt: { username, password_file_key } to the device, or one site.mqtt for all ' +
        'devices of the site',
    );
    expect(lines.filter((l) => l.includes('cannot connect until it has mqtt credentials'))).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/\(3 warnings\)$/);
    // A lab hub with auth off, or an external broker, does not check logins.
    const off = runCheck(tree({ 'config/hub.yaml': HUB.replace('  port: 1883', '  port: 1883\n  auth: off') }), ENV);
    expect(off.output).not.toContain('cannot connect');
  });

  it('exits 1 and lists every problem, global and per site, then the count line', () => {
    const root = tree({
      'config/hub.yaml': HUB.replace('port: 1883', 'port: 18830x'),
      'devices/shop-1.yaml': SHOP.replace('kind: shop', 'kind: shopp'),
    });
    const { exitCode, output } = runCheck(root, ENV);
    expect(exitCode).toBe(1);
    expect(output.split('\n')).toEqual([
      'config/hub.yaml:5  mqtt.port: got "18830x"; expected a whole number 1–65535',
      'devices/shop-1.yaml:4  site.kind: got "shopp"; expected home, shop or unit; did you mean "shop"?',
      'The hub will not start until the problems in config/ are fixed.',
      'Held back until fixed (a running hub keeps the last good version; a hub starting now runs without it): devices/shop-1.yaml (site shop-1)',
      '2 problems. Fix them, then run `safegrid check`.',
    ]);
  });

  it('runs every profile example, installer-written ones included', () => {
    const root = tree(withLogins());
    const acme = readFileSync(join(import.meta.dirname, '../fixtures/config-acme-profile/acme.yaml'), 'utf8');
    // An example that promises the wrong event must fail the check.
    writeTree(root, 'devices/profiles/acme.yaml', acme.replace('expect: [{ kind: intrusion, zone: 2 }]', 'expect: [{ kind: fire, zone: 2 }]'));
    const { exitCode, output } = runCheck(root, { ...ENV, ...LOGINS });
    expect(exitCode).toBe(1);
    expect(output).toContain('devices/profiles/acme.yaml');
    expect(output.split('\n').at(-1)).toBe('1 problem. Fix it, then run `safegrid check`.');
  });

  it('never prints a secret value', () => {
    const root = tree({ 'devices/shop-1.yaml': SHOP.replace('password_env: CAM_SHOP1_PASS', 'password: s3cret-pass') });
    const { output } = runCheck(root, ENV);
    expect(output).toContain('a password written inline');
    expect(output).not.toContain('s3cret-pass');
  });
});
