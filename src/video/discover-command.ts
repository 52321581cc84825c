/** `safegrid discover`: find ONVIF cameras, print them, and with `write` add them to a site file. */
import { resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { runDiscover, writeSiteFile } from './discover-cli.js';

export interface DiscoverCommand {
  root: string;
  interface?: string | undefined;
  probes: string[];
  multicast: boolean;
  timeoutMs: number;
  /** Site file to add the cameras to, relative to `root` (e.g. devices/shop-12.yaml). */
  write?: string | undefined;
}

export async function runDiscoverCommand(o: DiscoverCommand): Promise<number> {
  const { devices, output } = await runDiscover({
    ...(o.interface ? { interface: o.interface } : {}),
    probes: o.probes,
    multicast: o.multicast,
    timeoutMs: o.timeoutMs,
  });
  console.log(output);
  if (o.write) {
    // New cameras start at the map centre of hub.yaml until the installer fills in their location.
    const loaded = loadConfig(o.root, { env: process.env });
    const center = loaded.config?.hub.map.center ?? [26.594, 104.833];
    const w = writeSiteFile(resolve(o.root, o.write), devices, center);
    const already = w.alreadyThere.length ? `, ${w.alreadyThere.length} already there` : '';
    const what = `${w.created ? 'created' : 'updated'} ${o.write}: ${w.added.length} camera(s) added${already}`;
    console.log(`${what}. Fill in the TODOs, then run \`safegrid check\`.`);
  }
  return 0;
}
