/** `safegrid simulate`: the simulator alone, against a hub already running (its MQTT port from hub.yaml). */
import { formatProblems, loadConfig } from '../config/index.js';
import { languageOfRoot } from '../config/language.js';
import { createRootLogger, moduleLogger } from '../core/logger.js';
import { untilStopSignal } from '../core/signals.js';
import { endDrill, loginToHub, startDrill } from './drill-client.js';
import { DRILL_SCENARIOS, planScenario, scenarioSites, type DrillScenario } from './scenarios.js';
import { Simulator } from './simulator.js';

export interface SimulateCommand {
  root: string;
  /** Broker URL; default the hub's embedded broker on this machine. */
  url?: string | undefined;
  alarmEverySeconds: number;
  /**
   * `--drill`: ask the hub for a drill of the scenarios' sites (logged in as `user`, password from
   * SG_SIM_PASSWORD, never on the command line), play the scenarios, and end the drill on stop.
   */
  drill?: { hubUrl?: string | undefined; user: string; password: string; scenarios: DrillScenario[]; minutes: number } | undefined;
}

/** `--scenario burglary,fire,mains` (default all three); an unknown name is a usage error. */
export function parseScenarios(v: string | undefined): DrillScenario[] {
  if (!v || v === 'all') return [...DRILL_SCENARIOS];
  const list = v.split(',').map((s) => s.trim());
  const bad = list.filter((s) => !(DRILL_SCENARIOS as readonly string[]).includes(s));
  if (bad.length) throw new Error(`--scenario: no scenario ${bad.join(', ')}; expected ${DRILL_SCENARIOS.join(', ')} or all`);
  return list as DrillScenario[];
}

/** `--drill`'s options as given on the command line (the password comes from the environment). */
export interface DrillArguments {
  hubUrl?: string | undefined;
  user?: string | undefined;
  minutes?: string | undefined;
  scenario?: string | undefined;
}

/**
 * `--drill`'s options checked: a usage message, or the drill to ask for. The password comes from
 * SG_SIM_PASSWORD only (and the user from --user, else SG_SIM_USER): a command line is visible to
 * every user of the machine.
 */
export function drillOptions(a: DrillArguments, env: NodeJS.ProcessEnv): { error: string } | { drill: NonNullable<SimulateCommand['drill']> } {
  const user = a.user ?? env.SG_SIM_USER;
  const password = env.SG_SIM_PASSWORD;
  if (!user || !password) return { error: 'simulate --drill: give --user NAME (an operator or admin) and the password in SG_SIM_PASSWORD' };
  const minutes = Number(a.minutes ?? 30);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) return { error: `--minutes: got "${a.minutes}"; expected a whole number 1–1440` };
  return { drill: { hubUrl: a.hubUrl, user, password, scenarios: parseScenarios(a.scenario), minutes } };
}

/** Runs until SIGINT/SIGTERM; the exit code (1: the config has errors, or the drill could not start). */
export async function runSimulateCommand(o: SimulateCommand): Promise<number> {
  const loaded = loadConfig(o.root, { env: process.env });
  if (!loaded.config) {
    console.error(formatProblems(loaded.problems, languageOfRoot(o.root, process.env)));
    return 1;
  }
  const config = loaded.config;
  const log = moduleLogger(createRootLogger(), 'simulate');
  const sim = new Simulator({
    url: o.url ?? `mqtt://127.0.0.1:${config.hub.mqtt.port}`,
    config,
    log,
    alarmEverySeconds: o.alarmEverySeconds,
    // A drill plays its scenarios only: a random alarm outside the drilled sites would be real.
    randomAlarms: !o.drill,
  });
  let stopDrill: (() => Promise<void>) | null = null;
  if (o.drill) {
    const d = o.drill;
    const sites = scenarioSites(config, d.scenarios);
    if (sites.length === 0) {
      console.error('simulate --drill: no native or Contact ID panel in the config can play these scenarios');
      return 1;
    }
    try {
      const session = await loginToHub({ url: d.hubUrl ?? `http://127.0.0.1:${config.hub.http.port}`, username: d.user, password: d.password });
      const drill = await startDrill(session, { sites, durationSeconds: d.minutes * 60, name: `safegrid simulate --drill ${d.scenarios.join(',')}` });
      log.info({ drill: drill.id, sites: sites.length, endsAt: drill.endsAt }, 'drill started on the hub');
      stopDrill = () => endDrill(session, drill.id);
    } catch (err) {
      console.error(`simulate --drill: ${(err as Error).message}`);
      return 1;
    }
  }
  await sim.start();
  if (o.drill) {
    for (const s of o.drill.scenarios) log.info({ scenario: s, alarms: sim.play(planScenario(config, s)) }, 'drill scenario played');
  }
  await untilStopSignal();
  await sim.stop();
  await stopDrill?.().catch((err: Error) => log.warn({ err: err.message }, 'ending the drill failed; it ends by itself at its end time'));
  return 0;
}
