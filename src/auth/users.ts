/**
 * The accounts file (config/users.yaml by default; `users:` in hub.yaml). Checked like the rest of
 * the config — strict keys, file:line problems — and re-read whenever it changes on disk, so
 * `safegrid user add|passwd|disable` takes effect without a restart. An entry with a problem is not
 * loaded (that person cannot log in); the others are.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { isMap, isSeq, parseDocument, type YAMLMap, YAMLSeq, type Document } from 'yaml';
import type { Problem } from '../core/problems.js';
import type { Config } from '../config/model.js';
import { formatPath, parseWithSchema } from '../config/issues.js';
import { lineOf, parseSource } from '../config/source.js';
import { didYouMean } from '../config/suggest.js';
import { hashProblem } from './password.js';
import { ROLES, type Role } from './roles.js';

export interface UserAccount {
  username: string;
  name: string;
  role: Role;
  stationId: string | null;
  guardGroup: string | null;
  /** scrypt$N$r$p$salt$hash — never sent anywhere, never logged. */
  passwordHash: string;
  disabled: boolean;
  mustChangePassword: boolean;
}

const USERNAME_EXPECTED = 'a user name: letters, digits, "-", "_" or ".", 1–64 characters, starting with a letter or digit';
export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const ID_EXPECTED = 'an id: letters, digits, "-", "_" or "."';

const userSchema = z
  .strictObject({
    username: z.string({ error: USERNAME_EXPECTED }).regex(USERNAME_RE, { error: USERNAME_EXPECTED }),
    name: z.string({ error: 'a display name' }).min(1, { error: 'a display name' }).max(100, { error: 'at most 100 characters' }).optional(),
    role: z.enum(ROLES, { error: ROLES.join(', ') }),
    station: z.string({ error: ID_EXPECTED }).min(1, { error: ID_EXPECTED }).nullish(),
    guard_group: z.string({ error: ID_EXPECTED }).min(1, { error: ID_EXPECTED }).nullish(),
    password: z.string({ error: 'a password hash made by `safegrid user add`' }).superRefine((h, ctx) => {
      const why = hashProblem(h);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    }),
    disabled: z.boolean({ error: 'true or false' }).default(false),
    must_change_password: z.boolean({ error: 'true or false' }).default(false),
  })
  .superRefine((u, ctx) => {
    // A binding that does not fit the role is a mistake, not something to ignore silently.
    const need = (key: 'station' | 'guard_group', what: string): void => {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `missing; a ${u.role} works for one ${what}`,
        params: { code: 'SG_CONFIG_MISSING_KEY', whole: true },
      });
    };
    const extra = (key: 'station' | 'guard_group'): void => {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `${key} is for ${key === 'station' ? 'operators' : 'guards'}; a ${u.role} has none`,
        params: { code: 'SG_CONFIG_INVALID_VALUE', whole: true, hint: `remove ${key}, or change the role` },
      });
    };
    if (u.role === 'operator' && !u.station) need('station', 'station (a station id from config/stations.yaml)');
    if (u.role !== 'operator' && u.station) extra('station');
    if (u.role === 'guard' && !u.guard_group) need('guard_group', 'guard group (the guard_group of their sites)');
    if (u.role !== 'guard' && u.guard_group) extra('guard_group');
  });

const usersFileSchema = z.strictObject({
  users: z.array(z.unknown(), { error: 'a list of accounts' }).default([]),
});

export interface UsersState {
  /** Loaded, valid accounts by user name. */
  users: ReadonlyMap<string, UserAccount>;
  problems: Problem[];
  /** False when the file does not exist yet (first start). */
  exists: boolean;
}

/** What the accounts are checked against: stations for operators, guard groups of sites for guards. */
export type UsersContext = Pick<Config, 'stations' | 'sites'>;

