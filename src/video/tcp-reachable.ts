import net from 'node:net';
import { OnvifError } from './onvif/errors.js';

/** An RTSP-only camera is alive when its RTSP port accepts a connection. */
export function tcpReachable(url: string, timeoutMs: number): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return Promise.reject(new OnvifError('bad_url', 'not a URL'));
  }
  const port = Number(u.port || (u.protocol === 'rtsps:' ? 322 : u.protocol === 'rtsp:' ? 554 : u.protocol === 'https:' ? 443 : 80));
  return new Promise((ok, fail) => {
    const s = net.connect({ host: u.hostname, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      ok();
    });
    s.once('timeout', () => {
      s.destroy();
      fail(new OnvifError('timeout', `no answer on port ${port}`));
    });
    s.once('error', (err: NodeJS.ErrnoException) => fail(new OnvifError('unreachable', err.code ?? err.message)));
  });
}
