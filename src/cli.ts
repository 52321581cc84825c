/**
 * safegrid start | check | discover | simulate | demo | audit | report | user | site | broker-config | walktest — parses arguments and calls
 * the module that does the work.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { SafeGridError } from './core/errors.js';
import { languageOfRoot } from './config/language.js';
import { message, type Language } from './core/installer-messages.js';

// Each command's module is imported when that command runs: `check` and `--help` must not load the
// whole hub (express, socket.io, aedes, video) first — that was most of `check`'s start-up time.

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
      // safegrid simulate --drill
      drill: { type: 'boolean' },
      scenario: { type: 'string' },
      'hub-url': { type: 'string' },
      user: { type: 'string' },
      minutes: { type: 'string' },
      // safegrid site new
      id: { type: 'string' },
      name: { type: 'string' },
      kind: { type: 'string' },
      address: { type: 'string' },
      'door-plate': { type: 'string' },
      location: { type: 'string' },
      contact: { type: 'string', multiple: true },
      'guard-group': { type: 'string' },
      pole: { type: 'string' },
      crs: { type: 'string' },
      date: { type: 'string' },
      month: { type: 'string' },
      community: { type: 'string' },
      period: { type: 'string' },
      format: { type: 'string' },
      table: { type: 'string' },
      lang: { type: 'string' },
    },
    allowPositionals: true,
  });
  const root = resolve(values.root ?? '.');
  if (values.help || !command || command === 'help') {
    console.log(usage(helpLanguage(root)));
    return command ? 0 : 2;
  }
  const port = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new Error(`--${name}: got "${v}"; expected a port 0–65535`);
    return Number(v);
  };

  switch (command) {
    case 'user': {
      const { runUserCommand, terminalIo } = await import('./auth/user-command.js');
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
    }
    case 'site': {
      const { runSiteNewCommand } = await import('./config/site-new-command.js');
      return runSiteNewCommand({
        root,
        positionals,
        language: helpLanguage(root),
        interactive: process.stdin.isTTY === true,
        answers: {
          id: values.id,
          name: values.name,
          kind: values.kind,
          address: values.address,
          doorPlate: values['door-plate'],
          location: values.location,
          contacts: values.contact ?? [],
          guardGroup: values['guard-group'],
          pole: values.pole,
          crs: values.crs,
        },
      });
    }
    case 'broker-config': {
      const { runBrokerConfigCommand } = await import('./broker/mosquitto-command.js');
      return runBrokerConfigCommand({ root, positionals, out: values.out });
    }
    case 'audit': {
      const { runAuditCommand } = await import('./store/audit-command.js');
      return runAuditCommand({ root, positionals, db: values.db, anchor: values.anchor });
    }
    case 'report': {
      const { runReportCommand } = await import('./reports/report-command.js');
      return runReportCommand(
        {
          root,
          positionals,
          date: values.date,
          month: values.month,
          station: values.station,
          community: values.community,
          period: values.period,
          format: values.format,
          table: values.table,
          lang: values.lang,
          out: values.out,
          db: values.db,
        },
        { stdout: (b) => process.stdout.write(b), stderr: (t) => process.stderr.write(t) },
      );
    }
    case 'discover': {
      const seconds = Number(values.timeout ?? 3);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60) throw new Error(`--timeout: got "${values.timeout}"; expected seconds 0–60`);
      const { runDiscoverCommand } = await import('./video/discover-command.js');
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
      const { runCheck } = await import('./check.js');
      const { exitCode, output } = runCheck(root, process.env);
      (exitCode === 0 ? console.log : console.error)(output);
      return exitCode;
    }
    case 'start':
    case 'demo': {
      const { runHubCommand } = await import('./app/run.js');
      return runHubCommand({
        root,
        httpPort: port('http-port', values['http-port']),
        mqttPort: port('mqtt-port', values['mqtt-port']),
        storagePath: values.db ? resolve(values.db) : undefined,
        demo: command === 'demo' ? { url: values.url, alarmEverySeconds: Number(values['alarm-every'] ?? 15) } : undefined,
      });
    }
    case 'walktest': {
      const { runWalktestCommand } = await import('./commissioning/walktest-command.js');
      const { terminalIo } = await import('./auth/user-command.js');
      const io = terminalIo();
      return runWalktestCommand({
        positionals,
        url: values.url ?? 'http://127.0.0.1:8080',
        user: values.user ?? 'installer',
        minutes: values.minutes,
        password: () => io.readPassword('password: ', values['password-stdin'] ?? false),
        out: io.out,
        err: io.err,
      });
    }
    case 'simulate': {
      const { runSimulateCommand, drillOptions } = await import('./simulate/run.js');
      const args = { hubUrl: values['hub-url'], user: values.user, minutes: values.minutes, scenario: values.scenario };
      const checked = values.drill ? drillOptions(args, process.env) : null;
      if (checked && 'error' in checked) {
        console.error(checked.error);
        return 2;
      }
      return runSimulateCommand({ root, url: values.url, alarmEverySeconds: Number(values['alarm-every'] ?? 15), drill: checked?.drill });
    }
    default:
      console.error(`unknown command "${command}"\n\n${usage(helpLanguage(root))}`);
      return 2;
  }
}

function usage(language: Language): string {
  return `${message('HELP_USAGE', {}, language)}\n\n${message('HELP_LANGUAGE', {}, language)}`;
}

/** hub.yaml's `language:` read cheaply (help must not load and validate the whole config), else LANG. */
function helpLanguage(root: string): Language {
  return languageOfRoot(root, process.env);
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