/** Parses the text of an accounts file. `file` is the path shown in problems. */
export function parseUsers(file: string, text: string, context: UsersContext): UsersState {
  const src = parseSource(file, text);
  if (src.problems.length) return { users: new Map(), problems: src.problems, exists: true };
  const whole = parseWithSchema(usersFileSchema, src);
  const problems: Problem[] = [];
  // Entry problems come from the per-entry parse below (with the entry's path), the rest from here.
  const entries = Array.isArray((src.data as { users?: unknown } | null)?.users) ? (src.data as { users: unknown[] }).users : [];
  problems.push(...whole.problems);

  const stations = new Set(context.stations.map((s) => s.id));
  const groups = new Set(context.sites.map((s) => s.guardGroup).filter((g): g is string => !!g));
  const users = new Map<string, UserAccount>();
  entries.forEach((raw, i) => {
    const at = ['users', i];
    const entrySrc = { ...src, data: raw };
    const parsed = parseWithSchema(userSchema, entrySrc);
    // parseWithSchema reports paths relative to the entry; put them back under users[i].
    const local = parsed.problems.map((p) => {
      const full = [...at, ...splitPath(p.path)];
      return { ...p, path: formatPath(full), line: lineOf(src, full) };
    });
    problems.push(...local);
    const u = parsed.value;
    if (!u) return;
    let ok = true;
    const refProblem = (key: string, message: string, hint?: string): void => {
      ok = false;
      problems.push({
        code: 'SG_CONFIG_UNKNOWN_REFERENCE',
        severity: 'error',
        file,
        line: lineOf(src, [...at, key]),
        path: formatPath([...at, key]),
        message,
        ...(hint ? { hint } : {}),
      });
    };
    if (u.station && !stations.has(u.station)) {
      refProblem(
        'station',
        `got "${u.station}"; expected a station id from config/stations.yaml`,
        didYouMean(u.station, [...stations]) ?? `stations: ${[...stations].join(', ')}`,
      );
    }
    if (u.guard_group && !groups.has(u.guard_group)) {
      refProblem(
        'guard_group',
        `got "${u.guard_group}"; expected a guard_group that a site in devices/ names`,
        didYouMean(u.guard_group, [...groups]) ?? (groups.size ? `guard groups: ${[...groups].sort().join(', ')}` : 'no site names a guard group yet'),
      );
    }
    if (users.has(u.username.toLowerCase())) {
      ok = false;
      problems.push({
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file,
        line: lineOf(src, [...at, 'username']),
        path: formatPath([...at, 'username']),
        message: `user name "${u.username}" is used twice (user names are compared without case)`,
      });
      // Neither copy may log in: which one was meant is a guess.
      users.delete(u.username.toLowerCase());
      return;
    }
    if (!ok) return;
    users.set(u.username.toLowerCase(), {
      username: u.username,
      name: u.name ?? u.username,
      role: u.role,
      stationId: u.station ?? null,
      guardGroup: u.guard_group ?? null,
      passwordHash: u.password,
      disabled: u.disabled,
      mustChangePassword: u.must_change_password,
    });
  });
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { users, problems, exists: true };
}

