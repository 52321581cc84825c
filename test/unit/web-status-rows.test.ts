/**
 * The device-status board's rows (web/src/status-rows.ts), pure: what state the board shows for
 * what the hub says, which rows come first, and the filters. No browser, no hub.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../src/contract/socket.js';
import type { DeviceInfo } from '../../web/src/device-info.js';
import { type BoardRow, boardMode, cameraRow, deviceRow, rowShown, sortRows } from '../../web/src/status-rows.js';
import type { CommissioningStatus, SiteCommissioning } from '../../src/contract/commissioning.js';

const SEEN = '2026-12-03T04:00:00.000Z';

function device(over: Partial<DeviceInfo> = {}): DeviceInfo {
  return {
    id: 'panel-1',
    siteId: 'shop-a',
    availability: 'online',
    lastSeenAt: SEEN,
    lastTestAt: null,
    battery: null,
    pendingInstall: false,
    supervision: { offline: false, testMissed: false },
    ...over,
  };
}

describe('a device row says what an operator must know', () => {
  it.each([
    ['never heard from: pending install (待安装), not offline', device({ pendingInstall: true, availability: 'unknown', lastSeenAt: null }), 'pending', []],
    ['heard from recently', device(), 'online', []],
    ['last will received', device({ availability: 'offline' }), 'offline', []],
    ['silent past its heartbeat: the hub raised offline', device({ supervision: { offline: true, testMissed: false } }), 'offline', ['offline']],
    ['online but its periodic test is overdue', device({ supervision: { offline: false, testMissed: true } }), 'online', ['testMissed']],
    ['no report yet since the hub started', device({ availability: 'unknown', lastSeenAt: null }), 'unknown', []],
  ] as const)('%s', (_name, d, state, troubles) => {
    const r = deviceRow(d);
    expect(r.state).toBe(state);
    expect(r.troubles).toEqual(troubles);
    expect(r).toMatchObject({ kind: 'device', siteId: 'shop-a', id: 'panel-1' });
  });

  it('a device:status push gives the same row as the REST answer, battery included', () => {
    const push: DeviceStatus = {
      deviceId: 'panel-1',
      siteId: 'shop-a',
      availability: 'online',
      lastSeenAt: SEEN,
      lastTestAt: null,
      battery: 41,
      pendingInstall: false,
      supervision: { offline: false, testMissed: false },
    };
    expect(deviceRow(push)).toEqual(deviceRow(device({ battery: 41 })));
    expect(deviceRow(push).battery).toBe(41);
  });
});

describe('a camera row', () => {
  it.each([
    ['online', 'online', []],
    ['offline', 'offline', ['offline']],
    ['disabled', 'disabled', []],
    ['unknown', 'unknown', []],
    ['something new from a later hub', 'unknown', []],
  ] as const)('availability %s → %s', (availability, state, troubles) => {
    const r = cameraRow({ id: 'cam-1', siteId: 'shop-a', availability, name: '门口', lastOkAt: null });
    expect(r.state).toBe(state);
    expect(r.troubles).toEqual(troubles);
    expect(r.name).toBe('门口');
  });
});

describe('order and filters', () => {
  const rows: BoardRow[] = [
    deviceRow(device({ id: 'ok-1', siteId: 'b-site' })),
    deviceRow(device({ id: 'new-1', siteId: 'a-site', pendingInstall: true })),
    cameraRow({ id: 'cam-9', siteId: 'c-site', availability: 'offline' }),
    deviceRow(device({ id: 'ok-0', siteId: 'a-site' })),
    deviceRow(device({ id: 'test-1', siteId: 'b-site', supervision: { offline: false, testMissed: true } })),
  ];

  it('troubles first, then pending installs, then the rest by site and id', () => {
    expect(sortRows(rows).map((r) => r.id)).toEqual(['test-1', 'cam-9', 'new-1', 'ok-0', 'ok-1']);
  });

  it('by site, and troubles only', () => {
    expect(rows.filter((r) => rowShown(r, { site: 'a-site', troubleOnly: false })).map((r) => r.id)).toEqual(['new-1', 'ok-0']);
    expect(rows.filter((r) => rowShown(r, { site: '', troubleOnly: true })).map((r) => r.id)).toEqual(['cam-9', 'test-1']);
    expect(rows.filter((r) => rowShown(r, { site: 'b-site', troubleOnly: true })).map((r) => r.id)).toEqual(['test-1']);
  });
});

describe('commissioning beside the state (issue 15)', () => {
  const status = (deviceId: string | null, state: CommissioningStatus['state']): CommissioningStatus => ({
    siteId: 's1',
    deviceId,
    state,
    maintenanceUntil: state === 'maintenance' ? SEEN : null,
    walkTestId: null,
    changedAt: null,
    changedBy: null,
  });
  const site = (over: Partial<SiteCommissioning> = {}): SiteCommissioning => ({
    siteId: 's1',
    name: 'S1',
    site: status(null, 'in_service'),
    devices: [status('p1', 'maintenance'), status('p2', 'in_service')],
    walkTest: null,
    ...over,
  });
  it.each([
    ['no commissioning known', { kind: 'device', id: 'p1' }, undefined, null],
    ['the device in maintenance', { kind: 'device', id: 'p1' }, site(), 'maintenance'],
    ['another device of the site', { kind: 'device', id: 'p2' }, site(), null],
    ['the whole site in maintenance', { kind: 'camera', id: 'c1' }, site({ site: status(null, 'maintenance') }), 'maintenance'],
    ['a walk test of the site', { kind: 'device', id: 'p2' }, site({ walkTest: {} as SiteCommissioning['walkTest'] }), 'walk_test'],
  ] as const)('%s', (_why, row, s, mode) => {
    expect(boardMode(row, s)).toBe(mode);
  });
});
