/** `safegrid simulate`: the simulator alone, against a hub already running (its MQTT port from hub.yaml). */
import { formatProblems, loadConfig } from '../config/index.js';
import { languageOfRoot } from '../config/language.js';
import { createRootLogger, moduleLogger } from '../core/logger.js';
import { untilStopSignal } from '../core/signals.js';
import { Simulator } from './simulator.js';

export interface SimulateCommand {
  root: string;
  /** Broker URL; default the hub's embedded broker on this machine. */
  url?: string | undefined;
  alarmEverySeconds: number;
}

/** Runs until SIGINT/SIGTERM; the exit code (1: the config has errors). */
export async function runSimulateCommand(o: SimulateCommand): Promise<number> {
  const loaded = loadConfig(o.root, { env: process.env });
  if (!loaded.config) {
    console.error(formatProblems(loaded.problems, languageOfRoot(o.root, process.env)));
    return 1;
  }
  const sim = new Simulator({
    url: o.url ?? `mqtt://127.0.0.1:${loaded.config.hub.mqtt.port}`,
    config: loaded.config,
    log: moduleLogger(createRootLogger(), 'simulate'),
    alarmEverySeconds: o.alarmEverySeconds,
  });
  await sim.start();
  await untilStopSignal();
  await sim.stop();
  return 0;
}
