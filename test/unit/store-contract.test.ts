/**
 * What every store backend promises (src/store/README.md, "What a second backend must
 * implement"), written against the interfaces in store/ports.ts only. Today it runs on SQLite;
 * issue 18 runs the same suite on PostgreSQL by adding one line at the bottom.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { workflowDefaults, type Incident } from '../../src/contract/incident.js';
import { openStore, type AuditEntry, type EventQuery, type Store } from '../../src/store/index.js';

const T0 = Date.parse('2026-12-01T08:00:00Z');

function event(n: number, o: { siteId?: string; kind?: EventKind; stationId?: string | null; dedupeKey?: string; atMs?: number } = {}): AlarmEvent {
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

function incident(id: string, o: Partial<Incident> = {}): Incident {
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

const entry = (action: string, incidentId: string | null = 'i1'): AuditEntry => ({
  at: new Date(T0).toISOString(),
  actor: 'op1',
  action,
  incidentId,
  fromStatus: null,
  toStatus: null,
  origin: 'hub',
  note: null,
});

function storeContract(backend: string, open: () => Store): void {
  describe(`store contract: ${backend}`, () => {
    let store: Store;
    let closed = false;
    beforeEach(() => {
      store = open();
      closed = false;
    });
    afterEach(() => {
      if (!closed) store.close();
    });
    const insert = (...events: AlarmEvent[]): number[] => store.transaction(() => events.map((e) => store.events.insert(e)));

    describe('events', () => {
      it('seq grows with every insert and lastSeq names the newest (0 when empty)', () => {
        expect(store.events.lastSeq()).toBe(0);
        const seqs = insert(event(1), event(2), event(3));
        expect(seqs[0]).toBeLessThan(seqs[1]!);
        expect(seqs[1]).toBeLessThan(seqs[2]!);
        expect(store.events.lastSeq()).toBe(seqs[2]);
        expect(store.events.count()).toBe(3);
        expect(store.events.get('e2')).toMatchObject({ ...event(2), seq: seqs[1], incidentId: null });
        expect(store.events.get('nope')).toBeUndefined();
      });

      const windows: Array<{ name: string; storedAtMs: number; sinceMs: number; key: string; duplicate: boolean }> = [
        { name: 'same key inside the window', storedAtMs: T0, sinceMs: T0 - 1, key: 'k', duplicate: true },
        { name: 'same key exactly at the window start', storedAtMs: T0, sinceMs: T0, key: 'k', duplicate: true },
        { name: 'same key before the window', storedAtMs: T0, sinceMs: T0 + 1, key: 'k', duplicate: false },
        { name: 'another key', storedAtMs: T0, sinceMs: T0 - 1, key: 'other', duplicate: false },
      ];
      it.each(windows)('isDuplicate: $name', ({ storedAtMs, sinceMs, key, duplicate }) => {
        insert(event(1, { dedupeKey: 'k', atMs: storedAtMs }));
        expect(store.events.isDuplicate(key, sinceMs)).toBe(duplicate);
      });

      it('unprocessed lists the events not yet correlated, oldest first; markProcessed takes one off, by id or by seq', () => {
        const [s1, , s3] = insert(event(1), event(2), event(3));
        expect(store.events.unprocessed().map((e) => e.id)).toEqual(['e1', 'e2', 'e3']);
        store.transaction(() => {
          store.events.markProcessed('e1', 'i1', s1);
          store.events.markProcessed('e2', 'i1');
        });
        expect(store.events.unprocessed().map((e) => e.id)).toEqual(['e3']);
        expect(store.events.unprocessed(1)[0]!.seq).toBe(s3);
        expect(store.events.get('e1')!.incidentId).toBe('i1');
      });

      it('an event keeps its detail code and parameters, so a restart still words it in the page’s language', () => {
        const coded = { ...event(1), detailCode: 'cid', detailParams: { q: 'E', code: '602', name: 'periodic test report', zone: null } };
        insert(coded, event(2));
        expect(store.events.get('e1')).toMatchObject({ detailCode: 'cid', detailParams: coded.detailParams });
        expect(store.events.unprocessed()[0]).toMatchObject({ detailCode: 'cid', detailParams: coded.detailParams });
        expect(store.events.get('e2')!.detailCode).toBeUndefined();
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
      it.each(queries)('query: $name', ({ q, ids }) => {
        insert(event(1), event(2, { siteId: 's2' }), event(3, { kind: 'panic' }), event(4, { siteId: 's2', stationId: 'ps-2' }));
        expect(store.events.query(q).map((e) => e.id)).toEqual(ids);
      });

      it('query with afterSeq pages forward, oldest first (a console catching up)', () => {
        const [s1] = insert(event(1), event(2), event(3));
        expect(store.events.query({ afterSeq: s1 }).map((e) => e.id)).toEqual(['e2', 'e3']);
        expect(store.events.query({ afterSeq: s1, limit: 1 }).map((e) => e.id)).toEqual(['e2']);
      });
    });

    describe('incidents', () => {
      it('save inserts, then replaces: the last save of an id wins', () => {
        store.transaction(() => store.incidents.save(incident('i1')));
        store.transaction(() => store.incidents.save(incident('i1', { version: 2, status: 'acknowledged', owner: 'op1' })));
        expect(store.incidents.count()).toBe(1);
        expect(store.incidents.get('i1')).toEqual(incident('i1', { version: 2, status: 'acknowledged', owner: 'op1' }));
        expect(store.incidents.get('nope')).toBeUndefined();
      });

      it('open: every incident not closed, by priority then opening time; query status open means the same', () => {
        const opened = (min: number): string => new Date(T0 + min * 60_000).toISOString();
        store.transaction(() => {
          store.incidents.save(incident('late-p2', { priority: 2, openedAt: opened(5) }));
          store.incidents.save(incident('early-p2', { priority: 2, openedAt: opened(1), status: 'dispatched' }));
          store.incidents.save(incident('p1', { priority: 1, openedAt: opened(9) }));
          store.incidents.save(incident('closed', { priority: 1, openedAt: opened(0), status: 'closed', closedAt: opened(3) }));
        });
        expect(store.incidents.open().map((i) => i.id)).toEqual(['p1', 'early-p2', 'late-p2']);
        expect(store.incidents.query({ status: 'open' }).map((i) => i.id)).toEqual(['p1', 'late-p2', 'early-p2']);
        expect(store.incidents.query({ status: 'closed' }).map((i) => i.id)).toEqual(['closed']);
        expect(store.incidents.query({ siteIds: [] })).toEqual([]);
      });

      it('lastNumber counts the numbers saved incidents hold, also after a rolled-back save of one', () => {
        const series = 'PS1-20261201';
        store.transaction(() => store.incidents.save(incident('i1', { number: `${series}-0001` })));
        store.transaction(() => store.incidents.save(incident('i1', { number: `${series}-0001`, version: 2 })));
        expect(store.incidents.lastNumber(series)).toBe(1);
        // The second incident's first save is rolled back; saved again, its number must count.
        expect(() =>
          store.transaction(() => {
            store.incidents.save(incident('i2', { number: `${series}-0002` }));
            throw new Error('disk full');
          }),
        ).toThrow('disk full');
        expect(store.incidents.lastNumber(series)).toBe(1);
        store.transaction(() => store.incidents.save(incident('i2', { number: `${series}-0002`, version: 2 })));
        expect(store.incidents.lastNumber(series)).toBe(2);
        expect(store.incidents.lastNumber('PS1-20261202')).toBe(0);
      });
    });

    describe('audit', () => {
      it('appends a chain in seq order that verifies; rows of one incident, and all of them', () => {
        store.transaction(() => {
          store.audit.append(entry('open', 'i1'));
          store.audit.append(entry('open', 'i2'));
          store.audit.append(entry('acknowledged', 'i1'));
        });
        expect(store.audit.all().map((r) => [r.seq, r.incidentId, r.action])).toEqual([
          [1, 'i1', 'open'],
          [2, 'i2', 'open'],
          [3, 'i1', 'acknowledged'],
        ]);
        expect(store.audit.forIncident('i1').map((r) => r.seq)).toEqual([1, 3]);
        const all = store.audit.all();
        expect(all[1]!.prevHash).toBe(all[0]!.hash);
        expect(store.audit.verify()).toEqual({ ok: true, rows: 3, lastHash: all[2]!.hash });
      });

      it('after a rolled-back transaction and resetHead, the chain goes on without a gap', () => {
        store.transaction(() => store.audit.append(entry('open')));
        expect(() =>
          store.transaction(() => {
            store.audit.append(entry('acknowledged'));
            throw new Error('refused');
          }),
        ).toThrow('refused');
        store.audit.resetHead();
        store.transaction(() => store.audit.append(entry('note')));
        expect(store.audit.all().map((r) => [r.seq, r.action])).toEqual([
          [1, 'open'],
          [2, 'note'],
        ]);
        expect(store.audit.verify()).toMatchObject({ ok: true, rows: 2 });
      });
    });

    it('device state: save replaces the row of its device; all returns every device', () => {
      store.deviceState.save({ deviceId: 'd1', state: { door: 'open' }, availability: 'online', lastSeenMs: T0 });
      store.deviceState.save({ deviceId: 'd2', state: {}, availability: null, lastSeenMs: null });
      store.deviceState.save({ deviceId: 'd1', state: { door: 'closed', battery: 80 }, availability: 'offline', lastSeenMs: T0 + 1 });
      expect(store.deviceState.all().sort((a, b) => a.deviceId.localeCompare(b.deviceId))).toEqual([
        { deviceId: 'd1', state: { door: 'closed', battery: 80 }, availability: 'offline', lastSeenMs: T0 + 1 },
        { deviceId: 'd2', state: {}, availability: null, lastSeenMs: null },
      ]);
    });

    it('sessions: insert replaces by id hash, touch moves last seen, remove forgets', () => {
      const row = { idHash: 'h1', username: 'op1', csrfToken: 'c', createdMs: T0, lastSeenMs: T0, ip: '127.0.0.1', credential: 'k1' };
      store.sessions.insert(row);
      store.sessions.insert({ ...row, csrfToken: 'c2' });
      store.sessions.insert({ ...row, idHash: 'h2' });
      store.sessions.touch('h1', T0 + 5);
      store.sessions.remove('h2');
      expect(store.sessions.all()).toEqual([{ ...row, csrfToken: 'c2', lastSeenMs: T0 + 5 }]);
    });

    it('a transaction that throws leaves nothing behind; derivedTransaction is atomic too', () => {
      expect(() =>
        store.transaction(() => {
          store.events.insert(event(1));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(() =>
        store.derivedTransaction(() => {
          store.incidents.save(incident('i1'));
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(store.events.count()).toBe(0);
      expect(store.incidents.count()).toBe(0);
      expect(
        store.derivedTransaction(() => {
          store.incidents.save(incident('i1'));
          return 'done';
        }),
      ).toBe('done');
      expect(store.incidents.count()).toBe(1);
    });

    it('ping answers true while open and false once closed, without throwing', () => {
      expect(store.ping()).toBe(true);
      store.close();
      closed = true;
      expect(store.ping()).toBe(false);
    });
  });
}

storeContract('SQLite', () => openStore(':memory:'));
