import type { Db } from './db.js';
import type { DeviceStateRepository, DeviceStateRow, DeviceSupervision } from './ports.js';
import type { Sync } from './sqlite-gate.js';

/** Last decoded state and supervision record per device, so on-change decoding and supervision survive restarts. */
export class SqliteDeviceStateRepository implements Sync<DeviceStateRepository> {
  private readonly upsertStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare(
      `INSERT INTO device_state (device_id, state, availability, last_seen_ms, supervision) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, availability = excluded.availability,
         last_seen_ms = excluded.last_seen_ms, supervision = excluded.supervision`,
    );
  }

  save(row: DeviceStateRow): void {
    const supervision = row.supervision ? JSON.stringify(row.supervision) : null;
    this.upsertStmt.run(row.deviceId, JSON.stringify(row.state), row.availability, row.lastSeenMs, supervision);
  }

  /** Saves the last row of each device in `rows` (a batch may carry several of one device). */
  saveLatest(rows: readonly DeviceStateRow[]): void {
    const latest = new Map<string, DeviceStateRow>();
    for (const row of rows) latest.set(row.deviceId, row);
    for (const row of latest.values()) this.save(row);
  }

  all(): DeviceStateRow[] {
    return (this.db.prepare(SELECT_SQL).all() as RawRow[]).map(fromRaw);
  }

  get(deviceId: string): DeviceStateRow | null {
    const row = this.db.prepare(`${SELECT_SQL} WHERE device_id = ?`).get(deviceId) as RawRow | undefined;
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
