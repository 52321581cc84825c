/**
 * Schemas of the query strings and bodies the REST routes read: strict, bounded, never passed to
 * SQL as text. A query filter that does not parse is ignored (`lenient`), as it always was: a
 * console with an old bookmark gets the unfiltered list instead of an error. Bodies that do not
 * parse are refused with 400 `bad_request` (see `parseBody`).
 */
import type { Request, Response } from 'express';
import { z } from 'zod';
import { INCIDENT_STATUSES } from '../../contract/incident.js';
import { describeIssues } from '../validation.js';
import { refuse } from './refuse.js';

/** A filter that is dropped (undefined) when absent or invalid. */
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

/** GET /api/incidents. `open` is every open status; a filter given more than once is ignored. */
export const incidentListQuery = z.object({
  status: lenient(z.enum(['open', ...INCIDENT_STATUSES])),
  site: lenient(idQuery),
  since: lenient(timeQuery),
  until: lenient(timeQuery),
  limit: lenient(intQuery(1, 1000)),
});

/** GET /api/sites/:id/incidents (address history). */
export const siteHistoryQuery = z.object({
  days: lenient(intQuery(1, 366)),
});

/** GET /api/events. */
export const eventListQuery = z.object({
  site: lenient(idQuery),
  device: lenient(idQuery),
  kind: lenient(idQuery),
  since: lenient(timeQuery),
  until: lenient(timeQuery),
  after: lenient(intQuery(0, Number.MAX_SAFE_INTEGER)),
  limit: lenient(intQuery(1, 1000)),
});

/** GET /api/cameras/:id/live: `?site=` picks the site when camera ids repeat; anything else there finds no camera. */
export const liveQuery = z.object({ site: lenient(z.string()) });

/** POST /api/login. */
export const loginBody = z.object({ username: z.string(), password: z.string() });

/**
 * POST /api/password. Types are judged by the password service, as before: a current password that
 * is not a string counts as a wrong one (rate limited), a missing new one is a `bad_request`.
 */
export const passwordBody = z.object({ current: lenient(z.string()), next: lenient(z.string()) });

/** The request's query string through its schema (lenient schemas never fail). */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  return schema.parse(req.query ?? {});
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
