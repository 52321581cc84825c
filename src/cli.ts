/**
 * safegrid start | check | simulate | demo — parses arguments and calls the modules; nothing else.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { startHub, type Hub } from './app.js';
import { loadConfig, formatProblems, runCheck } from './config/index.js';
import { createRootLogger, moduleLogger } from './core/logger.js';
import { SafeGridError } from './core/errors.js';
import { Simulator } from './simulate/simulator.js';
import { startDemoCameras } from './simulate/demo-cameras.js';
import { verifyAuditFile } from './store/verify.js';
import { runUserCommand, terminalIo } from './auth/user-command.js';
import { runDiscover, writeSiteFile } from './video/discover-cli.js';

const USAGE = `SafeGrid — security video and alarm integration hub

Usage:
  safegrid start    [--root DIR] [--http-port N] [--mqtt-port N] [--db FILE]
  safegrid check    [--root DIR]           validate config/ and devices/ without starting
  safegrid discover [--interface IP] [--probe ADDRESS[:PORT]]... [--timeout S] [--no-multicast]
                    [--write devices/<site>.yaml]   find ONVIF cameras (WS-Discovery); --write adds them to a site file
  safegrid simulate [--root DIR] [--url mqtt://127.0.0.1:1883] [--alarm-every SECONDS]
  safegrid demo     [--root DIR] ...       start the hub and the simulator together
  safegrid audit verify [--root DIR] [--db FILE]   check the audit trail's hash chain
  safegrid user add <name> --role admin|operator|guard|installer [--station ID] [--group GROUP]
                    [--display-name TEXT] [--password-stdin]    add a login (config/users.yaml)
  safegrid user passwd <name> [--password-stdin]   set a new password
  safegrid user disable <name>                     block a login; its sessions end

DIR holds config/ and devices/ (default: the current directory).`;

async function main(argv: string[]): Promise<number> {
  // `safegrid --help` / `-h` asks for the usage, like `safegrid help`.
  const [command, ...rest] = argv[0] === '--help' || argv[0] === '-h' ? ['help', ...argv.slice(1)] : argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      root: { type: 'string', default: '.' },
      'http-port': { type: 'string' },
      'mqtt-port': { type: 'string' },
      db: { type: 'string' },
      url: { type: 'string' },
      'alarm-every': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      role: { type: 'string' },
      station: { type: 'string' },
      group: { type: 'string' },
      'display-name': { type: 'string' },
      'password-stdin': { type: 'boolean' },
      interface: { type: 'string' },
      probe: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      write: { type: 'string' },
      'no-multicast': { type: 'boolean' },
    },
    allowPositionals: true,
  });
  const root = resolve(values.root ?? '.');
  if (values.help || !command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const port = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(`--${name}: got "${v}"; expected a port 0–65535`);
    return Number(v);
  };

  switch (command) {
    case 'user':
      return runUserCommand(
        {
          root,
          positionals,
          role: values.role,
          station: values.station,
          group: values.group,
          displayName: values['display-name'],
          passwordStdin: values['password-stdin'],
        },
        terminalIo(),
      );
    case 'audit': {
      // `safegrid audit verify`: the audit trail is evidence; say whether it is intact, and if not, where.
      if (positionals[0] !== 'verify') {
        console.error('usage: safegrid audit verify [--root DIR] [--db FILE]');
        return 2;
      }
      const dbPath = values.db ? resolve(values.db) : auditDbPath(root);
      const verdict = verifyAuditFile(dbPath);
      if (verdict.ok) {
        console.log(`audit trail intact: ${verdict.rows} rows, last hash ${verdict.lastHash.slice(0, 16)}… (${dbPath})`);
        return 0;
      }
      console.error(`audit trail BROKEN at row ${verdict.seq}: ${verdict.problem} (${dbPath}; ${verdict.rows} rows read)`);
      return 1;
    }
    case 'discover': {
      const seconds = Number(values.timeout ?? 3);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60) throw new Error(`--timeout: got "${values.timeout}"; expected seconds 0–60`);
      const { devices, output } = await runDiscover({
        ...(values.interface ? { interface: values.interface } : {}),
        probes: values.probe ?? [],
        multicast: !values['no-multicast'],
        timeoutMs: seconds * 1000,
      });
      console.log(output);
      if (values.write) {
        const loaded = loadConfig(root, { env: process.env });
        const center = loaded.config?.hub.map.center ?? [26.594, 104.833];
        const w = writeSiteFile(resolve(root, values.write), devices, center);
        console.log(`${w.created ? 'created' : 'updated'} ${values.write}: ${w.added.length} camera(s) added${w.alreadyThere.length ? `, ${w.alreadyThere.length} already there` : ''}. Fill in the TODOs, then run \`safegrid check\`.`);
      }
      return 0;
    }
    case 'check': {
      const { exitCode, output } = runCheck(root, process.env);
      (exitCode === 0 ? console.log : console.error)(output);
      return exitCode;
    }
    case 'start':
    case 'demo': {
      // The demo's cameras answer before the hub's first health poll, so they start online.
      let cameras: { count: number; stop(): Promise<void> } | null = null;
      if (command === 'demo') {
        const loaded = loadConfig(root, { env: process.env });
        if (loaded.config) cameras = await startDemoCameras(loaded.config, moduleLogger(createRootLogger(), 'simulate'));
      }
      const hub = await startHub({
        rootDir: root,
        httpPort: port('http-port', values['http-port']),
        mqttPort: port('mqtt-port', values['mqtt-port']),
        ...(values.db ? { storagePath: resolve(values.db) } : {}),
      });
      let sim: Simulator | null = null;
      if (command === 'demo') {
        const mqttHost = hub.config.hub.mqtt.host === '0.0.0.0' ? '127.0.0.1' : hub.config.hub.mqtt.host;
        sim = new Simulator({
          url: values.url ?? `mqtt://${mqttHost}:${hub.mqttPort ?? 1883}`,
          config: hub.config,
          log: moduleLogger(hub.log, 'simulate'),
          alarmEverySeconds: Number(values['alarm-every'] ?? 15),
        });
        await sim.start();
      }
      guardProcess(hub);
      console.error(
        `SafeGrid is running: console http://127.0.0.1:${hub.httpPort}/  MQTT ${hub.config.hub.mqtt.mode === 'embedded' ? `port ${hub.mqttPort}` : 'external'}  (Ctrl-C stops)`,
      );
      await waitForSignal(hub, sim);
      await cameras?.stop();
      return 0;
    }
    case 'simulate': {
      const loaded = loadConfig(root, { env: process.env });
      if (!loaded.config) {
        console.error(formatProblems(loaded.problems));
        return 1;
      }
      const log = moduleLogger(createRootLogger(), 'simulate');
      const sim = new Simulator({
        url: values.url ?? `mqtt://127.0.0.1:${loaded.config.hub.mqtt.port}`,
        config: loaded.config,
        log,
        alarmEverySeconds: Number(values['alarm-every'] ?? 15),
      });
      await sim.start();
      await waitForSignal(null, sim);
      return 0;
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** The database the hub at `root` writes, from its hub.yaml (default data/safegrid.db). */
function auditDbPath(root: string): string {
  const loaded = loadConfig(root, { env: process.env });
  return resolve(root, loaded.config?.hub.storage.path ?? 'data/safegrid.db');
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

function waitForSignal(hub: Hub | null, sim: Simulator | null): Promise<void> {
  return new Promise((done) => {
    const stop = async (): Promise<void> => {
      await sim?.stop();
      await hub?.stop();
      done();
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof SafeGridError) console.error(err.message);
    else console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  },
);
