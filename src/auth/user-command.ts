/**
 * `safegrid user add|passwd|disable`: edits the accounts file the hub re-reads on its own. Checks
 * the same rules as the hub (roles, stations, guard groups) before writing, so a typo is refused
 * here instead of becoming an account that cannot log in.
 */
import { loadConfig } from '../config/index.js';
import { languageOfRoot } from '../config/language.js';
import { formatProblems } from '../config/report.js';
import { message } from '../core/installer-messages.js';
import { hashPassword, passwordPolicyProblem } from './password.js';
import { ROLES, type Role } from './roles.js';
import { addUser, parseUsers, setDisabled, setPassword, USERNAME_RE, UserDirectory, usersFilePaths, UsersFileError } from './users.js';

export interface UserCommandArgs {
  root: string;
  /** [subcommand, username] */
  positionals: string[];
  role?: string;
  station?: string;
  group?: string;
  displayName?: string;
  passwordStdin?: boolean;
}

export interface UserCommandIo {
  out(text: string): void;
  err(text: string): void;
  /** Reads a password: the whole of stdin (first line) or a prompt without echo. */
  readPassword(prompt: string, fromStdin: boolean): Promise<string>;
}

export const USER_USAGE = `usage:
  safegrid user add <name> --role admin|operator|guard|installer [--station ID] [--group GROUP] [--display-name TEXT] [--password-stdin]
  safegrid user passwd <name> [--password-stdin]
  safegrid user disable <name>`;

export async function runUserCommand(a: UserCommandArgs, io: UserCommandIo): Promise<number> {
  const [sub, username] = a.positionals;
  if (!sub || !username || !['add', 'passwd', 'disable'].includes(sub)) {
    io.err(USER_USAGE);
    return 2;
  }
  const loaded = loadConfig(a.root, { env: process.env });
  if (!loaded.config) {
    const language = languageOfRoot(a.root, process.env);
    io.err(message('CONFIG_FIX_FIRST', { problems: formatProblems(loaded.problems, language) }, language));
    return 1;
  }
  const config = loaded.config;
  const { path, displayPath } = usersFilePaths(a.root, config.hub.usersFile);
  const dir = new UserDirectory(path, displayPath, () => config);
  try {
    if (sub === 'add') {
      if (!USERNAME_RE.test(username)) return fail(io, `user name "${username}": letters, digits, "-", "_" or ".", up to 64 characters`);
      if (!a.role || !(ROLES as readonly string[]).includes(a.role)) return fail(io, `--role: expected one of ${ROLES.join(', ')}`);
      const role = a.role as Role;
      const password = await newPassword(io, username, !!a.passwordStdin);
      if (password === null) return 1;
      const entry = {
        username,
        ...(a.displayName ? { name: a.displayName } : {}),
        role,
        station: a.station ?? null,
        guardGroup: a.group ?? null,
        passwordHash: await hashPassword(password),
      };
      // Check the new entry the way the hub will, before it is written.
      if (dir.find(username)) return fail(io, `user "${username}" already exists; use \`safegrid user passwd\` to change the password`);
      const problems = parseUsers('(new account)', entryYaml(entry), config).problems;
      if (problems.length) {
        const flag: Record<string, string> = { station: '--station', guard_group: '--group', role: '--role', name: '--display-name' };
        return fail(
          io,
          problems.map((p) => `${flag[p.path.replace(/^users\[0\]\.?/, '')] ?? (p.path || 'account')}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`).join('\n'),
        );
      }
      addUser(path, entry);
      io.out(`added ${role} "${username}" to ${displayPath}; the hub picks it up at the next login`);
      return 0;
    }
    const existing = dir.find(username);
    if (!existing) return fail(io, `no user "${username}" in ${displayPath}`);
    if (sub === 'passwd') {
      const password = await newPassword(io, existing.username, !!a.passwordStdin);
      if (password === null) return 1;
      setPassword(path, existing.username, await hashPassword(password), false);
      io.out(`password of "${existing.username}" changed; their open sessions end at their next request`);
      return 0;
    }
    // disable
    const admins = [...dir.current().users.values()].filter((u) => u.role === 'admin' && !u.disabled);
    if (existing.role === 'admin' && admins.length <= 1 && !existing.disabled) {
      return fail(io, `"${existing.username}" is the last enabled admin; add another admin first`);
    }
    setDisabled(path, existing.username, true);
    io.out(`"${existing.username}" disabled; their sessions end at their next request`);
    return 0;
  } catch (err) {
    if (err instanceof UsersFileError) return fail(io, err.message);
    throw err;
  }
}

function fail(io: UserCommandIo, message: string): number {
  io.err(message);
  return 1;
}

async function newPassword(io: UserCommandIo, username: string, fromStdin: boolean): Promise<string | null> {
  const first = await io.readPassword(`new password for ${username}: `, fromStdin);
  const why = passwordPolicyProblem(first, username);
  if (why) {
    io.err(`password refused: expected ${why}`);
    return null;
  }
  if (!fromStdin) {
    const again = await io.readPassword('again: ', false);
    if (again !== first) {
      io.err('the two passwords differ');
      return null;
    }
  }
  return first;
}

/** The new entry alone, as YAML, for checking it with the hub's own rules. */
function entryYaml(e: { username: string; name?: string; role: string; station: string | null; guardGroup: string | null; passwordHash: string }): string {
  const lines = ['users:', `  - username: ${JSON.stringify(e.username)}`, `    role: ${JSON.stringify(e.role)}`];
  if (e.name) lines.push(`    name: ${JSON.stringify(e.name)}`);
  if (e.station) lines.push(`    station: ${JSON.stringify(e.station)}`);
  if (e.guardGroup) lines.push(`    guard_group: ${JSON.stringify(e.guardGroup)}`);
  lines.push(`    password: ${JSON.stringify(e.passwordHash)}`);
  return lines.join('\n') + '\n';
}

/** The real terminal: prompts without echo, or reads stdin when `--password-stdin` (scripts, pipes). */
export function terminalIo(): UserCommandIo {
  let stdinText: Promise<string> | null = null;
  return {
    out: (t) => console.log(t),
    err: (t) => console.error(t),
    readPassword(prompt, fromStdin) {
      if (fromStdin || !process.stdin.isTTY) {
        stdinText ??= new Promise((ok, fail) => {
          const chunks: Buffer[] = [];
          process.stdin.on('data', (c: Buffer) => chunks.push(c));
          process.stdin.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
          process.stdin.on('error', fail);
        });
        return stdinText.then((t) => t.split(/\r?\n/)[0] ?? '');
      }
      return new Promise((ok) => {
        process.stderr.write(prompt);
        const stdin = process.stdin;
        stdin.setRawMode(true);
        stdin.resume();
        let buf = '';
        const onData = (d: Buffer): void => {
          for (const ch of d.toString('utf8')) {
            if (ch === '\r' || ch === '\n') {
              stdin.off('data', onData);
              stdin.setRawMode(false);
              stdin.pause();
              process.stderr.write('\n');
              return ok(buf);
            }
            if (ch === '\u0003') process.exit(130); // Ctrl-C
            if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
            else buf += ch;
          }
        };
        stdin.on('data', onData);
      });
    },
  };
}
