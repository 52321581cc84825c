/**
 * Opening the doors, last: the broker (devices) then HTTP (consoles). If either fails, what was
 * already started is stopped again and storage closed, so a failed start leaves nothing running.
 */
import type { Server as HttpServer } from 'node:http';
import type { AuthService } from '../auth/service.js';
import type { BrokerLink } from '../broker/types.js';
import type { Store } from '../store/index.js';
import type { CameraService } from '../video/camera-service.js';

export interface ListenParts {
  http: HttpServer;
  broker: BrokerLink;
  video: CameraService;
  auth: AuthService;
  store: Store;
}

/** Resolves with the HTTP port actually bound (the configured one, or the one picked for port 0). */
export async function listen(parts: ListenParts, at: { host: string; port: number }): Promise<number> {
  const { http, broker } = parts;
  try {
    await broker.start();
    await new Promise<void>((ok, fail) => {
      http.once('error', fail);
      http.listen(at.port, at.host, () => {
        http.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    await parts.video.stop();
    parts.auth.stop();
    await broker.stop().catch(() => undefined);
    await parts.store.close();
    throw err;
  }
  const addr = http.address();
  return typeof addr === 'object' && addr ? addr.port : at.port;
}
