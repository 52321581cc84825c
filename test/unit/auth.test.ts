import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { hashPassword, verifyPassword, hashProblem, generatePassword } from '../../src/auth/password.js';
import { audience, audienceLookup, scopeFor, type Principal, type ScopeInput } from '../../src/auth/scope.js';
import { SessionStore } from '../../src/auth/sessions.js';
import { FailureLimiter } from '../../src/auth/limiter.js';
import { parseUsers } from '../../src/auth/users.js';
import { CAPABILITIES, ROLES } from '../../src/auth/roles.js';

const TREE: ScopeInput = {
  stations: [
    { id: 'city-110', parent: null, tier: 'city' },
    { id: 'ps-hecheng', parent: 'city-110', tier: 'station' },
    { id: 'cp-hecheng-1', parent: 'ps-hecheng', tier: 'community' },
    { id: 'ps-minghu', parent: 'city-110', tier: 'station' },
  ],
  sites: [
    { id: 'shop-a', stationId: 'ps-hecheng', guardGroup: 'hecheng-team' },
    { id: 'shop-c', stationId: 'cp-hecheng-1', guardGroup: 'hecheng-team' },
    { id: 'home-b', stationId: 'ps-minghu', guardGroup: 'minghu-team' },
    { id: 'lost', stationId: null, guardGroup: null },
  ],
};

const P = (role: Principal['role'], stationId: string | null = null, guardGroup: string | null = null): Principal => ({
  username: 'x',
  role,
  stationId,
  guardGroup,
});

describe('scope: who sees which site', () => {
  it('a police station sees its own sites and those of the community posts below it, not its sister station', () => {
    const s = scopeFor(P('operator', 'ps-hecheng'), TREE);
    expect(['shop-a', 'shop-c', 'home-b', 'lost'].filter((id) => s.seesSite(id))).toEqual(['shop-a', 'shop-c']);
    expect(s.sees({ siteId: 'home-b', stationId: 'ps-minghu' })).toBe(false);
  });
  it('the city command centre, admins and installers see every site, including one outside every cell', () => {
    for (const p of [P('operator', 'city-110'), P('admin'), P('installer')]) expect(scopeFor(p, TREE).seesSite('lost')).toBe(true);
  });
  it('a guard sees only the sites of their guard group', () => {
    const s = scopeFor(P('guard', null, 'minghu-team'), TREE);
    expect(TREE.sites.filter((x) => s.seesSite(x.id)).map((x) => x.id)).toEqual(['home-b']);
  });
  it('an operator bound to a station that does not exist sees nothing', () => {
    expect(scopeFor(P('operator', 'ps-gone'), TREE).seesSite('shop-a')).toBe(false);
  });
  it('pushes go exactly to the rooms of the principals that may read the item (audience agrees with sees)', () => {
    const principals = [
      P('admin'),
      P('installer'),
      P('operator', 'city-110'),
      P('operator', 'ps-hecheng'),
      P('operator', 'cp-hecheng-1'),
      P('operator', 'ps-minghu'),
      P('guard', null, 'hecheng-team'),
      P('guard', null, 'minghu-team'),
      P('guard', null, 'nobody'),
    ];
    for (const site of TREE.sites) {
      const item = { siteId: site.id, stationId: site.stationId };
      const rooms = audience(item, audienceLookup(TREE));
      for (const p of principals) {
        const s = scopeFor(p, TREE);
        expect(rooms.includes(s.room), `${p.role}/${p.stationId ?? p.guardGroup} ← ${site.id}`).toBe(s.sees(item));
      }
    }
  });
});

