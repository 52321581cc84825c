/**
 * REST client of the hub (same origin, session cookie). State-changing calls carry the CSRF token
 * from GET /api/session (src/auth/README.md).
 */
import type { Role } from '../../src/contract/roles.js';
import { setTimeZone } from './format.js';

export interface SessionInfo {
  user: string;
  name: string | null;
  role: Role;
  roleName: { zh: string; en: string };
  station: string | null;
  guardGroup: string | null;
  csrfToken: string;
  mustChangePassword: boolean;
  idleTimeoutSeconds: number;
  /** The centre's time zone (hub.yaml `timezone`): every time on the page is shown in it. */
  timezone?: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** For a refused password: which rule (`too_short`, `contains_username`, …). */
    readonly rule?: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function parse<T>(r: Response): Promise<T> {
  const body = (await r.json().catch(() => ({}))) as { error?: string; code?: string; rule?: string };
  if (!r.ok) throw new HttpError(r.status, body.error ?? `HTTP ${r.status}`, body.code, body.rule);
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return parse<T>(await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } }));
}

export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  return parse<T>(
    await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    }),
  );
}

/** The caller's session, or null when there is none (401). Does not renew the idle timer. */
export async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const s = await getJson<SessionInfo>('/api/session');
    setCsrfToken(s.csrfToken);
    setTimeZone(s.timezone);
    return s;
  } catch (err) {
    if (err instanceof HttpError && (err.status === 401 || err.status === 403)) return null;
    throw err;
  }
}

export async function login(username: string, password: string): Promise<{ csrfToken: string; mustChangePassword: boolean; role: string }> {
  const r = await postJson<{ csrfToken: string; mustChangePassword: boolean; role: string }>('/api/login', { username, password });
  setCsrfToken(r.csrfToken);
  return r;
}

export async function logout(): Promise<void> {
  await postJson('/api/logout').catch(() => undefined);
}
