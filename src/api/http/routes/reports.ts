/**
 * GET /api/reports/* (issue 14): each report as JSON, CSV (one table, BOM), XLSX (every table) or
 * standalone HTML. Scope: the caller's stations (a station's operators their own and those below,
 * the city centre and admins all), narrowed by `?station=`; guards and installers are refused by
 * the capability. Thin: parsing and scope here, figures in src/reports/.
 */
import type { Request, Response } from 'express';
import { Router } from 'express';
import { z } from 'zod';
import { descendants } from '../../../auth/scope.js';
import {
  BULLETIN_PERIODS,
  type AnyReport,
  type BulletinReport,
  REPORT_FORMATS,
  REPORT_PATHS,
  REPORT_TABLES,
  type ReportKind,
} from '../../../contract/reports.js';
import { toCsv, toHtml, toXlsx } from '../../../reports/export.js';
import { type ReportRequest, type ReportService, ReportsBusy, type ReportTarget } from '../../../reports/service.js';
import { tablesOf } from '../../../reports/tables.js';
import { parseDate, parseMonth } from '../../../reports/time.js';
import type { ApiContext } from '../../context.js';
import { allow, scopeOf } from '../access.js';
import { downloadFlag, idQuery, parseQuery } from '../inputs.js';
import { refuse } from '../refuse.js';

const dateQuery = z.string().refine((s) => parseDate(s) !== null, { error: 'a date YYYY-MM-DD' });
const monthQuery = z.string().refine((s) => parseMonth(s) !== null, { error: 'a month YYYY-MM' });
const common = {
  station: idQuery.optional(),
  format: z.enum(REPORT_FORMATS).optional(),
  table: z.string().max(32).optional(),
  lang: z.enum(['zh-CN', 'en']).optional(),
  download: downloadFlag,
};
const dayQuery = z.object({ date: dateQuery.optional(), ...common });
const monthlyQuery = z.object({ month: monthQuery.optional(), ...common });
const bulletinQuery = z.object({
  community: z.string().min(1).max(64),
  period: z.enum(BULLETIN_PERIODS).optional(),
  date: dateQuery.optional(),
  ...common,
});
const storedQuery = z.object({ station: idQuery.optional() });

type Common = { station?: string; format?: (typeof REPORT_FORMATS)[number]; table?: string; lang?: 'zh-CN' | 'en'; download?: string };

