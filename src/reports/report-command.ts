/**
 * `safegrid report daily|monthly|response|devices|bulletin` for scripts and cron: the same reports
 * as /api/reports, read from the hub's database (safe while the hub runs: SQLite WAL readers do not
 * block the writer). Thin: arguments in, ReportService and the exporters do the work.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { descendants } from '../auth/scope.js';
import { loadConfig } from '../config/index.js';
import { BULLETIN_PERIODS, type BulletinPeriod, REPORT_FORMATS, REPORT_KINDS, type ReportFormat, type ReportKind } from '../contract/reports.js';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { openStore } from '../store/index.js';
import { toCsv, toHtml, toXlsx } from './export.js';
import { ReportService, type ReportTarget, WHOLE_DISTRICT } from './service.js';
import { tablesOf } from './tables.js';
import { parseDate, parseMonth } from './time.js';

export interface ReportCommand {
  root: string;
  /** [kind] */
  positionals: string[];
  date?: string | undefined;
  month?: string | undefined;
  station?: string | undefined;
  community?: string | undefined;
  period?: string | undefined;
  format?: string | undefined;
  table?: string | undefined;
  lang?: string | undefined;
  /** Output file; absent: stdout (xlsx needs one). */
  out?: string | undefined;
  db?: string | undefined;
}

export const REPORT_USAGE =
  'usage: safegrid report daily|monthly|response|devices|bulletin [--date YYYY-MM-DD] [--month YYYY-MM] [--station ID]\n' +
  '         [--community NAME] [--period week|month] [--format json|csv|xlsx|html] [--table ID] [--lang zh-CN|en] [--out FILE] [--db FILE]';

class UsageError extends Error {}

function check<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name}: got "${value}"; expected ${allowed.join(' | ')}`);
  return value as T;
}

/** Exit code: 0 written, 1 nothing to write (unknown station, community, no config), 2 usage. */
export async function runReportCommand(o: ReportCommand, out: { stdout: (s: string | Buffer) => void; stderr: (s: string) => void }): Promise<number> {
  let kind: ReportKind;
  let format: ReportFormat;
  let period: BulletinPeriod;
  try {
    kind =
      check('kind', o.positionals[0], REPORT_KINDS) ??
      (() => {
        throw new UsageError('which report?');
      })();
    format = check('format', o.format, REPORT_FORMATS) ?? 'json';
    period = check('period', o.period, BULLETIN_PERIODS) ?? 'week';
    check('lang', o.lang, ['zh-CN', 'en'] as const);
    if (o.date !== undefined && !parseDate(o.date)) throw new UsageError(`--date: got "${o.date}"; expected a date YYYY-MM-DD`);
    if (o.month !== undefined && !parseMonth(o.month)) throw new UsageError(`--month: got "${o.month}"; expected a month YYYY-MM`);
    if (kind === 'bulletin' && !o.community) throw new UsageError('--community: the bulletin needs a community (grids.geojson `community`)');
    if (format === 'xlsx' && !o.out) throw new UsageError('--format xlsx: give --out FILE (a spreadsheet is not written to a terminal)');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    out.stderr(`${err.message}\n${REPORT_USAGE}\n`);
    return 2;
  }
  const loaded = loadConfig(o.root, { env: process.env });
  if (!loaded.config) {
    out.stderr(`the config does not load; run \`safegrid check --root ${o.root}\`\n`);
    return 1;
  }
  const config = loaded.config;
  let target: ReportTarget = WHOLE_DISTRICT;
  if (o.station !== undefined) {
    if (!config.stations.some((s) => s.id === o.station)) {
      out.stderr(`--station: no station "${o.station}" in config/stations.yaml\n`);
      return 1;
    }
    target = { stationIds: [...descendants(config.stations, o.station)], station: o.station };
  }
  const store = await openStore(o.db ? resolve(o.db) : resolve(o.root, config.hub.storage.path));
  try {
    const service = new ReportService({ store, clock: systemClock, log: silentLogger(), rootDir: o.root, config: () => config });
    const month = o.month ?? (o.date ? o.date.slice(0, 7) : service.defaultMonth());
    const date = o.date ?? service.defaultDate();
    const report =
      kind === 'daily'
        ? await service.daily(date, target)
        : kind === 'monthly'
          ? await service.monthly(month, target)
          : kind === 'response'
            ? await service.response(month, target)
            : kind === 'devices'
              ? await service.devices(month, target)
              : await service.bulletin(o.community ?? '', period, date, target);
    if (!report) {
      out.stderr(`--community: no grid cell of community "${o.community}"${o.station ? ` at station ${o.station}` : ''}\n`);
      return 1;
    }
    const lang = o.lang === 'en' ? 'en' : 'zh-CN';
    let body: string | Buffer;
    if (format === 'json') body = `${JSON.stringify(report, null, 2)}\n`;
    else if (format === 'html') body = toHtml(report, lang);
    else if (format === 'xlsx') body = await toXlsx(report, lang);
    else {
      const tables = tablesOf(report);
      const table = o.table === undefined ? tables[0] : tables.find((t) => t.id === o.table);
      if (!table) {
        out.stderr(`--table: got "${o.table}"; expected ${tables.map((t) => t.id).join(' | ')}\n`);
        return 2;
      }
      body = toCsv(table, lang);
    }
    if (o.out) writeFileSync(resolve(o.out), body);
    else out.stdout(body);
    return 0;
  } finally {
    await store.close();
  }
}
