/**
 * Child process: a real hub on a generated district. Prints its ports as one JSON line.
 * Arguments: sites [side of the cell grid] [existing tree root].
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
const hub = await startHub({ rootDir: root, httpPort: 0, mqttPort: 0, watch: false, logger: createRootLogger({ level: 'warn', destination: pino.destination(2) }) });
const t2 = performance.now();
process.stdout.write(JSON.stringify({ http: hub.httpPort, mqtt: hub.mqttPort, root, startHubMs: Math.round(t2 - t1), scriptMs: Math.round(t2 - t0) }) + '\n');
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
