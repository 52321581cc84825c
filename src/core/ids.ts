import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID

let lastTime = -1;
let lastRandom = 0n;

/**
 * Time-ordered unique id (ULID layout: 48-bit ms time + 80 random bits, Crockford base32).
 * Monotonic within one millisecond so that ids sort in creation order, which the console relies on
 * for catch-up by last-seen id.
 */
export function newId(now: number = Date.now()): string {
  let random: bigint;
  if (now <= lastTime) {
    now = lastTime;
    random = lastRandom + 1n;
  } else {
    random = BigInt('0x' + randomBytes(10).toString('hex'));
  }
  lastTime = now;
  lastRandom = random;
  let out = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  let r = random;
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = ALPHABET[Number(r % 32n)]! + tail;
    r /= 32n;
  }
  return out + tail;
}
