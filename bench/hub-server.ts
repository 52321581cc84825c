/** Child process: a real hub on a generated district. Prints its ports as one JSON line. */
import { startHub } from '../src/app.js';
import { benchTree } from './tree.js';

const sites = Number(process.argv[2] ?? 1000);
const root = benchTree(sites);
const hub = await startHub({ rootDir: root, httpPort: 0, mqttPort: 0, watch: false, log: { level: 'warn' } });
process.stdout.write(JSON.stringify({ http: hub.httpPort, mqtt: hub.mqttPort, root }) + '\n');
process.on('SIGTERM', () => void hub.stop().then(() => process.exit(0)));
