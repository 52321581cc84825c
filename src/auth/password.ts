/**
 * Password hashing with scrypt (node:crypto, no native dependency). The hash string carries its own
 * parameters — `scrypt$N$r$p$salt$hash` (salt and hash base64url) — so the cost can be raised later
 * without invalidating existing accounts: old hashes verify with the parameters they were made with.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * N = 2^15, r = 8, p = 1: about 100 ms per hash on the 2-core reference machine (measured: 2^14 ≈ 53 ms,
 * 2^15 ≈ 105 ms, 2^16 ≈ 188 ms). Slow enough to make offline guessing expensive, fast enough that a
 * login does not keep an operator waiting; scrypt uses 128·N·r bytes = 32 MiB while it runs.
 */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = { N: 2 ** 15, r: 8, p: 1 };

const KEY_LEN = 32;
const SALT_LEN = 16;
/** Bounds a hash in users.yaml may ask for, so a mistyped N cannot make every login take minutes. */
const LIMITS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16 };

export const HASH_PATTERN = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,88})\$([A-Za-z0-9_-]{32,88})$/;

function scrypt(password: string, salt: Buffer, keyLen: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((ok, fail) => scryptCb(password.normalize('NFC'), salt, keyLen, options, (err, key) => (err ? fail(err) : ok(key))));
}

/** Why a hash string is not usable, or null when it is. */
export function hashProblem(hash: string): string | null {
  const m = HASH_PATTERN.exec(hash);
  if (!m) return 'a password hash made by `safegrid user add` or `safegrid user passwd` (scrypt: N, r, p, salt and hash joined by "$")';
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const logN = Math.log2(N);
  if (!Number.isInteger(logN) || logN < LIMITS.minLogN || logN > LIMITS.maxLogN) {
    return `an scrypt cost N that is a power of two from 2^${LIMITS.minLogN} to 2^${LIMITS.maxLogN}`;
  }
  if (r < 1 || r > LIMITS.maxR || p < 1 || p > LIMITS.maxP) return `scrypt r 1–${LIMITS.maxR} and p 1–${LIMITS.maxP}`;
  return null;
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LEN);
  const key = await scrypt(password, salt, KEY_LEN, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Constant-time comparison of the derived key; false (never a throw) for a malformed hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (hashProblem(hash) !== null) return false;
  const [, n, r, p, salt, key] = hash.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, verified against when the user name is unknown or disabled, so the
 * response time does not tell an attacker which user names exist.
 */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** A one-time password people can type: 16 characters without look-alikes (0/O, 1/l/I), ~90 bits. */
export function generatePassword(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const out: string[] = [];
  // Rejection sampling: 256 is not a multiple of 57, so bytes ≥ 228 would bias the first letters.
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out.push(alphabet[b % alphabet.length]!);
    }
  }
  return out.join('');
}

/** What a new password must be; null when acceptable. Long beats complex (NIST SP 800-63B §5.1.1). */
export function passwordPolicyProblem(password: string, username: string): string | null {
  const rule = passwordRuleBroken(password, username);
  return rule ? PASSWORD_RULE_TEXT[rule] : null;
}

/** The password rules, by name, so that every language can say which one was broken. */
export type PasswordRule = 'too_short' | 'too_long' | 'contains_username';

export const PASSWORD_RULE_TEXT: Readonly<Record<PasswordRule, string>> = {
  too_short: 'at least 10 characters',
  too_long: 'at most 256 characters',
  contains_username: 'without the user name in it',
};

export function passwordRuleBroken(password: string, username: string): PasswordRule | null {
  if (typeof password !== 'string' || password.length < 10) return 'too_short';
  if (password.length > 256) return 'too_long';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'contains_username';
  return null;
}
