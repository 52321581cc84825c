/**
 * Run inside a fresh network namespace (see video-discovery.test.ts): N simulated cameras join
 * 239.255.255.250 on loopback, the hub's discover() multicasts a Probe, and the result is printed
 * as JSON. Loopback in the root namespace has no multicast (FIELD-NOTES), so this is the only
 * place multicast discovery is tested.
 */
import { discover } from '../../../src/video/onvif/discover.js';
import { SimCamera } from '../../../src/simulate/onvif-camera/camera.js';

const n = Number(process.argv[2] ?? 3);
const cams: SimCamera[] = [];
for (let i = 0; i < n; i++)
  cams.push(await new SimCamera({ name: `NsCam-${i + 1}`, discovery: { address: '127.0.0.1', port: 3702, multicast: true } }).start());
const r = await discover({ interface: '127.0.0.1', multicast: true, timeoutMs: 3000 });
console.log(JSON.stringify({ names: r.devices.map((d) => d.name).sort(), xaddrs: r.devices.map((d) => d.xaddrs[0]), skipped: r.skipped }));
await Promise.all(cams.map((c) => c.stop()));
process.exit(0);
