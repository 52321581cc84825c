/** Camera host pinning (issue 16): the camera's addresses must be on its own host or its allow-list. */
import { describe, expect, it } from 'vitest';
import { cameraHosts, checkCameraUri, hostOfUri, normaliseHost } from '../../src/video/camera-host.js';

const onvifCam = { onvif: { xaddr: 'http://192.0.2.10/onvif/device_service' } };

describe('checkCameraUri', () => {
  it('accepts an address on the host of the camera’s xaddr, on any port', () => {
    expect(checkCameraUri(onvifCam, 'rtsp://192.0.2.10:554/stream/main', 'stream')).toEqual({ ok: true, host: '192.0.2.10' });
    expect(checkCameraUri(onvifCam, 'http://192.0.2.10:8080/snapshot.jpg', 'snapshot').ok).toBe(true);
  });

  it('refuses another host with the code, the kind and the host — never the URL or its credentials', () => {
    const r = checkCameraUri(onvifCam, 'rtsp://admin:secret@192.0.2.99:554/live?token=abc', 'stream');
    expect(r).toMatchObject({ ok: false, code: 'SG_CAMERA_FOREIGN_HOST', kind: 'stream', host: '192.0.2.99', allowed: ['192.0.2.10'] });
    if (r.ok) throw new Error('unreachable');
    expect(r.reason).toMatch(/host 192\.0\.2\.99 for its stream, not its own \(192\.0\.2\.10\)/);
    expect(r.reason).not.toMatch(/secret|admin|token/);
  });

  it('refuses what is not a URL, and a look-alike written differently is not the same host', () => {
    expect(checkCameraUri(onvifCam, 'not a url', 'snapshot')).toMatchObject({ ok: false, host: null });
    expect(checkCameraUri(onvifCam, 'http://192.0.2.10.evil.example/x', 'service').ok).toBe(false);
    expect(checkCameraUri(onvifCam, 'http://192.0.2.100/x', 'event').ok).toBe(false);
    expect(checkCameraUri(onvifCam, 'http://user@192.0.2.99#@192.0.2.10/x', 'snapshot').ok).toBe(false);
  });

  it('normalises spellings of one address (case, hex IPv4 in rtsp, IPv6 forms, a trailing dot)', () => {
    expect(checkCameraUri({ rtsp: 'rtsp://Cam.Shop12.LAN/stream' }, 'rtsp://cam.shop12.lan.:554/x', 'stream').ok).toBe(true);
    expect(checkCameraUri({ rtsp: 'rtsp://127.0.0.1/stream' }, 'rtsp://0x7f.1:554/x', 'stream').ok).toBe(true);
    expect(checkCameraUri({ onvif: { xaddr: 'http://[::1]:8080/onvif' } }, 'rtsp://[0:0:0:0:0:0:0:1]/x', 'stream').ok).toBe(true);
  });

  it('allows the hosts of allowed_hosts, and the configured rtsp host beside the ONVIF one', () => {
    const cam = { ...onvifCam, rtsp: 'rtsp://192.0.2.20/main', allowedHosts: ['nvr.shop12.lan', '::1', '[2001:db8::1]'] };
    expect(cameraHosts(cam)).toEqual(['192.0.2.10', '192.0.2.20', 'nvr.shop12.lan', '::1', '2001:db8::1']);
    for (const uri of ['rtsp://192.0.2.20/x', 'http://NVR.shop12.lan/snap.jpg', 'rtsp://[::1]:8554/x', 'http://[2001:db8::1]/x'])
      expect(checkCameraUri(cam, uri, 'stream').ok, uri).toBe(true);
    expect(checkCameraUri(cam, 'rtsp://127.0.0.2/x', 'stream').ok).toBe(false);
  });

  it('refuses everything for a camera with no configured host', () => {
    expect(checkCameraUri({}, 'http://192.0.2.10/x', 'snapshot')).toMatchObject({ ok: false, allowed: [] });
  });
});

describe('host normalising', () => {
  it('reads hosts as the URL parser does', () => {
    expect(hostOfUri('rtsp://[::1]:554/x')).toBe('::1');
    expect(normaliseHost('[::1]')).toBe('::1');
    expect(normaliseHost('::1')).toBe('::1');
    expect(normaliseHost('bad host')).toBeNull();
    expect(normaliseHost('')).toBeNull();
  });
});
