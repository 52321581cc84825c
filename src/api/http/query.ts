/** Parsing of query-string filters: strict, bounded, never passed to SQL as text. */

export function intParam(value: unknown, min: number, max: number): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return Math.min(Math.max(n, min), max);
}

/** Accepts ISO 8601 or epoch ms. */
export function timeParam(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 40) return undefined;
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

export function idParam(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.:\-]{1,128}$/.test(value) ? value : undefined;
}
