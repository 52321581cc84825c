import type { DeviceStateRepository, DeviceStateRow, DeviceSupervision } from '../ports.js';
import type { PgContext } from './transaction.js';

const UPSERT_SQL = `INSERT INTO device_state (device_id, state, availability, last_seen_ms, supervision)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
  ON CONFLICT (device_id) DO UPDATE SET state = EXCLUDED.state, availability = EXCLUDED.availability,
    last_seen_ms = EXCLUDED.last_seen_ms, supervision = EXCLUDED.supervision`;

/** Last decoded state and supervision record per device; a batch's rows in one statement. */
export class PgDeviceStateRepository implements DeviceStateRepository {
  constructor(private readonly pg: PgContext) {}

  save(row: DeviceStateRow): Promise<void> {
    return this.saveLatest([row]);
  }

  async saveLatest(rows: readonly DeviceStateRow[]): Promise<void> {
    // One row per device (ON CONFLICT cannot touch a row twice in one statement): the last wins.
    const latest = new Map<string, DeviceStateRow>();
    for (const row of rows) latest.set(row.deviceId, row);
    if (latest.size === 0) return;
    const list = [...latest.values()];
    await this.pg.changes(UPSERT_SQL, [
      list.map((r) => r.deviceId),
      list.map((r) => JSON.stringify(r.state)),
      list.map((r) => r.availability),
      list.map((r) => r.lastSeenMs),
      list.map((r) => (r.supervision ? JSON.stringify(r.supervision) : null)),
    ]);
  }

  async all(): Promise<DeviceStateRow[]> {
    return (await this.pg.rows<RawRow>(`${SELECT_SQL}`)).map(fromRaw);
  }

  async get(deviceId: string): Promise<DeviceStateRow | null> {
    const [row] = await this.pg.rows<RawRow>(`${SELECT_SQL} WHERE device_id = $1`, [deviceId]);
    return row ? fromRaw(row) : null;
  }
}

const SELECT_SQL = 'SELECT device_id, state, availability, last_seen_ms, supervision FROM device_state';

interface RawRow {
  device_id: string;
  state: string;
  availability: string | null;
  last_seen_ms: number | null;
  supervision: string | null;
}

function fromRaw(r: RawRow): DeviceStateRow {
  return {
    deviceId: r.device_id,
    state: JSON.parse(r.state) as DeviceStateRow['state'],
    availability: r.availability as DeviceStateRow['availability'],
    lastSeenMs: r.last_seen_ms,
    ...(r.supervision ? { supervision: JSON.parse(r.supervision) as DeviceSupervision } : {}),
  };
}
