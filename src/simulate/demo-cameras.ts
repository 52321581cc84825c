/**
 * `safegrid demo`: the sample district's cameras point at loopback ports (127.0.0.1:18001…). The
 * demo answers there with simulated ONVIF cameras (onvif-camera/camera.ts), so incidents get real
 * snapshots and live view without any hardware. Cameras elsewhere are left alone. Each camera's
 * stream is RTSP on a free loopback port of its own, which GetStreamUri reports (as a real camera
 * reports its port 554), so the hub's clips and live view take the RTSP path real cameras take.
 */
import type { Config } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import { SimCamera } from './onvif-camera/camera.js';

export async function startDemoCameras(config: Config, log: Logger): Promise<{ count: number; stop(): Promise<void> }> {
  const cams: SimCamera[] = [];
  for (const site of config.sites) {
    for (const camera of site.cameras) {
      if (!camera.onvif?.password) continue;
      let url: URL;
      try {
        url = new URL(camera.onvif.xaddr);
      } catch {
        continue;
      }
      if (!['127.0.0.1', 'localhost'].includes(url.hostname) || !url.port) continue;
      const sim = new SimCamera({
        host: '127.0.0.1',
        port: Number(url.port),
        username: camera.onvif.username ?? 'admin',
        password: camera.onvif.password,
        name: `${site.id}/${camera.id}`,
        location: site.name,
      });
      try {
        await sim.start();
        cams.push(sim);
      } catch (err) {
        log.warn({ site: site.id, camera: camera.id, port: url.port, err: (err as Error).message }, 'demo camera could not start (port busy?)');
      }
    }
  }
  for (const c of cams) log.debug({ camera: c.o.name, onvif: c.xaddr, rtsp: c.rtspUrl() }, 'demo camera');
  log.info(
    { cameras: cams.length, example: cams[0] ? { onvif: cams[0].xaddr, rtsp: cams[0].rtspUrl() } : null },
    'demo cameras answering on loopback (RTSP needs the camera password)',
  );
  return { count: cams.length, stop: async () => void (await Promise.all(cams.map((c) => c.stop()))) };
}
