/**
 * Camera host pinning (issue 16): every address a camera hands us — its stream, its snapshot, its
 * service XAddrs, its event subscription reference — must be on the host the installer configured
 * for that camera (the host of `onvif.xaddr` or of `rtsp`), or on one the camera's entry allows
 * (`allowed_hosts`). Anything else is refused before a byte is sent: the hub attaches the camera's
 * login to these requests (HTTP Digest, a WS-UsernameToken, RTSP credentials), so a camera that
 * names another host — misconfigured, behind NAT, or forged — would otherwise decide where the
 * password goes and make the hub fetch from any address on its network (server-side request
 * forgery), storing what it got as evidence.
 *
 * Pure: no I/O, no DNS. Host names are compared as written (lower case, IPv6 in canonical form by
 * the WHATWG URL parser), never resolved: a name that resolves to the camera today may not tomorrow.
 * Ports are not pinned — a camera serves RTSP on 554 and HTTP on 80 on the same host.
 */

/** What kind of address the camera gave (for the log, the metric and the message). */
export type CameraUriKind = 'stream' | 'snapshot' | 'service' | 'event';

/** The parts of a configured camera that decide where it may be reached. */
export interface PinnedCamera {
  onvif?: { xaddr: string } | null;
  rtsp?: string | null;
  /** `cameras[].allowed_hosts`: more hosts the camera may name (host names or IP addresses). */
  allowedHosts?: readonly string[] | null;
}

/** The error code of a refusal (docs/errors.md). */
export const FOREIGN_HOST_CODE = 'SG_CAMERA_FOREIGN_HOST';

export type UriCheck =
  | { ok: true; host: string }
  | {
      ok: false;
      code: typeof FOREIGN_HOST_CODE;
      kind: CameraUriKind;
      /** The host the camera named (never the URL: it may carry credentials or tokens); null if unparsable. */
      host: string | null;
      /** The hosts that would have been accepted. */
      allowed: string[];
      /** For installers and operators, in words; contains no credentials. */
      reason: string;
    };

const KIND_WORDS: Record<CameraUriKind, string> = {
  stream: 'stream',
  snapshot: 'snapshot',
  service: 'service address',
  event: 'event subscription',
};

/** The host of a URL, normalised for comparison (lower case, IPv6 without brackets); null if it does not parse. */
export function hostOfUri(uri: string): string | null {
  try {
    const h = new URL(uri).hostname.toLowerCase();
    return h === '' ? null : normaliseHost(h);
  } catch {
    return null;
  }
}

/**
 * A configured host (`192.0.2.10`, `cam.example`, `::1`, `[::1]`) in the form hostOfUri gives;
 * null when it is not a host at all.
 */
export function normaliseHost(host: string): string | null {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h === '') return null;
  const bracketed = h.startsWith('[') ? h : h.includes(':') ? `[${h}]` : h;
  try {
    const parsed = new URL(`http://${bracketed}/`).hostname;
    return parsed.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** The hosts a camera may be reached on: its configured addresses and its allow-list. */
export function cameraHosts(camera: PinnedCamera): string[] {
  const hosts = new Set<string>();
  for (const uri of [camera.onvif?.xaddr, camera.rtsp]) {
    const h = uri ? hostOfUri(uri) : null;
    if (h) hosts.add(h);
  }
  for (const a of camera.allowedHosts ?? []) {
    const h = normaliseHost(a);
    if (h) hosts.add(h);
  }
  return [...hosts];
}

/** May the hub contact `uri` (with the camera's credentials) for this camera? */
export function checkCameraUri(camera: PinnedCamera, uri: string, kind: CameraUriKind): UriCheck {
  const allowed = cameraHosts(camera);
  const host = hostOfUri(uri);
  if (host !== null && allowed.includes(host)) return { ok: true, host };
  const named = host === null ? 'an address that is not a URL' : `host ${host.slice(0, 100)}`;
  return {
    ok: false,
    code: FOREIGN_HOST_CODE,
    kind,
    host: host === null ? null : host.slice(0, 100),
    allowed,
    reason:
      `the camera named ${named} for its ${KIND_WORDS[kind]}, not its own (${allowed.join(', ') || 'none configured'}); ` +
      `refused, nothing sent there (add the host to the camera's allowed_hosts if it is right)`,
  };
}
