/**
 * `safegrid walktest <site> start|stop|status [--minutes N] [--url URL] [--user NAME] [--password-stdin]`
 * (issue 15): the walk test from a terminal on site, through the running hub's REST API with an
 * installer's login — the same site commands as the installer page, so the hub audits and scopes
 * them alike. Prints the checklist (zone, name, seen or not, time, kind, signal, battery).
 */
import type { SiteCommissioning, WalkTest } from '../contract/commissioning.js';

export interface WalktestCommandOptions {
  positionals: string[];
  /** The hub's address, e.g. http://127.0.0.1:8080. */
  url: string;
  user: string;
  minutes?: string;
  /** The password (from stdin or a prompt; never an argument, so it stays out of the shell history). */
  password: () => Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The checklist as lines of text. Device text is untrusted: control characters are replaced. */
export function formatWalkTest(w: WalkTest): string[] {
  const clean = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const seen = w.zones.filter((z) => z.seen).length;
  const head = `walk test ${w.id} of ${clean(w.siteId)}: ${seen}/${w.zones.length} zones seen; ${
    w.endedAt === null ? `running until ${w.endsAt}` : `ended ${w.endedAt} by ${clean(w.endedBy ?? '')}, ${w.passed ? 'PASSED' : 'NOT PASSED'}`
  }`;
  return [
    head,
    ...w.zones.map((z) =>
      [
        `  zone ${z.zone}`,
        clean(z.name),
        z.seen ? `seen ${z.seenAt} ${z.kind ?? ''} by ${clean(z.deviceId ?? '')}` : 'NOT SEEN',
        z.signal === null ? '' : `signal ${z.signal}`,
        z.battery === null ? '' : `battery ${z.battery}%`,
      ]
        .filter(Boolean)
        .join('  '),
    ),
  ];
}

export async function runWalktestCommand(o: WalktestCommandOptions): Promise<number> {
  const [siteId, action = 'status'] = o.positionals;
  if (!siteId || !['start', 'stop', 'status'].includes(action)) {
    o.err('usage: safegrid walktest <site> start|stop|status [--minutes N] [--url http://127.0.0.1:8080] [--user installer] [--password-stdin]');
    return 2;
  }
  const minutes = o.minutes === undefined ? undefined : Number(o.minutes);
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > 240)) {
    o.err(`--minutes: got "${o.minutes}"; expected whole minutes 1–240`);
    return 2;
  }
  const base = o.url.replace(/\/+$/, '');
  const login = await fetch(`${base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: o.user, password: await o.password() }),
  });
  if (!login.ok) {
    o.err(`login as ${o.user} at ${base}: ${await refusal(login)}`);
    return 1;
  }
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = /sg_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const site = encodeURIComponent(siteId);
  const call = (path: string, body?: unknown): Promise<Response> =>
    fetch(`${base}/api${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json', 'x-csrf-token': csrfToken }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  try {
    if (action !== 'status') {
      const r = await call(`/sites/${site}/walktest/${action}`, action === 'start' && minutes !== undefined ? { minutes } : {});
      if (!r.ok) {
        o.err(`walktest ${action} ${siteId}: ${await refusal(r)}`);
        return 1;
      }
      const view = (await r.json()) as SiteCommissioning;
      if (view.walkTest) for (const line of formatWalkTest(view.walkTest)) o.out(line);
    }
    if (action !== 'start') {
      const r = await call(`/commissioning?site=${site}`);
      const running = r.ok ? ((await r.json()) as { sites: SiteCommissioning[] }).sites[0]?.walkTest : null;
      const last = running ?? (await lastRecord(call, site));
      if (!last) {
        o.out(`no walk test of ${siteId} yet`);
        return 0;
      }
      for (const line of formatWalkTest(last)) o.out(line);
    }
    return 0;
  } finally {
    await call('/logout', {}).catch(() => undefined);
  }
}

async function lastRecord(call: (path: string) => Promise<Response>, site: string): Promise<WalkTest | undefined> {
  const r = await call(`/sites/${site}/walktests`);
  return r.ok ? ((await r.json()) as { walkTests: WalkTest[] }).walkTests[0] : undefined;
}

async function refusal(r: Response): Promise<string> {
  const body = (await r.json().catch(() => ({}))) as { code?: string; error?: string };
  return `HTTP ${r.status} ${body.code ?? ''} ${body.error ?? ''}`.trim();
}
