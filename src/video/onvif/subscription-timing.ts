/**
 * When to renew a PullPoint subscription and how long to wait after a fault. Pure: times in,
 * milliseconds out.
 *
 * A subscription lives until its TerminationTime, stated on the device's clock (WS-BaseNotification
 * 1.3 §6.1.1, Events ver10 §9.1). Cameras' clocks are often minutes or hours off (no NTP, wrong
 * time zone), so the remaining life is TerminationTime − CurrentTime from the same reply — both on
 * the device's clock, the skew cancels — and only without CurrentTime do we fall back on our own
 * estimate of the device clock (the offset GetSystemDateAndTime gave). A reply with neither, or
 * with nonsense (termination in the past, or days ahead), gets what we asked for.
 */

/** xs:dateTime → ms since the epoch; a time without a zone is UTC (ONVIF devices send Z). Null if unreadable. */
export function parseDeviceTime(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = s.trim();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(t)) return null;
  const ms = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/.test(t) ? t : `${t}Z`);
  return Number.isFinite(ms) ? ms : null;
}

export interface LifetimeInput {
  currentTime: string | null;
  terminationTime: string | null;
  /** The lifetime we asked for (InitialTerminationTime / Renew TerminationTime). */
  requestedMs: number;
  /** Our clock now, and our estimate of device clock − our clock. */
  localNowMs: number;
  deviceOffsetMs: number;
}

/** How long the subscription has left, in ms, as far as the reply tells. */
export function remainingLifetimeMs(i: LifetimeInput): number {
  const term = parseDeviceTime(i.terminationTime);
  if (term === null) return i.requestedMs;
  const current = parseDeviceTime(i.currentTime) ?? i.localNowMs + i.deviceOffsetMs;
  const left = term - current;
  // Past, or far beyond what we asked for: a device clock or time zone that cannot be trusted.
  if (left <= 0 || left > Math.max(i.requestedMs * 4, 24 * 3600_000)) return i.requestedMs;
  return left;
}

/**
 * Renew this long after the reply: a quarter of the lifetime before it ends, at least 10 s before
 * (one PullMessages long-poll plus a slow answer), but never later than halfway, so a short
 * lifetime is still renewed in time.
 */
export function renewDelayMs(lifetimeMs: number): number {
  const margin = Math.min(Math.max(lifetimeMs * 0.25, 10_000), lifetimeMs * 0.5);
  return Math.max(0, Math.floor(lifetimeMs - margin));
}

/**
 * The wait before attempt `failures` (1, 2, ...) after faults: exponential from `baseMs`, capped at
 * `maxMs`, with full jitter on the upper half (so cameras that failed together do not retry
 * together, and the wait never collapses to nothing).
 */
export function backoffMs(failures: number, o: { baseMs: number; maxMs: number; random?: () => number }): number {
  const exp = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  const r = (o.random ?? Math.random)();
  return Math.round(exp / 2 + (exp / 2) * r);
}
