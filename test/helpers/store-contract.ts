/**
 * What every store backend promises (src/store/README.md, "What a second backend must
 * implement"), written against the interfaces in store/ports.ts only, every step awaited. Run by
 * test/unit/store-contract.test.ts (SQLite) and test/integration/store-contract-pg.test.ts
 * (PostgreSQL): a backend joins by calling `storeContract(name, open)`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WalkTest } from '../../src/contract/commissioning.js';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import type { AuditEntry, EventQuery, ReportWindow, Store } from '../../src/store/index.js';
import { reportIncident } from './report-incidents.js';

/** A store for one test, and how to release it (a file, or a database of its own). */
export interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

export const T0 = Date.parse('2026-12-01T08:00:00Z');

export function event(n: number, o: { siteId?: string; kind?: EventKind; stationId?: string | null; dedupeKey?: string; atMs?: number } = {}): AlarmEvent {
  const kind = o.kind ?? 'intrusion';
  const at = new Date(o.atMs ?? T0 + n * 1000).toISOString();
  return {
    drill: false,
    id: `e${n}`,
    siteId: o.siteId ?? 's1',
    deviceId: 'panel',
    kind,
    category: KIND_INFO[kind].category,
    zone: 1,
    zoneName: 'door',
    occurredAt: at,
    receivedAt: at,
    location: [26.6, 104.8],
    gridCellId: 'c1',
    stationId: o.stationId === undefined ? 'ps-1' : o.stationId,
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: o.dedupeKey ?? `k${n}`,
  };
}

export function incident(id: string, o: Partial<Incident> = {}): Incident {
  const at = new Date(T0).toISOString();
  return {
    drill: false,
    id,
    version: 1,
    siteId: 's1',
    siteName: 'site 1',
    kind: 'intrusion',
    category: 'police',
    priority: 2,
    priorityReason: 'r',
    priorityReasonZh: 'r',
    status: 'new',
    disposition: null,
    owner: null,
    location: [26.6, 104.8],
    gridCellId: 'c1',
    gridCellName: 'cell 1',
    stationId: 'ps-1',
    responsibleStationId: 'ps-1',
    escalationLevel: 0,
    escalateAt: null,
    repeatOf: null,
    zones: [1],
    eventCount: 1,
    openedAt: at,
    updatedAt: at,
    lastEventAt: at,
    closedAt: null,
    timeline: [],
    timelineOmitted: 0,
    media: [],
    ...workflowDefaults(),
    ...o,
  };
}

export const entry = (action: string, incidentId: string | null = 'i1'): AuditEntry => ({
  at: new Date(T0).toISOString(),
  actor: 'op1',
  action,
  incidentId,
  fromStatus: null,
  toStatus: null,
  origin: 'hub',
  note: null,
});

