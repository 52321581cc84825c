/**
 * The scenarios `safegrid simulate --drill` plays (issue 15), as plans: which device raises which
 * alarm. Pure: the config in, the alarms out. Only panels whose wire format can say any kind (native
 * JSON, Contact ID) play them; a zigbee sensor can only say what it senses.
 */
import type { EventKind } from '../contract/alarm-event.js';
import type { Config, Device, Site } from '../config/model.js';

export const DRILL_SCENARIOS = ['burglary', 'fire', 'mains'] as const;
/** burglary: two intrusion zones of one site (sequential confirmation); fire: one fire alarm; mains: every panel loses mains (a power cut). */
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

export interface PlannedAlarm {
  siteId: string;
  deviceId: string;
  kind: EventKind;
  zone: number | null;
}

const INTRUSION_ZONES = new Set(['entry', 'interior', 'perimeter']);
const playable = (d: Device): boolean => d.profile === 'native' || d.profile === 'contact-id';

function panels(config: Config): Array<{ site: Site; device: Device }> {
  return config.sites.flatMap((site) => site.devices.filter(playable).map((device) => ({ site, device })));
}

/** The alarms of one scenario; empty when the config has no device that can play it. */
export function planScenario(config: Config, scenario: DrillScenario): PlannedAlarm[] {
  const all = panels(config);
  switch (scenario) {
    case 'burglary': {
      const pick = all.find(({ device }) => device.zones.filter((z) => INTRUSION_ZONES.has(z.type)).length >= 2);
      if (!pick) return [];
      const zones = pick.device.zones.filter((z) => INTRUSION_ZONES.has(z.type)).slice(0, 2);
      return zones.map((z) => ({ siteId: pick.site.id, deviceId: pick.device.id, kind: 'burglary' as const, zone: z.number }));
    }
    case 'fire': {
      const pick = all.find(({ device }) => device.zones.some((z) => z.type === 'fire' || z.type === 'smoke')) ?? all[0];
      if (!pick) return [];
      const zone = pick.device.zones.find((z) => z.type === 'fire' || z.type === 'smoke')?.number ?? null;
      return [{ siteId: pick.site.id, deviceId: pick.device.id, kind: 'fire', zone }];
    }
    case 'mains':
      return all.map(({ site, device }) => ({ siteId: site.id, deviceId: device.id, kind: 'trouble.ac_loss' as const, zone: null }));
  }
}

/** The sites a set of scenarios touches: what the drill must cover before the first alarm is sent. */
export function scenarioSites(config: Config, scenarios: readonly DrillScenario[]): string[] {
  return [...new Set(scenarios.flatMap((s) => planScenario(config, s).map((a) => a.siteId)))];
}