/** `users[2].station` → ['users', 2, 'station'] (inverse of formatPath for simple keys). */
function splitPath(path: string): PropertyKey[] {
  if (!path) return [];
  const out: PropertyKey[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * The accounts as they are on disk now. Re-reads the file when its size, mtime or inode changed
 * (a stat per call, no watcher to leak), or when the config it is checked against changed.
 */
export class UserDirectory {
  private cache: { key: string; context: UsersContext; state: UsersState } | null = null;

  constructor(
    /** Absolute path. */
    readonly path: string,
    /** As shown in problems, e.g. config/users.yaml. */
    readonly displayPath: string,
    private readonly context: () => UsersContext,
  ) {}

  current(): UsersState {
    let key: string;
    try {
      const st = statSync(this.path);
      key = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      key = 'missing';
    }
    const context = this.context();
    if (this.cache && this.cache.key === key && this.cache.context === context) return this.cache.state;
    let state: UsersState;
    if (key === 'missing') {
      state = { users: new Map(), problems: [], exists: false };
    } else {
      let text = '';
      try {
        text = readFileSync(this.path, 'utf8');
      } catch (err) {
        state = {
          users: new Map(),
          problems: [
            {
              code: 'SG_CONFIG_PARSE',
              severity: 'error',
              file: this.displayPath,
              line: null,
              path: '',
              message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
            },
          ],
          exists: true,
        };
        this.cache = { key, context, state };
        return state;
      }
      state = parseUsers(this.displayPath, text, context);
    }
    this.cache = { key, context, state };
    return state;
  }

  find(username: string): UserAccount | undefined {
    return this.current().users.get(username.toLowerCase());
  }
}

/** Where the accounts file of a hub at `rootDir` is, absolute and as shown to people. */
export function usersFilePaths(rootDir: string, usersFile: string): { path: string; displayPath: string } {
  const path = resolve(rootDir, usersFile);
  return { path, displayPath: relative(rootDir, path).split('\\').join('/') || usersFile };
}

// --- Writing ---------------------------------------------------------------------------------

const HEADER = `# SafeGrid accounts. Managed with \`safegrid user add|passwd|disable\`; passwords are scrypt hashes.
# Roles: admin, operator (station: <id>), guard (guard_group: <group>), installer.
`;

export interface NewUser {
  username: string;
  name?: string;
  role: Role;
  station?: string | null;
  guardGroup?: string | null;
  passwordHash: string;
  mustChangePassword?: boolean;
}

export class UsersFileError extends Error {}

/**
 * Edits the file through the YAML document so comments and order survive, then replaces it
 * atomically (write a temporary file, fsync, rename) with mode 0600: the hashes are offline-guessable.
 */
function editUsersFile(path: string, edit: (seq: YAMLSeq, doc: Document) => void): void {
  let text = HEADER + 'users: []\n';
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UsersFileError(`${path} is not valid YAML; fix it first (safegrid check)`);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({ users: [] }) as never;
  let seq = doc.get('users', true);
  if (!isSeq(seq)) {
    seq = new YAMLSeq();
    doc.set('users', seq);
  }
  const s = seq as YAMLSeq;
  s.flow = false;
  edit(s, doc);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}-${Date.now()}.users.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, doc.toString({ lineWidth: 0 }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function entryOf(seq: YAMLSeq, username: string): YAMLMap | undefined {
  return seq.items.find((it): it is YAMLMap => isMap(it) && String(it.get('username')).toLowerCase() === username.toLowerCase());
}

function mustFind(seq: YAMLSeq, username: string): YAMLMap {
  const e = entryOf(seq, username);
  if (!e) throw new UsersFileError(`no user "${username}"`);
  return e;
}

export function addUser(path: string, u: NewUser): void {
  editUsersFile(path, (seq, doc) => {
    if (entryOf(seq, u.username)) throw new UsersFileError(`user "${u.username}" already exists; use \`safegrid user passwd\` to change the password`);
    const entry: Record<string, unknown> = { username: u.username, name: u.name ?? u.username, role: u.role };
    if (u.station) entry.station = u.station;
    if (u.guardGroup) entry.guard_group = u.guardGroup;
    entry.password = u.passwordHash;
    if (u.mustChangePassword) entry.must_change_password = true;
    seq.add(doc.createNode(entry));
  });
}

/** Sets a new password hash; `mustChange` false clears the one-time-password flag. */
export function setPassword(path: string, username: string, passwordHash: string, mustChange: boolean): void {
  editUsersFile(path, (seq) => {
    const e = mustFind(seq, username);
    e.set('password', passwordHash);
    if (mustChange) e.set('must_change_password', true);
    else e.delete('must_change_password');
  });
}

export function setDisabled(path: string, username: string, disabled: boolean): void {
  editUsersFile(path, (seq) => {
    const e = mustFind(seq, username);
    if (disabled) e.set('disabled', true);
    else e.delete('disabled');
  });
}
