/**
 * Schemas of the query strings and bodies the REST routes read: strict, bounded, never passed to
 * SQL as text. A query filter that does not parse is refused with 400 `bad_filter` (issue 17,
 * item 16): silently dropping it answered `?site=' OR '1'='1` with the unfiltered list, which
 * looks like an injection that worked and hides a caller's mistake. Unknown parameters (a cache
 * buster) are still ignored. Bodies that do not parse are refused with 400 `bad_request`.
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { INCIDENT_STATUSES } from '../../contract/incident.js';
import { describeIssues } from '../validation.js';
import { refuse } from './refuse.js';

/** A filter: absent is fine, given is checked (given twice is an array, and refused). */
function filter<T extends z.ZodType>(schema: T) {
  return schema.optional();
}

/** A body field left for the service to judge (undefined when absent or of the wrong type). */
function lenient<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

/** A whole number, clamped into [min, max]. */
export function intQuery(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,15}$/)
    .transform((v) => Math.min(Math.max(Number(v), min), max));
}

/** ISO 8601 or epoch ms, to epoch ms. */
export const timeQuery = z
  .string()
  .max(40)
  .transform((v) => (/^\d{1,15}$/.test(v) ? Number(v) : Date.parse(v)))
  .refine((t) => Number.isFinite(t));

export const idQuery = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/);

/** GET /api/incidents. `open` is every open status. */
export const incidentListQuery = z.object({
  status: filter(z.enum(['open', ...INCIDENT_STATUSES])),
  site: filter(idQuery),
  since: filter(timeQuery),
  until: filter(timeQuery),
  limit: filter(intQuery(1, 1000)),
});

/** GET /api/sites/:id/incidents (address history). */
export const siteHistoryQuery = z.object({
  days: filter(intQuery(1, 366)),
});

/** GET /api/events. */
export const eventListQuery = z.object({
  site: filter(idQuery),
  device: filter(idQuery),
  kind: filter(idQuery),
  since: filter(timeQuery),
  until: filter(timeQuery),
  after: filter(intQuery(0, Number.MAX_SAFE_INTEGER)),
  limit: filter(intQuery(1, 1000)),
});

/** GET /api/commissioning: `?site=` shows one site only (an id that names no site in scope shows none). */
export const commissioningQuery = z.object({ site: filter(idQuery) });

/** GET /api/reports/…?format=html: `?download` (or `=1`, `=true`) sends the page as an attachment. */
export const downloadFlag = filter(z.enum(['', '1', 'true']));

/** GET /api/cameras/:id/live: `?site=` picks the site when camera ids repeat; anything else there finds no camera. */
export const liveQuery = z.object({ site: filter(z.string().max(128)) });

/** POST /api/login. */
export const loginBody = z.object({ username: z.string(), password: z.string() });

/**
 * POST /api/password. Types are judged by the password service, as before: a current password that
 * is not a string counts as a wrong one (rate limited), a missing new one is a `bad_request`.
 */
export const passwordBody = z.object({ current: lenient(z.string()), next: lenient(z.string()) });

/**
 * The request's query string through its schema; on failure answers 400 `{ error, code:
 * 'bad_filter' }` naming the filter, and returns undefined.
 */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request, res: Response): z.output<T> | undefined {
  const parsed = schema.safeParse(req.query ?? {});
  if (parsed.success) return parsed.data;
  const names = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '?')))].join(', ');
  refuse(res, 400, 'bad_filter', `invalid query filter: ${names} (remove it, or give it once in the documented form)`);
  return undefined;
}

/**
 * The JSON body through its schema; on failure answers 400 `{ error, code: 'bad_request' }` and
 * returns undefined. An absent body counts as `{}`.
 */
export function parseBody<T extends z.ZodType>(schema: T, req: Request, res: Response, hint?: string): z.output<T> | undefined {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  refuse(res, 400, 'bad_request', hint ?? describeIssues(parsed.error));
  return undefined;
}
