/**
 * Child process: a real hub on a generated district. Prints its ports as one JSON line.
 * Arguments: sites [side of the cell grid] [existing tree root] [log level, default warn]. At
 * `info` (the start-up measurement) it also reports how many installer files came from the parse
 * cache; under load it stays at `warn`, so logging costs the measured hub nothing extra.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startHub } from '../src/app.js';
import { createRootLogger } from '../src/core/logger.js';
import { benchTree, benchUsersYaml } from './tree.js';

const t0 = performance.now();
const sites = Number(process.argv[2] ?? 1000);
const side = Number(process.argv[3] ?? 10);
const root = process.argv[4] ?? benchTree(sites, side);
if (!existsSync(join(root, 'config/users.yaml'))) writeFileSync(join(root, 'config/users.yaml'), await benchUsersYaml());
const t1 = performance.now();
const level = process.argv[5] ?? 'warn';
// At info: warnings and errors go to stderr; of the rest only the line saying how the config was read is kept.
let filesRead: { fromCache?: number; addedToCache?: number } = {};
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      const o = JSON.parse(line) as { level: number; msg?: string; fromCache?: number; addedToCache?: number };
      if (o.msg === 'configuration files read') filesRead = o;
      else if (o.level >= 40) process.stderr.write(`${line}\n`);
    }
    done();
  },
});
const hub = await startHub({
  rootDir: root,
  httpPort: 0,
  mqttPort: 0,
  watch: false,
  logger: createRootLogger({ level, destination: level === 'warn' ? pino.destination(2) : logSink }),
});
const t2 = performance.now();
process.stdout.write(
  JSON.stringify({
    http: hub.httpPort,
    mqtt: hub.mqttPort,
    root,
    startHubMs: Math.round(t2 - t1),
    scriptMs: Math.round(t2 - t0),
    filesFromCache: filesRead.fromCache ?? 0,
    filesParsed: filesRead.addedToCache ?? 0,
  }) + '\n',
);
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
