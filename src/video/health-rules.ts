/**
 * Camera health as a pure state machine: what one poll's outcome does to a camera's availability,
 * and which event (if any) the hub must raise for it. No timers, no network, no clock of its own —
 * the shell (health.ts) polls and passes the time in.
 *
 *   unknown/online --N failed polls in a row--> offline   raises trouble.offline once
 *   any but offline --a refused login (conclusive)--> offline  raises trouble.offline at once
 *   offline        --one good poll-------------> online    raises restore
 *   pending_install --failed polls---------------> pending_install   raises nothing
 *   pending_install --one good poll--------------> online            raises nothing
 *
 * A camera nobody has put up yet (the sample district on a fresh start) is not an outage.
 */
import type { Camera } from '../config/model.js';
import { message, type Coded } from '../contract/messages.js';

/** `pending_install` (待安装): never answered since the hub started, and not declared `installed`. */
export type CameraAvailability = 'online' | 'offline' | 'unknown' | 'disabled' | 'pending_install';

export interface CameraHealthState {
  availability: CameraAvailability;
  /** Why it is offline or disabled (or why the last poll failed), in words. */
  reason: string | null;
  /** Failed polls in a row. */
  failures: number;
  lastOkMs: number | null;
}

/**
 * `conclusive`: the camera answered, and the answer itself says it cannot serve us (it refused the
 * login). Waiting N polls would only keep a camera "online" whose every snapshot fails with 401.
 */
export type PollOutcome = { ok: true } | { ok: false; reason: string; conclusive?: boolean };

export interface HealthAnnouncement {
  kind: 'trouble.offline' | 'restore';
  detail: string;
  /** The detail as a code for the page (src/contract/messages.ts). */
  message?: Coded;
}

export interface HealthStep {
  state: CameraHealthState;
  announce: HealthAnnouncement | null;
}

/**
 * A camera entering the registry. One whose address changed starts afresh, but one that was
 * offline stays offline until a poll proves otherwise (so its restore is still reported).
 */
export function initialHealth(camera: Pick<Camera, 'disabledReason' | 'installed'>, previous: CameraAvailability | null): CameraHealthState {
  return {
    availability: camera.disabledReason
      ? 'disabled'
      : previous === 'offline'
        ? 'offline'
        : previous === null || previous === 'pending_install'
          ? camera.installed
            ? 'unknown'
            : 'pending_install'
          : 'unknown',
    reason: camera.disabledReason ?? null,
    failures: 0,
    lastOkMs: null,
  };
}

export function afterPoll(state: CameraHealthState, outcome: PollOutcome, o: { offlineAfter: number; now: number; cameraName: string }): HealthStep {
  if (outcome.ok) {
    const next: CameraHealthState = { availability: 'online', reason: null, failures: 0, lastOkMs: o.now };
    const announce =
      state.availability === 'offline'
        ? { kind: 'restore' as const, detail: `camera ${o.cameraName} back online`, message: message('camera.back_online', { camera: o.cameraName }) }
        : null;
    return { state: next, announce };
  }
  const failures = state.failures + 1;
  // A refused login proves the camera is installed and answering: it is a fault, not "pending".
  if (state.availability === 'pending_install' && !outcome.conclusive) return { state: { ...state, failures, reason: outcome.reason }, announce: null };
  const goesOffline = (failures >= o.offlineAfter || outcome.conclusive === true) && state.availability !== 'offline';
  // Until the threshold the camera keeps its availability: one lost poll is not an outage.
  const next: CameraHealthState = { ...state, failures, reason: outcome.reason, availability: goesOffline ? 'offline' : state.availability };
  const announce = goesOffline
    ? {
        kind: 'trouble.offline' as const,
        detail: `camera ${o.cameraName} ${outcome.reason} (${failures} polls)`,
        message: message('camera.offline', { camera: o.cameraName, polls: failures, reason: outcome.reason }),
      }
    : null;
  return { state: next, announce };
}
