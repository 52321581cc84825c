/**
 * How `safegrid simulate --drill` asks the hub for a drill (issue 15): it logs in as an operator or
 * admin and starts one over REST, like a person at the console would. The simulator cannot flag its
 * own alarms as drills — the hub flags what arrives from the drilled sites while the drill lasts.
 */
import type { Drill } from '../contract/drill.js';

export interface HubLogin {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  username: string;
  password: string;
}

export interface HubSession {
  post(path: string, body: unknown): Promise<Response>;
}

export async function loginToHub(o: HubLogin): Promise<HubSession> {
  const r = await fetch(`${o.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: o.username, password: o.password }),
  });
  if (r.status !== 200) throw new Error(`login to ${o.url} as ${o.username}: HTTP ${r.status} ${(await r.text()).slice(0, 200)}`);
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  const cookie = /sg_session=[^;]+/.exec(r.headers.get('set-cookie') ?? '')?.[0];
  if (!cookie) throw new Error(`login to ${o.url}: no session cookie`);
  return {
    post: (path, body) =>
      fetch(o.url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
        body: JSON.stringify(body),
      }),
  };
}

export async function startDrill(s: HubSession, body: { sites: string[]; durationSeconds: number; name: string }): Promise<Drill> {
  const r = await s.post('/api/drills', body);
  if (r.status !== 200) throw new Error(`starting the drill: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
  return (await r.json()) as Drill;
}

export async function endDrill(s: HubSession, id: string): Promise<void> {
  const r = await s.post(`/api/drills/${encodeURIComponent(id)}/end`, {});
  // Already ended (it ran out while the simulator played): nothing to do.
  if (r.status !== 200 && r.status !== 409) throw new Error(`ending the drill: HTTP ${r.status} ${(await r.text()).slice(0, 300)}`);
}
