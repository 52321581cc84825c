/** Builds a real hub (embedded aedes, SQLite file, HTTP, Socket.IO) on ephemeral loopback ports. */
import { Writable } from 'node:stream';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startHub, type Hub, type HubOptions } from '../../src/app.js';
import { createRootLogger } from '../../src/core/logger.js';
import type { ClientToServerEvents, QueueSnapshot, ServerToClientEvents } from '../../src/contract/socket.js';
import { makeTree, TREE_ENV, TREE_LOGINS, type TestTree } from './tree.js';

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
  console(auth?: Record<string, unknown>): Promise<{ socket: Socket<ServerToClientEvents, ClientToServerEvents>; snapshot: QueueSnapshot }>;
  close(): Promise<void>;
}

export async function startTestHub(
  options: Partial<HubOptions> & { tree?: TestTree; keepTree?: boolean } = {},
): Promise<TestHub> {
  const tree = options.tree ?? makeTree();
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
    logger: createRootLogger({ level: 'debug', destination: sink }),
    ...options,
    // The tree's password_env references; a test's own env adds to them.
    env: { ...process.env, ...TREE_ENV, ...options.env },
  });
  const baseUrl = `http://127.0.0.1:${hub.httpPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${hub.mqttPort}`;
  const clients: MqttClient[] = [];
  const sockets: Socket[] = [];
  let connections = 0;
  const device = async (opts: IClientOptions = {}): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(mqttUrl, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
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
    async console(auth = {}) {
      const socket: Socket<ServerToClientEvents, ClientToServerEvents> = ioClient(`${baseUrl}/console`, {
        transports: ['websocket'],
        auth,
        reconnection: false,
      });
      sockets.push(socket);
      const snapshot = await new Promise<QueueSnapshot>((ok, fail) => {
        socket.once('queue:snapshot', ok);
        socket.once('connect_error', fail);
      });
      return { socket, snapshot };
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await hub.stop();
      if (!options.keepTree) tree.remove();
    },
  };
}

/** Resolves with the first matching emission of `event`, or fails after `ms`. */
export function nextEvent<T>(socket: Socket, event: string, match: (v: T) => boolean = () => true, ms = 5000): Promise<T> {
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

export async function waitFor<T>(probe: () => T | undefined | null | false, ms = 5000, every = 20): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
