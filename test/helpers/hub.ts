/** Builds a real hub (embedded aedes, SQLite file, HTTP, Socket.IO) on ephemeral loopback ports. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startHub, type Hub, type HubOptions } from '../../src/app.js';
import { createRootLogger } from '../../src/core/logger.js';
import type { ClientToServerEvents, ConsoleHandshakeAuth, QueueSnapshot, ServerToClientEvents } from '../../src/contract/socket.js';
import { makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from './tree.js';
import { accountOf, defaultUsersYaml } from './accounts.js';

/** A signed-in HTTP client: sends the session cookie, and the CSRF token on state-changing calls. */
export interface LoggedIn {
  username: string;
  /** `sg_session=...`, for a socket handshake or a hand-made request. */
  cookie: string;
  csrfToken: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  get(path: string): Promise<Response>;
  /** JSON body; the CSRF header unless `csrf: false`. */
  post(path: string, body?: unknown, opts?: { csrf?: boolean }): Promise<Response>;
  logout(): Promise<Response>;
}

export interface ConsoleOptions {
  /** Test account to connect as (default admin); null: no cookie at all. */
  as?: string | null;
  /** Namespace (default /console). */
  namespace?: '/console' | '/guard';
  /** A session to reuse instead of logging in again. */
  session?: LoggedIn;
  /** Extra handshake headers, e.g. a foreign Origin. */
  headers?: Record<string, string>;
  /** The handshake's `auth` (ConsoleHandshakeAuth), e.g. `{ deltas: 1 }` as the pages send it. */
  auth?: ConsoleHandshakeAuth;
}

type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestHub {
  hub: Hub;
  tree: TestTree;
  /** Every log line the hub wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  baseUrl: string;
  mqttUrl: string;
  device(options?: IClientOptions): Promise<MqttClient>;
  /** A device connected with one of the test district's logins (TREE_LOGINS), e.g. 'shop-a'. */
  deviceAs(username: string, options?: IClientOptions): Promise<MqttClient>;
  /** Logs a test account (accounts.ts) in through POST /api/login. */
  login(username: string, password?: string): Promise<LoggedIn>;
  /** A /console (or /guard) socket of a logged-in account; resolves with the first queue:snapshot. */
  console(options?: ConsoleOptions): Promise<{ socket: LiveSocket; snapshot: QueueSnapshot; session: LoggedIn | null }>;
  /** Like console(), but resolves with the refusal (connect_error) instead; fails if it connects. */
  consoleRefused(options?: ConsoleOptions): Promise<{ message: string; code: number | undefined; refusal?: string }>;
  close(): Promise<void>;
}

