/**
 * Which cameras exist: one entry per camera of every site, rebuilt from Config on (re)load. An
 * entry whose address or login changed is replaced (its poll and event subscription restart); a
 * renamed or re-zoned camera keeps its entry. The entry also carries the per-camera state the
 * other jobs own (health.ts, camera-events.ts), so that one lookup finds all of it.
 */
import type { Camera, Config, Site } from '../config/model.js';
import type { Source } from './ffmpeg/ffmpeg.js';
import type { Clock } from '../core/clock.js';
import { checkCameraUri } from './camera-host.js';
import { OnvifClient, type CameraProbe, type UriRefusal } from './onvif/client.js';
import type { PullPointSubscription } from './onvif/messages.js';
import { cameraKey } from './camera-key.js';
import { initialHealth, type CameraHealthState } from './health-rules.js';

export interface CameraEntry {
  key: string;
  site: Site;
  camera: Camera;
  /** Address, login and disabled reason: a change means a different camera to talk to. */
  fingerprint: string;
  /** ONVIF client, when the camera has an ONVIF address. */
  client: OnvifClient | null;
  /** What the camera said about itself at its last probe (health fills it; snapshots use its URIs). */
  probe: CameraProbe | null;
  /** Aborted when the entry is replaced or removed: ends its poll and its event loop. */
  abort: AbortController;
  health: CameraHealthState;
  poll: { timer: NodeJS.Timeout | null; running: boolean };
  /** `stoppedFor`: why events are not used for this entry (no PullPoint, an address on another host); set until the entry is replaced. */
  events: { sub: PullPointSubscription | null; running: boolean; stoppedFor: string | null };
  /** What the stream's DESCRIBE said (health fills it for RTSP-only cameras): snapshots tune their probe by codec. */
  stream: { codec: string | null } | null;
}

export interface RegistryChange {
  added: CameraEntry[];
  removed: CameraEntry[];
}

const fingerprintOf = (camera: Camera): string =>
  JSON.stringify([camera.onvif, camera.rtsp, camera.rtspLogin, camera.disabledReason ?? null, camera.allowedHosts ?? []]);

export interface CameraRegistryOptions {
  /** The ONVIF clients' clock (default: the system's). */
  clock?: Clock;
  /** An address a camera gave was refused by the host rule (camera-host.ts): log and count it. */
  onRefused?: (e: { site: Site; camera: Camera }, refusal: UriRefusal) => void;
}

export class CameraRegistry {
  constructor(private readonly o: CameraRegistryOptions = {}) {}

  private readonly entries = new Map<string, CameraEntry>();
  private bySite = new Map<string, CameraEntry[]>();
  /** Camera ids repeat across sites (each site names its own `cam-1`): every entry with the id. */
  private byCameraId = new Map<string, CameraEntry[]>();

  /** Apply a (re)loaded config; the caller starts the added entries and stops the removed ones. */
  apply(config: Config): RegistryChange {
    const change: RegistryChange = { added: [], removed: [] };
    const seen = new Set<string>();
    for (const site of config.sites) {
      for (const camera of site.cameras) {
        const key = cameraKey(site.id, camera.id);
        seen.add(key);
        const fingerprint = fingerprintOf(camera);
        const old = this.entries.get(key);
        if (old && old.fingerprint === fingerprint) {
          old.site = site;
          old.camera = camera;
          continue;
        }
        if (old) change.removed.push(old);
        const entry = newEntry({ key, site, camera, fingerprint, previous: old?.health.availability ?? null, o: this.o });
        this.entries.set(key, entry);
        change.added.push(entry);
      }
    }
    for (const [key, e] of this.entries) {
      if (seen.has(key)) continue;
      change.removed.push(e);
      this.entries.delete(key);
    }
    this.bySite = new Map();
    this.byCameraId = new Map();
    for (const e of this.entries.values()) {
      this.bySite.set(e.site.id, [...(this.bySite.get(e.site.id) ?? []), e]);
      this.byCameraId.set(e.camera.id, [...(this.byCameraId.get(e.camera.id) ?? []), e]);
    }
    return change;
  }

  all(): CameraEntry[] {
    return [...this.entries.values()];
  }

  get(siteId: string, cameraId: string): CameraEntry | undefined {
    return this.entries.get(cameraKey(siteId, cameraId));
  }

  atSite(siteId: string): readonly CameraEntry[] {
    return this.bySite.get(siteId) ?? [];
  }

  withCameraId(cameraId: string): CameraEntry[] {
    return [...(this.byCameraId.get(cameraId) ?? [])];
  }
}

interface NewEntry {
  key: string;
  site: Site;
  camera: Camera;
  fingerprint: string;
  /** The availability of the entry this one replaces (a camera whose config changed), or null. */
  previous: CameraEntry['health']['availability'] | null;
  o: CameraRegistryOptions;
}

function newEntry({ key, site, camera, fingerprint, previous, o }: NewEntry): CameraEntry {
  const onvif = camera.onvif;
  const client = onvif
    ? new OnvifClient({
        xaddr: onvif.xaddr,
        username: onvif.username,
        password: onvif.password,
        timeoutMs: 5000,
        ...(o.clock ? { clock: o.clock } : {}),
        checkUri: (uri, kind) => checkCameraUri(camera, uri, kind),
        onRefused: (refusal) => o.onRefused?.({ site, camera }, refusal),
      })
    : null;
  return {
    key,
    site,
    camera,
    fingerprint,
    client,
    probe: null,
    abort: new AbortController(),
    health: initialHealth(camera, previous),
    poll: { timer: null, running: false },
    events: { sub: null, running: false, stoppedFor: null },
    stream: null,
  };
}

/** The camera's stream with its resolved login: `rtsp_login` if given, else the ONVIF one (most cameras share them). */
export function streamSource(e: CameraEntry): Source | null {
  // The host pin (camera-host.ts), at the one place every ffmpeg run and stream DESCRIBE gets its
  // URL. The ONVIF client already refuses a foreign stream URI at probe time; checking again here
  // keeps the rule true for any future path that fills `probe` another way.
  const url = e.camera.rtsp ?? e.probe?.streamUri ?? null;
  if (!url || !checkCameraUri(e.camera, url, 'stream').ok) return null;
  const login = e.camera.rtspLogin ?? e.camera.onvif;
  return { url, username: login?.username ?? null, password: login?.password ?? null };
}

/** How the operator reads a camera's name: "Front door (cam1)", or just the id. */
export function cameraLabel(camera: Pick<Camera, 'id' | 'name'>): string {
  return camera.name && camera.name !== camera.id ? `${camera.name} (${camera.id})` : camera.id;
}
