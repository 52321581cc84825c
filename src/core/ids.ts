import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID

/** 2^40: the 80 random bits are kept as two 40-bit halves, each exact in a double. */
const HALF = 2 ** 40;

let lastTime = -1;
let lastHigh = 0;
let lastLow = 0;

/**
 * Random bytes are drawn from the kernel a page at a time: an id is made for every stored event,
 * and one system call per id (plus BigInt arithmetic) showed in the alarms-only profile.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function random40(): number {
  if (poolOffset + 5 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const v = pool.readUIntBE(poolOffset, 5);
  poolOffset += 5;
  return v;
}

/** `value` (below 32^chars) as `chars` Crockford base32 digits, most significant first. */
function base32(value: number, chars: number): string {
  let out = '';
  for (let i = 0; i < chars; i++) {
    out = ALPHABET[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

/**
 * Time-ordered unique id (ULID layout: 48-bit ms time + 80 random bits, Crockford base32).
 * Monotonic within one millisecond so that ids sort in creation order, which the console relies on
 * for catch-up by last-seen id.
 */
export function newId(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or an earlier) millisecond: the previous id's random part plus one, carried across halves.
    now = lastTime;
    lastLow += 1;
    if (lastLow === HALF) {
      lastLow = 0;
      lastHigh = (lastHigh + 1) % HALF;
    }
  } else {
    lastHigh = random40();
    lastLow = random40();
  }
  lastTime = now;
  return base32(now, 10) + base32(lastHigh, 8) + base32(lastLow, 8);
}
