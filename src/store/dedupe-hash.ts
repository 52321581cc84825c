/**
 * A 53-bit hash of an event's dedupe key, the key of the SQLite dedupe index (migration 015).
 *
 * Why: the index used to hold the key itself (`m:<site>/<device>:<msgId>:<kind>:<zone>`, 60–200
 * bytes). Keys are random with respect to time, so each insert lands on its own leaf page, and a
 * fat leaf holds few keys: the index grew to six times the pages of an integer one, and a group
 * commit of 250 alarms rewrote about as many of its pages. An integer key makes the same lookup with
 * a fraction of the pages read and written (bench/store-writes.ts).
 *
 * Not a security boundary: a collision only makes the lookup read one more row, whose full key is
 * compared (event-repo.ts). Two independent 32-bit multiplicative mixes (FNV-style steps with
 * Math.imul, finished with an avalanche), combined into a safe integer so SQLite stores it as an
 * INTEGER and JavaScript reads it back exactly.
 */
export function dedupeHash(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
  a ^= a >>> 16;
  b = Math.imul(b ^ (b >>> 15), 0x27d4eb2f);
  b = Math.imul(b ^ (b >>> 13), 0x165667b1);
  b ^= b >>> 16;
  // 21 high bits from b, 32 from a: below 2^53.
  return (b >>> 11) * 0x1_0000_0000 + (a >>> 0);
}
