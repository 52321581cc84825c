import type { DeviceState } from '../profiles/types.js';

/** A mode the panel itself announces that the hub acts on. */
export type PanelModeChange = 'walk_test_start' | 'walk_test_end';

/**
 * The panel's own walk-test mode from its decoded state: Contact ID 607 "walk test mode" (SIA
 * DC-05 event table, 6xx test/misc) — E607 when the installer enters it at the keypad, R607 when
 * it ends. The decoder keeps the last event as `last_cid`; only a change counts, so a panel's
 * resend of E607 does not start a second test. Pure.
 */
export function panelModeChange(before: DeviceState | undefined, after: DeviceState): PanelModeChange | null {
  const was = before?.last_cid;
  const now = after.last_cid;
  if (now === was) return null;
  if (now === 'E607') return 'walk_test_start';
  if (now === 'R607') return 'walk_test_end';
  return null;
}
