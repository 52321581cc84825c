/**
 * The pieces of replica mode (issue 18) that need no cluster: the page keeps the newer of a push
 * and an older snapshot (a replica reads other replicas' incidents from the store after joining
 * its push room), and a forwarded command arriving as junk on the Redis channel is refused, never run.
 */
import { describe, expect, it } from 'vitest';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import { runForwardedCommand } from '../../src/api/commands/forwarded.js';
import type { ApiContext } from '../../src/api/context.js';
import { IncidentState } from '../../web/src/incidents.js';

function incident(id: string, version: number, over: Partial<Incident> = {}): Incident {
  const at = '2026-11-29T02:00:00.000Z';
  return {
    drill: false,
    id,
    version,
    siteId: 's',
    siteName: 'S',
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: '',
    priorityReasonZh: '',
    status: 'new',
    disposition: null,
    owner: null,
    location: [26.6, 104.8],
    gridCellId: null,
    gridCellName: null,
    stationId: 'ps-1',
    responsibleStationId: 'ps-1',
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [],
    eventCount: 1,
    openedAt: at,
    updatedAt: at,
    lastEventAt: at,
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
    ...over,
  };
}

describe('the page across a reconnect to a replica', () => {
  it('a push that overtook the snapshot stays when the snapshot is older', () => {
    const s = new IncidentState();
    s.connectionStarted();
    s.apply(incident('a', 5, { status: 'acknowledged' }));
    s.apply(incident('new-after-read', 1));
    s.replaceAll([incident('a', 4), incident('b', 2)]);
    expect(s.get('a')).toMatchObject({ version: 5, status: 'acknowledged' });
    expect(s.get('b')?.version).toBe(2);
    // Opened after the replica read the store: only the push knew it.
    expect(s.get('new-after-read')?.version).toBe(1);
  });

  it('a newer snapshot wins, an incident seen closed does not come back, and pushes of an earlier connection do not survive', () => {
    const s = new IncidentState();
    s.connectionStarted();
    s.apply(incident('a', 3));
    s.apply(incident('gone', 1));
    s.replaceAll([incident('a', 3), incident('gone', 1)]);
    // Next connection: 'gone' was closed meanwhile (not in the snapshot), 'a' moved on.
    s.connectionStarted();
    s.apply(incident('c', 2, { status: 'closed' }));
    s.replaceAll([incident('a', 7), incident('c', 1)]);
    expect(s.get('a')?.version).toBe(7);
    expect(s.get('gone')).toBeUndefined();
    expect(s.get('c')).toBeUndefined();
    expect(s.size).toBe(1);
  });
});

describe('a forwarded command on the owner', () => {
  // Nothing of the context is reached by junk: a call would throw.
  const ctx = {} as ApiContext;
  it.each([
    ['no action', { id: 'i', by: { username: 'u', origin: 'o' }, input: {} }],
    ['an unknown action', { action: 'explode', id: 'i', by: { username: 'u', origin: 'o' }, input: {} }],
    ['no actor', { action: 'ack', id: 'i', input: {} }],
    ['an id that is not a string', { action: 'ack', id: 7, by: { username: 'u', origin: 'o' }, input: {} }],
    ['an input its schema refuses', { action: 'note', id: 'i', by: { username: 'u', origin: 'o' }, input: { text: 5 } }],
    ['not an object', 'ack'],
  ])('%s: bad_request', async (_name, junk) => {
    expect(await runForwardedCommand(ctx, junk as never)).toMatchObject({ ok: false, code: 'bad_request' });
  });
});
