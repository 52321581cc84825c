/**
 * `safegrid check`: everything start-up would check, plus every example of every profile
 * (built-in and installer-written), the accounts file and grid overlaps, reported at once. Exit 0
 * when nothing is an error.
 *
 * A top-level module, not part of config/: it reads across config, profiles, geo and auth, and
 * config/ must not import auth (auth reads the loaded config).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseUsers, usersFilePaths } from './auth/users.js';
import { GRIDS_FILE } from './config/load-global.js';
import { loadConfig } from './config/load.js';
import type { Config } from './config/model.js';
import { formatProblem, formatProblems } from './config/report.js';
import { count, message, resolveLanguage } from './core/installer-messages.js';
import { placeholderProblems } from './config/placeholders.js';
import { lineOf, readSource } from './config/source.js';
import type { Problem } from './core/problems.js';
import { findOverlaps } from './geo/index.js';
import { runProfileExamples } from './profiles/index.js';

export function runCheck(rootDir: string, env: NodeJS.ProcessEnv = process.env): { exitCode: number; output: string } {
  const result = loadConfig(rootDir, { env });
  // hub.yaml `language` when it could be read, else LANG.
  const language = resolveLanguage(result.config?.hub.language, env);
  const n = (code: Parameters<typeof count>[0], value: number): string => count(code, value, language);
  const problems: Problem[] = [...result.problems];
  if (result.profiles) {
    try {
      problems.push(...runProfileExamples(result.profiles));
    } catch (err) {
      problems.push({
        code: 'SG_PROFILE_EXAMPLE_FAILED',
        severity: 'error',
        file: 'devices/profiles',
        line: null,
        path: '',
        message: `running the profile examples failed: ${(err as Error).message}`,
      });
    }
  }
  if (result.config) {
    const c = result.config;
    problems.push(...devicesWithoutLogin(rootDir, c), ...accountProblems(rootDir, c), ...gridOverlaps(rootDir, c));
  }
  problems.push(...todoPlaceholders(rootDir));
  const errors = problems.filter((p) => p.severity === 'error');
  const lines: string[] = [];

  if (errors.length === 0 && result.config) {
    const c = result.config;
    const devices = c.sites.reduce((n, s) => n + s.devices.length, 0);
    const cameras = c.sites.reduce((n, s) => n + s.cameras.length, 0);
    const warnings = problems.length;
    lines.push(...problems.map((p) => formatProblem(p, language)));
    lines.push(
      message(
        'CHECK_OK',
        {
          sites: n('COUNT_SITE', c.sites.length),
          devices: n('COUNT_DEVICE', devices),
          cameras: n('COUNT_CAMERA', cameras),
          cells: n('COUNT_CELL', c.cells.length),
          stations: n('COUNT_STATION', c.stations.length),
          profiles: n('COUNT_PROFILE', result.profiles?.all().length ?? 0),
          warnings: warnings > 0 ? message('CHECK_OK_WARNINGS', { warnings: n('COUNT_WARNING', warnings) }, language) : '',
        },
        language,
      ),
    );
    return { exitCode: 0, output: lines.join('\n') };
  }

  const body = formatProblems(problems, language).split('\n');
  const last = body.pop() ?? '';
  lines.push(...body);
  // Say what the problems mean for `start`, before the count line that closes the report.
  if (!result.config) lines.push(message('CHECK_NO_START', {}, language));
  if (result.heldBack.length > 0) {
    const list = result.heldBack
      .map((h) => (h.siteId ? message('CHECK_HELD_BACK_SITE', { file: h.file, site: h.siteId }, language) : h.file))
      .join(language === 'zh-CN' ? '、' : ', ');
    lines.push(message('CHECK_HELD_BACK', { list, them: result.heldBack.length === 1 ? 'it' : 'them' }, language));
  }
  lines.push(last);
  return { exitCode: 1, output: lines.join('\n') };
}

/** `TODO` values `safegrid discover --write` left in site files (config/placeholders.ts). */
function todoPlaceholders(rootDir: string): Problem[] {
  let names: string[];
  try {
    names = readdirSync(join(rootDir, 'devices')).filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'));
  } catch {
    // No devices/ folder: the loader says so; there is nothing to scan.
    return [];
  }
  return names.sort().flatMap((n) => {
    const file = `devices/${n}`;
    try {
      return placeholderProblems(file, readFileSync(join(rootDir, file), 'utf8'));
    } catch {
      // Unreadable: the loader reports the file itself.
      return [];
    }
  });
}

/**
 * Overlapping cells: the lookup still answers one cell (the smallest id), but the other cell's
 * station never hears of alarms in the overlap. A warning, because the hub works; the fix is in
 * the GIS tool.
 */
function gridOverlaps(rootDir: string, config: Config): Problem[] {
  const overlaps = findOverlaps(config.cells);
  if (overlaps.length === 0) return [];
  const src = readSource(rootDir, GRIDS_FILE, 'json');
  const position = new Map(config.cells.map((c, i) => [c.id, i]));
  return overlaps.map((o) => {
    // Point at the later feature of the two: more often the one drawn last, over its neighbour.
    const i = Math.max(position.get(o.a) ?? 0, position.get(o.b) ?? 0);
    return {
      code: 'SG_CONFIG_GRID_OVERLAP',
      severity: 'warning',
      file: GRIDS_FILE,
      line: src ? lineOf(src, ['features', i]) : null,
      path: `features[${i}]`,
      message: `cells "${o.a}" and "${o.b}" overlap (for example at [${o.at[1].toFixed(6)}, ${o.at[0].toFixed(6)}]); alarms in the overlap go to "${o.a}" only`,
      hint: 'redraw the shared border so that the cells meet edge to edge (snap the vertices in the GIS tool)',
    } satisfies Problem;
  });
}

/**
 * The accounts file, checked as the hub reads it (auth/users.ts): an entry with a problem cannot
 * log in, so an installer should hear about it before the operator at the desk does. No file yet is
 * fine: the first start creates an admin.
 */
function accountProblems(rootDir: string, config: Config): Problem[] {
  const { path, displayPath } = usersFilePaths(rootDir, config.hub.usersFile);
  if (!existsSync(path)) return [];
  return parseUsers(displayPath, readFileSync(path, 'utf8'), config).problems;
}

/**
 * With device auth required, a device that neither its own `mqtt:` nor its site's `site.mqtt:`
 * covers is refused by the broker: none of its alarms would arrive. A warning, not an error,
 * because the rest of the site (and an installer still wiring it up) works.
 */
function devicesWithoutLogin(rootDir: string, config: Config): Problem[] {
  const mqtt = config.hub.mqtt;
  if (mqtt.mode !== 'embedded' || mqtt.auth !== 'required') return [];
  const problems: Problem[] = [];
  for (const site of config.sites) {
    if (site.mqttUsername) continue;
    const src = site.devices.some((d) => !d.mqttUsername) ? readSource(rootDir, site.file) : null;
    site.devices.forEach((d, i) => {
      if (d.mqttUsername) return;
      problems.push({
        code: 'SG_CONFIG_NO_MQTT_LOGIN',
        severity: 'warning',
        file: site.file,
        line: src ? lineOf(src, ['devices', i]) : null,
        path: `devices[${i}]`,
        message: `device "${d.id}" has no mqtt credentials and its site has no site.mqtt; this device cannot connect until it has mqtt credentials`,
        hint: 'add mqtt: { username, password_file_key } to the device, or one site.mqtt for all devices of the site',
      });
    });
  }
  return problems;
}
