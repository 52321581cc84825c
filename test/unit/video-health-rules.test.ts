/** Camera health transitions, pure: poll outcomes in, availability and raised events out. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { afterPoll, initialHealth, type CameraAvailability, type CameraHealthState, type PollOutcome } from '../../src/video/health-rules.js';

const OK: PollOutcome = { ok: true };
const FAIL: PollOutcome = { ok: false, reason: 'cannot be reached (ECONNREFUSED)' };
const OFFLINE = 'trouble.offline:camera Door cannot be reached (ECONNREFUSED) (3 polls)';
const RESTORE = 'restore:camera Door back online';
const state = (availability: CameraAvailability, failures = 0): CameraHealthState => ({ availability, reason: null, failures, lastOkMs: null });

describe('initialHealth', () => {
  const NO_PASS = 'SG_CAM_PASS is not set';
  it.each([
    {
      name: 'a new camera is pending install (待安装) until it first answers',
      disabled: undefined,
      previous: null,
      availability: 'pending_install',
      reason: null,
    },
    {
      name: 'a new camera declared installed is unknown until polled',
      disabled: undefined,
      previous: null,
      installed: true,
      availability: 'unknown',
      reason: null,
    },
    { name: 'a changed camera that was online starts unknown', disabled: undefined, previous: 'online', availability: 'unknown', reason: null },
    { name: 'a changed camera that was offline stays offline', disabled: undefined, previous: 'offline', availability: 'offline', reason: null },
    { name: 'a disabled camera says why', disabled: NO_PASS, previous: 'offline', availability: 'disabled', reason: NO_PASS },
  ] as const)('$name', (row) => {
    const h = initialHealth(
      { ...(row.disabled ? { disabledReason: row.disabled } : {}), ...('installed' in row ? { installed: row.installed } : {}) },
      row.previous,
    );
    expect(h).toEqual({ availability: row.availability, reason: row.reason, failures: 0, lastOkMs: null });
  });
});

describe('afterPoll', () => {
  interface Row {
    name: string;
    from: CameraHealthState;
    polls: PollOutcome[];
    availability: CameraAvailability;
    failures: number;
    raised: string[];
  }
  const rows: Row[] = [
    { name: 'unknown + good poll → online, nothing raised', from: state('unknown'), polls: [OK], availability: 'online', failures: 0, raised: [] },
    { name: 'online + one failed poll → still online', from: state('online'), polls: [FAIL], availability: 'online', failures: 1, raised: [] },
    { name: '2 failed, 1 good → online, reset', from: state('online'), polls: [FAIL, FAIL, OK], availability: 'online', failures: 0, raised: [] },
    { name: 'online + 3 failed → offline', from: state('online'), polls: [FAIL, FAIL, FAIL], availability: 'offline', failures: 3, raised: [OFFLINE] },
    { name: 'unknown + 3 failed → offline', from: state('unknown'), polls: [FAIL, FAIL, FAIL], availability: 'offline', failures: 3, raised: [OFFLINE] },
    { name: 'more failed → raised once', from: state('online'), polls: Array(5).fill(FAIL), availability: 'offline', failures: 5, raised: [OFFLINE] },
    { name: 'offline + good poll → online, restore', from: state('offline', 4), polls: [OK], availability: 'online', failures: 0, raised: [RESTORE] },
    {
      name: 'offline, back, offline again → raised each time',
      from: state('online'),
      polls: [FAIL, FAIL, FAIL, OK, FAIL, FAIL, FAIL],
      availability: 'offline',
      failures: 3,
      raised: [OFFLINE, RESTORE, OFFLINE],
    },
  ];

  it.each(rows)('$name', (row) => {
    const clock = new ManualClock();
    let h = row.from;
    const raised: string[] = [];
    for (const outcome of row.polls) {
      clock.advance(60_000);
      const step = afterPoll(h, outcome, { offlineAfter: 3, now: clock.now(), cameraName: 'Door' });
      h = step.state;
      if (step.announce) raised.push(`${step.announce.kind}:${step.announce.detail}`);
    }
    expect(h.availability).toBe(row.availability);
    expect(h.failures).toBe(row.failures);
    expect(raised).toEqual(row.raised);
  });

  it('a good poll records its time (from the injected clock) and clears the reason', () => {
    const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
    const failed = afterPoll(state('online'), FAIL, { offlineAfter: 3, now: clock.now(), cameraName: 'Door' }).state;
    expect(failed.reason).toBe('cannot be reached (ECONNREFUSED)');
    clock.advance(5_000);
    const ok = afterPoll(failed, OK, { offlineAfter: 3, now: clock.now(), cameraName: 'Door' }).state;
    expect(ok).toEqual({ availability: 'online', reason: null, failures: 0, lastOkMs: Date.parse('2026-12-01T10:00:05Z') });
  });

  it('a failed poll keeps the last good time', () => {
    const h = afterPoll({ ...state('online'), lastOkMs: 42 }, FAIL, { offlineAfter: 3, now: 99, cameraName: 'Door' }).state;
    expect(h.lastOkMs).toBe(42);
  });
});

describe('a camera that has never answered (issue 19: a fresh start is quiet)', () => {
  const rules = { offlineAfter: 3, now: 1000, cameraName: 'Door' };
  it('stays pending install through any number of failed polls and raises nothing', () => {
    let h = initialHealth({}, null);
    for (let i = 0; i < 10; i++) {
      const step = afterPoll(h, FAIL, rules);
      expect(step.announce).toBeNull();
      h = step.state;
    }
    expect(h).toMatchObject({ availability: 'pending_install', failures: 10, reason: FAIL.reason });
  });
  it('its first answer makes it online without a restore, and from then on an outage is reported', () => {
    const first = afterPoll(initialHealth({}, null), OK, rules);
    expect(first).toMatchObject({ state: { availability: 'online' }, announce: null });
    let h = first.state;
    const kinds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const step = afterPoll(h, FAIL, rules);
      if (step.announce) kinds.push(step.announce.kind);
      h = step.state;
    }
    expect(kinds).toEqual(['trouble.offline']);
  });
});

describe('a refused login is conclusive (issue 16)', () => {
  const REFUSED: PollOutcome = { ok: false, reason: 'refused the user name or password', conclusive: true };
  const rules = { offlineAfter: 3, now: 0, cameraName: 'Door' };
  it.each(['online', 'unknown', 'pending_install'] as const)('%s → offline at the first refused poll, with the reason, once', (from) => {
    const step = afterPoll(state(from), REFUSED, rules);
    expect(step.state).toMatchObject({ availability: 'offline', reason: 'refused the user name or password', failures: 1 });
    expect(step.announce?.kind).toBe('trouble.offline');
    expect(afterPoll(step.state, REFUSED, rules).announce).toBeNull();
  });
  it('an unreachable camera still waits for offline_after polls', () => {
    expect(afterPoll(state('online'), FAIL, rules).state.availability).toBe('online');
  });
});
