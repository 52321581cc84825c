/**
 * safegrid start | check | discover | simulate | demo | audit | user | broker-config — parses arguments and calls the module that does the work.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { runHubCommand } from './app/run.js';
import { runCheck } from './check.js';
import { SafeGridError } from './core/errors.js';
import { runSimulateCommand } from './simulate/run.js';
import { runAuditCommand } from './store/audit-command.js';
import { runBrokerConfigCommand } from './broker/mosquitto-command.js';
import { runUserCommand, terminalIo } from './auth/user-command.js';
import { runDiscoverCommand } from './video/discover-command.js';

const USAGE = `SafeGrid — security video and alarm integration hub

Usage:
  safegrid start    [--root DIR] [--http-port N] [--mqtt-port N] [--db FILE]
  safegrid check    [--root DIR]           validate config/ and devices/ without starting
  safegrid discover [--interface IP] [--probe ADDRESS[:PORT]]... [--timeout S] [--no-multicast]
                    [--write devices/<site>.yaml]   find ONVIF cameras (WS-Discovery); --write adds them to a site file
  safegrid simulate [--root DIR] [--url mqtt://127.0.0.1:1883] [--alarm-every SECONDS]
  safegrid demo     [--root DIR] ...       start the hub and the simulator together
  safegrid audit verify [--root DIR] [--db FILE] [--anchor FILE]   check the audit trail's hash chain and its anchor
  safegrid user add <name> --role admin|operator|guard|installer [--station ID] [--group GROUP]
                    [--display-name TEXT] [--password-stdin]    add a login (config/users.yaml)
  safegrid user passwd <name> [--password-stdin]   set a new password
  safegrid user disable <name>                     block a login; its sessions end
  safegrid broker-config mosquitto [--root DIR] [--out DIR]
                    Mosquitto password file and ACL (external broker) from the device logins and topic rights

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
      anchor: { type: 'string' },
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
      out: { type: 'string' },
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
    case 'broker-config':
      return runBrokerConfigCommand({ root, positionals, out: values.out });
    case 'audit':
      return runAuditCommand({ root, positionals, db: values.db, anchor: values.anchor });
    case 'discover': {
      const seconds = Number(values.timeout ?? 3);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60) throw new Error(`--timeout: got "${values.timeout}"; expected seconds 0–60`);
      return runDiscoverCommand({
        root,
        interface: values.interface,
        probes: values.probe ?? [],
        multicast: !values['no-multicast'],
        timeoutMs: seconds * 1000,
        write: values.write,
      });
    }
    case 'check': {
      const { exitCode, output } = runCheck(root, process.env);
      (exitCode === 0 ? console.log : console.error)(output);
      return exitCode;
    }
    case 'start':
    case 'demo':
      return runHubCommand({
        root,
        httpPort: port('http-port', values['http-port']),
        mqttPort: port('mqtt-port', values['mqtt-port']),
        storagePath: values.db ? resolve(values.db) : undefined,
        demo: command === 'demo' ? { url: values.url, alarmEverySeconds: Number(values['alarm-every'] ?? 15) } : undefined,
      });
    case 'simulate':
      return runSimulateCommand({ root, url: values.url, alarmEverySeconds: Number(values['alarm-every'] ?? 15) });
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
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
