/** Child process: a real hub on a generated district. Prints its ports as one JSON line. */
import { pino } from 'pino';
import { startHub } from '../src/app.js';
import { createRootLogger } from '../src/core/logger.js';
import { benchTree } from './tree.js';

const sites = Number(process.argv[2] ?? 1000);
const root = benchTree(sites);
const hub = await startHub({ rootDir: root, httpPort: 0, mqttPort: 0, watch: false, logger: createRootLogger({ level: 'warn', destination: pino.destination(2) }) });
process.stdout.write(JSON.stringify({ http: hub.httpPort, mqtt: hub.mqttPort, root }) + '\n');
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
