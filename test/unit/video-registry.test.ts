/** The camera registry: which entries a (re)loaded config keeps, replaces, adds and removes. */
import { describe, expect, it } from 'vitest';
import type { Camera, Config } from '../../src/config/model.js';
import { cameraLabel, CameraRegistry, streamSource } from '../../src/video/registry.js';

const camera = (id: string, over: Partial<Camera> = {}): Camera => ({
  id,
  siteId: 'shop-1',
  name: null,
  onvif: { xaddr: `http://127.0.0.1:8000/${id}/onvif/device_service`, username: 'admin', password: 'pw' },
  rtsp: null,
  rtspLogin: null,
  frigateName: null,
  zones: [1],
  location: [0, 0],
  ...over,
});
// Only the parts of Config the registry reads.
const config = (...cameras: Camera[]): Config => ({ sites: [{ id: 'shop-1', cameras }] }) as unknown as Config;

describe('CameraRegistry.apply', () => {
  it('adds new cameras, keeps a renamed or re-zoned one, replaces one whose address changed, removes one gone', () => {
    const r = new CameraRegistry();
    const first = r.apply(config(camera('a'), camera('b'), camera('c')));
    expect(first.added.map((e) => e.key)).toEqual(['shop-1/a', 'shop-1/b', 'shop-1/c']);
    const a = r.get('shop-1', 'a')!;
    a.health = { ...a.health, availability: 'offline' };
    const b = r.get('shop-1', 'b')!;

    const moved = camera('a', { onvif: { xaddr: 'http://127.0.0.1:9000/onvif/device_service', username: 'admin', password: 'pw' } });
    const change = r.apply(config(moved, camera('b', { name: 'Till', zones: [2] })));
    expect(change.added.map((e) => e.key)).toEqual(['shop-1/a']);
    expect(change.removed.map((e) => e.key).sort()).toEqual(['shop-1/a', 'shop-1/c']);
    // Same entry (its poll and subscription go on), with the new name and zones.
    expect(r.get('shop-1', 'b')).toBe(b);
    expect(b.camera.zones).toEqual([2]);
    // A replaced camera that was offline stays offline until a poll proves otherwise.
    expect(r.get('shop-1', 'a')!.health.availability).toBe('offline');
    expect(r.atSite('shop-1').map((e) => e.camera.id)).toEqual(['a', 'b']);
    expect(r.atSite('shop-9')).toEqual([]);
  });

  it('a camera disabled in config is replaced and says why', () => {
    const r = new CameraRegistry();
    r.apply(config(camera('a')));
    const change = r.apply(config(camera('a', { disabledReason: 'SG_CAM_PASS is not set' })));
    expect(change.added).toHaveLength(1);
    expect(r.get('shop-1', 'a')!.health).toMatchObject({ availability: 'disabled', reason: 'SG_CAM_PASS is not set' });
  });
});

describe('streamSource and cameraLabel', () => {
  it.each([
    { name: 'no stream known', over: {}, source: null },
    { name: 'RTSP with the ONVIF login', over: { rtsp: 'rtsp://cam/stream' }, source: { url: 'rtsp://cam/stream', username: 'admin', password: 'pw' } },
    {
      name: 'RTSP with its own login',
      over: { rtsp: 'rtsp://cam/stream', rtspLogin: { username: 'viewer', password: 'v' } },
      source: { url: 'rtsp://cam/stream', username: 'viewer', password: 'v' },
    },
    { name: 'RTSP without any login', over: { rtsp: 'rtsp://cam/stream', onvif: null }, source: { url: 'rtsp://cam/stream', username: null, password: null } },
  ])('$name', ({ over, source }) => {
    const r = new CameraRegistry();
    r.apply(config(camera('a', over)));
    expect(streamSource(r.get('shop-1', 'a')!)).toEqual(source);
  });

  it('labels a named camera with its id, and an unnamed one by its id', () => {
    expect(cameraLabel({ id: 'cam1', name: 'Front door' })).toBe('Front door (cam1)');
    expect(cameraLabel({ id: 'cam1', name: null })).toBe('cam1');
    expect(cameraLabel({ id: 'cam1', name: 'cam1' })).toBe('cam1');
  });
});
