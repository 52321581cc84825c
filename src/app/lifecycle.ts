/**
 * Readiness and the graceful drain (issue 18): what a replica behind a load balancer does between
 * "start taking alarms" and "exit", so that no device and no console is cut off mid-way.
 *
 * Drain order, and why:
 * 1. Not ready at once: the balancer's next check takes this replica out of rotation.
 * 2. The MQTT listeners close: a new device connection is refused here and the balancer sends it to
 *    another replica; devices already connected go on being served (every alarm still committed
 *    before its PUBACK).
 * 3. After `drain.unready_delay` (the balancer has noticed): the HTTP listener closes, idle
 *    keep-alive connections end, and each console's transport is closed. Socket.IO clients see
 *    "transport close", which they answer by reconnecting on their own — through the balancer, to
 *    another replica, where the catch-up by `since` fills the gap.
 * 4. No new PUBLISH is taken (its connection closes unacknowledged, the device resends it
 *    elsewhere); the ones already taken commit and get their PUBACK.
 * 5. The ordinary stop: the broker, the held incident writes, storage.
 * An alarm is therefore acknowledged and stored, or not acknowledged: never acknowledged and lost.
 * The whole of it fits in `drain.timeout`; the process supervisor (run.ts) exits at that deadline.
 */
import type { Server as HttpServer } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Server as IoServer } from 'socket.io';
import type { BrokerLink } from '../broker/types.js';
import { DEFAULT_DRAIN, type DrainSettings } from '../config/model.js';
import type { Logger } from '../core/logger.js';
import { Readiness, type NotReadyReason } from '../core/readiness.js';
import type { Store } from '../store/index.js';

/**
 * Does storage answer? The one place the readiness probe touches the store; `ping()` never
 * throws by contract, the catch keeps a backend that breaks it from failing the probe itself.
 */
export async function storageAnswers(store: Store): Promise<NotReadyReason | null> {
  try {
    return (await store.ping()) ? null : 'storage_unavailable';
  } catch {
    return 'storage_unavailable';
  }
}

/** The replica's readiness, with the storage check; other engines (Redis) add theirs where they are built. */
export function buildReadiness(store: Store): Readiness {
  const readiness = new Readiness();
  readiness.addCheck(() => storageAnswers(store));
  return readiness;
}

export interface DrainParts {
  readiness: Readiness;
  broker: BrokerLink;
  http: HttpServer;
  io: IoServer;
  /** hub.yaml `drain`, read when the drain starts. */
  settings: () => DrainSettings | undefined;
  log: Logger;
  /** The ordinary stop (app.ts): broker, ingest, held writes, storage. */
  stop: () => Promise<void>;
}

/** What the ordinary stop needs at most after the drain: the quiesce wait gives this much back. */
const STOP_RESERVE_MS = 1_500;

/** Drains and stops; resolves when stopped. A second call waits for the same drain. */
export function drainer(parts: DrainParts): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    running ??= drain(parts);
    return running;
  };
}

async function drain(p: DrainParts): Promise<void> {
  const settings = p.settings() ?? DEFAULT_DRAIN;
  const deadline = Date.now() + settings.timeoutMs;
  p.readiness.markDraining();
  p.broker.stopAccepting?.();
  p.log.info({ unreadyDelayMs: settings.unreadyDelayMs, timeoutMs: settings.timeoutMs }, 'draining: not ready, no new device connections');
  // The balancer needs its check interval × fall count to notice; meanwhile this replica still serves.
  const unready = Math.min(settings.unreadyDelayMs, deadline - Date.now() - STOP_RESERVE_MS);
  if (unready > 0) await delay(unready);
  p.http.close();
  p.http.closeIdleConnections();
  closeConsoleTransports(p.io);
  const quiet = p.broker.quiesce?.() ?? Promise.resolve();
  const settled = await waitAtMost(
    quiet.then(() => true),
    deadline - Date.now() - STOP_RESERVE_MS,
  );
  // Not settled in time: the stop cuts the rest; those messages were never acknowledged, so their devices resend them.
  if (!settled) p.log.warn('draining: messages still waiting for their commit at the deadline; they stay unacknowledged');
  await p.stop();
}

/**
 * Ends each console's connection under its Socket.IO session instead of disconnecting the socket:
 * a server-side disconnect ("io server disconnect") tells a client not to come back, a closed
 * transport tells it to reconnect — to whichever replica the balancer picks.
 */
function closeConsoleTransports(io: IoServer): void {
  for (const nsp of io._nsps.values()) for (const socket of nsp.sockets.values()) socket.conn.close();
}

/** Resolves with the promise's value, or with false once `ms` passed (at once for ms ≤ 0). */
function waitAtMost<T>(p: Promise<T>, ms: number): Promise<T | false> {
  if (ms <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((ok) => {
    timer = setTimeout(() => ok(false), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