export async function startTestHub(
  options: Partial<HubOptions> & { tree?: TestTree; keepTree?: boolean /** false: no config/users.yaml (first start). */; users?: false } = {},
): Promise<TestHub> {
  const tree = options.tree ?? makeTree();
  // The test district's people (accounts.ts), unless the test brings its own file or wants none.
  if (options.users !== false && !existsSync(join(tree.root, 'config/users.yaml'))) tree.write('config/users.yaml', await defaultUsersYaml());
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  const hub = await startHub({
    rootDir: tree.root,
    httpPort: 0,
    httpHost: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    watch: false,
    // Keep the one-time admin password of a first start off the test output; a test that checks it passes its own.
    announce: () => undefined,
    logger: createRootLogger({ level: 'debug', destination: sink }),
    ...options,
    // The tree's password_env references; a test's own env adds to them.
    env: { ...process.env, ...TREE_ENV, ...options.env },
  });
  const baseUrl = `${hub.https ? 'https' : 'http'}://127.0.0.1:${hub.httpPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  let connections = 0;
  const device = async (opts: IClientOptions = {}): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };
  const login = async (username: string, password = accountOf(username).password): Promise<LoggedIn> => {
    const r = await fetch(`${baseUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    if (r.status !== 200) throw new Error(`login as ${username}: HTTP ${r.status} ${await r.text()}`);
    const body = (await r.json()) as { csrfToken: string };
    const set = r.headers.get('set-cookie') ?? '';
    const cookie = /sg_session=[^;]+/.exec(set)?.[0];
    if (!cookie) throw new Error(`login as ${username}: no sg_session cookie in "${set}"`);
    const call = (path: string, init: RequestInit = {}): Promise<Response> =>
      fetch(baseUrl + path, { ...init, headers: { cookie, ...(init.headers as Record<string, string> | undefined) } });
    const client: LoggedIn = {
      username,
      cookie,
      csrfToken: body.csrfToken,
      fetch: call,
      get: (path) => call(path),
      post: (path, data, o = {}) =>
        call(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(o.csrf === false ? {} : { 'x-csrf-token': body.csrfToken }) },
          body: JSON.stringify(data ?? {}),
        }),
      logout: () => client.post('/api/logout'),
    };
    return client;
  };
  const openSocket = async (opts: ConsoleOptions): Promise<{ socket: LiveSocket; session: LoggedIn | null }> => {
    const as = opts.as === undefined ? 'admin' : opts.as;
    const session = opts.session ?? (as === null ? null : await login(as));
    const socket: LiveSocket = ioClient(`${baseUrl}${opts.namespace ?? '/console'}`, {
      transports: ['websocket'],
      reconnection: false,
      // Each socket its own connection: a shared (multiplexed) one would keep the first socket's cookie.
      forceNew: true,
      extraHeaders: { ...(session ? { cookie: session.cookie } : {}), ...opts.headers },
      ...(opts.auth ? { auth: opts.auth } : {}),
    });
    sockets.push(socket);
    return { socket, session };
  };
  return {
    hub,
    tree,
    logs,
    baseUrl,
    mqttUrl,
    device,
    async deviceAs(username, opts = {}) {
      const password = TREE_LOGINS[username];
      if (password === undefined) throw new Error(`no test login "${username}"; known: ${Object.keys(TREE_LOGINS).join(', ')}`);
      return device({ clientId: `${username}-${++connections}`, username, password, ...opts });
    },
    login,
    async console(opts = {}) {
      const { socket, session } = await openSocket(opts);
      const snapshot = await new Promise<QueueSnapshot>((ok, fail) => {
        socket.once('queue:snapshot', ok);
        socket.once('connect_error', fail);
      });
      return { socket, snapshot, session };
    },
    async consoleRefused(opts = {}) {
      const { socket } = await openSocket(opts);
      return new Promise((ok, fail) => {
        socket.once('connect', () => fail(new Error('the socket connected; a refusal was expected')));
        socket.once('connect_error', (err: Error & { data?: { code?: number; refusal?: string } }) =>
          ok({ message: err.message, code: err.data?.code, ...(err.data?.refusal ? { refusal: err.data.refusal } : {}) }),
        );
      });
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await hub.stop();
      if (!options.keepTree) tree.remove();
    },
  };
}

/**
 * Resolves with the first matching emission of `event`, or fails after `ms`. The default is a ceiling, not a
 * budget: on a loaded machine a push can take seconds, and only one that never comes should fail the test.
 */
export function nextEvent<T>(socket: Socket, event: string, match: (v: T) => boolean = () => true, ms = 30_000): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      fail(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const handler = (v: T): void => {
      if (!match(v)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      ok(v);
    };
    socket.on(event, handler);
  });
}

/** Polls `probe` until it returns something truthy; `ms` is a ceiling (see nextEvent), not a budget. */
export async function waitFor<P>(probe: () => P, ms = 30_000, every = 20): Promise<Exclude<Awaited<P>, undefined | null | false>> {
  const until = Date.now() + ms;
  for (;;) {
    // Awaited: a probe that asks the store gets a promise, which must never count as "met".
    const v = await probe();
    if (v) return v as Exclude<Awaited<P>, undefined | null | false>;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