describe('passwords', () => {
  it('scrypt hashes verify in constant time and carry their own parameters', async () => {
    const h = await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 });
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse battery', h)).toBe(true);
    expect(await verifyPassword('correct horse batterz', h)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(hashProblem('scrypt$3$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toMatch(/power of two/);
  });
  it('one-time passwords are 16 characters without look-alikes', () => {
    const p = generatePassword();
    expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
    expect(generatePassword()).not.toBe(p);
  });
});

describe('users.yaml problems point at file:line, and a bad entry does not stop the others', () => {
  const ctx = {
    stations: [{ id: 'ps-hecheng', name: '', tier: 'station' as const, parent: null, location: null }],
    sites: [{ guardGroup: 'hecheng-team' }],
  } as never;
  it('unknown station and guard group, missing binding, bad hash, unknown key, duplicate name', async () => {
    const good = await hashPassword('a-good-password', { N: 1024, r: 8, p: 1 });
    const text = `users:
  - username: ok
    role: installer
    password: "${good}"
  - username: op
    role: operator
    station: ps-hechen
    password: "${good}"
  - username: g
    role: guard
    guard_group: nobody-team
    password: "${good}"
  - username: g2
    role: guard
    password: "${good}"
  - username: weird
    role: admin
    password: "letmein"
    colour: blue
  - username: OK
    role: admin
    password: "${good}"
`;
    const st = parseUsers('config/users.yaml', text, ctx);
    const lines = st.problems.map((p) => `${p.file}:${p.line} ${p.path} ${p.code}`);
    expect(lines).toEqual([
      'config/users.yaml:7 users[1].station SG_CONFIG_UNKNOWN_REFERENCE',
      'config/users.yaml:11 users[2].guard_group SG_CONFIG_UNKNOWN_REFERENCE',
      'config/users.yaml:13 users[3].guard_group SG_CONFIG_MISSING_KEY',
      'config/users.yaml:18 users[4].password SG_CONFIG_INVALID_VALUE',
      'config/users.yaml:19 users[4].colour SG_CONFIG_UNKNOWN_KEY',
      'config/users.yaml:20 users[5].username SG_CONFIG_DUPLICATE_ID',
    ]);
    expect(st.problems.find((p) => p.path === 'users[1].station')?.hint).toContain('ps-hecheng');
    // The hash is never echoed in a problem.
    expect(JSON.stringify(st.problems)).not.toContain('letmein');
    expect(JSON.stringify(st.problems)).not.toContain('scrypt$');
    // Duplicates (case-insensitive) lock both out; nothing valid remains.
    expect([...st.users.keys()]).toEqual([]);
  });
});

describe('sessions and throttling on a manual clock', () => {
  it('idle timeout, renewal on use, absolute lifetime', async () => {
    const clock = new ManualClock();
    const store = new SessionStore(clock, { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 });
    const s = await store.create('op', '127.0.0.1');
    expect(Buffer.from(s.id, 'base64url')).toHaveLength(32);
    clock.advance(29 * 60_000);
    expect(await store.get(s.id)).not.toBeNull();
    clock.advance(29 * 60_000);
    expect(await store.get(s.id)).not.toBeNull(); // used 29 min ago, not 58
    clock.advance(30 * 60_000);
    expect(await store.get(s.id)).toBeNull();
    const t = await store.create('op', '127.0.0.1');
    for (let i = 0; i < 30; i++) {
      clock.advance(25 * 60_000);
      await store.get(t.id);
    }
    expect(await store.get(t.id)).toBeNull(); // 12.5 h after login, however busy
  });
  it('five failures in 15 minutes block; the block lifts as the oldest failure ages out', () => {
    const clock = new ManualClock();
    const l = new FailureLimiter(clock, { maxFailures: 5, windowMs: 15 * 60_000 });
    for (let i = 0; i < 5; i++) {
      expect(l.blockedFor('ip:1')).toBe(0);
      l.fail('ip:1');
      clock.advance(60_000);
    }
    expect(l.blockedFor('ip:1')).toBe(10 * 60_000);
    clock.advance(10 * 60_000);
    expect(l.blockedFor('ip:1')).toBe(0);
  });
});

describe('role table', () => {
  it('installers never get incidents or events; guards never get the device list or dispatch', () => {
    for (const [cap, roles] of Object.entries(CAPABILITIES)) {
      if (cap.startsWith('incidents:') || cap.startsWith('events:')) expect(roles, cap).not.toContain('installer');
      for (const r of roles) expect(ROLES).toContain(r);
    }
    expect(CAPABILITIES['devices:read']).not.toContain('guard');
    expect(CAPABILITIES['incidents:dispatch']).not.toContain('guard');
  });
});
