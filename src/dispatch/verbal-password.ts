/**
 * The verbal password (口令) an owner says on the phone to cancel an alarm (业主撤警). Compared in
 * constant time over fixed-length digests, so neither the content nor the length leaks through
 * timing; the value itself never leaves this function (not logged, not stored, not audited).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s.normalize('NFC').trim(), 'utf8').digest();

/** null: nothing to compare (no password configured for the site, or none given). */
export function verbalPasswordMatches(expected: string | null | undefined, given: string | null | undefined): boolean | null {
  if (!expected || given === undefined || given === null || given.trim() === '') return null;
  return timingSafeEqual(digest(expected), digest(given));
}
