/**
 * The detail offers an ownership action (转交 hand over, 接管 take over, 转为真实警情) exactly when the
 * hub's workflow would carry it out: the page's predicate (src/contract/workflow.ts) against the
 * decisions of dispatch/workflow.ts, over every status, owner and drill flag.
 */
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentStatus } from '../../src/contract/incident.js';
import { INCIDENT_STATUSES } from '../../src/contract/incident.js';
import { type OwnershipAction, ownershipActionApplies } from '../../src/contract/workflow.js';
import { newIncident } from '../../src/dispatch/correlate.js';
import * as workflow from '../../src/dispatch/workflow.js';
import { testAlarm } from '../helpers/alarm-event.js';

const AT = Date.UTC(2026, 11, 2, 3, 0, 0);
const base = newIncident(testAlarm({ siteId: 'site-a', atMs: AT }), {
  armed: null,
  night: false,
  repeatWindowMs: 1_800_000,
  previousId: null,
  naming: { siteName: () => null, cellName: () => null },
});

function hubAllows(action: OwnershipAction, i: Incident, username: string): boolean {
  const input = { id: i.id, incident: i, by: username, now: AT + 60_000 };
  // Take-over's permission (admin) is the command table's check; the workflow decides the rest.
  const d = action === 'handover' ? workflow.handOver({ ...input, to: 'carol' }) : action === 'takeover' ? workflow.takeOver(input) : workflow.makeReal(input);
  return !workflow.isRefusal(d);
}

describe('ownership actions: the page offers what the hub does', () => {
  const cases: Array<{ status: IncidentStatus; owner: string | null; drill: boolean }> = [];
  for (const status of INCIDENT_STATUSES) for (const owner of [null, 'alice', 'bob']) for (const drill of [false, true]) cases.push({ status, owner, drill });

  for (const action of ['handover', 'takeover', 'make_real'] as const) {
    it(`${action}: offered to an admin exactly when the workflow carries it out`, () => {
      for (const c of cases) {
        const i: Incident = { ...base, status: c.status, owner: c.owner, drill: c.drill };
        const offered = ownershipActionApplies(action, i, { username: 'alice', role: 'admin' });
        expect({ ...c, offered }).toEqual({ ...c, offered: hubAllows(action, i, 'alice') });
      }
    });
  }

  it('take-over is offered to admins only (operators are refused by the command table)', () => {
    const i: Incident = { ...base, status: 'acknowledged', owner: 'bob' };
    expect(ownershipActionApplies('takeover', i, { username: 'alice', role: 'operator' })).toBe(false);
    expect(ownershipActionApplies('takeover', i, { username: 'alice', role: 'admin' })).toBe(true);
  });
});
