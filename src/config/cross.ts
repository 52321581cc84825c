/**
 * Checks across site files: duplicate site ids and MQTT topics. The first claimant in the given
 * order keeps its claim; the later one is held back and its message names the first. Callers
 * order entries so that what is already running wins (the watcher puts unchanged files first), so
 * a new file can never knock an active site off the air.
 */
import type { Problem } from '../core/problems.js';
import { basesOverlap, zigbee2mqttBase } from '../profiles/housekeeping.js';
import type { BridgeConfig } from './model.js';
import type { SiteEntry } from './load-site.js';

interface Owner {
  file: string;
  what: string;
  line: number | null;
}

export interface AssembleResult {
  accepted: SiteEntry[];
  rejected: Map<string, Problem[]>;
}

const where = (o: Owner): string => `${o.what} in ${o.file}${o.line !== null ? ` (line ${o.line})` : ''}`;

export function assemble(entries: SiteEntry[], bridges: Array<BridgeConfig & { line?: number | null }>, hubFile: string): AssembleResult {
  const accepted: SiteEntry[] = [];
  const rejected = new Map<string, Problem[]>();
  const siteIds = new Map<string, Owner>();
  const topics = new Map<string, Owner>();
  // Bridges subscribe to a shared topic (frigate/events); a device bound to it would steal messages.
  for (const b of bridges) topics.set(b.topic, { file: hubFile, what: `bridge "${b.id}"`, line: b.line ?? null });
  // An MQTT user name picks the topic rights of whoever logs in with it: two owners would make
  // one of them able to publish as the other (or lock it out).
  const usernames = new Map<string, Owner>();
  for (const b of bridges) if (b.mqttUsername) usernames.set(b.mqttUsername, { file: hubFile, what: `bridge "${b.id}"`, line: null });
  // A zigbee2mqtt base topic belongs to one site (issue 17): its `<base>/bridge/request/…` topics
  // pair and remove devices, and `<base>/#` reads them all, so a second site on the same (or a
  // nested) base could unpair the first one's sensors.
  const z2mBases = new Map<string, Owner & { site: string }>();

  for (const e of entries) {
    const problems: Problem[] = [];
    const firstSite = siteIds.get(e.site.id);
    if (firstSite) {
      problems.push({
        code: 'SG_CONFIG_DUPLICATE_ID',
        severity: 'error',
        file: e.file,
        line: e.idLine,
        path: 'site.id',
        message: `site id "${e.site.id}" is already used by ${firstSite.file}${firstSite.line !== null ? ` (line ${firstSite.line})` : ''}`,
        hint: 'every site file needs its own site id; this file is held back',
      });
    }
    const mine = new Map<string, Owner>();
    for (const c of e.claims) {
      const device = e.site.devices[c.deviceIndex];
      for (const t of c.topics) {
        const other = topics.get(t) ?? mine.get(t);
        if (other) {
          const derived = device && t !== device.topic ? ` (derived by profile "${device.profile}" from "${device.topic}")` : '';
          problems.push({
            code: 'SG_CONFIG_DUPLICATE_TOPIC',
            severity: 'error',
            file: e.file,
            line: c.line,
            path: c.path,
            message: `device "${c.deviceId}": topic "${t}"${derived} is already used by ${where(other)}`,
            hint: 'each device needs its own topic, or the hub cannot tell whose alarm it is',
          });
          // One problem per device: its other derived topics collide for the same reason.
          break;
        }
        mine.set(t, { file: e.file, what: `device "${c.deviceId}"`, line: c.line });
      }
    }
    const myBases = new Map<string, Owner & { site: string }>();
    // One reason to hold a file back is enough: a topic clash usually is a base clash as well.
    const topicClash = problems.some((p) => p.code === 'SG_CONFIG_DUPLICATE_TOPIC');
    for (const c of topicClash ? [] : e.claims) {
      const device = e.site.devices[c.deviceIndex];
      const base = device ? zigbee2mqttBase(device) : null;
      if (!base || myBases.has(base)) continue;
      const other = [...z2mBases].find(([b]) => basesOverlap(b, base));
      if (other) {
        const [otherBase, owner] = other;
        const how = otherBase === base ? 'is already' : `overlaps "${otherBase}", which is`;
        problems.push({
          code: 'SG_CONFIG_DUPLICATE_TOPIC',
          severity: 'error',
          file: e.file,
          line: c.line,
          path: c.path,
          message:
            `device "${c.deviceId}": zigbee2mqtt base topic "${base}" ${how} the base of site "${owner.site}" (${where(owner)}); one site's zigbee2mqtt ` +
            `could then pair, remove or silence the other's devices`,
          hint:
            `give this site's zigbee2mqtt its own base_topic (configuration.yaml mqtt.base_topic), e.g. zigbee2mqtt-${e.site.id}, and write its devices' ` +
            `topics under it: zigbee2mqtt-${e.site.id}/<friendly name>`,
        });
        break;
      }
      myBases.set(base, { file: e.file, what: `device "${c.deviceId}"`, line: c.line, site: e.site.id });
    }
    const myLogins = new Map<string, Owner>();
    for (const l of e.logins ?? []) {
      const other = usernames.get(l.username) ?? myLogins.get(l.username);
      if (other) {
        problems.push({
          code: 'SG_CONFIG_DUPLICATE_ID',
          severity: 'error',
          file: e.file,
          line: l.line,
          path: l.path,
          message: `MQTT user name "${l.username}" of ${l.what} is already used by ${where(other)}`,
          hint: 'every device, site and bridge that logs in to the broker needs its own user name',
        });
        continue;
      }
      myLogins.set(l.username, { file: e.file, what: l.what, line: l.line });
    }
    if (problems.length > 0) {
      rejected.set(e.file, problems);
      continue;
    }
    siteIds.set(e.site.id, { file: e.file, what: 'site', line: e.idLine });
    for (const [t, o] of mine) topics.set(t, o);
    for (const [u, o] of myLogins) usernames.set(u, o);
    for (const [b, o] of myBases) z2mBases.set(b, o);
    accepted.push(e);
  }
  return { accepted, rejected };
}