export function storeContract(backend: string, open: () => Promise<OpenedStore>): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    let opened: OpenedStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.close();
    });
    const insert = (...events: AlarmEvent[]): Promise<number[]> =>
      store.transaction(async () => {
        const seqs: number[] = [];
        for (const e of events) seqs.push(await store.events.insert(e));
        return seqs;
      });

    describe('events', () => {
      it('seq grows with every insert and lastSeq names the newest (0 when empty)', async () => {
        expect(await store.events.lastSeq()).toBe(0);
        const seqs = await insert(event(1), event(2), event(3));
        expect(seqs[0]).toBeLessThan(seqs[1]!);
        expect(seqs[1]).toBeLessThan(seqs[2]!);
        expect(await store.events.lastSeq()).toBe(seqs[2]);
        expect(await store.events.count()).toBe(3);
        expect(await store.events.get('e2')).toMatchObject({ ...event(2), seq: seqs[1], incidentId: null });
        expect(await store.events.get('nope')).toBeUndefined();
      });

      const windows: Array<{ name: string; storedAtMs: number; sinceMs: number; key: string; duplicate: boolean }> = [
        { name: 'same key inside the window', storedAtMs: T0, sinceMs: T0 - 1, key: 'k', duplicate: true },
        { name: 'same key exactly at the window start', storedAtMs: T0, sinceMs: T0, key: 'k', duplicate: true },
        { name: 'same key before the window', storedAtMs: T0, sinceMs: T0 + 1, key: 'k', duplicate: false },
        { name: 'another key', storedAtMs: T0, sinceMs: T0 - 1, key: 'other', duplicate: false },
      ];
      it.each(windows)('isDuplicate: $name', async ({ storedAtMs, sinceMs, key, duplicate }) => {
        await insert(event(1, { dedupeKey: 'k', atMs: storedAtMs }));
        expect(await store.events.isDuplicate(key, sinceMs)).toBe(duplicate);
      });

      it('commitBatch drops repeats within the batch and of stored events in their window, and returns the rest with seq in order', async () => {
        await insert(event(1, { dedupeKey: 'old', atMs: T0 }));
        const result = await store.transaction(() =>
          store.events.commitBatch([
            { event: event(2, { dedupeKey: 'old' }), duplicateSinceMs: T0 - 1 },
            { event: event(3, { dedupeKey: 'old-but-outside' }), duplicateSinceMs: T0 },
            { event: event(4, { dedupeKey: 'new' }), duplicateSinceMs: T0 },
            { event: event(5, { dedupeKey: 'new' }), duplicateSinceMs: T0 },
          ]),
        );
        expect(result.duplicates).toBe(2);
        expect(result.stored.map((e) => e.id)).toEqual(['e3', 'e4']);
        const seqs = result.stored.map((e) => e.seq!);
        expect(seqs[0]).toBeLessThan(seqs[1]!);
        expect((await store.events.get('e4'))!.seq).toBe(seqs[1]);
        expect(await store.events.count()).toBe(3);
      });

      it('unprocessed lists the events not yet correlated, oldest first; markProcessed takes one off, by id or by seq', async () => {
        const [s1, , s3] = await insert(event(1), event(2), event(3));
        expect((await store.events.unprocessed()).map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
        await store.transaction(async () => {
          await store.events.markProcessed('e1', 'i1', s1);
          await store.events.markProcessed('e2', 'i1');
        });
        expect((await store.events.unprocessed()).map((e) => e.id)).toEqual(['e3']);
        expect((await store.events.unprocessed(1))[0]!.seq).toBe(s3);
        expect((await store.events.get('e1'))!.incidentId).toBe('i1');
      });

      it('an event keeps its detail code and parameters, so a restart still words it in the page’s language', async () => {
        const coded = { ...event(1), detailCode: 'cid', detailParams: { q: 'E', code: '602', name: 'periodic test report', zone: null } };
        await insert(coded, event(2));
        expect(await store.events.get('e1')).toMatchObject({ detailCode: 'cid', detailParams: coded.detailParams });
        expect((await store.events.unprocessed())[0]).toMatchObject({ detailCode: 'cid', detailParams: coded.detailParams });
        expect((await store.events.get('e2'))!.detailCode).toBeUndefined();
      });

      const queries: Array<{ name: string; q: EventQuery; ids: string[] }> = [
        { name: 'no filter: newest first', q: {}, ids: ['e4', 'e3', 'e2', 'e1'] },
        { name: 'by site', q: { siteId: 's2' }, ids: ['e4', 'e2'] },
        { name: 'by kind', q: { kind: 'panic' }, ids: ['e3'] },
        { name: 'sites in scope', q: { siteIds: ['s1'] }, ids: ['e3', 'e1'] },
        { name: 'an empty scope matches nothing', q: { siteIds: [] }, ids: [] },
        { name: 'an empty station list matches nothing', q: { stationIds: [] }, ids: [] },
        { name: 'stations', q: { stationIds: ['ps-2'] }, ids: ['e4'] },
        { name: 'time window: since inclusive, until exclusive', q: { since: T0 + 2000, until: T0 + 4000 }, ids: ['e3', 'e2'] },
        { name: 'limit', q: { limit: 2 }, ids: ['e4', 'e3'] },
        { name: 'a limit below 1 still returns one', q: { limit: 0 }, ids: ['e4'] },
      ];
      it.each(queries)('query: $name', async ({ q, ids }) => {
        await insert(event(1), event(2, { siteId: 's2' }), event(3, { kind: 'panic' }), event(4, { siteId: 's2', stationId: 'ps-2' }));
        expect((await store.events.query(q)).map((e) => e.id)).toEqual(ids);
      });

      it('query with afterSeq pages forward, oldest first (a console catching up)', async () => {
        const [s1] = await insert(event(1), event(2), event(3));
        expect((await store.events.query({ afterSeq: s1 })).map((e) => e.id)).toEqual(['e2', 'e3']);
        expect((await store.events.query({ afterSeq: s1, limit: 1 })).map((e) => e.id)).toEqual(['e2']);
      });

      it('lastArmingBySite: each site’s last arm or disarm decides; sites with neither are absent', async () => {
        await insert(event(1, { kind: 'arm' }), event(2, { kind: 'disarm' }), event(3, { siteId: 's2', kind: 'arm' }), event(4, { siteId: 's3' }));
        expect(await store.events.lastArmingBySite()).toEqual(
          new Map([
            ['s1', false],
            ['s2', true],
          ]),
        );
      });

      it('walkTestEvents: the site’s events diverted to a walk test since a time, oldest first (a walk test’s end)', async () => {
        const walk = (e: AlarmEvent): AlarmEvent => ({ ...e, destination: 'walk_test' });
        await insert(
          walk(event(1)), // before the test started
          walk(event(2)),
          event(3), // queued, not diverted
          { ...event(4), destination: 'maintenance' },
          walk(event(5, { siteId: 's2' })), // another site
          walk(event(6)),
        );
        const events = await store.transaction(() => store.events.walkTestEvents('s1', T0 + 2000));
        expect(events.map((e) => [e.id, e.destination])).toEqual([
          ['e2', 'walk_test'],
          ['e6', 'walk_test'],
        ]);
      });
    });

    describe('incidents', () => {
      it('save inserts, then replaces: the last save of an id wins', async () => {
        await store.transaction(() => store.incidents.save(incident('i1')));
        await store.transaction(() => store.incidents.save(incident('i1', { version: 2, status: 'acknowledged', owner: 'op1' })));
        expect(await store.incidents.count()).toBe(1);
        expect(await store.incidents.get('i1')).toEqual(incident('i1', { version: 2, status: 'acknowledged', owner: 'op1' }));
        expect(await store.incidents.get('nope')).toBeUndefined();
      });

      it('open: every incident not closed, by priority then opening time; query status open means the same', async () => {
        const opened = (min: number): string => new Date(T0 + min * 60_000).toISOString();
        await store.transaction(async () => {
          await store.incidents.save(incident('late-p2', { priority: 2, openedAt: opened(5) }));
          await store.incidents.save(incident('early-p2', { priority: 2, openedAt: opened(1), status: 'dispatched' }));
          await store.incidents.save(incident('p1', { priority: 1, openedAt: opened(9) }));
          await store.incidents.save(incident('closed', { priority: 1, openedAt: opened(0), status: 'closed', closedAt: opened(3) }));
        });
        expect((await store.incidents.open()).map((i) => i.id)).toEqual(['p1', 'early-p2', 'late-p2']);
        expect((await store.incidents.query({ status: 'open' })).map((i) => i.id)).toEqual(['p1', 'late-p2', 'early-p2']);
        expect((await store.incidents.query({ status: 'closed' })).map((i) => i.id)).toEqual(['closed']);
        expect(await store.incidents.query({ siteIds: [] })).toEqual([]);
      });

      it('lastNumber counts the numbers saved incidents hold, also after a rolled-back save of one', async () => {
        const series = 'PS1-20261201';
        await store.transaction(() => store.incidents.save(incident('i1', { number: `${series}-0001` })));
        await store.transaction(() => store.incidents.save(incident('i1', { number: `${series}-0001`, version: 2 })));
        expect(await store.incidents.lastNumber(series)).toBe(1);
        // The second incident's first save is rolled back; saved again, its number must count.
        await expect(
          store.transaction(async () => {
            await store.incidents.save(incident('i2', { number: `${series}-0002` }));
            throw new Error('disk full');
          }),
        ).rejects.toThrow('disk full');
        expect(await store.incidents.lastNumber(series)).toBe(1);
        await store.transaction(() => store.incidents.save(incident('i2', { number: `${series}-0002`, version: 2 })));
        expect(await store.incidents.lastNumber(series)).toBe(2);
        expect(await store.incidents.lastNumber('PS1-20261202')).toBe(0);
      });
    });

    describe('audit', () => {
      it('appends a chain in seq order that verifies; rows of one incident, and all of them', async () => {
        await store.transaction(async () => {
          await store.audit.append(entry('open', 'i1'));
          await store.audit.append(entry('open', 'i2'));
          await store.audit.append(entry('acknowledged', 'i1'));
        });
        expect((await store.audit.all()).map((r) => [r.seq, r.incidentId, r.action])).toEqual([
          [1, 'i1', 'open'],
          [2, 'i2', 'open'],
          [3, 'i1', 'acknowledged'],
        ]);
        expect((await store.audit.forIncident('i1')).map((r) => r.seq)).toEqual([1, 3]);
        const all = await store.audit.all();
        expect(all[1]!.prevHash).toBe(all[0]!.hash);
        expect(await store.audit.verify()).toEqual({ ok: true, rows: 3, lastHash: all[2]!.hash });
        expect(await store.audit.head()).toEqual({ seq: 3, hash: all[2]!.hash });
        expect(await store.audit.hashAt(2)).toBe(all[1]!.hash);
        expect(await store.audit.hashAt(9)).toBeUndefined();
      });

      it('after a rolled-back transaction and resetHead, the chain goes on without a gap', async () => {
        await store.transaction(() => store.audit.append(entry('open')));
        await expect(
          store.transaction(async () => {
            await store.audit.append(entry('acknowledged'));
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        store.audit.resetHead();
        await store.transaction(() => store.audit.append(entry('note')));
        expect((await store.audit.all()).map((r) => [r.seq, r.action])).toEqual([
          [1, 'open'],
          [2, 'note'],
        ]);
        expect(await store.audit.verify()).toMatchObject({ ok: true, rows: 2 });
      });
    });

    it('device state: save replaces the row of its device; all returns every device', async () => {
      await store.deviceState.save({ deviceId: 'd1', state: { door: 'open' }, availability: 'online', lastSeenMs: T0 });
      await store.deviceState.save({ deviceId: 'd2', state: {}, availability: null, lastSeenMs: null });
      await store.deviceState.save({ deviceId: 'd1', state: { door: 'closed', battery: 80 }, availability: 'offline', lastSeenMs: T0 + 1 });
      const supervision = { lastTestMs: T0, battery: 90, offlineRaisedMs: null, testMissedRaisedMs: null };
      await store.deviceState.saveLatest([
        { deviceId: 'd3', state: { a: 1 }, availability: 'online', lastSeenMs: T0 },
        { deviceId: 'd3', state: { a: 2 }, availability: 'online', lastSeenMs: T0 + 2, supervision },
      ]);
      expect((await store.deviceState.all()).sort((a, b) => a.deviceId.localeCompare(b.deviceId))).toEqual([
        { deviceId: 'd1', state: { door: 'closed', battery: 80 }, availability: 'offline', lastSeenMs: T0 + 1 },
        { deviceId: 'd2', state: {}, availability: null, lastSeenMs: null },
        { deviceId: 'd3', state: { a: 2 }, availability: 'online', lastSeenMs: T0 + 2, supervision },
      ]);
    });

    it('sessions: insert replaces by id hash, touch moves last seen, remove forgets', async () => {
      const row = { idHash: 'h1', username: 'op1', csrfToken: 'c', createdMs: T0, lastSeenMs: T0, ip: '127.0.0.1', credential: 'k1' };
      await store.sessions.insert(row);
      await store.sessions.insert({ ...row, csrfToken: 'c2' });
      await store.sessions.insert({ ...row, idHash: 'h2' });
      await store.sessions.touch('h1', T0 + 5);
      await store.sessions.remove('h2');
      expect(await store.sessions.all()).toEqual([{ ...row, csrfToken: 'c2', lastSeenMs: T0 + 5 }]);
    });

    it('outbox: one row per incident and channel; due, retry, sent, failed, postpone, depth', async () => {
      const e = { incidentId: 'i1', channelId: 'wecom', guardGroup: 'g', payload: '{"a":1}', nextAttemptMs: T0, createdMs: T0 };
      expect(await store.transaction(() => store.outbox.enqueue([e, { ...e, channelId: 'sms' }]))).toBe(2);
      expect(await store.transaction(() => store.outbox.enqueue([e]))).toBe(0);
      const due = await store.outbox.due(T0, 10);
      expect(due.map((r) => [r.key, r.status, r.attempts])).toEqual([
        ['i1:wecom', 'pending', 0],
        ['i1:sms', 'pending', 0],
      ]);
      expect(await store.outbox.nextDueMs()).toBe(T0);
      await store.outbox.markRetry(due[0]!.id, 1, T0 + 60_000, 'HTTP 502');
      await store.outbox.markSent(due[1]!.id, 1, T0 + 5);
      expect(await store.outbox.depth()).toEqual([{ channelId: 'wecom', pending: 1, retrying: 1 }]);
      await store.outbox.postponeChannel('wecom', T0 + 120_000);
      expect(await store.outbox.nextDueMs()).toBe(T0 + 120_000);
      expect(await store.outbox.due(T0 + 60_000, 10)).toEqual([]);
      await store.outbox.markFailed(due[0]!.id, 5, 'gave up');
      expect(await store.outbox.nextDueMs()).toBeNull();
      expect((await store.outbox.forIncident('i1')).map((r) => [r.channelId, r.status, r.attempts, r.sentMs, r.lastError])).toEqual([
        ['wecom', 'failed', 5, null, 'gave up'],
        ['sms', 'sent', 1, T0 + 5, null],
      ]);
      expect(await store.outbox.depth()).toEqual([]);
    });

    it('drills: insert, the first end recorded stays, unended and recent', async () => {
      const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();
      const d = {
        id: 'd1',
        name: '演练',
        siteIds: ['s1', 's2'],
        stationId: null,
        startedAt: at(0),
        endsAt: at(60),
        endedAt: null,
        startedBy: 'op1',
        endedBy: null,
      };
      await store.drills.insert(d);
      await store.drills.insert({ ...d, id: 'd2', siteIds: [], stationId: 'ps-1', startedAt: at(1) });
      expect((await store.drills.unended()).map((x) => x.id)).toEqual(['d1', 'd2']);
      await store.drills.end('d1', T0 + 10 * 60_000, 'op2');
      await store.drills.end('d1', T0 + 20 * 60_000, 'op3');
      expect(await store.drills.get('d1')).toEqual({ ...d, endedAt: at(10), endedBy: 'op2' });
      expect((await store.drills.unended()).map((x) => x.id)).toEqual(['d2']);
      expect((await store.drills.recent(1)).map((x) => x.id)).toEqual(['d2']);
      expect(await store.drills.get('nope')).toBeUndefined();
    });

    it('commissioning: records replace by site and device; walk tests by id, running ones, newest first', async () => {
      await store.commissioning.saveRecord({ siteId: 's1', deviceId: null, state: 'in_service', maintenanceUntilMs: null, changedMs: T0, changedBy: 'op1' });
      await store.commissioning.saveRecord({ siteId: 's1', deviceId: 'd1', state: 'maintenance', maintenanceUntilMs: T0 + 1, changedMs: T0, changedBy: 'op1' });
      await store.commissioning.saveRecord({
        siteId: 's1',
        deviceId: 'd1',
        state: 'in_service',
        maintenanceUntilMs: null,
        changedMs: T0 + 2,
        changedBy: 'op2',
      });
      const records = (await store.commissioning.records()).sort((a, b) => String(a.deviceId).localeCompare(String(b.deviceId)));
      expect(records).toEqual([
        { siteId: 's1', deviceId: 'd1', state: 'in_service', maintenanceUntilMs: null, changedMs: T0 + 2, changedBy: 'op2' },
        { siteId: 's1', deviceId: null, state: 'in_service', maintenanceUntilMs: null, changedMs: T0, changedBy: 'op1' },
      ]);
      const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();
      const test: WalkTest = {
        id: 'w1',
        siteId: 's1',
        startedAt: at(0),
        endsAt: at(30),
        endedAt: null,
        startedBy: 'op1',
        endedBy: null,
        trigger: 'installer',
        zones: [{ zone: 1, name: '门', deviceId: null, seen: false, seenAt: null, kind: null, signal: null, battery: null }],
        otherEvents: 0,
        passed: null,
      };
      await store.commissioning.saveWalkTest(test);
      await store.commissioning.saveWalkTest({ ...test, id: 'w2', startedAt: at(40), endsAt: at(70) });
      await store.commissioning.saveWalkTest({ ...test, endedAt: at(20) });
      expect((await store.commissioning.runningWalkTests()).map((t) => t.id)).toEqual(['w2']);
      expect((await store.commissioning.walkTests('s1', 10)).map((t) => t.id)).toEqual(['w2', 'w1']);
      expect((await store.commissioning.walkTest('w1'))!.endedAt).toBe(at(20));
      expect(await store.commissioning.walkTest('nope')).toBeUndefined();
    });

    it('walk-test ticks: added to a running test, first tick of a zone kept, other events summed; an ended record stands alone', async () => {
      const at = (min: number): string => new Date(T0 + min * 60_000).toISOString();
      const zone = (n: number) => ({ zone: n, name: `z${n}`, deviceId: null, seen: false, seenAt: null, kind: null, signal: null, battery: null });
      const test: WalkTest = {
        id: 'wt-ticks',
        siteId: 's-ticks',
        startedAt: at(0),
        endsAt: at(30),
        endedAt: null,
        startedBy: 'op1',
        endedBy: null,
        trigger: 'installer',
        zones: [zone(1), zone(2), zone(3)],
        otherEvents: 0,
        passed: null,
      };
      await store.commissioning.saveWalkTest(test);
      const tick = (n: number, min: number, deviceId: string) => ({ zone: n, seenAt: at(min), kind: 'burglary', deviceId, signal: 80, battery: null });
      await store.commissioning.addWalkTestTicks(test.id, [tick(1, 1, 'a')], 2);
      await store.commissioning.addWalkTestTicks(test.id, [tick(1, 2, 'b'), tick(3, 2, 'b')], 1);
      const running = (await store.commissioning.runningWalkTests()).find((t) => t.id === test.id)!;
      expect(running.zones.map((z) => [z.zone, z.seen, z.deviceId, z.seenAt])).toEqual([
        [1, true, 'a', at(1)],
        [2, false, null, null],
        [3, true, 'b', at(2)],
      ]);
      expect(running.otherEvents).toBe(3);
      expect((await store.commissioning.walkTest(test.id))!.zones[2]!.signal).toBe(80);
      expect((await store.commissioning.walkTests('s-ticks', 5))[0]!.otherEvents).toBe(3);
      await store.commissioning.saveWalkTest({ ...running, endedAt: at(20), passed: false });
      await store.commissioning.addWalkTestTicks(test.id, [tick(2, 21, 'a')], 5); // too late: the record was ended whole
      const ended = (await store.commissioning.walkTest(test.id))!;
      expect(ended.zones.map((z) => z.seen)).toEqual([true, false, true]);
      expect(ended.otherEvents).toBe(3);
    });

    describe('reports', () => {
      // 2026-11-10, Beijing time: a day of the daily report, with incidents around its edges.
      const day: ReportWindow = { sinceMs: Date.parse('2026-11-10T00:00:00+08:00'), untilMs: Date.parse('2026-11-11T00:00:00+08:00'), stationIds: null };
      const seed = async (): Promise<void> => {
        await store.transaction(async () => {
          await store.incidents.save(
            reportIncident({ id: 'before-closed-in', siteId: 's1', stationId: 'ps-1', cellId: 'c1', openedAt: '2026-11-09T23:00:00+08:00', closedAfter: 7200 }),
          );
          await store.incidents.save(
            reportIncident({ id: 'before-still-open', siteId: 's2', stationId: 'ps-2', cellId: 'c2', openedAt: '2026-11-09T22:00:00+08:00' }),
          );
          await store.incidents.save(
            reportIncident({
              id: 'before-closed-before',
              siteId: 's1',
              stationId: 'ps-1',
              cellId: 'c1',
              openedAt: '2026-11-09T10:00:00+08:00',
              closedAfter: 600,
            }),
          );
          await store.incidents.save(
            reportIncident({
              id: 'in-day',
              siteId: 's1',
              siteName: '一号店',
              stationId: 'ps-1',
              cellId: 'c1',
              openedAt: '2026-11-10T09:00:00+08:00',
              closedAfter: 1800,
              disposition: 'false',
              nature: 'public_order',
              owner: 'op1',
              dispatchedAfter: 120,
              unitId: 'car-7',
              ackSeconds: 20,
              onSceneSeconds: 300,
              eventCount: 3,
              location: [26.61, 104.84],
            }),
          );
          await store.incidents.save(
            reportIncident({ id: 'drill', siteId: 's3', stationId: 'ps-2', cellId: 'c2', openedAt: '2026-11-10T10:00:00+08:00', drill: true }),
          );
          await store.incidents.save(reportIncident({ id: 'after', siteId: 's1', stationId: 'ps-1', cellId: 'c1', openedAt: '2026-11-11T00:00:00+08:00' }));
          const at = (iso: string): number => Date.parse(iso);
          const seqs = [
            await store.events.insert(event(1, { atMs: at('2026-11-10T09:00:00+08:00') })),
            await store.events.insert(event(2, { atMs: at('2026-11-10T09:01:00+08:00') })),
            await store.events.insert(event(3, { atMs: at('2026-11-10T09:02:00+08:00'), kind: 'restore' })),
            await store.events.insert(event(4, { atMs: at('2026-11-10T10:00:00+08:00'), siteId: 's3', stationId: 'ps-2' })),
            await store.events.insert(event(5, { atMs: at('2026-11-10T11:00:00+08:00'), siteId: 's3', stationId: 'ps-2', kind: 'trouble.offline' })),
            await store.events.insert(event(6, { atMs: at('2026-11-10T12:00:00+08:00'), siteId: 's3', stationId: 'ps-2', kind: 'trouble.offline' })),
            await store.events.insert(event(7, { atMs: at('2026-11-11T01:00:00+08:00') })),
          ];
          await store.events.markProcessed('e1', 'in-day', seqs[0]);
          await store.events.markProcessed('e2', 'in-day', seqs[1]);
          await store.events.markProcessed('e4', 'drill', seqs[3]);
        });
      };

      it('openedIn and activeIn: the incidents of a window, with the fields the figures read', async () => {
        await seed();
        expect((await store.reports.openedIn(day)).map((i) => i.id)).toEqual(['in-day', 'drill']);
        expect((await store.reports.activeIn(day)).map((i) => i.id)).toEqual(['before-still-open', 'before-closed-in', 'in-day', 'drill']);
        expect((await store.reports.activeIn({ ...day, stationIds: ['ps-2'] })).map((i) => i.id)).toEqual(['before-still-open', 'drill']);
        expect(await store.reports.openedIn({ ...day, stationIds: [] })).toEqual([]);
        const inDay = (await store.reports.openedIn(day))[0]!;
        expect(inDay).toEqual({
          id: 'in-day',
          number: null,
          siteId: 's1',
          siteName: '一号店',
          kind: 'intrusion',
          category: 'police',
          stationId: 'ps-1',
          responsibleStationId: 'ps-1',
          gridCellId: 'c1',
          lat: 26.61,
          lng: 104.84,
          openedMs: Date.parse('2026-11-10T09:00:00+08:00'),
          closedMs: Date.parse('2026-11-10T09:30:00+08:00'),
          dispatchedMs: Date.parse('2026-11-10T09:02:00+08:00'),
          status: 'closed',
          disposition: 'false',
          nature: 'public_order',
          owner: 'op1',
          unitId: 'car-7',
          eventCount: 3,
          ackSeconds: 20,
          dispatchSeconds: 100,
          onSceneSeconds: 300,
          totalSeconds: 1800,
          drill: false,
        });
        expect((await store.reports.openedIn(day))[1]).toMatchObject({ id: 'drill', drill: true, disposition: null, dispatchedMs: null, unitId: null });
      });

      it('alarm and offline events per device, by the disposition of the incident they joined', async () => {
        await seed();
        const byDevice = (await store.reports.alarmEventsByDevice(day)).sort((a, b) => a.siteId.localeCompare(b.siteId));
        expect(byDevice).toEqual([
          { deviceId: 'panel', siteId: 's1', disposition: 'false', drill: false, events: 2 },
          { deviceId: 'panel', siteId: 's3', disposition: null, drill: true, events: 1 },
        ]);
        expect(await store.reports.alarmEventsByDevice({ ...day, stationIds: ['ps-1'] })).toEqual([byDevice[0]]);
        expect(await store.reports.offlineEventsByDevice(day)).toEqual([{ deviceId: 'panel', siteId: 's3', events: 2 }]);
      });

      it('daily reports are stored once, read back exactly, listed newest first without their documents', async () => {
        const row = { date: '2026-11-10', station: null, generatedMs: T0, doc: '{"b":1,"a":2}', hash: 'h', auditSeq: 1 };
        expect(await store.transaction(() => store.reports.insertDaily(row))).toBe(true);
        expect(await store.transaction(() => store.reports.insertDaily({ ...row, doc: '{}' }))).toBe(false);
        await store.transaction(() => store.reports.insertDaily({ ...row, date: '2026-11-11', station: 'ps-1' }));
        expect(await store.reports.getDaily('2026-11-10', null)).toEqual(row);
        expect(await store.reports.getDaily('2026-11-10', 'ps-1')).toBeUndefined();
        expect(await store.reports.listDaily(undefined)).toEqual([
          { date: '2026-11-11', station: 'ps-1', generatedMs: T0, hash: 'h', auditSeq: 1 },
          { date: '2026-11-10', station: null, generatedMs: T0, hash: 'h', auditSeq: 1 },
        ]);
        expect((await store.reports.listDaily(null)).map((r) => r.date)).toEqual(['2026-11-10']);
        expect((await store.reports.listDaily('ps-1')).map((r) => r.date)).toEqual(['2026-11-11']);
      });
    });

    it('a transaction that rejects leaves nothing behind; derivedTransaction is atomic too; nested joins the outer', async () => {
      await expect(
        store.transaction(async () => {
          await store.events.insert(event(1));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      await expect(
        store.derivedTransaction(async () => {
          await store.incidents.save(incident('i1'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.events.count()).toBe(0);
      expect(await store.incidents.count()).toBe(0);
      expect(
        await store.derivedTransaction(async () => {
          await store.incidents.save(incident('i1'));
          return 'done';
        }),
      ).toBe('done');
      expect(await store.incidents.count()).toBe(1);
      // The inner transaction's write goes with the outer one's rollback.
      await expect(
        store.transaction(async () => {
          await store.transaction(() => store.incidents.save(incident('i2')));
          throw new Error('outer failed');
        }),
      ).rejects.toThrow('outer failed');
      expect(await store.incidents.get('i2')).toBeUndefined();
    });

    it('ping answers true while open and false once closed, without throwing', async () => {
      expect(await store.ping()).toBe(true);
      await opened.close();
      expect(await store.ping()).toBe(false);
    });
  });
}
