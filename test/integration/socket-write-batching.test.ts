import { createServer, type Server as HttpServer } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Server } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import { batchSocketWrites } from '../../src/api/socket/write-batching.js';

/**
 * Write batching changes how many system calls carry the frames, never which frames arrive or in
 * which order: a burst reaches a real client complete and in order, and no socket stays corked.
 */
let http: HttpServer | undefined;
let io: Server | undefined;
const clients: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await new Promise<void>((ok) => (io ? io.close(() => ok()) : ok()));
  http = undefined;
  io = undefined;
});

async function serve(batched: boolean): Promise<{ port: number; writes: () => number; tcp: () => NetSocket[] }> {
  http = createServer();
  io = new Server(http);
  io.of('/console');
  if (batched) batchSocketWrites(io);
  const sockets: NetSocket[] = [];
  let writes = 0;
  http.on('upgrade', (_req, socket: NetSocket) => {
    sockets.push(socket);
    // Count what reaches the kernel: one call per _writev/_write of the TCP socket.
    const s = socket as unknown as { _writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown };
    const writev = s._writev.bind(socket);
    const write = s._write.bind(socket);
    s._writev = (...a: unknown[]) => {
      writes++;
      return writev(...a);
    };
    s._write = (...a: unknown[]) => {
      writes++;
      return write(...a);
    };
  });
  await new Promise<void>((ok) => http!.listen(0, '127.0.0.1', ok));
  return { port: (http.address() as { port: number }).port, writes: () => writes, tcp: () => sockets };
}

async function burst(batched: boolean): Promise<{ received: number[]; writes: number; corked: number[] }> {
  const server = await serve(batched);
  const c = ioClient(`http://127.0.0.1:${server.port}/console`, { transports: ['websocket'], forceNew: true, reconnection: false });
  clients.push(c);
  const received: number[] = [];
  c.on('n', (n: number) => received.push(n));
  await new Promise<void>((ok, fail) => {
    c.once('connect', () => ok());
    c.once('connect_error', fail);
  });
  const before = server.writes();
  const ns = io!.of('/console');
  for (let round = 0; round < 5; round++) {
    for (let k = 0; k < 400; k++) ns.emit('n', round * 400 + k);
    await new Promise((r) => setTimeout(r, 5));
  }
  // A ceiling for a loaded machine; the loop ends as soon as all 2,000 arrived.
  const until = Date.now() + 30_000;
  while (received.length < 2000 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  return { received, writes: server.writes() - before, corked: server.tcp().map((s) => s.writableCorked) };
}

describe('one writev per Engine.IO flush', () => {
  it('2,000 frames in bursts arrive complete and in order, in far fewer TCP writes, and nothing stays corked', async () => {
    const plain = await burst(false);
    await new Promise<void>((ok) => io!.close(() => ok()));
    const batched = await burst(true);
    const expected = Array.from({ length: 2000 }, (_, n) => n);
    expect(plain.received).toEqual(expected);
    expect(batched.received).toEqual(expected);
    expect(batched.corked.every((n) => n === 0)).toBe(true);
    // Without batching each frame is its own write (~2,000); with it, one per flush (a handful per burst).
    expect(plain.writes).toBeGreaterThan(1000);
    expect(batched.writes).toBeLessThan(plain.writes / 10);
  });
});
