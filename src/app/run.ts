/**
 * `safegrid start` and `safegrid demo`: a hub in this process until SIGINT/SIGTERM; the demo adds
 * simulated cameras and the alarm simulator beside it.
 */
import { loadConfig } from '../config/index.js';
import { createRootLogger, moduleLogger } from '../core/logger.js';
import { hardStopAfter, stopSignals } from '../core/signals.js';
import { resolveLanguage, sayIn } from '../core/installer-messages.js';
import { startDemoCameras } from '../simulate/demo-cameras.js';
import { Simulator } from '../simulate/simulator.js';
import { startHub, type Hub } from '../app.js';
import { DEFAULT_DRAIN } from '../config/model.js';

export interface RunCommand {
  root: string;
  httpPort?: number | undefined;
  mqttPort?: number | undefined;
  /** Database file (absolute); absent: hub.yaml's. */
  storagePath?: string | undefined;
  /** Set for `safegrid demo`. */
  demo?: { url?: string | undefined; alarmEverySeconds: number } | undefined;
}

export async function runHubCommand(o: RunCommand): Promise<number> {
  // Listening before anything starts: a signal during start-up stops the hub as soon as it is up.
  const signals = stopSignals();
  // The demo's cameras answer before the hub's first health poll, so they start online.
  let cameras: { count: number; stop(): Promise<void> } | null = null;
  if (o.demo) {
    const loaded = loadConfig(o.root, { env: process.env });
    if (loaded.config) cameras = await startDemoCameras(loaded.config, moduleLogger(createRootLogger(), 'simulate'));
  }
  const hub = await startHub({
    rootDir: o.root,
    httpPort: o.httpPort,
    mqttPort: o.mqttPort,
    ...(o.storagePath ? { storagePath: o.storagePath } : {}),
  });
  let sim: Simulator | null = null;
  if (o.demo) {
    const mqttHost = hub.config.hub.mqtt.host === '0.0.0.0' ? '127.0.0.1' : hub.config.hub.mqtt.host;
    sim = new Simulator({
      url: o.demo.url ?? `mqtt://${mqttHost}:${hub.mqttPort ?? 1883}`,
      config: hub.config,
      log: moduleLogger(hub.log, 'simulate'),
      alarmEverySeconds: o.demo.alarmEverySeconds,
    });
    await sim.start();
  }
  guardProcess(hub);
  const mqtt = hub.config.hub.mqtt.mode === 'embedded' ? `port ${hub.mqttPort}` : 'external';
  // The PID is this process, the hub itself (npm start execs it): a SIGINT or SIGTERM to it stops the hub.
  const say = sayIn(resolveLanguage(hub.config.hub.language, process.env));
  console.error(say('HUB_RUNNING', { scheme: hub.https ? 'https' : 'http', http: hub.httpPort, mqtt, pid: process.pid }));
  // A guard checks this against what the phone shows before accepting a self-signed certificate.
  if (hub.https) console.error(say('HUB_TLS_FINGERPRINT', { fingerprint: hub.https.fingerprint }));
  const signal = await signals.first;
  const log = moduleLogger(hub.log, 'process');
  log.info({ signal }, say('HUB_STOPPING'));
  // hub.yaml `drain.timeout`: the drain paces itself to end within it; this ends the process if it does not.
  const cancel = hardStopAfter(signals, (hub.config.hub.drain ?? DEFAULT_DRAIN).timeoutMs, (why) => {
    log.error({ signal, why }, say('HUB_STOP_FORCED', { why }));
    exitAfterLog(hub, 1);
  });
  await sim?.stop();
  // Not ready at once, no new connections, in-flight alarms committed and acknowledged, then the stop (lifecycle.ts).
  await hub.drain();
  await cameras?.stop();
  cancel();
  // Exit now rather than when the last handle closes: a leftover keep-alive socket or timer must
  // not keep the ports and the PID alive after the hub said it stopped.
  exitAfterLog(hub, 0);
  return 0;
}

function exitAfterLog(hub: Hub, code: number): void {
  // The log destination is asynchronous: flush it, and exit regardless within 200 ms.
  setTimeout(() => process.exit(code), 200).unref();
  hub.log.flush(() => process.exit(code));
}

/**
 * Last-resort handlers for the long-running commands.
 *
 * - An unhandled promise rejection is a bug in one piece of work (one message, one request, one
 *   camera poll) whose state is otherwise intact: it is logged with its stack, counted
 *   (`sg_process_unhandled_rejections_total`) and the hub keeps serving alarms.
 * - An uncaught exception leaves the code that threw half-way through with unknown state (a
 *   half-updated queue, a socket in a bad state); going on could acknowledge alarms the hub no
 *   longer handles right. Everything acknowledged is already in SQLite (the PUBACK waits for the
 *   commit) and open incidents are rebuilt on start, so the safe answer is to log it and exit
 *   non-zero at once, and let the supervisor (systemd `Restart=always`, Docker `restart:`) start a
 *   clean process — devices resend what was not acknowledged.
 */
function guardProcess(hub: Hub): void {
  const log = moduleLogger(hub.log, 'process');
  const rejections = hub.metrics.counter('sg_process_unhandled_rejections_total', 'Unhandled promise rejections (logged; the hub kept running)');
  process.on('unhandledRejection', (reason) => {
    rejections();
    log.error({ err: reason instanceof Error ? reason : new Error(String(reason)) }, 'unhandled promise rejection; kept running');
  });
  process.on('uncaughtException', (err, origin) => {
    log.fatal({ err, origin }, 'uncaught exception; exiting so the supervisor restarts a clean process');
    // The log destination is asynchronous: flush it, and exit regardless within half a second.
    setTimeout(() => process.exit(70), 500);
    log.flush(() => process.exit(70));
  });
}