export function reportRoutes(ctx: ApiContext): Router {
  const r = Router();
  const service = (res: Response): ReportService | undefined => {
    if (!ctx.reports) refuse(res, 404, 'not_found', 'reports are not available on this hub');
    return ctx.reports;
  };

  /** The caller's stations, narrowed by `?station=`; undefined (answered 404) for a station outside them. */
  const target = (res: Response, station: string | undefined): ReportTarget | undefined => {
    const scope = scopeOf(ctx.auth, res);
    const stations = ctx.config().stations;
    if (station === undefined) return { stationIds: scope.all ? null : [...(scope.stationIds ?? [])], station: null };
    // Outside the caller's scope is answered like an unknown station: it does not confirm the id exists.
    if (!stations.some((s) => s.id === station) || !scope.seesStation(station)) {
      refuse(res, 404, 'not_found', 'no such station');
      return undefined;
    }
    return { stationIds: [...descendants(stations, station)], station };
  };

  /** Sends the report in the asked format. */
  const answer = async (res: Response, r: { kind: ReportKind; report: AnyReport; q: Common; name: string }): Promise<void> => {
    const { kind, report, q, name } = r;
    const format = q.format ?? 'json';
    const lang = q.lang ?? 'zh-CN';
    if (format === 'json') return void res.json(report);
    if (format === 'csv') {
      const tables = tablesOf(report);
      const table = q.table === undefined ? tables[0] : tables.find((t) => t.id === q.table);
      if (!table) return void refuse(res, 400, 'bad_filter', `invalid query filter: table (one of ${REPORT_TABLES[kind].join(', ')})`);
      res.setHeader('Content-Disposition', `attachment; filename="${name}-${table.id}.csv"`);
      return void res.type('text/csv; charset=utf-8').send(toCsv(table, lang));
    }
    if (format === 'xlsx') {
      const buf = await toXlsx(report, lang);
      res.setHeader('Content-Disposition', `attachment; filename="${name}.xlsx"`);
      return void res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(buf);
    }
    // A standalone page: nothing to run, nothing to fetch.
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    if (q.download !== undefined) res.setHeader('Content-Disposition', `attachment; filename="${name}.html"`);
    res.type('text/html; charset=utf-8').send(toHtml(report, lang));
  };

  const run = (fn: (req: Request, res: Response) => Promise<void> | void) => (req: Request, res: Response, next: (err?: unknown) => void) => {
    Promise.resolve(fn(req, res)).catch((err: unknown) => {
      // Too many builds already running or waiting in the report worker: refused at once, not queued.
      if (err instanceof ReportsBusy) return void refuse(res, 429, 'busy', err.message);
      next(err);
    });
  };

  /** Builds off the event loop (the report worker) and awaits the result. */
  const build = (s: ReportService, request: ReportRequest) => s.build(request);

  r.get(
    REPORT_PATHS.daily.replace('/api', ''),
    allow('reports:read'),
    run(async (req, res) => {
      const q = parseQuery(dayQuery, req, res);
      const s = q && service(res);
      const t = q && s && target(res, q.station);
      if (!q || !s || !t) return;
      const date = q.date ?? s.defaultDate();
      const report = await build(s, { kind: 'daily', date, target: t });
      if (!report) throw new Error('a daily report came back empty');
      await answer(res, { kind: 'daily', report, q, name: `daily-${date}` });
    }),
  );
  r.get(
    REPORT_PATHS.dailyStored.replace('/api', ''),
    allow('reports:read'),
    run(async (req, res) => {
      const q = parseQuery(storedQuery, req, res);
      const s = q && service(res);
      const t = q && s && target(res, q.station);
      if (!q || !s || !t) return;
      res.json({ reports: await s.storedList(storedStation(t)) });
    }),
  );
  r.get(
    `${REPORT_PATHS.dailyStored.replace('/api', '')}/:date`,
    allow('reports:read'),
    run(async (req, res) => {
      const q = parseQuery(dayQuery.omit({ date: true }), req, res);
      const date = String(req.params.date);
      if (q && parseDate(date) === null) return void refuse(res, 400, 'bad_filter', 'invalid query filter: date (YYYY-MM-DD)');
      const s = q && service(res);
      const t = q && s && target(res, q.station);
      if (!q || !s || !t) return;
      const stored = await s.stored(date, storedStation(t));
      if (!stored) return void refuse(res, 404, 'not_found', 'no daily report stored for this date');
      if ((q.format ?? 'json') === 'json') return void res.json(stored);
      await answer(res, { kind: 'daily', report: stored.report, q, name: `daily-${date}` });
    }),
  );
  for (const kind of ['monthly', 'response', 'devices'] as const) {
    r.get(
      REPORT_PATHS[kind].replace('/api', ''),
      allow('reports:read'),
      run(async (req, res) => {
        const q = parseQuery(monthlyQuery, req, res);
        const s = q && service(res);
        const t = q && s && target(res, q.station);
        if (!q || !s || !t) return;
        const month = q.month ?? s.defaultMonth();
        const report = await build(s, { kind, month, target: t });
        if (!report) throw new Error(`a ${kind} report came back empty`);
        await answer(res, { kind, report, q, name: `${kind}-${month}` });
      }),
    );
  }
  r.get(
    REPORT_PATHS.bulletin.replace('/api', ''),
    allow('reports:read'),
    run(async (req, res) => {
      const q = parseQuery(bulletinQuery, req, res);
      const s = q && service(res);
      const t = q && s && target(res, q.station);
      if (!q || !s || !t) return;
      const date = q.date ?? s.defaultDate();
      const report = await build(s, { kind: 'bulletin', community: q.community, period: q.period ?? 'week', date, target: t });
      if (!report) return void refuse(res, 404, 'not_found', 'no such community in your scope');
      await answer(res, { kind: 'bulletin', report, q, name: `bulletin-${(report as BulletinReport).firstDay}` });
    }),
  );
  return r;
}

/**
 * Which stored copy a caller reads: the whole district's for those who see everything, else their
 * station's (a daily report is stored for the district and for each police station).
 */
function storedStation(t: ReportTarget): string | null {
  return t.station ?? (t.stationIds === null ? null : (t.stationIds[0] ?? ''));
}
