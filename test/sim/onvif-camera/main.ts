/**
 * Run simulated cameras by hand: `npx tsx test/sim/onvif-camera/main.ts --count 2 --port 18081`
 * (ports 18081, 18082, …) with `--discovery 127.0.0.1` to answer WS-Discovery on UDP 3702 of that
 * address (`--multicast` to join 239.255.255.250 there, inside a network namespace).
 * `--strict` requires WS-Addressing on event requests; `--reference-parameters` hands out subscription
 * ids in wsa:ReferenceParameters and requires them echoed (issue 16).
 * Type `motion`, `tamper`, `input`, `offline`, `online`, `wrong`, `slow`, `bad` on stdin.
 */
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { SimCamera } from '../../../src/simulate/onvif-camera/camera.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '18081' },
    user: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'sim-pass-1' },
    discovery: { type: 'string' },
    'discovery-port': { type: 'string', default: '3702' },
    multicast: { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    'reference-parameters': { type: 'boolean', default: false },
  },
});

const cams: SimCamera[] = [];
for (let i = 0; i < Number(values.count); i++) {
  const cam = new SimCamera({
    host: values.host,
    port: Number(values.port) + i,
    username: values.user,
    password: values.password,
    name: `SimCam-${i + 1}`,
    strictAddressing: values.strict,
    referenceParameters: values['reference-parameters'],
    discovery: values.discovery ? { address: values.discovery, port: Number(values['discovery-port']), multicast: values.multicast } : null,
  });
  await cam.start();
  cams.push(cam);
  console.log(`camera ${i + 1}: ${cam.xaddr}  user ${values.user}`);
}
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  for (const c of cams) {
    if (cmd === 'motion' || cmd === 'tamper' || cmd === 'input') c.trigger(cmd);
    else if (cmd === 'clear') for (const k of ['motion', 'tamper', 'input'] as const) c.trigger(k, false);
    else if (cmd === 'offline') void c.goOffline();
    else if (cmd === 'online') void c.goOnline();
    else if (cmd === 'wrong') c.state.wrongPassword = !c.state.wrongPassword;
    else if (cmd === 'slow') c.state.delayMs = c.state.delayMs ? 0 : 3000;
    else if (cmd === 'bad') c.state.misbehave = c.state.misbehave === 'none' ? 'malformed' : 'none';
  }
  console.log(`ok: ${cmd}`);
});
const stop = async (): Promise<void> => {
  await Promise.all(cams.map((c) => c.stop()));
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
