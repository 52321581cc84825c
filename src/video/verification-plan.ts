/**
 * Video verification as a pure decision: given an incident (the whole published value), the
 * cameras of its site and what was already captured for it, which snapshots and clips to take.
 * No I/O, no clock; verification.ts runs the jobs and attaches the media.
 *
 * Why the decision reads the incident itself: video attaches media through dispatch, and every
 * attachment comes back as `incident:update`. Instead of remembering its own echoes, video acts
 * only on what makes new pictures worth taking —
 *  - an incident it has not seen yet (new, or one that became an alarm, or recovered after a
 *    restart: cameras that already have media on it are not asked again);
 *  - a zone the incident did not have before, which may link cameras not asked yet.
 * Anything else (media, notes, status steps, escalation, a priority raise: the linked cameras were
 * all asked already) changes nothing. What was captured is held per open incident and forgotten
 * when it closes, so the memory is bounded by the open incidents, not by a size cap.
 */
import type { Incident } from '../contract/incident.js';
import { cameraKey } from './camera-key.js';

/** What the decision needs to know about a camera. */
export interface LinkableCamera {
  siteId: string;
  cameraId: string;
  zones: readonly number[];
  /** It has an ONVIF or RTSP address (a camera with neither cannot be asked). */
  addressed: boolean;
  /** Record a clip too (the camera's own `clip`, else the hub's `video.clips`). */
  clip: boolean;
}

/** Held per open incident between decisions. */
export interface CaptureMemory {
  /** Zones the incident had at the last decision. */
  zones: ReadonlySet<number>;
  /** Cameras (cameraKey) already asked for this incident. */
  asked: ReadonlySet<string>;
}

export interface CaptureJob {
  siteId: string;
  cameraId: string;
  kind: 'snapshot' | 'clip';
}

export interface CapturePlan {
  jobs: CaptureJob[];
  /** What to hold for the incident from now on; null: hold nothing (closed, or no cameras at its site). */
  memory: CaptureMemory | null;
}

export type IncidentForCapture = Pick<Incident, 'siteId' | 'status' | 'category' | 'zones' | 'media'>;

export function planCaptures(incident: IncidentForCapture, cameras: readonly LinkableCamera[], memory: CaptureMemory | null): CapturePlan {
  if (incident.status === 'closed') return { jobs: [], memory: null };
  // Technical trouble (mains, battery, a camera offline) is not verified by pictures.
  if (incident.category === 'technical') return { jobs: [], memory };
  const atSite = cameras.filter((c) => c.siteId === incident.siteId);
  if (atSite.length === 0) return { jobs: [], memory: null };
  if (memory && incident.zones.every((z) => memory.zones.has(z))) return { jobs: [], memory };

  const zones = new Set(incident.zones);
  // No zone (a panic button, a whole-site event): every camera of the site.
  const linked = atSite.filter((c) => c.addressed && (zones.size === 0 || c.zones.some((z) => zones.has(z))));
  const asked = new Set(memory?.asked ?? []);
  for (const m of incident.media) asked.add(cameraKey(m.siteId, m.cameraId));
  const jobs: CaptureJob[] = [];
  for (const c of linked) {
    const key = cameraKey(c.siteId, c.cameraId);
    if (asked.has(key)) continue;
    asked.add(key);
    jobs.push({ siteId: c.siteId, cameraId: c.cameraId, kind: 'snapshot' });
    if (c.clip) jobs.push({ siteId: c.siteId, cameraId: c.cameraId, kind: 'clip' });
  }
  return { jobs, memory: { zones: new Set([...(memory?.zones ?? []), ...zones]), asked } };
}
