/**
 * The 110 workflow's view of a config (dispatch's `WorkflowConfig` is this type): the
 * 警情类别/性质 list and close rules, each station's units and its name as a 转警 target, each site's
 * contacts, verbal password reference, guard_first and guard group. Built once per config load by
 * RunningConfig, so a command or a new incident reads Maps, and a hot reload applies to the next one.
 */
import type { DispatchedUnit } from '../contract/incident.js';
import type { ConfigDirectory } from './directory.js';
import type { Config } from './model.js';

export interface WorkflowView {
  natures: readonly string[];
  closeBeforeDispatch: readonly string[];
  /** The units a station dispatches (stations.yaml `units:`); none when the site is outside every cell. */
  units(stationId: string | null): readonly DispatchedUnit[];
  /** A station as a transfer (转警) target. */
  station(stationId: string): { id: string; name: string; tier: string } | undefined;
  site(
    siteId: string,
  ): { contacts: ReadonlyArray<{ name: string }>; verbalPassword: string | null; guardFirst: boolean; guardGroup: string | null } | undefined;
}

export function workflowView(config: Config, directory: ConfigDirectory): WorkflowView {
  const units = new Map<string, readonly DispatchedUnit[]>();
  for (const s of config.stations)
    units.set(
      s.id,
      (s.units ?? []).map((u) => ({ ...u, stationId: s.id })),
    );
  return {
    natures: config.hub.triage.natures.map((n) => n.code),
    closeBeforeDispatch: config.hub.triage.closeBeforeDispatch,
    units: (stationId) => (stationId === null ? [] : (units.get(stationId) ?? [])),
    station: (stationId) => {
      const s = directory.station(stationId);
      return s ? { id: s.id, name: s.name, tier: s.tier } : undefined;
    },
    site: (siteId) => {
      const s = directory.site(siteId);
      return s ? { contacts: s.contacts, verbalPassword: s.verbalPassword ?? null, guardFirst: s.guardFirst ?? false, guardGroup: s.guardGroup } : undefined;
    },
  };
}
