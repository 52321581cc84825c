/**
 * An alarm event as a store holds it (every column set), for tests that write events straight to a
 * store or announce them on the bus without going through ingest. Defaults: an intrusion on zone 1
 * of the site's panel, in cell c1 of station ps-1, and a dedupe key of its own.
 */
import { KIND_INFO, type AlarmEvent, type EventKind } from '../../src/contract/alarm-event.js';
import { newId } from '../../src/core/ids.js';

let made = 0;

export interface TestAlarm extends Partial<AlarmEvent> {
  siteId: string;
  /** Received (and occurred) at, epoch ms; the id is drawn for this time. */
  atMs: number;
  kind?: EventKind;
}

export function testAlarm({ atMs, kind = 'intrusion', zone = 1, ...over }: TestAlarm): AlarmEvent {
  const at = new Date(atMs).toISOString();
  return {
    drill: false,
    id: newId(atMs),
    deviceId: `${over.siteId}-panel`,
    kind,
    category: KIND_INFO[kind].category,
    zone,
    zoneName: zone === null ? null : `zone ${zone}`,
    occurredAt: at,
    receivedAt: at,
    location: [26.6, 104.8],
    gridCellId: 'c1',
    stationId: 'ps-1',
    detail: null,
    profile: 'native',
    topic: 't',
    raw: '{}',
    dedupeKey: `test-alarm-${++made}`,
    ...over,
  };
}
