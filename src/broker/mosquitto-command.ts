/**
 * `safegrid broker-config mosquitto [--root DIR] [--out DIR]`: writes Mosquitto's password file and
 * ACL from the logins and topic rights the embedded broker enforces (topic-rights.ts,
 * mosquitto-config.ts), so that external-broker mode keeps every device to its own topics.
 * Passwords come from their references (environment, config/secrets.yaml) as at start-up; only
 * their hashes are written, both files 0600, and nothing secret is printed.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatProblems } from '../config/report.js';
import { loadConfig } from '../config/load.js';
import { MOSQUITTO_HASH, mosquittoFiles } from './mosquitto-config.js';
import { deriveTopicRights } from './topic-rights.js';

export interface BrokerConfigCommand {
  root: string;
  /** [broker]; only `mosquitto` exists. */
  positionals: string[];
  /** Where the files go; absent: `<root>/data/mosquitto` (data/ is kept out of version control). */
  out?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) };

export const PASSWORD_FILE = 'passwd';
export const ACL_FILE = 'acl';

/** Exit code: 0 written, 1 a problem (nothing written), 2 usage. */
export function runBrokerConfigCommand(o: BrokerConfigCommand, io: CommandIo = consoleIo): number {
  if (o.positionals[0] !== 'mosquitto' || o.positionals.length > 1) {
    io.err('usage: safegrid broker-config mosquitto [--root DIR] [--out DIR]');
    return 2;
  }
  const loaded = loadConfig(o.root, { env: o.env ?? process.env });
  const errors = loaded.problems.filter((p) => p.severity === 'error');
  if (!loaded.config || !loaded.profiles) {
    io.err(formatProblems(errors));
    io.err('Nothing written: fix config/ first (safegrid check shows every problem).');
    return 1;
  }
  if (loaded.heldBack.length > 0) {
    // The running hub leaves them out too; say so, so nobody wonders why a site cannot connect.
    io.err(`Left out until their files are fixed (safegrid check): ${loaded.heldBack.map((h) => h.file).join(', ')}`);
  }
  const config = loaded.config;
  const files = mosquittoFiles({
    rights: deriveTopicRights(config, loaded.profiles),
    hub: { username: config.hub.mqtt.username, password: config.hub.mqtt.password },
    salt: () => randomBytes(MOSQUITTO_HASH.saltBytes),
  });
  if (!files.ok) {
    for (const p of files.problems) io.err(`${p.code}  ${p.message}`);
    io.err('Nothing written.');
    return 1;
  }
  for (const w of files.warnings) io.err(`warning: ${w}`);

  const dir = resolve(o.out ?? join(o.root, 'data', 'mosquitto'));
  mkdirSync(dir, { recursive: true });
  const passwordPath = join(dir, PASSWORD_FILE);
  const aclPath = join(dir, ACL_FILE);
  writePrivate(passwordPath, files.passwordFile);
  writePrivate(aclPath, files.aclFile);

  io.out(`wrote ${passwordPath} (${files.logins} logins, hashed) and ${aclPath}, both mode 0600`);
  if (config.hub.mqtt.mode !== 'external') io.out('note: hub.yaml has mqtt.mode: embedded; set mode: external and mqtt.url to use Mosquitto');
  io.out('');
  io.out('In mosquitto.conf (Mosquitto 2.0):');
  io.out('  allow_anonymous false');
  io.out(`  password_file ${passwordPath}`);
  io.out(`  acl_file ${aclPath}`);
  io.out('');
  io.out(`The files are 0600: let the user Mosquitto runs as own them (chown mosquitto: ${passwordPath} ${aclPath}).`);
  io.out('After every change in devices/ run this again and reload Mosquitto (kill -HUP <pid>); restart the hub after a change of its login.');
  return 0;
}

/** Write-then-rename, created 0600: a reader sees the old file or the new one, never half, and never with wider rights. */
function writePrivate(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
