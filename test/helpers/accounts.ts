/**
 * People of the test district (tree.ts): one account per role and binding, with known passwords.
 * Hashes use a small scrypt cost so a test run does not spend seconds hashing; the hash string
 * carries its parameters, so the hub verifies them exactly as it verifies production hashes.
 */
import { hashPassword } from '../../src/auth/password.js';

export interface TestAccount {
  username: string;
  role: 'admin' | 'operator' | 'guard' | 'installer';
  station?: string;
  guardGroup?: string;
  password: string;
  disabled?: boolean;
  mustChangePassword?: boolean;
}

/** Passwords are distinctive so a test can search logs and responses for them. */
export const TEST_ACCOUNTS: readonly TestAccount[] = [
  { username: 'admin', role: 'admin', password: 'pw-admin-Zq81fT' },
  { username: 'op-city', role: 'operator', station: 'city-110', password: 'pw-op-city-Lm52xR' },
  { username: 'op-hecheng', role: 'operator', station: 'ps-hecheng', password: 'pw-op-hecheng-Ke73pW' },
  { username: 'op-minghu', role: 'operator', station: 'ps-minghu', password: 'pw-op-minghu-Vb94sD' },
  { username: 'guard-hecheng', role: 'guard', guardGroup: 'hecheng-team', password: 'pw-guard-hecheng-Nc15jH' },
  { username: 'guard-minghu', role: 'guard', guardGroup: 'minghu-team', password: 'pw-guard-minghu-Qa26kY' },
  { username: 'installer', role: 'installer', password: 'pw-installer-Ud37gE' },
];

export type TestUsername = (typeof TEST_ACCOUNTS)[number]['username'];

export const TEST_SCRYPT = { N: 2 ** 10, r: 8, p: 1 };

export function accountOf(username: string): TestAccount {
  const a = TEST_ACCOUNTS.find((x) => x.username === username);
  if (!a) throw new Error(`no test account "${username}"; known: ${TEST_ACCOUNTS.map((x) => x.username).join(', ')}`);
  return a;
}

/** config/users.yaml for these accounts (plus any extra). */
export async function usersYaml(accounts: readonly TestAccount[] = TEST_ACCOUNTS): Promise<string> {
  const lines = ['# test accounts (test/helpers/accounts.ts)', 'users:'];
  for (const a of accounts) {
    lines.push(`  - username: ${a.username}`, `    role: ${a.role}`);
    if (a.station) lines.push(`    station: ${a.station}`);
    if (a.guardGroup) lines.push(`    guard_group: ${a.guardGroup}`);
    lines.push(`    password: "${await hashPassword(a.password, TEST_SCRYPT)}"`);
    if (a.disabled) lines.push('    disabled: true');
    if (a.mustChangePassword) lines.push('    must_change_password: true');
  }
  return lines.join('\n') + '\n';
}

let cached: Promise<string> | null = null;
/** The default users.yaml, hashed once per test file. */
export function defaultUsersYaml(): Promise<string> {
  cached ??= usersYaml();
  return cached;
}
